"""The PyTorch modules ``to_torch`` gives chapter 20's layers, where ``torch.nn`` has no
single module for them: ``SwiGLU``, ``ModernAttention`` (grouped-query attention through
``F.scaled_dot_product_attention(enable_gqa=True)``, RoPE on interleaved pairs, optional
biases), ``ModernBlock`` (with chapter 31's ``LinearAttention`` or ``DeltaNet``, written from
their equations, in the attention's place) and the tied ``Unembedding``. _modules.py
re-exports them; only the bridge imports this module, when it is first used.
"""

import torch
import torch.nn.functional as F

__all__ = ["SwiGLU", "ModernAttention", "LinearAttention", "DeltaNet", "ModernBlock",
           "Unembedding", "rope"]

nn = torch.nn


def rope(x, base=10000.0, start=0):
    """(…, T, d_head) with the pairs (2i, 2i + 1) at position t rotated by
    t·base^(−2i/d_head): nnbook's ``apply_rope``."""
    T, dh = x.shape[-2], x.shape[-1]
    freq = base ** (-torch.arange(0, dh, 2, dtype=torch.float64) / dh)
    theta = torch.arange(start, start + T, dtype=torch.float64)[:, None] * freq
    cos, sin = theta.cos().to(x.dtype), theta.sin().to(x.dtype)
    a, b = x[..., 0::2], x[..., 1::2]
    return torch.stack((a * cos - b * sin, a * sin + b * cos), dim=-1).flatten(-2)


class SwiGLU(nn.Module):
    """``w2(silu(w1(x)) * w3(x))``, three ``nn.Linear(bias=False)``: nnbook's SwiGLU
    (``w1.weight = W_1ᵀ``, ``w3.weight = W_3ᵀ``, ``w2.weight = W_2ᵀ``)."""

    def __init__(self, d_model, d_ff, dtype=None):
        super().__init__()
        self.w1 = nn.Linear(d_model, d_ff, bias=False, dtype=dtype)
        self.w3 = nn.Linear(d_model, d_ff, bias=False, dtype=dtype)
        self.w2 = nn.Linear(d_ff, d_model, bias=False, dtype=dtype)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class ModernAttention(nn.Module):
    """(m, T, d) → (m, T, d): nnbook's MultiHeadAttention with ``n_kv_heads``, ``rope`` and
    ``bias``. Projections ``q``, ``k``, ``v``, ``o`` (``nn.Linear``, weight = W_*ᵀ); the
    heads meet in ``F.scaled_dot_product_attention(q, k, v, is_causal=causal,
    enable_gqa=True)``; with a sliding ``window`` W (chapter 23), a boolean ``attn_mask``
    that lets position t read t − W + 1 … t."""

    def __init__(self, d_model, n_heads, n_kv_heads=None, causal=False, rope=False,
                 rope_base=10000.0, bias=True, dtype=None, window=None):
        super().__init__()
        self.window = window
        self.n_heads, self.n_kv_heads = n_heads, n_kv_heads or n_heads
        self.d_head = d_model // n_heads
        self.causal, self.rope, self.rope_base = causal, rope, rope_base
        kd = self.n_kv_heads * self.d_head
        self.q = nn.Linear(d_model, d_model, bias=bias, dtype=dtype)
        self.k = nn.Linear(d_model, kd, bias=bias, dtype=dtype)
        self.v = nn.Linear(d_model, kd, bias=bias, dtype=dtype)
        self.o = nn.Linear(d_model, d_model, bias=bias, dtype=dtype)

    def forward(self, x):
        m, T, d = x.shape
        q = self.q(x).view(m, T, self.n_heads, self.d_head).transpose(1, 2)
        k = self.k(x).view(m, T, self.n_kv_heads, self.d_head).transpose(1, 2)
        v = self.v(x).view(m, T, self.n_kv_heads, self.d_head).transpose(1, 2)
        if self.rope:
            q, k = rope(q, self.rope_base), rope(k, self.rope_base)
        mask = None
        if self.window is not None:
            t = torch.arange(T)
            mask = (t[None, :] <= t[:, None]) & (t[None, :] > t[:, None] - self.window)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                           is_causal=self.causal and mask is None,
                                           enable_gqa=self.n_kv_heads != self.n_heads)
        return self.o(y.transpose(1, 2).reshape(m, T, d))

    def extra_repr(self):
        return (f"n_heads={self.n_heads}, n_kv_heads={self.n_kv_heads}, causal={self.causal}, "
                f"rope={self.rope}, rope_base={self.rope_base}, window={self.window}")


class LinearAttention(nn.Module):
    """(m, T, d) → (m, T, d): nnbook's ``LinearAttention`` (chapter 31), per head
    ``o_t = S_t q_t`` with ``S_t = S_{t−1} + v_t k_tᵀ``, computed as ``(Q Kᵀ ⊙ M) V`` (M the
    causal mask), then ``o``. Projections ``q``, ``k``, ``v``, ``o``: ``nn.Linear(bias=False)``,
    weight = W_*ᵀ. ``form`` and ``chunk`` are the nnbook layer's, kept for ``from_torch``
    (its forms compute the same numbers)."""

    mixer, causal = "linear", True

    def __init__(self, d_model, n_heads=1, dtype=None, form="recurrent", chunk=16):
        super().__init__()
        self.n_heads, self.d_head = n_heads, d_model // n_heads
        self.form, self.chunk = form, chunk
        for n in "qkvo":
            setattr(self, n, nn.Linear(d_model, d_model, bias=False, dtype=dtype))

    def heads(self, z):
        """(m, T, d) → (m, n_heads, T, d_head)."""
        return z.view(*z.shape[:2], self.n_heads, self.d_head).transpose(1, 2)

    def mix(self, x):
        q, k, v = (self.heads(getattr(self, n)(x)) for n in "qkv")
        return (q @ k.transpose(-1, -2)).tril() @ v                 # o_t = Σ_{s≤t} v_s k_s·q_t

    def forward(self, x):
        return self.o(self.mix(x).transpose(1, 2).reshape(x.shape))

    def extra_repr(self):
        return f"n_heads={self.n_heads}, form={self.form!r}, chunk={self.chunk}"


class DeltaNet(LinearAttention):
    """nnbook's ``DeltaNet`` (chapter 31): ``S_t = S_{t−1} + β_t (v_t − S_{t−1} k_t) k_tᵀ``,
    ``o_t = S_t q_t`` per head, q and k divided by ``√(Σ z² + 1e-12)`` per head and
    ``β_t = sigmoid(beta(x_t))``, a loop over positions. Adds ``beta``:
    ``nn.Linear(d_model, n_heads, bias=False)``, weight = W_βᵀ."""

    mixer = "delta"

    def __init__(self, d_model, n_heads=1, dtype=None, form="recurrent", chunk=16):
        super().__init__(d_model, n_heads, dtype=dtype, form=form, chunk=chunk)
        self.beta = nn.Linear(d_model, n_heads, bias=False, dtype=dtype)

    def mix(self, x):
        q, k, v = (self.heads(getattr(self, n)(x)) for n in "qkv")
        q, k = (z / torch.sqrt((z * z).sum(-1, keepdim=True) + 1e-12) for z in (q, k))
        beta = torch.sigmoid(self.beta(x)).transpose(1, 2)          # (m, h, T)
        S = x.new_zeros(*q.shape[:2], self.d_head, self.d_head)
        outs = []
        for t in range(x.shape[1]):
            k_t = k[:, :, t]
            u = v[:, :, t] - (S @ k_t[..., None])[..., 0]          # v_t − S_{t−1} k_t
            S = S + beta[:, :, t, None, None] * u[..., :, None] * k_t[..., None, :]
            outs.append((S @ q[:, :, t, :, None])[..., 0])
        return torch.stack(outs, 2)


class ModernBlock(nn.Module):
    """nnbook's TransformerBlock with any of chapter 20's settings: ``norm1``, ``norm2``
    (``nn.LayerNorm``, ``nn.RMSNorm``, or ``nn.Identity`` for norm="none"), ``attn``
    (``ModernAttention``; with ``mixer`` "linear" or "delta", chapter 31's
    ``LinearAttention`` or ``DeltaNet``) and ``ffn`` (``SwiGLU``, or
    ``nn.Sequential(Linear, ReLU, Linear)``); pre-norm ``x + attn(norm1(x))`` or post-norm
    ``norm1(x + attn(x))``."""

    def __init__(self, d_model, n_heads, d_ff, causal=True, norm="layernorm", ffn="relu",
                 rope=False, n_kv_heads=None, bias=True, prenorm=True, eps=None, dtype=None,
                 rope_base=10000.0, window=None, mixer="softmax"):
        super().__init__()
        self.prenorm, self.bias = prenorm, bias
        for name in ("norm1", "norm2"):
            setattr(self, name, nn.Identity() if norm == "none" else
                    nn.LayerNorm(d_model, eps=eps or 1e-5, dtype=dtype) if norm == "layernorm"
                    else nn.RMSNorm(d_model, eps=eps or 1e-6, dtype=dtype))
        self.attn = ModernAttention(d_model, n_heads, n_kv_heads, causal=causal, rope=rope,
                                    rope_base=rope_base, bias=bias, dtype=dtype,
                                    window=window) if mixer == "softmax" else \
            {"linear": LinearAttention, "delta": DeltaNet}[mixer](d_model, n_heads, dtype=dtype)
        self.ffn = (SwiGLU(d_model, d_ff, dtype=dtype) if ffn == "swiglu" else nn.Sequential(
            nn.Linear(d_model, d_ff, bias=bias, dtype=dtype), nn.ReLU(),
            nn.Linear(d_ff, d_model, bias=bias, dtype=dtype)))

    def forward(self, x):
        if self.prenorm:
            x = x + self.attn(self.norm1(x))
            return x + self.ffn(self.norm2(x))
        x = self.norm1(x + self.attn(x))
        return self.norm2(x + self.ffn(x))

    def extra_repr(self):
        return f"prenorm={self.prenorm}"


class Unembedding(nn.Module):
    """(m, T, d) → (m, T, V): ``x @ embedding.weightᵀ``. ``weight`` IS the embedding's
    Parameter (tied), so autograd adds both uses' gradients and an optimizer given
    ``model.parameters()`` (which lists a shared Parameter once) updates it once."""

    def __init__(self, embedding):
        super().__init__()
        self.weight = embedding.weight

    def forward(self, x):
        return F.linear(x, self.weight)

    def extra_repr(self):
        return f"tied, {self.weight.shape[1]} → {self.weight.shape[0]}"
