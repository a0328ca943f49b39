"""The optimizers, where ``torch.optim`` and ``keras.optimizers`` keep theirs: the base class
``Optimizer`` (base.py: clipping, weight decay, buffers, the state a model file keeps), one
module a kind (sgd.py, rmsprop.py, adam.py, adamw.py), ``clip_grad_norm`` (clipping.py) and
the checks of their numbers (hyperparams.py). ``get_optimizer`` turns ``compile``'s
``optimizer="adam"`` into an optimizer; every class is also ``nb.<name>`` and ``nb.training.<name>``.
"""

from .adam import Adam
from .adamw import AdamW
from .base import Optimizer
from .clipping import clip_grad_norm
from .rmsprop import RMSProp
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "RMSProp", "Adam", "AdamW", "get_optimizer", "clip_grad_norm"]

_BY_NAME = {"sgd": SGD, "rmsprop": RMSProp, "adam": Adam, "adamw": AdamW}


def get_optimizer(optimizer) -> Optimizer:
    """An ``Optimizer`` from an instance or the names ``"sgd"``, ``"rmsprop"``, ``"adam"``
    (default settings)."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in _BY_NAME:
        return _BY_NAME[optimizer.lower()]()
    if isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
        raise ValueError(f"unknown optimizer: got the class {optimizer.__name__}, expected an "
                         f"instance. Did you mean {optimizer.__name__}()?")
    raise ValueError(
        f"unknown optimizer {optimizer!r}. Use an Optimizer object (SGD(lr=...), RMSProp(...), "
        f"Adam(...), AdamW(...)) or one of {sorted(_BY_NAME)}."
    )
