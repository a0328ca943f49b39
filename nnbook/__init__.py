"""nnbook: neural networks from scratch in NumPy, the library of the course.

``import nnbook as nb`` gives layers, losses, optimizers, ``Sequential``, the
gradient checker and the initialisers. ``nb.plot`` (matplotlib) and
``nb.exercises`` (the chapters' self-checking exercises), ``nb.diagrams`` and
``nb.diagrams_conv`` (schematic pictures), ``nb.explore`` (ipywidgets explorables)
and ``nb.animation`` are imported on first use, so ``import nnbook`` stays fast.

The folders show the roles: ``nnbook/layers/`` holds what a model is made of,
``nnbook/training/`` what trains it (model, loop, losses, optimizers, saving,
progress), and the modules at this level are the public namespaces a learner
imports by name (``nb.data``, ``nb.plot``, ``nb.callbacks``, ``nb.metrics``,
``nb.schedules``, ``nb.exercises``, ``nb.diagrams``, …) with the gradient checker,
the teaching convolutions (``nb.conv_impl``) and the PyTorch bridge.
"""

from importlib import import_module

from . import autodiff, callbacks, conv_impl, data, diagnostics, init, labels, metrics, schedules
from .layers import (Activation, AvgPool2D, BatchNorm, Conv2D, Dense, Dropout, Flatten, Layer,
                     MaxPool2D, ReLU, Sigmoid, Softmax, Tanh, log_softmax, output_size,
                     same_padding, sigmoid, softmax)
from .gradcheck import check_gradients, numerical_gradient, relative_error
from .training import (MSE, SGD, Adam, BinaryCrossEntropy, CrossEntropy, History, Loss, Optimizer,
                       RMSProp, Sequential, load_model)
from .torch_bridge import from_torch, to_torch  # imports torch only when called

__version__ = "0.1.0"

__all__ = [
    # layers
    "Layer", "Dense", "Flatten", "Activation", "Sigmoid", "Tanh", "ReLU", "Softmax",
    "Conv2D", "MaxPool2D", "AvgPool2D", "Dropout", "BatchNorm",
    # functions
    "sigmoid", "softmax", "log_softmax", "output_size", "same_padding",
    # losses and optimizers
    "Loss", "MSE", "BinaryCrossEntropy", "CrossEntropy", "Optimizer", "SGD", "RMSProp", "Adam",
    # model
    "Sequential", "History", "load_model",
    # gradient checking
    "numerical_gradient", "check_gradients", "relative_error",
    # PyTorch bridge (needs torch installed)
    "to_torch", "from_torch",
    # submodules
    "init", "data", "labels", "metrics", "diagnostics", "conv_impl", "callbacks", "schedules",
    "autodiff", "plot", "exercises", "diagrams", "diagrams_conv", "explore", "animation",
]

_LAZY = {"plot", "exercises", "diagrams", "diagrams_conv", "explore", "animation"}


def __getattr__(name):
    if name in _LAZY:
        module = import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'nnbook' has no attribute {name!r}")
