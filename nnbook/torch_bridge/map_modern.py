"""How the bridge maps chapter 20's new layers both ways: RMSNorm ↔ ``nn.RMSNorm``, SiLU ↔
``nn.SiLU``, SwiGLU ↔ ``SwiGLU``, Unembedding ↔ ``Unembedding`` holding the embedding's own
Parameter (the wrappers are in _modules_modern.py). Chapter 20's attention and block are
mapped with the rest of their family, in map_attention.py.
"""

from __future__ import annotations

import numpy as np

from ..layers.embedding import Embedding
from ..layers.normalization.rmsnorm import RMSNorm
from ..layers.activations import SiLU
from ..layers.swiglu import SwiGLU
from ..layers.unembedding import Unembedding
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


def unembedding_to_torch(layer, out):
    emb = out.made.get(id(layer.embedding))
    if emb is None:
        out.fail("is tied to an Embedding that is not an earlier layer of this model; put "
                 "that Embedding in the model first.")
    return out.tl.Unembedding(emb)


TO_TORCH = {RMSNorm: rmsnorm_to_torch, SiLU: lambda layer, out: out.nn.SiLU(),
            SwiGLU: swiglu_to_torch, Unembedding: unembedding_to_torch}


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


def read_swiglu(m, p):
    for name in ("1", "3", "2"):
        p[f"W_{name}"][...] = to_numpy(getattr(m, f"w{name}").weight).T


def swiglu_from_torch(m, inp):
    layer = SwiGLU(m.w1.in_features, m.w1.out_features, dtype=inp.dtype,
                   rng=np.random.default_rng(0))
    read_swiglu(m, layer.params)
    return layer


def unembedding_from_torch(m, inp):
    emb = next((layer for mod, layer in inp.built
                if isinstance(layer, Embedding) and getattr(mod, "weight", None) is m.weight), None)
    if emb is None:
        inp.fail("shares its weight with no earlier nn.Embedding of this model; nnbook's "
                 "Unembedding is tied to one (put that Embedding first).")
    return Unembedding(emb)


FROM_TORCH = {"RMSNorm": rmsnorm_from_torch, "SiLU": lambda m, inp: SiLU(),
              "SwiGLU": swiglu_from_torch, "Unembedding": unembedding_from_torch}
