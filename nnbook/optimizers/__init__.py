"""The optimizers, where ``torch.optim`` and ``keras.optimizers`` keep theirs: the base class
``Optimizer`` (base.py: clipping, weight decay, buffers, the state a model file keeps), one
module a kind (sgd.py, rmsprop.py, adam.py, adamw.py, muon.py), ``clip_grad_norm``
(clipping.py) and the checks of their numbers (hyperparams.py); polar.py holds Muon's
Newton–Schulz step, the polar factor it approximates and the exact band of its singular values
(chapter 34). ``get_optimizer`` turns ``compile``'s ``optimizer="adam"`` into an optimizer;
every class is also ``nb.<name>`` and ``nb.training.<name>``.
"""

from .adam import Adam
from .adamw import AdamW
from .base import Optimizer
from .clipping import clip_grad_norm
from .muon import Muon
from .polar import CUBIC, QUINTIC, SHAPE_SCALES, newton_schulz, newton_schulz_band, polar_factor
from .rmsprop import RMSProp
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "RMSProp", "Adam", "AdamW", "Muon", "get_optimizer",
           "clip_grad_norm", "polar_factor", "newton_schulz", "newton_schulz_band", "QUINTIC",
           "CUBIC", "SHAPE_SCALES"]

_BY_NAME = {"sgd": SGD, "rmsprop": RMSProp, "adam": Adam, "adamw": AdamW, "muon": Muon}


def get_optimizer(optimizer) -> Optimizer:
    """An ``Optimizer`` from an instance or the names ``"sgd"``, ``"rmsprop"``, ``"adam"``,
    ``"adamw"``, ``"muon"`` (default settings)."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in _BY_NAME:
        return _BY_NAME[optimizer.lower()]()
    if isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
        raise ValueError(f"unknown optimizer: got the class {optimizer.__name__}, expected an "
                         f"instance. Did you mean {optimizer.__name__}()?")
    raise ValueError(
        f"unknown optimizer {optimizer!r}. Use an Optimizer object (SGD(lr=...), RMSProp(...), "
        f"Adam(...), AdamW(...), Muon(...)) or one of {sorted(_BY_NAME)}."
    )
