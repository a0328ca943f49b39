"""``load_model``: a ``Sequential`` rebuilt from the file ``Sequential.save`` wrote (the
file format is nnbook/saving/model_file.py), ready to predict or to continue training
(chapter 00).
"""

from __future__ import annotations

from ..optimizers import Optimizer
from ..saving import read_model
from .losses import Loss
from .model import Sequential

__all__ = ["load_model"]


def load_model(path, custom_objects=None) -> Sequential:
    """Read a model written by ``Sequential.save``: identical predictions, and
    training continues exactly where it stopped (optimizer state included: its buffers
    and its step count ``optimizer.iterations``, Keras' name, so a checkpoint of
    ``(model, optimizer, iteration)`` is ``model.save`` with ``optimizer.iterations``).

    Args:
        custom_objects: ``{"ClassName": cls}`` for your own layers (as in Keras), unless
            the class carries ``@nb.register_class``.
    Never unpickles. A damaged or foreign file raises ``ValueError``.
    """
    spec = read_model(path, custom_objects, loss_base=Loss, optimizer_base=Optimizer)
    model = Sequential(spec["layers"], input_shape=spec["input_shape"])
    model.loss, model.optimizer = spec["loss"], spec["optimizer"]
    model.metrics = spec["metrics"]
    model.trained_length = spec["trained_length"]
    if spec["optimizer_state"] is not None:
        model.optimizer.set_state(list(model.params.values()), spec["optimizer_state"])
    return model
