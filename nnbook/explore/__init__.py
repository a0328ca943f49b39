"""Explorables for JupyterLab (ipywidgets), ``nb.explore.<name>``: move a control and the
figure and its caption follow. Each topic's module (conv.py, attention.py, …) holds its
explorables, each beside a static ``*_figure`` for readers without a kernel, on _widgets.py's
machinery, and its docstring names the chapters that call them; a new one goes, with its
figure, into the module of its topic, and a new topic's module is imported here and its names
listed in ``__all__``."""

from .animation import frames_gif, frames_html, xor_animation
from .attention import attention_of, attention_query, attention_query_figure
from .conv import conv_window, conv_window_figure
from .diffusion import flow_animation, score_field, score_field_figure
from .grpo import group_update, group_update_figure
from .guidance import guidance_numbers, guidance_weight, guidance_weight_figure
from .gradient_descent import learning_rate, learning_rate_figure, lr_regime
from .inference import decoding, decoding_figure, decoding_probs, decoding_sample
from .latent import posterior_gap, posterior_gap_figure, posterior_gap_numbers
from .initialisation import init_depth, init_depth_figure
from .modern import rope_score, rope_score_figure, rope_scores
from .optimizers import optimizer_paths, optimizer_paths_figure, quadratic_paths
from .posttraining import rl_history, rl_history_figure
from .precision import tile_memory, tile_memory_figure, tile_memory_numbers
from .recurrent import gradient_through_time, gradient_through_time_figure, input_gradient_norms
from .regularisation import l2_polynomial, l2_polynomial_figure, polynomial_data, ridge_fit
from .sampling import next_char, next_char_figure, next_char_probs
from .scaling import scaling_budget, scaling_budget_figure
from .state import recall_capacity, recall_capacity_figure, recall_capacity_numbers
from .sigmoid import sigmoid_figure, sigmoid_saturation
from .softmax import softmax_figure, softmax_temperature
from .test_time import test_time_compute, test_time_figure
from .tokens import bpe_merges, bpe_merges_figure, bpe_state
from .xor import train_xor, xor_boundary, xor_figure, xor_training

__all__ = [
    "group_update", "group_update_figure",
    "posterior_gap", "posterior_gap_figure", "posterior_gap_numbers",
    "score_field", "score_field_figure", "flow_animation",
    "guidance_weight", "guidance_weight_figure", "guidance_numbers",
    "learning_rate", "learning_rate_figure", "lr_regime",
    "sigmoid_saturation", "sigmoid_figure",
    "xor_training", "xor_figure", "train_xor", "xor_boundary",
    "xor_animation", "frames_html", "frames_gif",
    "init_depth", "init_depth_figure",
    "conv_window", "conv_window_figure",
    "softmax_temperature", "softmax_figure",
    "optimizer_paths", "optimizer_paths_figure", "quadratic_paths",
    "l2_polynomial", "l2_polynomial_figure", "polynomial_data", "ridge_fit",
    "gradient_through_time", "gradient_through_time_figure", "input_gradient_norms",
    "attention_query", "attention_query_figure", "attention_of",
    "next_char", "next_char_figure", "next_char_probs",
    "bpe_merges", "bpe_merges_figure", "bpe_state",
    "rope_score", "rope_score_figure", "rope_scores",
    "decoding", "decoding_figure", "decoding_probs", "decoding_sample",
    "rl_history", "rl_history_figure",
    "tile_memory", "tile_memory_figure", "tile_memory_numbers",
    "test_time_compute", "test_time_figure",
    "scaling_budget", "scaling_budget_figure",
    "recall_capacity", "recall_capacity_figure", "recall_capacity_numbers",
]
