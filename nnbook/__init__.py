"""nnbook: neural networks from scratch in NumPy, the library of the course; ``import
nnbook as nb`` gives layers, losses, optimizers, ``Sequential``, the gradient checker and
the initialisers. Each folder's own docstring lists what it holds:

- ``layers/``: what a model is made of; ``kernels/``: the speed code under the layers;
- ``training/``: the model, the loop, losses, schedules, callbacks, metrics; ``optimizers/``:
  the optimizers and ``clip_grad_norm``; ``saving/``: the model file that ``model.save``
  writes and ``nb.load_model`` reads;
- ``data/``: data sets; ``plot/``, ``diagrams/``, ``explore/``: plots, schematic
  diagrams, explorables; ``exercises/``: the chapters' self-checking exercises;
- ``autodiff/`` (chapter 14), ``inference/`` (21), ``precision/`` (24),
  ``generative/`` (25–28), ``evaluation/`` (Part VI's statistics, 29–32), ``interpret/`` (36),
  ``arena/`` (37),
  ``torch_bridge/``, ``experiments/`` (results over seeds);
- at this level: the gradient checker, the initialisers, diagnostics, the teaching
  convolutions (``conv_impl``), the shared argument checks (``validate``), the registry
  of saved classes, and ``callbacks``, ``schedules``, ``metrics`` (names learners import)."""

import importlib as _importlib

from . import autodiff, callbacks, conv_impl, data, diagnostics, init, metrics, schedules
from . import arena, evaluation, generative, inference, interpret, precision
from .inference import generate, sample_text
from .data import labels
from .layers import (Activation, AvgPool2D, BatchNorm, Conv2D, Dense, Dropout, Flatten, Layer,
                     MaxPool2D, ReLU, Sigmoid, Softmax, Tanh, log_softmax, output_size,
                     same_padding, sigmoid, softmax)
from .layers import GRU, LSTM, RNN
from .layers import (Embedding, LayerNorm, MultiHeadAttention, PositionalEmbedding,
                     TransformerBlock)
from .layers import RMSNorm, SiLU, SwiGLU, Unembedding, apply_rope, kv_head_of, rope_angles
from .layers import LoRA, add_lora, merge_lora
from .layers import DeltaNet, LinearAttention
from .layers import MixtureOfExperts
from .layers.attention import attention
from .gradcheck import check_gradients, numerical_gradient, relative_error
from .registry import register_class
from . import experiments
from .experiments import SeedTable, over_seeds, seeds
from .optimizers import SGD, Adam, AdamW, Muon, Optimizer, RMSProp, clip_grad_norm, newton_schulz
from .optimizers import newton_schulz_band, polar_factor
from .evaluation import (MixingFit, ScalingFit, fit_mixing_law, fit_power_law,
                         fit_scaling_law, mixing_law, scaling_law)
from .evaluation import distillation_distances
from .training import (MSE, BinaryCrossEntropy, CrossEntropy, History, Loss, Sequential,
                       load_model)
from .training import (dpo_loss, group_advantages, policy_gradient_loss, sequence_kl,
                       sequence_logprobs, sequence_logprobs_backward)
from .training import (OnPolicyDistillation, SoftDistillation, on_policy_distillation_loss,
                       soft_distillation_loss)
from .inference import on_policy_batch
from .torch_bridge import from_torch, to_torch  # imports torch only when called

__version__ = "0.1.0"

__all__ = [
    # layers
    "Layer", "Dense", "Flatten", "Activation", "Sigmoid", "Tanh", "ReLU", "Softmax",
    "Conv2D", "MaxPool2D", "AvgPool2D", "Dropout", "BatchNorm",
    "RNN", "LSTM", "GRU",
    "Embedding", "PositionalEmbedding", "LayerNorm", "MultiHeadAttention", "TransformerBlock",
    "RMSNorm", "SiLU", "SwiGLU", "Unembedding", "LoRA", "LinearAttention", "DeltaNet",
    "MixtureOfExperts",
    # functions
    "sigmoid", "softmax", "log_softmax", "output_size", "same_padding",
    "rope_angles", "apply_rope", "kv_head_of", "attention", "add_lora", "merge_lora",
    # losses and optimizers
    "Loss", "MSE", "BinaryCrossEntropy", "CrossEntropy", "Optimizer", "SGD", "RMSProp", "Adam",
    "AdamW", "Muon", "newton_schulz", "newton_schulz_band", "polar_factor",
    "clip_grad_norm", "ScalingFit", "fit_scaling_law",
    "fit_power_law", "scaling_law", "MixingFit", "fit_mixing_law", "mixing_law",
    # model
    "Sequential", "History", "load_model", "register_class",
    # post-training losses (chapter 22)
    "sequence_logprobs", "sequence_logprobs_backward", "dpo_loss", "group_advantages",
    "policy_gradient_loss", "sequence_kl",
    # distillation (chapter 35)
    "SoftDistillation", "OnPolicyDistillation", "soft_distillation_loss",
    "on_policy_distillation_loss", "on_policy_batch", "distillation_distances",
    # writing text with a model (chapter 21)
    "generate", "sample_text",
    # results over seeds
    "over_seeds", "SeedTable",
    # gradient checking
    "numerical_gradient", "check_gradients", "relative_error",
    # PyTorch bridge (needs torch installed)
    "to_torch", "from_torch",
    # the folders
    "layers", "training", "data", "exercises", "torch_bridge", "plot", "diagrams", "explore",
    "inference", "generative", "precision", "evaluation", "interpret", "arena",
    # the modules a learner uses by name
    "init", "labels", "metrics", "diagnostics", "conv_impl", "callbacks", "schedules",
    "autodiff", "experiments", "seeds",
]

_LAZY = ("plot", "diagrams", "explore", "exercises")   # import matplotlib or every chapter's checkers


def __getattr__(name):
    """``nb.plot``, ``nb.diagrams``, ``nb.explore`` and ``nb.exercises`` on first use, so
    ``import nnbook`` stays fast; any other missing name gets a message naming the fix."""
    if name in _LAZY:
        return _importlib.import_module(f"{__name__}.{name}")   # also sets nnbook.<name>
    from .spellings import missing_name_message
    raise AttributeError(missing_name_message(name))


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
