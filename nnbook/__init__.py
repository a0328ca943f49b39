"""nnbook: neural networks from scratch in NumPy, the library of the course.

``import nnbook as nb`` gives layers, losses, optimizers, ``Sequential``, the
gradient checker and the initialisers. ``nb.plot`` (matplotlib) and
``nb.exercises`` (the chapters' self-checking exercises) are imported on first
use, so ``import nnbook`` stays fast.
"""

from importlib import import_module

from . import autodiff, callbacks, conv_impl, data, diagnostics, init, labels, metrics, schedules
from .activations import Activation, ReLU, Sigmoid, Softmax, Tanh, log_softmax, sigmoid, softmax
from .batchnorm import BatchNorm
from .conv import Conv2D, output_size
from .dropout import Dropout
from .gradcheck import check_gradients, numerical_gradient, relative_error
from .layers import Dense, Flatten, Layer
from .losses import MSE, BinaryCrossEntropy, CrossEntropy, Loss
from .model import History, Sequential, load_model
from .optimizers import Adam, Optimizer, RMSProp, SGD
from .pooling import AvgPool2D, MaxPool2D
from .torch_bridge import from_torch, to_torch  # imports torch only when called

__version__ = "0.1.0"

__all__ = [
    # layers
    "Layer", "Dense", "Flatten", "Activation", "Sigmoid", "Tanh", "ReLU", "Softmax",
    "Conv2D", "MaxPool2D", "AvgPool2D", "Dropout", "BatchNorm",
    # functions
    "sigmoid", "softmax", "log_softmax", "output_size",
    # losses and optimizers
    "Loss", "MSE", "BinaryCrossEntropy", "CrossEntropy", "Optimizer", "SGD", "RMSProp", "Adam",
    # model
    "Sequential", "History", "load_model",
    # gradient checking
    "numerical_gradient", "check_gradients", "relative_error",
    # PyTorch bridge (needs torch installed)
    "to_torch", "from_torch",
    # submodules
    "init", "data", "metrics", "diagnostics", "conv_impl", "callbacks", "autodiff", "schedules", "labels", "plot", "exercises",
]

_LAZY = {"plot", "exercises"}


def __getattr__(name):
    if name in _LAZY:
        module = import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'nnbook' has no attribute {name!r}")
