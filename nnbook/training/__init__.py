"""What trains a model (chapters 00, 04, 11): ``Sequential`` with its public training step
(model.py), the epoch loop and ``History`` (loop.py), the checks on x and y (inputs.py)
and on what a layer's forward and backward return (protocol.py),
the losses, the optimizers, saving and loading, and the progress display. Every public
name is also at the top level, ``nb.Sequential``; callbacks, schedules and metrics are the
public modules ``nb.callbacks``, ``nb.schedules`` and ``nb.metrics``.
"""

from .losses import MSE, BinaryCrossEntropy, CrossEntropy, Loss
from .model import History, Sequential, load_model
from .optimizers import SGD, Adam, Optimizer, RMSProp

__all__ = ["Sequential", "History", "load_model", "Loss", "MSE", "BinaryCrossEntropy",
           "CrossEntropy", "Optimizer", "SGD", "RMSProp", "Adam"]
