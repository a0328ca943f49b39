"""Every backward and every loss gradient against central finite differences
(and, over the same table, that results handed out are not overwritten later).

One table, one test: a new layer or loss is one new row. A row is
``Row(name, checks, make_layer(draw, rng), make_input(draw, rng, layer))``: ``checks``
is the nnbook class the row builds (the test checks that it does), ``name`` the test
id. Hypothesis draws the sizes (batch 1–4, sizes 1–5), ``rng`` the values, everything
float64. A loss is checked as a layer whose output is the scalar ``loss(y_true, x)``.
The oracle is ``nb.numerical_gradient``, at sampled coordinates of each array (every index
of every axis, at least 8 in all: ``sampled_gradient_errors``), judged as
``nb.check_gradients`` judges; the whole models below go through ``nb.check_gradients``.

Every nnbook layer class that has parameters must have a row (the last test finds
them through the registry and fails naming the missing ones): a new layer with
weights (``RNN``, ``LSTM``, ``Embedding``, ``LayerNorm``, ``MultiHeadAttention``, …)
comes with its row here, for instance::

    ROWS.append(Row("LayerNorm", nb.LayerNorm,
                    lambda draw, rng: nb.LayerNorm(draw(SIZE), rng=rng),
                    lambda draw, rng, layer: rng.standard_normal((draw(BATCH), layer.n_features))))
"""

import inspect
from typing import Callable, NamedTuple

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import nnbook as nb
from nnbook.gradcheck import _error, _round_off
from nnbook.registry import registered

BATCH = st.integers(1, 4)
SIZE = st.integers(1, 5)
TOL = 1e-6


def away_from_zero(rng, shape):
    """Values with 1/3 ≤ |x| ≤ 2: no input sits on ReLU's kink."""
    return rng.uniform(1 / 3, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def distinct(rng, shape):
    """Values at least 0.05 apart, so no max-pool window has a (near) tie."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.05 - 0.025 * n).reshape(shape)


class LossAsLayer(nb.Layer):
    """``y = loss(y_true, x)`` (a scalar) as a layer, so a loss is checked like any layer."""

    def __init__(self, loss, y_true):
        super().__init__()
        self.loss, self.y_true = loss, y_true

    def forward(self, x):
        self._x = x
        return np.array(self.loss(self.y_true, x))

    def backward(self, dy, need_dx=True):
        return dy * self.loss.grad(self.y_true, self._x)

    def __repr__(self):
        return f"LossAsLayer({self.loss!r})"


class Row(NamedTuple):
    name: str                 # the test id
    checks: type              # the nnbook layer (or loss) class that make_layer builds
    make_layer: Callable      # (draw, rng) -> the layer
    make_input: Callable      # (draw, rng, layer) -> its input x


# rows: layers ----------------------------------------------------------------------------------
def elementwise(cls):
    return Row(cls.__name__, cls, lambda draw, rng: cls(),
               lambda draw, rng, layer: away_from_zero(rng, (draw(BATCH), draw(SIZE))))


ROWS = [
    Row("Dense", nb.Dense, lambda draw, rng: nb.Dense(draw(SIZE), draw(SIZE), rng=rng),
        lambda draw, rng, layer: rng.standard_normal((draw(BATCH), layer.n_in))),
    elementwise(nb.Sigmoid),
    elementwise(nb.Tanh),
    elementwise(nb.ReLU),
    Row("Softmax", nb.Softmax, lambda draw, rng: nb.Softmax(),
        lambda draw, rng, layer: 2 * rng.standard_normal((draw(BATCH), draw(SIZE)))),
    Row("Flatten", nb.Flatten, lambda draw, rng: nb.Flatten(),
        lambda draw, rng, layer: rng.standard_normal((draw(BATCH), draw(SIZE), draw(SIZE), 2))),
]

PADDINGS = st.sampled_from([0, 1, "valid", "same"])


def make_conv(draw, rng, padding=PADDINGS, stride=st.integers(1, 2)):
    c_in, c_out, f = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return nb.Conv2D(c_in, c_out, f, stride=draw(stride), padding=draw(padding), rng=rng)


def conv_input(draw, rng, layer, sides=None):
    f, p = layer.kernel_size, layer.padding
    if sides is None:
        sides = st.integers(1 if p == "same" else max(1, f - 2 * (p if p != "valid" else 0)), 6)
    side = sides
    return rng.standard_normal((draw(BATCH), draw(side), draw(side), layer.c_in))


ODD_AND_EVEN = st.sampled_from([3, 4, 5, 6])        # "same" pads asymmetrically on even sides at stride 2
ROWS.append(Row("Conv2D", nb.Conv2D, make_conv, conv_input))
for _s in (1, 2):
    ROWS.append(Row(f"Conv2D same stride {_s}", nb.Conv2D,
                    lambda draw, rng, s=_s: make_conv(draw, rng, st.just("same"), st.just(s)),
                    lambda draw, rng, layer: conv_input(draw, rng, layer, ODD_AND_EVEN)))


def make_pool(draw, rng, cls, padding=None, stride=st.sampled_from([None, 1, 2])):
    size = draw(st.integers(1, 3))
    if padding is None:
        padding = st.sampled_from([0, size // 2, "valid", "same"])
    return cls(size, stride=draw(stride), padding=draw(padding))


def pool_input(draw, rng, layer, sides=None):
    p = layer.padding if isinstance(layer.padding, int) else 0
    if sides is None:
        sides = st.integers(1 if layer.padding == "same" else max(1, layer.pool_size - 2 * p), 6)
    side = sides
    return distinct(rng, (draw(BATCH), draw(side), draw(side), draw(st.integers(1, 2))))


for _pool in (nb.MaxPool2D, nb.AvgPool2D):
    ROWS.append(Row(_pool.__name__, _pool, lambda draw, rng, cls=_pool: make_pool(draw, rng, cls),
                    pool_input))
    for _s in (1, 2):
        ROWS.append(Row(f"{_pool.__name__} same stride {_s}", _pool,
                        lambda draw, rng, cls=_pool, s=_s: make_pool(draw, rng, cls, st.just("same"),
                                                                     st.just(s)),
                        lambda draw, rng, layer: pool_input(draw, rng, layer, ODD_AND_EVEN)))


# rows: Dropout (a fixed mask) and BatchNorm (training and inference, dense and images) ----------
def make_dropout(draw, rng):
    layer = nb.Dropout(draw(st.sampled_from([0.1, 0.5])), rng=rng)
    layer.training = True
    return layer


def dropout_input(draw, rng, layer):
    """The input, and the mask fixed on it: every forward of the check reuses that mask."""
    x = rng.standard_normal((draw(BATCH), draw(SIZE)))
    layer.forward(x)
    layer.fixed_mask = True
    return x


def make_batchnorm(training):
    def make(draw, rng):
        layer = nb.BatchNorm(draw(st.integers(1, 3)), rng=rng)
        layer.training = training
        n = layer.n_features
        layer.params["gamma"][...] = rng.uniform(0.5, 2.0, n) * rng.choice([-1.0, 1.0], n)
        layer.params["beta"][...] = rng.standard_normal(n)
        layer.buffers["running_mean"][...] = rng.standard_normal(n)
        layer.buffers["running_var"][...] = rng.uniform(0.5, 2.0, n)
        return layer
    return make


# at least 3 values per feature in training: with 2, x̂ = ±1 whatever x is, and ∂E/∂x = 0 exactly
def make_reparameterize(draw, rng):
    layer = nb.generative.Reparameterize(rng=rng)
    layer.training, layer.fixed_eps = True, True
    return layer


def reparameterize_input(draw, rng, layer):
    """μ and log σ² side by side; one forward draws the ε that the check keeps."""
    x = rng.uniform(-1.0, 1.0, (draw(BATCH), 2 * draw(SIZE)))
    layer.forward(x)
    return x


ROWS += [
    Row("Dropout(training, fixed mask)", nb.Dropout, make_dropout, dropout_input),
    Row("BatchNorm(dense, training)", nb.BatchNorm, make_batchnorm(True),
        lambda draw, rng, layer: rng.standard_normal((draw(st.integers(3, 6)), layer.n_features))),
    Row("BatchNorm(dense, inference)", nb.BatchNorm, make_batchnorm(False),
        lambda draw, rng, layer: rng.standard_normal((draw(BATCH), layer.n_features))),
    Row("BatchNorm(images, training)", nb.BatchNorm, make_batchnorm(True),
        lambda draw, rng, layer: rng.standard_normal((draw(st.integers(1, 3)), draw(st.integers(2, 3)),
                                                      draw(st.integers(2, 3)), layer.n_features))),
    Row("BatchNorm(images, inference)", nb.BatchNorm, make_batchnorm(False),
        lambda draw, rng, layer: rng.standard_normal((draw(BATCH), draw(SIZE), draw(SIZE),
                                                      layer.n_features))),
]


# rows: recurrent layers, both outputs (every h_t, or h_T only), on (m, T, n_in) ------------------
def make_recurrent(cls, return_sequences):
    def make(draw, rng):
        layer = cls(draw(SIZE), draw(SIZE), return_sequences=return_sequences, rng=rng)
        for p in layer.params.values():          # random biases too, not a fresh layer's 0 (and 1)
            p += 0.5 * rng.standard_normal(p.shape)
        return layer
    return make


for _rnn in (nb.RNN, nb.LSTM, nb.GRU):
    for _seq in (True, False):
        ROWS.append(Row(f"{_rnn.__name__}(return_sequences={_seq})", _rnn, make_recurrent(_rnn, _seq),
                        lambda draw, rng, layer: rng.standard_normal((draw(BATCH), draw(SIZE),
                                                                      layer.n_in))))


# rows: sequences and attention (chapters 17–18): Embedding takes integer ids (no "x" entry) ------
ROWS += [
    Row("Embedding", nb.Embedding, lambda draw, rng: nb.Embedding(draw(SIZE), draw(SIZE), rng=rng),
        lambda draw, rng, layer: rng.integers(0, layer.vocab_size, (draw(BATCH), draw(SIZE)))),
    Row("PositionalEmbedding", nb.PositionalEmbedding,
        lambda draw, rng: nb.PositionalEmbedding(draw(st.integers(2, 6)), draw(SIZE), rng=rng),
        lambda draw, rng, layer: rng.standard_normal((draw(BATCH), draw(st.integers(1, layer.max_len)),
                                                      layer.dim))),
    Row("Dense(sequences)", nb.Dense, lambda draw, rng: nb.Dense(draw(SIZE), draw(SIZE), rng=rng),
        lambda draw, rng, layer: rng.standard_normal((draw(BATCH), draw(SIZE), layer.n_in))),
]


def randomised(layer, rng):
    """Every parameter moved off its start (γ = 1, β = 0, zero biases) by N(0, 0.5²)."""
    for p in layer.params.values():
        p += 0.5 * rng.standard_normal(p.shape)
    return layer


def sequences(draw, rng, layer, shortest=1):
    return rng.standard_normal((draw(BATCH), draw(st.integers(shortest, 4)), layer.d_model))


def attention_input(draw, rng, layer):
    """T ≥ 2: with one position each softmax row is the constant 1, so the true ∂E/∂W_q and
    ∂E/∂W_k are exactly 0 and backward's are round-off (which summation order leaves how much
    depends on the BLAS kernel): a relative error of round-off against 0 means nothing."""
    return sequences(draw, rng, layer, shortest=2)


def make_attention(draw, rng):
    heads = draw(st.integers(1, 3))
    return randomised(nb.MultiHeadAttention(heads * draw(st.integers(1, 3)), heads,
                                            causal=draw(st.booleans()), rng=rng), rng)


def make_block(draw, rng):
    """d_model ≥ 3: LN₁ of 2 features is ±(γ₁ − γ₂)/2 + β whatever x is, so two positions can
    get identical queries and keys, and ∂E/∂W_q is then 0 up to round-off. d_ff ≥ 2: a single
    ReLU unit, active on one position only, leaves ∂E/∂W_1 near the differences' noise. Smaller
    W_q, W_k: scores of order 1, since a saturated softmax has ∂E/∂W_q near round-off too."""
    d = draw(st.sampled_from([3, 4, 6]))
    heads = draw(st.sampled_from([h for h in (1, 2, 3) if d % h == 0]))
    block = randomised(nb.TransformerBlock(d, heads, draw(st.integers(2, 5)),
                                           causal=draw(st.booleans()), rng=rng), rng)
    block.params["attn.W_q"] *= 0.5
    block.params["attn.W_k"] *= 0.5
    return block


def block_input(draw, rng, layer):
    """A sequence whose queries tell its first two keys apart: when LN₁ makes them almost
    equal (two positions with nearly the same direction), every query weighs them alike and
    ∂E/∂W_q is near round-off, not a gradient that finite differences resolve. T ≥ 2, as
    attention_input says."""
    x = sequences(draw, rng, layer, shortest=2)
    if x.shape[1] > 1:
        layer.forward(x)
        w = layer.attention_weights[:, :, 1:, :2]                  # rows t ≥ 1 see keys 0, 1
        assume(np.abs(w[..., 0] - w[..., 1]).min() > 0.01)
    return x


ROWS += [   # LayerNorm over ≥ 3 features: with 2, x̂ = ±1 whatever x is, and ∂E/∂x ≈ 0
    Row("LayerNorm", nb.LayerNorm,
        lambda draw, rng: randomised(nb.LayerNorm(draw(st.integers(3, 6))), rng),
        lambda draw, rng, layer: rng.standard_normal(
            (draw(BATCH),) + (draw(SIZE),) * draw(st.integers(0, 1)) + (layer.n_features,))),
    Row("MultiHeadAttention", nb.MultiHeadAttention, make_attention, attention_input),
    Row("TransformerBlock", nb.TransformerBlock, make_block, block_input),
]


# rows: chapter 20's layers and the modern settings of attention and the block -------------------
def make_modern_attention(draw, rng, **fixed):
    """Heads of an even size (RoPE turns pairs); n_kv_heads divides n_heads."""
    heads = draw(st.sampled_from([1, 2, 4]))
    settings = dict(n_kv_heads=draw(st.sampled_from([k for k in (1, 2, 4) if heads % k == 0])),
                    rope=draw(st.booleans()), bias=draw(st.booleans()), causal=draw(st.booleans()))
    settings.update(fixed)
    return randomised(nb.MultiHeadAttention(heads * 2 * draw(st.integers(1, 2)), heads, rng=rng,
                                            **settings), rng)


def make_modern_block(**fixed):
    def make(draw, rng):
        heads = draw(st.sampled_from([1, 2]))
        settings = dict(norm=draw(st.sampled_from(["layernorm", "rmsnorm", "none"])),
                        ffn=draw(st.sampled_from(["relu", "swiglu"])), rope=draw(st.booleans()),
                        n_kv_heads=draw(st.sampled_from([k for k in (1, 2) if heads % k == 0])),
                        bias=draw(st.booleans()), causal=draw(st.booleans()))
        settings.update(fixed)
        block = randomised(nb.TransformerBlock(4 if heads == 1 else 8, heads, draw(st.integers(2, 5)),
                                               rng=rng, **settings), rng)
        block.params["attn.W_q"] *= 0.5
        block.params["attn.W_k"] *= 0.5
        return block
    return make


def make_unembedding(draw, rng):
    return nb.Unembedding(nb.Embedding(draw(st.integers(2, 6)), draw(SIZE), rng=rng))


ROWS += [
    Row("RMSNorm", nb.RMSNorm, lambda draw, rng: randomised(nb.RMSNorm(draw(st.integers(2, 6))), rng),
        lambda draw, rng, layer: rng.standard_normal(
            (draw(BATCH),) + (draw(SIZE),) * draw(st.integers(0, 1)) + (layer.n_features,))),
    elementwise(nb.SiLU),
    Row("SwiGLU", nb.SwiGLU,
        lambda draw, rng: nb.SwiGLU(draw(SIZE), draw(SIZE), rng=rng),
        lambda draw, rng, layer: rng.standard_normal(
            (draw(BATCH),) + (draw(SIZE),) * draw(st.integers(0, 1)) + (layer.d_model,))),
    Row("MultiHeadAttention(GQA, RoPE, bias: drawn)", nb.MultiHeadAttention, make_modern_attention,
        attention_input),
    Row("MultiHeadAttention(GQA + RoPE, no bias)", nb.MultiHeadAttention,
        lambda draw, rng: make_modern_attention(draw, rng, rope=True, bias=False, n_kv_heads=1),
        attention_input),
    Row("TransformerBlock(modern settings drawn)", nb.TransformerBlock, make_modern_block(),
        block_input),
    Row("TransformerBlock(RMSNorm, SwiGLU, RoPE, GQA, no bias)", nb.TransformerBlock,
        make_modern_block(norm="rmsnorm", ffn="swiglu", rope=True, bias=False), block_input),
    Row("TransformerBlock(post-norm)", nb.TransformerBlock,
        make_modern_block(prenorm=False), block_input),
    Row("TransformerBlock(no norm, pre- and post-norm order)", nb.TransformerBlock,
        lambda draw, rng: make_modern_block(norm="none", prenorm=draw(st.booleans()))(draw, rng),
        block_input),
    Row("Unembedding", nb.Unembedding, make_unembedding,
        lambda draw, rng, layer: rng.standard_normal((draw(BATCH), draw(SIZE), layer.dim))),
    # chapter 26: the time embedding, ∂E/∂t through its sines and cosines
    Row("TimeEmbedding", nb.generative.TimeEmbedding,
        lambda draw, rng: nb.generative.TimeEmbedding(
            draw(SIZE), draw(SIZE), max_freq=draw(st.floats(1.0, 30.0))),
        lambda draw, rng, layer: rng.uniform(0.0, 1.0, (draw(BATCH), layer.d + 1))),
    # chapter 25: the reparameterised sample, ε fixed, in training
    Row("Reparameterize(training, fixed eps)", nb.generative.Reparameterize,
        make_reparameterize, reparameterize_input),
]

def make_lora(draw, rng):
    """B moved off its zero start too (randomised), so ∂E/∂A is not exactly 0."""
    dense = nb.Dense(draw(SIZE), draw(SIZE), rng=rng)
    return randomised(nb.LoRA(dense, draw(st.integers(1, 3)),
                              alpha=draw(st.sampled_from([None, 0.5, 4.0])), rng=rng), rng)


def make_lora_attention(draw, rng):
    """LoRA on some of a modern attention's matrices (RoPE on: ∂E/∂b_k is not 0)."""
    mha = make_modern_attention(draw, rng, rope=True)
    targets = draw(st.sampled_from([None, ("W_q", "W_v"), ("W_k", "W_o")]))
    lora = randomised(nb.LoRA(mha, draw(st.integers(1, 3)), targets=targets,
                              alpha=draw(st.sampled_from([None, 3.0])), rng=rng), rng)
    # W_q, W_k moved twice (the attention's, then the LoRA's): halved, as the blocks' are, for
    # scores of order 1. A saturated softmax leaves ∂E/∂b_k and ∂E/∂W_k near round-off (an
    # example with d_model 2, T 2 failed at 1.7e-6, with every coordinate checked).
    lora.params["W_q"] *= 0.5
    lora.params["W_k"] *= 0.5
    return lora


def make_lora_block(draw, rng):
    """A block (ReLU or SwiGLU, modern settings drawn) whose attention and feed-forward
    network are LoRAs of themselves, every B moved off 0 (chapter 22)."""
    block = make_modern_block()(draw, rng)
    rank = draw(st.integers(1, 2))
    block.attn = nb.LoRA(block.attn, rank, targets=("W_q", "W_v"), rng=rng)
    if block.ffn_kind == "swiglu":
        block.ffn = nb.LoRA(block.ffn, rank, targets=("W_1", "W_3"), rng=rng)
    else:
        block.ff2 = nb.LoRA(block.ff2, rank, rng=rng)
    for k in block.params:
        if k.endswith(".B") or k.startswith("B_"):
            block.params[k] += 0.5 * rng.standard_normal(block.params[k].shape)
    return block


ROWS += [
    Row("LoRA(attention)", nb.LoRA, make_lora_attention, attention_input),
    Row("LoRA(SwiGLU)", nb.LoRA,
        lambda draw, rng: randomised(nb.LoRA(nb.SwiGLU(draw(SIZE), draw(SIZE), rng=rng),
                                             draw(st.integers(1, 2)), rng=rng), rng),
        lambda draw, rng, layer: rng.standard_normal(
            (draw(BATCH), draw(SIZE), layer.params["W_1"].shape[0]))),
    Row("TransformerBlock(LoRA on attention and feed-forward)", nb.TransformerBlock,
        make_lora_block, block_input),
    Row("LoRA", nb.LoRA, make_lora,
        lambda draw, rng, layer: rng.standard_normal((draw(BATCH), layer.params["W"].shape[0]))),
    Row("LoRA(sequences)", nb.LoRA, make_lora,
        lambda draw, rng, layer: rng.standard_normal((draw(BATCH), draw(SIZE),
                                                      layer.params["W"].shape[0]))),
]
# rows: chapter 31's linear attention and DeltaNet, each form, and a block with each ------------
def make_state_layer(cls, forms):
    """d_head ≥ 2: DeltaNet's unit q and k of one feature are ±1 whatever x is (∂E/∂W_q = 0)."""
    def make(draw, rng):
        heads = draw(st.sampled_from([1, 2]))
        return cls(heads * draw(st.integers(2, 3)), heads, form=draw(st.sampled_from(forms)),
                   chunk=draw(st.integers(1, 3)), rng=rng)
    return make


def make_mixer_block(mixer):
    def make(draw, rng):
        heads = draw(st.sampled_from([1, 2]))
        return randomised(nb.TransformerBlock.modern(4 * heads, heads, draw(st.integers(2, 5)),
                                                     mixer=mixer, rng=rng), rng)
    return make


ROWS += [
    Row("LinearAttention(form drawn)", nb.LinearAttention,
        make_state_layer(nb.LinearAttention, ["recurrent", "masked", "chunked"]), sequences),
    Row("DeltaNet(form drawn)", nb.DeltaNet,
        make_state_layer(nb.DeltaNet, ["recurrent", "chunked"]), sequences),
    Row("TransformerBlock(mixer='linear')", nb.TransformerBlock, make_mixer_block("linear"),
        sequences),
    Row("TransformerBlock(mixer='delta')", nb.TransformerBlock, make_mixer_block("delta"),
        sequences),
]


# rows: chapter 33's mixture of experts, alone and as a block's feed-forward network -------------
def make_experts(draw, rng):
    """E 1–4 experts, k drawn up to E, a shared expert or not; aux_weight 0, since
    ``check_gradients``' E is Σ y ⊙ dy alone (tests/test_layers_experts.py checks E + λ·aux)."""
    E = draw(st.integers(1, 4))
    return nb.MixtureOfExperts(draw(SIZE), draw(st.integers(2, 4)), E, draw(st.integers(1, E)),
                               shared_expert=draw(st.booleans()), rng=rng)


def away_from_ties(moe):
    """After a forward: every token's k-th chosen probability at least 1e-3 above the next
    one's. Top-k is piecewise constant, and a step of finite differences that crossed a tie
    would measure the jump, not the gradient."""
    E, k = moe.n_experts, moe.k
    p = np.sort(moe.probs.reshape(-1, E), axis=1)
    assume(k == E or (p[:, E - k] - p[:, E - k - 1]).min() > 1e-3)


def routed_input(draw, rng, layer):
    x = rng.standard_normal((draw(BATCH), draw(SIZE), layer.d_model))
    layer.forward(x)
    away_from_ties(layer)
    return x


def make_moe_block(draw, rng):
    E = draw(st.integers(2, 3))
    block = randomised(nb.TransformerBlock.modern(4, 2, draw(st.integers(2, 4)), ffn="moe",
                                                  moe={"n_experts": E, "k": draw(st.integers(1, E))},
                                                  rng=rng), rng)
    block.params["attn.W_q"] *= 0.5
    block.params["attn.W_k"] *= 0.5
    return block


def moe_block_input(draw, rng, layer):
    """block_input's, and every token's top-k choice at least 1e-3 from a tie."""
    x = block_input(draw, rng, layer)
    layer.forward(x)
    away_from_ties(layer.ffn)
    return x


ROWS += [
    Row("MixtureOfExperts(E, k, shared drawn)", nb.MixtureOfExperts, make_experts, routed_input),
    Row("TransformerBlock(ffn='moe')", nb.TransformerBlock, make_moe_block, moe_block_input),
]


# row: chapter 36's SAE code (ReLU or top-k) ---------------------------------------------------
def make_sparse_code(draw, rng):
    """l1 = 0, since ``check_gradients``' E is Σ y ⊙ dy alone (tests/test_interpret_sae.py
    checks the L1 term)."""
    kind = draw(st.sampled_from(["relu", "topk"]))
    return nb.interpret.SparseCode(kind, k=draw(st.integers(1, 3)) if kind == "topk" else None)


def sparse_input(draw, rng, layer):
    """Values 0.05 apart and at least 0.0125 from 0: no step of finite differences crosses
    ReLU's kink or a top-k tie."""
    return distinct(rng, (draw(BATCH), draw(st.integers(3, 5)))) + 0.0125


ROWS.append(Row("SparseCode(kind drawn)", nb.interpret.SparseCode, make_sparse_code,
                sparse_input))


# Parameters whose true gradient is exactly 0, which backward must give: the key bias adds
# q_t·b_k to every score of row t, and the softmax ignores that (not so with RoPE, which
# turns b_k differently at each position). Finite differences of a zero gradient are
# round-off, so their relative error means nothing.
ZERO_GRADIENT = {nb.MultiHeadAttention: ["b_k"], nb.TransformerBlock: ["attn.b_k"]}


# rows: losses ----------------------------------------------------------------------------------
def loss_row(name, loss, make_pair):
    """A loss row: ``make_pair(draw, rng) -> (y_true, y_pred)``; y_pred is the checked input."""
    def make_layer(draw, rng):
        y_true, y_pred = make_pair(draw, rng)
        layer = LossAsLayer(loss, y_true)
        layer.y_pred = y_pred
        return layer
    return Row(name, type(loss), make_layer, lambda draw, rng, layer: layer.y_pred)


def probabilities(rng, m, k):
    p = rng.uniform(0.1, 1.0, (m, k))
    return p / p.sum(axis=1, keepdims=True)


def labels(draw, rng, min_k=1):
    m, k = draw(BATCH), draw(st.integers(min_k, 5))
    return m, k, rng.integers(0, k, m)


# k ≥ 2 with probabilities: one class means ŷ = 1 exactly, on the clip's upper edge
def _ce(draw, rng):
    m, k, lab = labels(draw, rng, min_k=2)
    return lab, probabilities(rng, m, k)


def _ce_onehot(draw, rng):
    m, k, lab = labels(draw, rng, min_k=2)
    return np.eye(k)[lab], probabilities(rng, m, k)


def _ce_logits(draw, rng):
    m, k, lab = labels(draw, rng)
    return lab, rng.standard_normal((m, k))     # big logits: softmax − y ≈ 0, unresolvable


def _mse(draw, rng):
    shape = (draw(BATCH), draw(SIZE))
    y_true = rng.standard_normal(shape)
    return y_true, y_true + away_from_zero(rng, shape)      # ŷ − y never ≈ 0


def _bce(draw, rng):
    shape = (draw(BATCH), draw(SIZE))
    return rng.integers(0, 2, shape).astype(float), rng.uniform(0.05, 0.95, shape)


def _bce_logits(draw, rng):
    # hard targets: a soft target y ≈ σ(z) would make a one-element gradient ≈ 0, below what
    # finite differences resolve to a relative error of 1e-6
    shape = (draw(BATCH), draw(SIZE))
    return rng.integers(0, 2, shape).astype(float), 2 * rng.standard_normal(shape)


def _ce_ignored(draw, rng):
    """Sequences (m, T, V) with some targets -1 (ignored); position (0, 0) always counts."""
    m, T, V = draw(BATCH), draw(SIZE), draw(st.integers(2, 5))
    lab = np.where(rng.random((m, T)) < 0.4, -1, rng.integers(0, V, (m, T)))
    lab[0, 0] = 0
    return lab, rng.standard_normal((m, T, V))


ROWS += [
    loss_row("MSE", nb.MSE(), _mse),
    loss_row("BinaryCrossEntropy", nb.BinaryCrossEntropy(), _bce),
    loss_row("BinaryCrossEntropy(from_logits)", nb.BinaryCrossEntropy(from_logits=True), _bce_logits),
    loss_row("CrossEntropy(labels)", nb.CrossEntropy(), _ce),
    loss_row("CrossEntropy(one-hot)", nb.CrossEntropy(), _ce_onehot),
    loss_row("CrossEntropy(from_logits)", nb.CrossEntropy(from_logits=True), _ce_logits),
    loss_row("CrossEntropy(ignore_index)", nb.CrossEntropy(from_logits=True, ignore_index=-1),
             _ce_ignored),
]


# derandomize (here and below): a relative error needs a true gradient well above the finite
# differences' noise (~1e-10), and a random sum over samples (∂E/∂b of one output, say) lands
# near 0 in about one example in ten thousand. The same examples every run keep CI
# deterministic; they were checked to pass, and far more random ones were run while writing this.
def built(row, layer):
    """What the row built is the class it says it checks."""
    made = layer.loss if isinstance(layer, LossAsLayer) else layer
    assert type(made) is row.checks, f"row {row.name!r} says it checks {row.checks.__name__} " \
                                     f"but builds {type(made).__name__}"
    return layer


# Finite differences at sampled coordinates: each costs two forwards, and the attention blocks
# have hundreds (all of them took 3/4 of this file's CPU). Every index of every axis is sampled
# at least once (a wrong term confined to a row or a column of W, a head's or a gate's slice,
# one time step or one sample is met), and at least COORDINATES in all; an array that small is
# checked whole. The values are nb.check_gradients' at those coordinates, bit for bit (the same
# nb.numerical_gradient, one coordinate moved at a time), judged by its criterion; the dy it
# would draw from rng is drawn first, so the examples are the ones checked in full before.
# A planted wrong term is caught as before: see test_a_wrong_term_in_one_slice_is_caught.
COORDINATES = 8


def sampled_coordinates(shape, rng, at_least=COORDINATES):
    """Flat indices into an array of ``shape``: coordinate j takes index j mod n_a of a
    random order of each axis a, for j < the longest axis (so every index of every axis
    appears), then random others up to ``at_least`` (every index of a smaller array)."""
    size = int(np.prod(shape, dtype=int))
    if size <= at_least:
        return np.arange(size)
    longest = max(shape)
    cover = np.ravel_multi_index([np.resize(rng.permutation(n), longest) for n in shape], shape)
    chosen = list(dict.fromkeys(cover.tolist()))
    for i in rng.permutation(size).tolist():
        if len(chosen) >= at_least:
            break
        if i not in chosen:
            chosen.append(i)
    return np.sort(np.array(chosen))


def sampled_gradient_errors(layer, x, rng, eps=1e-6):
    """``nb.check_gradients(layer, x, rng=rng)``'s errors (same keys, same dy, same
    criterion: ``nnbook.gradcheck._error`` over its round-off floor), each from the
    coordinates ``sampled_coordinates`` picks (the same rng, after dy)."""
    ids = layer.integer_input
    x = np.array(x) if ids else np.array(x, dtype=np.float64)
    seen = x.view()
    seen.flags.writeable = False               # a forward that writes into its input fails
    out = layer.forward(seen)
    dy = rng.standard_normal(out.shape)

    def energy(_):
        return float(np.sum(layer.forward(seen) * dy))

    layer.forward(seen)
    dx = layer.backward(dy)
    arrays = {} if ids else {"x": (x, np.array(dx))}
    for k, p in layer.params.items():
        assert np.shape(layer.grads[k]) == p.shape, k
        arrays[k] = (p, np.array(layer.grads[k], dtype=np.float64))
    floor = _round_off(out, dy, energy(None), eps)
    errors = {}
    for k, (a, analytic) in arrays.items():
        assert analytic.shape == a.shape, k
        flat = a.reshape(-1)
        assert np.shares_memory(flat, a), k
        idx = sampled_coordinates(a.shape, rng)
        kept = flat[idx].copy()

        def at(v):
            flat[idx] = v                      # numerical_gradient moves one entry of v at a time
            return energy(None)
        try:
            numeric = nb.numerical_gradient(at, kept.copy(), eps)
        finally:
            flat[idx] = kept
        errors[k] = _error(analytic.reshape(-1)[idx], numeric, floor)
    return errors


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
@settings(max_examples=25, deadline=None, derandomize=True)
@given(data=st.data(), seed=st.integers(0, 2 ** 32 - 1))
def test_gradient_matches_finite_differences(row, data, seed):
    rng = np.random.default_rng(seed)
    layer = built(row, row.make_layer(data.draw, rng))
    x = row.make_input(data.draw, rng, layer)
    errors = sampled_gradient_errors(layer, x, rng)
    assert set(errors) == (set() if layer.integer_input else {"x"}) | set(layer.params)
    for k in ZERO_GRADIENT.get(row.checks, []):
        if k not in layer.params or getattr(layer, "rope", False):
            continue
        assert not layer.grads[k].any(), k
        del errors[k]
    assert max(errors.values()) < TOL, errors


class _WrongSlice(nb.Dense):
    """A Dense whose backward gets one slice wrong: ``wrong`` names the array and the slice
    (a column or a row of ∂E/∂W, one entry of ∂E/∂b, one sample of ∂E/∂x), doubled."""

    def __init__(self, wrong, rng):
        super().__init__(5, 4, rng=rng)
        self.wrong = wrong

    def backward(self, dy, need_dx=True):
        dx = super().backward(dy)
        key, where = self.wrong
        if key == "x":
            dx[where] *= 2
        else:
            self.grads[key][where] *= 2
        return dx


@pytest.mark.parametrize("wrong", [("W", (slice(None), -1)), ("W", 0), ("b", 2), ("x", -1)],
                         ids=["a column of W", "a row of W", "one entry of b", "one sample of x"])
def test_a_wrong_term_in_one_slice_is_caught(wrong):
    """The sampled coordinates meet every index of every axis: a wrong term confined to one
    row, column or sample is caught on every draw, not by luck; the other arrays pass."""
    for seed in range(30):
        rng = np.random.default_rng(seed)
        layer = _WrongSlice(wrong, rng)
        errors = sampled_gradient_errors(layer, rng.standard_normal((3, 5)), rng)
        assert errors[wrong[0]] > 1e-3, (seed, errors)
        assert max(e for k, e in errors.items() if k != wrong[0]) < TOL, (seed, errors)


# whole models ------------------------------------------------------------------------------------
def make_bce(rng, m, n_in, hidden):
    model = nb.Sequential([nb.Dense(n_in, hidden, rng=rng), nb.Tanh(),
                           nb.Dense(hidden, 1, rng=rng), nb.Sigmoid()])
    return model, nb.BinaryCrossEntropy(), rng.integers(0, 2, (m, 1)).astype(float)


def make_ce(rng, m, n_in, hidden):
    k = 3
    model = nb.Sequential([nb.Dense(n_in, hidden, rng=rng), nb.ReLU(),
                           nb.Dense(hidden, k, rng=rng), nb.Softmax()])
    return model, nb.CrossEntropy(), rng.integers(0, k, m)


def make_mse(rng, m, n_in, hidden):
    model = nb.Sequential([nb.Dense(n_in, hidden, rng=rng), nb.Sigmoid(),
                           nb.Dense(hidden, 2, rng=rng)])
    return model, nb.MSE(), rng.standard_normal((m, 2))


MODELS = [("Dense-Tanh-Dense-Sigmoid + BCE", make_bce),
          ("Dense-ReLU-Dense-Softmax + CE", make_ce),
          ("Dense-Sigmoid-Dense + MSE", make_mse)]


@pytest.mark.parametrize("name, make", MODELS, ids=[r[0] for r in MODELS])
@settings(max_examples=25, deadline=None, derandomize=True)
@given(m=BATCH, n_in=SIZE, hidden=SIZE, seed=st.integers(0, 2 ** 32 - 1))
def test_model_gradients_of_the_loss(name, make, m, n_in, hidden, seed):
    rng = np.random.default_rng(seed)
    model, loss, y = make(rng, m, n_in, hidden)
    # Relative error needs gradients well above the finite differences' noise (~1e-10):
    # random biases too (zero biases and a dead ReLU can make a true gradient exactly 0),
    # 0.1 ≤ |w|, |x| ≤ 0.6 (neither a saturated Tanh/Sigmoid nor a near-zero factor).
    for p in model.params.values():
        p[...] = 0.3 * away_from_zero(rng, p.shape)
    x = 0.3 * away_from_zero(rng, (m, n_in))
    # keep the ReLU's inputs off its kink
    assume(np.abs(model.layers[0].forward(x)).min() > 1e-3)
    errors = nb.check_gradients(model, x, loss=loss, y=y)
    assert set(errors) == {"x"} | set(model.params)          # every parameter, and the input
    assert len(errors) == 5
    assert max(errors.values()) < TOL, errors


# the same table: what forward and backward hand out belongs to the caller -------------------------
@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
@settings(max_examples=5, deadline=None)
@given(data=st.data(), seed=st.integers(0, 2 ** 32 - 1))
def test_results_are_not_overwritten_by_later_calls(row, data, seed):
    """A later forward/backward (same shapes) must not change arrays returned earlier, and
    backward fills the same ``grads`` arrays (the optimizer holds references to them)."""
    name, rng = row.name, np.random.default_rng(seed)
    layer = built(row, row.make_layer(data.draw, rng))
    x = row.make_input(data.draw, rng, layer)
    grads = {k: g for k, g in layer.grads.items()}
    y1 = layer.forward(x)
    y1_copy = np.array(y1)
    dy1 = rng.standard_normal(np.shape(y1))
    dx1 = layer.backward(dy1)
    dx1_copy = np.array(dx1)
    layer.forward(np.flip(x).copy())                  # same shape, other values
    layer.backward(2 * dy1 + 1)
    np.testing.assert_array_equal(y1, y1_copy, err_msg=f"{name}: forward output was overwritten")
    np.testing.assert_array_equal(dx1, dx1_copy, err_msg=f"{name}: backward's dx was overwritten")
    assert all(layer.grads[k] is g for k, g in grads.items()), f"{name}: grads replaced, not filled"


# every layer with parameters has a row ------------------------------------------------------------
def nnbook_layer_classes():
    """The concrete layer classes nnbook defines: the registered ones (every class a model
    file can name) and every subclass of ``nb.Layer`` from an ``nnbook`` module, without
    private (``_Pool2D``) or abstract ones."""
    found = {cls for cls in registered().values() if isinstance(cls, type) and issubclass(cls, nb.Layer)}
    todo = [nb.Layer]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            found.add(sub)
    return sorted((cls for cls in found
                   if cls.__module__.split(".")[0] == "nnbook" and not cls.__name__.startswith("_")
                   and not inspect.isabstract(cls)), key=lambda c: c.__name__)


# What to pass a constructor that the tries below cannot guess (LoRA wraps a Dense).
CONSTRUCTOR_ARGS: dict[str, list[tuple]] = {
    "Unembedding": [(nb.Embedding(2, 2, rng=np.random.default_rng(0)),)],
    "LoRA": [(nb.Dense(2, 2), 1)]}
PROBE_INPUTS = [np.ones((2, 2)), np.ones((2, 2, 2)), np.ones((2, 2, 2, 2)), np.ones((2, 2), dtype=int)]


def has_params(cls):
    """Whether ``cls`` builds parameters: constructed with 0, 1, 2, … leading positional
    arguments, all 2 (sizes) or all 0.5 (rates), and, when the parameters are built on
    the first forward (Keras style), after one forward on a small input. ``None`` when
    no try constructs it."""
    positional = [p for p in inspect.signature(cls).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    tries = CONSTRUCTOR_ARGS.get(cls.__name__) or [
        (value,) * n for n in range(len(positional) + 1) for value in (2, 0.5)]
    constructed = False
    for args in tries:
        try:
            layer = cls(*args)
        except Exception:          # wrong arguments for this class: the next try
            continue
        constructed = True
        if layer.params:
            return True
        for x in PROBE_INPUTS:
            try:
                layer.forward(x)
            except Exception:
                continue
            if layer.params:
                return True
    return False if constructed else None


def test_every_layer_with_parameters_has_a_gradient_row():
    classes = nnbook_layer_classes()
    assert {nb.Dense, nb.Conv2D, nb.BatchNorm, nb.ReLU} <= set(classes)
    unknown = [cls.__name__ for cls in classes if has_params(cls) is None]
    assert not unknown, (f"cannot construct {unknown} to see whether they have parameters; add "
                         f"their constructor arguments to CONSTRUCTOR_ARGS in {__file__}")
    with_params = [cls for cls in classes if has_params(cls)]
    assert {nb.Dense, nb.Conv2D, nb.BatchNorm} <= set(with_params)
    covered = {row.checks for row in ROWS}
    missing = [f"{cls.__name__} ({cls.__module__})" for cls in with_params if cls not in covered]
    assert not missing, (
        "layers with parameters and no row in the gradient table (ROWS in tests/test_gradients.py; "
        "append a Row(name, cls, make_layer, make_input)): " + ", ".join(missing))


def test_a_layer_without_a_row_is_named(monkeypatch):
    """The check above, shown to catch a missing row: BatchNorm's rows taken away, and a
    layer that builds its weights on the first forward (as Keras layers do)."""
    import gc
    import sys

    class Lazy(nb.Layer):
        __module__ = "nnbook.layers.lazy"

        def __init__(self, units):
            super().__init__()
            self.units = units

        def forward(self, x):
            self.params = self.params or {"W": np.ones((x.shape[-1], self.units))}
            return x @ self.params["W"]

    monkeypatch.setattr(sys.modules[__name__], "ROWS", [r for r in ROWS if r.checks is not nb.BatchNorm])
    try:
        assert has_params(Lazy) is True
        with pytest.raises(AssertionError, match=r"no row in the gradient table.*: "
                                                 r"BatchNorm \(nnbook\.layers\.normalization\.batchnorm\), "
                                                 r"Lazy \(nnbook\.layers\.lazy\)\n"):
            test_every_layer_with_parameters_has_a_gradient_row()
    finally:
        del Lazy
        gc.collect()                   # nb.Layer.__subclasses__() forgets it
