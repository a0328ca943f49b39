"""How the bridge maps the attention family both ways (chapters 17–18, chapter 20's settings
and chapter 31's mixers): Embedding, PositionalEmbedding, LayerNorm, MultiHeadAttention,
LinearAttention, DeltaNet and TransformerBlock. Each attention or block goes to PyTorch's own
modules when it has chapter 18's settings and to ``ModernAttention``/``ModernBlock``
(_modules_modern.py, with its ``LinearAttention`` or ``DeltaNet``) otherwise; ``mappings.py``
lists these functions.
"""

from __future__ import annotations

import numpy as np

from ..layers.attention.delta import DeltaNet
from ..layers.attention.linear import LinearAttention
from ..layers.attention.multihead import MultiHeadAttention
from ..layers.embedding import Embedding, PositionalEmbedding
from ..layers.normalization.layernorm import LayerNorm
from ..layers.attention.transformer import TransformerBlock
from ._shared import to_numpy
from .map_modern import copy_swiglu, read_swiglu

__all__ = ["TO_TORCH", "FROM_TORCH"]


# ---------------------------------------------------------------------------
# nnbook → PyTorch (out: _shared.ToTorch)

def embedding_to_torch(layer, out):
    m = out.build(lambda: out.nn.Embedding(layer.vocab_size, layer.dim, dtype=out.dtype))
    out.copy(m.weight, layer.params["W"])                              # (V, dim), as is
    return m


def positions_to_torch(layer, out):
    m = out.tl.AddPositions(layer.max_len, layer.dim, dtype=out.dtype)
    out.copy(m.weight, layer.params["W"])
    return m


def layernorm_to_torch(layer, out):
    out.channels_last_now()                    # nnbook normalises the last axis
    m = out.nn.LayerNorm(layer.n_features, eps=layer.eps, dtype=out.dtype)
    copy_layernorm(out, m, layer.params["gamma"], layer.params["beta"])
    return m


def copy_layernorm(out, m, gamma, beta):
    out.copy(m.weight, gamma)
    out.copy(m.bias, beta)


def copy_attention(out, m, p):
    """nnbook's (d, d) W's into ``nn.MultiheadAttention`` ``m``: the packed
    ``in_proj_weight = [W_qᵀ; W_kᵀ; W_vᵀ]`` (3d, d), ``out_proj.weight = W_oᵀ``."""
    out.copy(m.in_proj_weight, np.concatenate([p["W_q"].T, p["W_k"].T, p["W_v"].T]))
    out.copy(m.in_proj_bias, np.concatenate([p["b_q"], p["b_k"], p["b_v"]]))
    out.copy(m.out_proj.weight, p["W_o"].T)
    out.copy(m.out_proj.bias, p["b_o"])


def attention_to_torch(layer, out):
    """``SelfAttention`` (an ``nn.MultiheadAttention(batch_first=True)`` on (x, x, x)) for
    chapter 18's settings, ``ModernAttention`` for grouped-query heads, RoPE, no biases
    or a sliding window."""
    if _is_modern(layer):
        return modern_attention_to_torch(layer, out)
    m = out.build(lambda: out.tl.SelfAttention(layer.d_model, layer.n_heads,
                                                causal=layer.causal, dtype=out.dtype))
    copy_attention(out, m.attn, layer.params)
    return m


def block_to_torch(layer, out):
    """``EncoderBlock`` (an ``nn.TransformerEncoderLayer(norm_first=True, batch_first=True,
    dropout=0)`` run with the causal mask) for chapter 18's settings, ``ModernBlock`` for
    any of chapter 20's."""
    if (_is_modern(layer) or layer.mixer != "softmax" or layer.norm != "layernorm"
            or layer.ffn_kind != "relu"
            or not layer.prenorm or getattr(layer, "eps", None) not in (None, 1e-5)):
        return modern_block_to_torch(layer, out)
    m = out.build(lambda: out.tl.EncoderBlock(layer.d_model, layer.n_heads, layer.d_ff,
                                               causal=layer.causal, dtype=out.dtype))
    enc, p = m.layer, layer.params
    copy_layernorm(out, enc.norm1, p["ln1.gamma"], p["ln1.beta"])
    copy_attention(out, enc.self_attn, {k[5:]: v for k, v in p.items() if k.startswith("attn.")})
    copy_layernorm(out, enc.norm2, p["ln2.gamma"], p["ln2.beta"])
    for lin, W, b in ((enc.linear1, "W_1", "b_1"), (enc.linear2, "W_2", "b_2")):
        out.copy(lin.weight, p[W].T)
        out.copy(lin.bias, p[b])
    return m


def _is_modern(layer):
    return (layer.n_kv_heads != layer.n_heads or layer.rope or not layer.bias
            or getattr(layer, "window", None) is not None)


def copy_modern_attention(out, m, p):
    """The W's (and b's) of an attention or a state mixer into the ``nn.Linear`` of the
    same name: ``q.weight = W_qᵀ`` … (DeltaNet's ``beta.weight = W_betaᵀ``)."""
    for n in ("q", "k", "v", "o", "beta"):
        if f"W_{n}" in p:
            out.copy(getattr(m, n).weight, p[f"W_{n}"].T)
        if f"b_{n}" in p:
            out.copy(getattr(m, n).bias, p[f"b_{n}"])


def state_to_torch(layer, out):
    """chapter 31's ``LinearAttention`` and ``DeltaNet``: the bridge's modules of the same
    names (PyTorch has none), written from their equations."""
    m = out.build(lambda: getattr(out.tl, type(layer).__name__)(
        layer.d_model, layer.n_heads, dtype=out.dtype, form=layer.form, chunk=layer.chunk))
    copy_modern_attention(out, m, layer.params)
    return m


def modern_attention_to_torch(layer, out):
    m = out.build(lambda: out.tl.ModernAttention(
        layer.d_model, layer.n_heads, layer.n_kv_heads, causal=layer.causal, rope=layer.rope,
        rope_base=layer.rope_base, bias=layer.bias, dtype=out.dtype, window=layer.window))
    copy_modern_attention(out, m, layer.params)
    return m


def modern_block_to_torch(layer, out):
    if layer.ffn_kind == "moe":
        out.fail("has a mixture of experts (ffn='moe', chapter 33) as its feed-forward "
                 "network, which PyTorch has no module for; compare it with a loop over "
                 "SwiGLU experts on equal weights instead.")
    m = out.build(lambda: out.tl.ModernBlock(
        layer.d_model, layer.n_heads, layer.d_ff, causal=layer.causal, norm=layer.norm,
        ffn=layer.ffn_kind, rope=layer.rope, n_kv_heads=layer.n_kv_heads, bias=layer.bias,
        prenorm=layer.prenorm, eps=getattr(layer.ln1, "eps", None), dtype=out.dtype,
        rope_base=layer.rope_base, window=layer.window, mixer=layer.mixer))
    p = layer.params
    for i in "12" if layer.norm != "none" else "":
        out.copy(getattr(m, f"norm{i}").weight, p[f"ln{i}.gamma"])
        if f"ln{i}.beta" in p:
            out.copy(getattr(m, f"norm{i}").bias, p[f"ln{i}.beta"])
    copy_modern_attention(out, m.attn, {k[5:]: v for k, v in p.items() if k.startswith("attn.")})
    if layer.ffn_kind == "swiglu":
        copy_swiglu(out, m.ffn, p)
    else:
        for lin, i in ((m.ffn[0], "1"), (m.ffn[2], "2")):
            out.copy(lin.weight, p[f"W_{i}"].T)
            if layer.bias:
                out.copy(lin.bias, p[f"b_{i}"])
    return m


TO_TORCH = {Embedding: embedding_to_torch, PositionalEmbedding: positions_to_torch,
            LayerNorm: layernorm_to_torch, MultiHeadAttention: attention_to_torch,
            LinearAttention: state_to_torch, DeltaNet: state_to_torch,
            TransformerBlock: block_to_torch}


# ---------------------------------------------------------------------------
# PyTorch → nnbook (inp: _shared.FromTorch)

def embedding_from_torch(m, inp):
    if (m.padding_idx is not None or m.max_norm is not None or m.scale_grad_by_freq
            or m.sparse):
        inp.fail("uses padding_idx, max_norm, scale_grad_by_freq or sparse; nnbook's Embedding "
                 "is a plain table of rows.")
    layer = Embedding(m.num_embeddings, m.embedding_dim, dtype=inp.dtype,
                      rng=np.random.default_rng(0))
    layer.params["W"][...] = to_numpy(m.weight)
    return layer


def positions_from_torch(m, inp):
    layer = PositionalEmbedding(*m.weight.shape, dtype=inp.dtype, rng=np.random.default_rng(0))
    layer.params["W"][...] = to_numpy(m.weight)
    return layer


def _layernorm_params(m, inp, gamma, beta, where=""):
    if len(m.normalized_shape) != 1 or not m.elementwise_affine or m.bias is None:
        inp.fail(f"{where}normalises over {tuple(m.normalized_shape)} or has no weight/bias; "
                 f"nnbook's LayerNorm normalises the last axis with γ and β.")
    gamma[...], beta[...] = to_numpy(m.weight), to_numpy(m.bias)


def layernorm_from_torch(m, inp):
    layer = LayerNorm(m.normalized_shape[0], eps=m.eps, dtype=inp.dtype)
    _layernorm_params(m, inp, layer.params["gamma"], layer.params["beta"])
    return layer


def _attention_params(a, inp, p):
    """``nn.MultiheadAttention`` ``a`` into nnbook's W's and b's ``p`` (checked first)."""
    same = a.kdim == a.embed_dim and a.vdim == a.embed_dim     # one in_proj_weight
    plain = (a.batch_first and same and a.in_proj_bias is not None
             and a.bias_k is None and not a.add_zero_attn and a.dropout == 0)
    if not plain:
        inp.fail("has settings nnbook's MultiHeadAttention lacks; it needs batch_first=True, "
                 "equal query/key/value sizes, biases, no add_bias_kv/add_zero_attn, dropout=0.")
    d = a.embed_dim
    W, b = to_numpy(a.in_proj_weight), to_numpy(a.in_proj_bias)
    for j, n in enumerate("qkv"):
        p[f"W_{n}"][...], p[f"b_{n}"][...] = W[j * d:(j + 1) * d].T, b[j * d:(j + 1) * d]
    p["W_o"][...], p["b_o"][...] = to_numpy(a.out_proj.weight).T, to_numpy(a.out_proj.bias)


def attention_from_torch(m, inp):
    layer = MultiHeadAttention(m.attn.embed_dim, m.attn.num_heads, causal=m.causal,
                               dtype=inp.dtype, rng=np.random.default_rng(0))
    _attention_params(m.attn, inp, layer.params)
    return layer


def block_from_torch(m, inp):
    causal, enc = (m.causal, m.layer) if hasattr(m, "layer") else (False, m)
    relu = getattr(enc, "activation_relu_or_gelu", 0) == 1
    if not (enc.norm_first and relu and enc.dropout.p == 0 and enc.norm1.eps == enc.norm2.eps
            == 1e-5 and enc.linear1.bias is not None):
        inp.fail("is not nnbook's TransformerBlock: it needs norm_first=True, activation='relu', "
                 "dropout=0, layer_norm_eps=1e-5 and biases.")
    layer = TransformerBlock(enc.self_attn.embed_dim, enc.self_attn.num_heads,
                             enc.linear1.out_features, causal=causal, dtype=inp.dtype,
                             rng=np.random.default_rng(0))
    p = layer.params
    _layernorm_params(enc.norm1, inp, p["ln1.gamma"], p["ln1.beta"], "its norm1 ")
    _layernorm_params(enc.norm2, inp, p["ln2.gamma"], p["ln2.beta"], "its norm2 ")
    _attention_params(enc.self_attn, inp, layer.attn.params)
    for lin, W, b in ((enc.linear1, "W_1", "b_1"), (enc.linear2, "W_2", "b_2")):
        p[W][...], p[b][...] = to_numpy(lin.weight).T, to_numpy(lin.bias)
    return layer


def _read_modern_attention(m, p):
    for n in ("q", "k", "v", "o", "beta"):
        if f"W_{n}" in p:
            p[f"W_{n}"][...] = to_numpy(getattr(m, n).weight).T
        if f"b_{n}" in p:
            p[f"b_{n}"][...] = to_numpy(getattr(m, n).bias)


def state_from_torch(m, inp):
    cls = {"linear": LinearAttention, "delta": DeltaNet}[m.mixer]
    layer = cls(m.q.in_features, m.n_heads, form=m.form, chunk=m.chunk, dtype=inp.dtype,
                rng=np.random.default_rng(0))
    _read_modern_attention(m, layer.params)
    return layer


def modern_attention_from_torch(m, inp):
    layer = MultiHeadAttention(m.q.in_features, m.n_heads, n_kv_heads=m.n_kv_heads,
                               causal=m.causal, rope=m.rope, rope_base=m.rope_base,
                               bias=m.q.bias is not None, dtype=inp.dtype,
                               window=getattr(m, "window", None), rng=np.random.default_rng(0))
    _read_modern_attention(m, layer.params)
    return layer


_EPS = {"LayerNorm": 1e-5, "RMSNorm": 1e-6}      # nnbook's norms' own ε


def modern_block_from_torch(m, inp):
    a, swiglu = m.attn, not isinstance(m.ffn, inp.nn.Sequential)
    mixer = getattr(a, "mixer", "softmax")
    attn = (dict(rope=a.rope, n_kv_heads=a.n_kv_heads, bias=a.q.bias is not None,
                 rope_base=a.rope_base, window=getattr(a, "window", None))
            if mixer == "softmax" else     # a state mixer: the FFN's biases, the rest its own
            dict(mixer=mixer, bias=getattr(m, "bias", True) if swiglu else
                 m.ffn[0].bias is not None))
    layer = TransformerBlock(
        a.q.in_features, a.n_heads, m.ffn.w1.out_features if swiglu else m.ffn[0].out_features,
        causal=a.causal, norm="layernorm" if isinstance(m.norm1, inp.nn.LayerNorm) else
        "none" if isinstance(m.norm1, inp.nn.Identity) else "rmsnorm",
        ffn="swiglu" if swiglu else "relu", prenorm=m.prenorm, **attn,
        eps=None if getattr(m.norm1, "eps", None) in (None, _EPS.get(type(m.norm1).__name__))
        else m.norm1.eps, dtype=inp.dtype, rng=np.random.default_rng(0))
    p = layer.params
    for i in "12" if layer.norm != "none" else "":
        p[f"ln{i}.gamma"][...] = to_numpy(getattr(m, f"norm{i}").weight)
        if f"ln{i}.beta" in p:
            p[f"ln{i}.beta"][...] = to_numpy(getattr(m, f"norm{i}").bias)
    _read_modern_attention(a, layer.attn.params)
    if swiglu:
        read_swiglu(m.ffn, p)
    else:
        for lin, i in ((m.ffn[0], "1"), (m.ffn[2], "2")):
            p[f"W_{i}"][...] = to_numpy(lin.weight).T
            if f"b_{i}" in p:
                p[f"b_{i}"][...] = to_numpy(lin.bias)
    return layer


# keys: class names in torch.nn, or in torch_bridge._modules (SelfAttention, EncoderBlock,
# AddPositions) and _modules_modern (ModernAttention, LinearAttention, DeltaNet, ModernBlock); a bare TransformerEncoderLayer in a Sequential runs without a mask
FROM_TORCH = {"Embedding": embedding_from_torch, "AddPositions": positions_from_torch,
              "LayerNorm": layernorm_from_torch, "SelfAttention": attention_from_torch,
              "EncoderBlock": block_from_torch, "TransformerEncoderLayer": block_from_torch,
              "ModernAttention": modern_attention_from_torch,
              "LinearAttention": state_from_torch, "DeltaNet": state_from_torch,
              "ModernBlock": modern_block_from_torch}
