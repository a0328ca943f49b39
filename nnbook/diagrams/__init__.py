"""Schematic diagrams drawn from the numbers of a cell (matplotlib), one module per
topic of the course; learners write ``nb.diagrams.<name>``. Each function returns
the Axes it drew on (or a tuple of Axes) and never calls ``plt.show()``.

- networks.py: one neuron and a dense network with its parameter counts (chapters 00, 01, 09);
- graph.py: the computational graph of a forward and backward pass (chapters 02–03);
- shapes.py: the shapes of a dense layer's products (chapter 03);
- residual.py: a residual block beside a plain layer (chapter 06);
- conv.py: the convolution window, pooling and im2col (chapters 07–08);
- softmax.py: logits and softmax as bars (chapter 09);
- optimizers.py, regularisation.py, normalisation.py: momentum, dropout and batch
  normalisation (chapters 11, 12, 13);
- recurrent.py, gated.py: the unrolled RNN and BPTT, the LSTM and GRU cells (chapters 15–16);
- attention.py: attention weights, the causal mask, heads, the transformer block (17–18);
- tokens.py: a word's merge tree and a text cut into its tokens (chapter 19);
- modern.py: rotary pairs, grouped-query heads and the modern block (chapter 20);
- inference.py: the KV cache filling step by step and the top-p cut (chapter 21);
- posttraining.py: masked fine-tuning targets, LoRA's matrices and one RL step (chapter 22);
- serving.py: a ragged batch, the rolling cache and a draft-and-verify round (chapter 23);
- precision.py: a number's bits in three formats and attention's tiles (chapter 24);
- latent.py: the latent-variable model and log p(x) split into the ELBO and its gap (25);
- guidance.py: the unconditional, conditional and guided scores at one point (27);
- masked.py: a masked window and each hidden position's conditional (28).

The drawing helpers they share (canvas, units, boxes, arrows, colours) are in _draw.py;
a new diagram goes into the module of its topic, or a new one, and is imported below.
"""

from .attention import attention_matrix, causal_mask, heads, transformer_block
from .conv import conv_window, im2col, output_size_formula, pooling
from .gated import gru_cell, lstm_cell
from .graph import computational_graph, forward_backward
from .guidance import guidance_vectors
from .inference import kv_cache, top_p_cut
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
from .serving import draft_and_verify, ragged_batch, rolling_cache
from .shapes import dense_shapes
from .softmax import softmax_bars
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
    "guidance_vectors", "masked_window",
]
