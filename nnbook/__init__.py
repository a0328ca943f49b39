"""nnbook: neural networks from scratch in NumPy, the library of the course.

``import nnbook as nb`` gives layers, losses, optimizers, ``Sequential``, the
gradient checker and the initialisers. The folders show the roles:

- ``nnbook/layers/``: what a model is made of (a new layer goes here);
- ``nnbook/training/``: what trains it: the model, the loop, losses, optimizers,
  schedules, callbacks, metrics, saving, the progress display;
- ``nnbook/data/``: data sets, generated or shipped, and file readers;
- ``nnbook/figures/``: plots, schematic diagrams, explorables, animations;
- ``nnbook/exercises/``: the chapters' self-checking exercises;
- ``nnbook/torch_bridge/``: ``to_torch`` and ``from_torch``;
- at this level: the gradient checker, the initialisers, diagnostics, the
  teaching convolutions (``conv_impl``), chapter 14's autodiff engine and the
  argument checks every folder shares (``validate``).

The short names a learner types (``nb.plot``, ``nb.diagrams``, ``nb.explore``,
``nb.callbacks``, ``nb.schedules``, ``nb.metrics``, …) are the modules listed in
``_MOVED`` below; ``from nnbook.callbacks import EarlyStopping`` works as well. The
figure modules import matplotlib, so they load on first use and ``import nnbook``
stays fast.
"""

import importlib as _importlib
import importlib.abc as _abc
import importlib.util as _util
import sys as _sys

from . import autodiff, conv_impl, data, diagnostics, init
from .layers import (Activation, AvgPool2D, BatchNorm, Conv2D, Dense, Dropout, Flatten, Layer,
                     MaxPool2D, ReLU, Sigmoid, Softmax, Tanh, log_softmax, output_size,
                     same_padding, sigmoid, softmax)
from .layers import GRU, LSTM, RNN
from .layers import (Embedding, LayerNorm, MultiHeadAttention, PositionalEmbedding,
                     TransformerBlock)
from .layers import RMSNorm, SiLU, SwiGLU, Unembedding
from .gradcheck import check_gradients, numerical_gradient, relative_error
from .registry import register_class
from .training import AdamW
from .training import (MSE, SGD, Adam, BinaryCrossEntropy, CrossEntropy, History, Loss, Optimizer,
                       RMSProp, Sequential, callbacks, load_model, metrics, schedules)
from .torch_bridge import from_torch, to_torch  # imports torch only when called

__version__ = "0.1.0"

__all__ = [
    # layers
    "Layer", "Dense", "Flatten", "Activation", "Sigmoid", "Tanh", "ReLU", "Softmax",
    "Conv2D", "MaxPool2D", "AvgPool2D", "Dropout", "BatchNorm",
    "RNN", "LSTM", "GRU",
    "Embedding", "PositionalEmbedding", "LayerNorm", "MultiHeadAttention", "TransformerBlock",
    "RMSNorm", "SiLU", "SwiGLU", "Unembedding",
    # functions
    "sigmoid", "softmax", "log_softmax", "output_size", "same_padding",
    # losses and optimizers
    "Loss", "MSE", "BinaryCrossEntropy", "CrossEntropy", "Optimizer", "SGD", "RMSProp", "Adam",
    "AdamW",
    # model
    "Sequential", "History", "load_model", "register_class",
    # gradient checking
    "numerical_gradient", "check_gradients", "relative_error",
    # PyTorch bridge (needs torch installed)
    "to_torch", "from_torch",
    # the folders
    "layers", "training", "data", "figures", "exercises", "torch_bridge",
    # the modules a learner uses by name
    "init", "labels", "metrics", "diagnostics", "conv_impl", "callbacks", "schedules",
    "autodiff", "plot", "diagrams", "diagrams_conv", "explore", "animation",
]

# The public module names of the flat package that the folders replaced, and
# where each lives now. ``nb.<name>`` and ``import nnbook.<name>`` give the module itself.
_MOVED = {
    "plot": "nnbook.figures.plot",
    "diagrams": "nnbook.figures.diagrams",
    "diagrams_conv": "nnbook.figures.diagrams_conv",
    "diagrams_graph": "nnbook.figures.diagrams_graph",
    "explore": "nnbook.figures.explore",
    "explore_figures": "nnbook.figures.explore_figures",
    "animation": "nnbook.figures.animation",
    "callbacks": "nnbook.training.callbacks",
    "schedules": "nnbook.training.schedules",
    "metrics": "nnbook.training.metrics",
    "labels": "nnbook.data.labels",
    "idx": "nnbook.data.idx",
}
_LAZY = {"figures", "exercises"}     # import matplotlib or every chapter's exercises


class _MovedModules(_abc.MetaPathFinder, _abc.Loader):
    """Lets ``import nnbook.plot`` give ``nnbook.figures.plot``: one module, two names."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith("nnbook.") and fullname[len("nnbook."):] in _MOVED:
            return _util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        module = _importlib.import_module(_MOVED[spec.name[len("nnbook."):]])
        spec.loader_state = module.__spec__      # the import system overwrites __spec__
        return module

    def exec_module(self, module):
        module.__spec__ = module.__spec__.loader_state    # already run under its own name


if not any(isinstance(f, _MovedModules) for f in _sys.meta_path):
    _sys.meta_path.append(_MovedModules())


def __getattr__(name):
    if name in _MOVED or name in _LAZY:
        module = _importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'nnbook' has no attribute {name!r}")
