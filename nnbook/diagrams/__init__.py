"""Schematic diagrams drawn from a cell's numbers (matplotlib), ``nb.diagrams.<name>``, one
module per topic (networks.py, conv.py, attention.py, …), whose docstring names the chapters
that draw it; each function returns the Axes it drew on and never calls ``plt.show()``.
The shared drawing helpers are in _draw.py; a new diagram goes into its topic's module, and a
new topic's module is imported here and its names listed in ``__all__``."""

from .attention import attention_matrix, causal_mask, heads, transformer_block
from .conv import conv_window, im2col, output_size_formula, pooling
from .gated import gru_cell, lstm_cell
from .graph import computational_graph, forward_backward
from .grpo import group_patterns
from .guidance import guidance_vectors
from .inference import kv_cache, top_p_cut
from .judges import judge_against_truth
from .latent import elbo_gap, latent_model
from .masked import masked_window
from .modern import gqa_heads, modern_block, rope_pairs
from .networks import network, neuron
from .normalisation import batchnorm_statistics
from .optimizers import momentum_vectors
from .posttraining import lora_matrices, rl_step, sft_targets
from .precision import attention_tiles, bit_layouts
from .recurrent import bptt_paths, rnn_outputs, rnn_unrolled
from .regularisation import dropout_network
from .residual import residual_block
from .scaling import scaling_terms
from .serving import draft_and_verify, ragged_batch, rolling_cache
from .shapes import dense_shapes
from .softmax import softmax_bars
from .state import state_write
from .tokens import merge_tree, token_boundaries

__all__ = [
    "neuron", "network", "computational_graph", "forward_backward", "dense_shapes",
    "residual_block", "conv_window", "pooling", "im2col", "output_size_formula", "softmax_bars",
    "momentum_vectors", "dropout_network", "batchnorm_statistics",
    "rnn_unrolled", "rnn_outputs", "bptt_paths", "lstm_cell", "gru_cell",
    "attention_matrix", "causal_mask", "heads", "transformer_block",
    "merge_tree", "token_boundaries",
    "gqa_heads", "modern_block", "rope_pairs",
    "kv_cache", "top_p_cut",
    "sft_targets", "lora_matrices", "rl_step",
    "ragged_batch", "rolling_cache", "draft_and_verify",
    "bit_layouts", "attention_tiles",
    "latent_model", "elbo_gap",
    "guidance_vectors", "masked_window", "group_patterns", "judge_against_truth",
    "state_write", "scaling_terms",
]
