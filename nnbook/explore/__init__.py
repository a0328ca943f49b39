"""Explorables for JupyterLab (ipywidgets), ``nb.explore.<name>``: move a control, and the
figure and a one-line caption follow. Each topic's module holds the explorable (which
returns the widget) beside its static figure (``*_figure``, a matplotlib Figure that a
notebook shows for readers without a kernel), on the machinery of _widgets.py; a new
explorable goes, with its figure, into the module of its topic:

- gradient_descent.py: the learning rate (chapter 00); sigmoid.py: saturation (01);
- xor.py: training on XOR (05), and animation.py, the same training as an animation;
- initialisation.py: weight scale × depth (06); conv.py: the window (07);
- softmax.py: the temperature (09); optimizers.py: SGD, momentum, Nesterov (11);
- regularisation.py: an L2-penalised polynomial (12);
- recurrent.py: the gradient through time (15–16);
- attention.py: where each head looks (17); sampling.py: the next character (18);
- tokens.py: byte-pair encoding's merges step by step on a typed text (19);
- modern.py: the rotary score of a query and a key against their offset t − s (20);
- inference.py: temperature, top-k and top-p on a model's next token, with the grammar's
  verdict on what it writes (21);
- posttraining.py: an RL run's acceptance, answer length and KL against the step (22);
- precision.py: attention's memory, plain against tiles, as T and the tile size change (24);
- latent.py: the ELBO's gap as the KL to the true posterior, as q(z | x) moves (25);
- diffusion.py: the exact score field of a noised mixture against the time t, and samples
  flowing from noise to the data as a GIF (26);
- guidance.py: the guidance weight w, guided samples with exact class scores against the
  tilted density they are said to sample (27).

The figure is a PNG in an ``ipywidgets.Image`` (no output messages while a cell runs), and
the widget's text/plain repr depends only on the controls' values, so a stored notebook is
deterministic under nbval at the defaults.
"""

from .animation import frames_gif, frames_html, xor_animation
from .attention import attention_of, attention_query, attention_query_figure
from .conv import conv_window, conv_window_figure
from .diffusion import flow_animation, score_field, score_field_figure
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
from .sigmoid import sigmoid_figure, sigmoid_saturation
from .softmax import softmax_figure, softmax_temperature
from .tokens import bpe_merges, bpe_merges_figure, bpe_state
from .xor import train_xor, xor_boundary, xor_figure, xor_training

__all__ = [
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
]
