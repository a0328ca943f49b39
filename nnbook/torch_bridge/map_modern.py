"""How the bridge maps chapter 20's layers both ways: RMSNorm ↔ ``nn.RMSNorm``, SiLU ↔
``nn.SiLU``, SwiGLU ↔ ``SwiGLU``, a MultiHeadAttention with grouped-query heads, RoPE or
no biases ↔ ``ModernAttention``, a TransformerBlock with any of chapter 20's settings ↔
``ModernBlock`` (chapter 18's settings keep map_attention.py's modules), Unembedding ↔
``Unembedding`` holding the embedding's own Parameter. The wrappers are in _modules_modern.py.
"""

from __future__ import annotations

import numpy as np

from ..layers.attention.multihead import MultiHeadAttention
from ..layers.embedding import Embedding
from ..layers.normalization.rmsnorm import RMSNorm
from ..layers.activations import SiLU
from ..layers.swiglu import SwiGLU
from ..layers.attention.transformer import TransformerBlock
from ..layers.unembedding import Unembedding
from . import map_attention
from ._shared import to_numpy

__all__ = ["TO_TORCH", "FROM_TORCH"]

# ---------------------------------------------------------------------------
# nnbook → PyTorch (out: _shared.ToTorch)

def rmsnorm_to_torch(layer, out):
    m = out.nn.RMSNorm(layer.n_features, eps=layer.eps, dtype=out.dtype)
    out.copy(m.weight, layer.params["gamma"])
    return m


def swiglu_to_torch(layer, out):
    m = out.build(lambda: out.tl.SwiGLU(layer.d_model, layer.d_ff, dtype=out.dtype))
    copy_swiglu(out, m, layer.params)
    return m


def copy_swiglu(out, m, p):
    for name in ("1", "3", "2"):
        out.copy(getattr(m, f"w{name}").weight, p[f"W_{name}"].T)


def _is_modern(layer):
    return (layer.n_kv_heads != layer.n_heads or layer.rope or not layer.bias
            or getattr(layer, "window", None) is not None)


def copy_modern_attention(out, m, p):
    for n in "qkvo":
        out.copy(getattr(m, n).weight, p[f"W_{n}"].T)
        if f"b_{n}" in p:
            out.copy(getattr(m, n).bias, p[f"b_{n}"])


def attention_to_torch(layer, out):
    if not _is_modern(layer):
        return map_attention.attention_to_torch(layer, out)
    m = out.build(lambda: out.tl.ModernAttention(
        layer.d_model, layer.n_heads, layer.n_kv_heads, causal=layer.causal, rope=layer.rope,
        rope_base=layer.rope_base, bias=layer.bias, dtype=out.dtype, window=layer.window))
    copy_modern_attention(out, m, layer.params)
    return m


def block_to_torch(layer, out):
    if not (_is_modern(layer) or layer.norm != "layernorm" or layer.ffn_kind != "relu"
            or not layer.prenorm or getattr(layer, "eps", None) not in (None, 1e-5)):
        return map_attention.block_to_torch(layer, out)
    m = out.build(lambda: out.tl.ModernBlock(
        layer.d_model, layer.n_heads, layer.d_ff, causal=layer.causal, norm=layer.norm,
        ffn=layer.ffn_kind, rope=layer.rope, n_kv_heads=layer.n_kv_heads, bias=layer.bias,
        prenorm=layer.prenorm, eps=getattr(layer.ln1, "eps", None), dtype=out.dtype,
        rope_base=layer.rope_base, window=layer.window))
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


def unembedding_to_torch(layer, out):
    emb = out.made.get(id(layer.embedding))
    if emb is None:
        out.fail("is tied to an Embedding that is not an earlier layer of this model; put "
                 "that Embedding in the model first.")
    return out.tl.Unembedding(emb)


TO_TORCH = {RMSNorm: rmsnorm_to_torch, SiLU: lambda layer, out: out.nn.SiLU(),
            SwiGLU: swiglu_to_torch, MultiHeadAttention: attention_to_torch,
            TransformerBlock: block_to_torch, Unembedding: unembedding_to_torch}


# ---------------------------------------------------------------------------
# PyTorch → nnbook (inp: _shared.FromTorch)

def rmsnorm_from_torch(m, inp):
    if len(m.normalized_shape) != 1 or not m.elementwise_affine:
        inp.fail("normalises over more than the last axis or has no weight; nnbook's RMSNorm "
                 "normalises the last axis with γ.")
    eps = m.eps if m.eps is not None else float(inp.torch.finfo(m.weight.dtype).eps)
    layer = RMSNorm(m.normalized_shape[0], eps=eps, dtype=inp.dtype)
    layer.params["gamma"][...] = to_numpy(m.weight)
    return layer


def _read_swiglu(m, p):
    for name in ("1", "3", "2"):
        p[f"W_{name}"][...] = to_numpy(getattr(m, f"w{name}").weight).T


def swiglu_from_torch(m, inp):
    layer = SwiGLU(m.w1.in_features, m.w1.out_features, dtype=inp.dtype,
                   rng=np.random.default_rng(0))
    _read_swiglu(m, layer.params)
    return layer


def _read_attention(m, p):
    for n in "qkvo":
        p[f"W_{n}"][...] = to_numpy(getattr(m, n).weight).T
        if f"b_{n}" in p:
            p[f"b_{n}"][...] = to_numpy(getattr(m, n).bias)


def attention_from_torch(m, inp):
    layer = MultiHeadAttention(m.q.in_features, m.n_heads, n_kv_heads=m.n_kv_heads,
                               causal=m.causal, rope=m.rope, rope_base=m.rope_base,
                               bias=m.q.bias is not None, dtype=inp.dtype,
                               window=getattr(m, "window", None), rng=np.random.default_rng(0))
    _read_attention(m, layer.params)
    return layer


_EPS = {"LayerNorm": 1e-5, "RMSNorm": 1e-6}      # nnbook's norms' own ε


def block_from_torch(m, inp):
    a, swiglu = m.attn, not isinstance(m.ffn, inp.nn.Sequential)
    layer = TransformerBlock(
        a.q.in_features, a.n_heads, m.ffn.w1.out_features if swiglu else m.ffn[0].out_features,
        causal=a.causal, norm="layernorm" if isinstance(m.norm1, inp.nn.LayerNorm) else
        "none" if isinstance(m.norm1, inp.nn.Identity) else "rmsnorm",
        ffn="swiglu" if swiglu else "relu", rope=a.rope, n_kv_heads=a.n_kv_heads,
        bias=a.q.bias is not None, prenorm=m.prenorm, rope_base=a.rope_base,
        window=getattr(a, "window", None),
        eps=None if getattr(m.norm1, "eps", None) in (None, _EPS.get(type(m.norm1).__name__))
        else m.norm1.eps, dtype=inp.dtype, rng=np.random.default_rng(0))
    p = layer.params
    for i in "12" if layer.norm != "none" else "":
        p[f"ln{i}.gamma"][...] = to_numpy(getattr(m, f"norm{i}").weight)
        if f"ln{i}.beta" in p:
            p[f"ln{i}.beta"][...] = to_numpy(getattr(m, f"norm{i}").bias)
    _read_attention(a, layer.attn.params)
    if swiglu:
        _read_swiglu(m.ffn, p)
    else:
        for lin, i in ((m.ffn[0], "1"), (m.ffn[2], "2")):
            p[f"W_{i}"][...] = to_numpy(lin.weight).T
            if f"b_{i}" in p:
                p[f"b_{i}"][...] = to_numpy(lin.bias)
    return layer


def unembedding_from_torch(m, inp):
    emb = next((layer for mod, layer in inp.built
                if isinstance(layer, Embedding) and getattr(mod, "weight", None) is m.weight), None)
    if emb is None:
        inp.fail("shares its weight with no earlier nn.Embedding of this model; nnbook's "
                 "Unembedding is tied to one (put that Embedding first).")
    return Unembedding(emb)


FROM_TORCH = {"RMSNorm": rmsnorm_from_torch, "SiLU": lambda m, inp: SiLU(),
              "SwiGLU": swiglu_from_torch, "ModernAttention": attention_from_torch,
              "ModernBlock": block_from_torch, "Unembedding": unembedding_from_torch}
