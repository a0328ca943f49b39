"""The transformer block (chapter 18), pre-norm: self-attention and a two-layer ReLU network,
each applied to a layer-normalised copy of the sequence and added back to it (the residual
paths of chapter 06). Built from ``LayerNorm``, ``MultiHeadAttention`` and ``Dense``.
"""

from __future__ import annotations

import numpy as np

from ..registry import register_class
from ..spellings import refuse_spellings
from ..validate import float_dtype, make_rng, positive_int
from .activations import ReLU
from .attention import MultiHeadAttention
from .base import Layer
from .dense import Dense
from .layernorm import LayerNorm
from .recurrent import LAST_STATE_ONLY

__all__ = ["TransformerBlock"]


@register_class
class TransformerBlock(Layer):
    """``y = x + MHA(LN₁(x))``, then ``out = y + ReLU(LN₂(y) W_1 + b_1) W_2 + b_2``.

    Shapes:
        x: (m, T, d_model)  →  out: (m, T, d_model)
        params (flat names, the sub-layers' live arrays):
            "ln1.gamma", "ln1.beta", "ln2.gamma", "ln2.beta": (d_model,)
            "attn.W_q", "attn.W_k", "attn.W_v", "attn.W_o": (d_model, d_model)
            "attn.b_q", "attn.b_k", "attn.b_v", "attn.b_o": (d_model,)
            "W_1": (d_model, d_ff), "b_1": (d_ff,), "W_2": (d_ff, d_model), "b_2": (d_model,)

    The parts are ordinary layers, reachable as ``ln1``, ``attn`` (its last weights:
    ``attention_weights``), ``ln2``, ``ff1`` and ``ff2`` (the two ``Dense``). ``params``
    and ``grads`` list their arrays under the names above, so optimizers, ``save`` and
    ``load_model`` treat the block as one layer; ``forward`` hands the parts the block's
    current arrays first, so an array replaced in ``params`` is the one used.

    Backward runs the parts' backwards in reverse, adding each residual path's gradient:
    ``∂E/∂y = ∂E/∂out + LN₂ᵀ(…)`` and ``∂E/∂x = ∂E/∂y + LN₁ᵀ(MHAᵀ(∂E/∂y))``.

    Args:
        d_model: the features per position.
        n_heads: the attention heads (must divide d_model).
        d_ff: the hidden size of the ReLU network (often 4·d_model).
        causal: True (default) lets position t attend to positions ≤ t only.
        rng: the ``np.random.Generator`` that draws the weights (Xavier/Glorot uniform,
            biases 0, γ = 1, β = 0). ``None``: a fresh one.
        dtype: float64 (default) or float32.

    ``to_torch`` gives ``nn.TransformerEncoderLayer(d_model, n_heads, d_ff, dropout=0,
    batch_first=True, norm_first=True)`` (run with a causal mask when ``causal``). Chapter 18.
    """

    def __init__(self, d_model=None, n_heads=None, d_ff=None, *, causal=True, rng=None,
                 dtype=np.float64, **keras):
        super().__init__()
        refuse_spellings("TransformerBlock", keras, unknown=True)   # Keras' names: nnbook's
        self.d_model = positive_int("TransformerBlock", "d_model", d_model)
        self.n_heads = positive_int("TransformerBlock", "n_heads", n_heads)
        self.d_ff = positive_int("TransformerBlock", "d_ff", d_ff)
        dtype = float_dtype(repr(self), dtype)
        rng = make_rng(rng, repr(self))
        d = self.d_model
        try:
            self.attn = MultiHeadAttention(d, self.n_heads, causal=causal, rng=rng, dtype=dtype)
        except ValueError as exc:
            raise ValueError(str(exc).replace("MultiHeadAttention:", "TransformerBlock:", 1)) from None
        self.causal = self.attn.causal
        self.ln1, self.ln2 = LayerNorm(d, dtype=dtype), LayerNorm(d, dtype=dtype)
        self.ff1 = Dense(d, self.d_ff, rng=rng, dtype=dtype)
        self.relu = ReLU()
        self.ff2 = Dense(self.d_ff, d, rng=rng, dtype=dtype)
        self._links = [(f"{prefix}.{k}", part, k) for prefix, part in
                       (("ln1", self.ln1), ("attn", self.attn), ("ln2", self.ln2))
                       for k in part.params]
        self._links += [("W_1", self.ff1, "W"), ("b_1", self.ff1, "b"),
                        ("W_2", self.ff2, "W"), ("b_2", self.ff2, "b")]
        self.params = {name: part.params[k] for name, part, k in self._links}
        self.grads = {name: part.grads[k] for name, part, k in self._links}
        self._shape = None

    @property
    def attention_weights(self):
        """The attention's last weights, (m, n_heads, T, T) (None before a forward)."""
        return self.attn.attention_weights

    def forward(self, x):
        x = np.asarray(x)
        dtype = self.params["ln1.gamma"].dtype
        if x.ndim != 3 or x.shape[2] != self.d_model or x.shape[1] == 0:
            fix = ("Check the previous layer's output size (the features are the last axis)."
                   if x.ndim != 2 else f"{LAST_STATE_ONLY} For one sequence, add a batch axis: "
                                       f"x[None] (ids[None] before an Embedding).")
            if x.ndim == 3 and x.shape[1] == 0 and x.shape[2] == self.d_model:
                fix = "The sequences have no positions (T = 0): give them T ≥ 1."
            raise ValueError(f"{self!r}: expected input of shape (m, T, {self.d_model}), got "
                             f"{tuple(x.shape)}. {fix}")
        if x.dtype != dtype:
            x = x.astype(dtype)
        for name, part, k in self._links:            # the block's arrays are the parts' arrays
            part.params[k], part.grads[k] = self.params[name], self.grads[name]
        y = self.attn.forward(self.ln1.forward(x))   # (m, T, d): MHA(LN₁(x))
        y += x                                       # y = x + MHA(LN₁(x))
        f = self.ff2.forward(self.relu.forward(self.ff1.forward(self.ln2.forward(y))))
        f += y                                       # out = y + W₂ ReLU(W₁ LN₂(y) + b₁) + b₂
        self._shape = x.shape
        return f

    def backward(self, dy, need_dx: bool = True):
        if self._shape is None:
            self._before_forward()
        dy = np.asarray(dy, dtype=self.params["ln1.gamma"].dtype)
        if dy.shape != self._shape:
            self._bad_dy(dy, self._shape)
        d_ff = self.relu.backward(self.ff2.backward(dy))                 # (m, T, d_ff)
        dy_y = self.ln2.backward(self.ff1.backward(d_ff))                # (m, T, d)
        dy_y += dy                                                       # ∂E/∂y
        dx = self.ln1.backward(self.attn.backward(dy_y))                 # (m, T, d)
        if not need_dx:
            return None
        dx += dy_y                                                       # ∂E/∂x
        return dx

    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) != 2 or shape[1] not in (self.d_model, None):
            last = f" {LAST_STATE_ONLY}" if len(shape) == 1 else ""
            raise ValueError(f"{self!r}: expected samples of shape (T, {self.d_model}), got "
                             f"{shape}. Check the previous layer's output size (an Embedding "
                             f"of dim {self.d_model}, or a block of the same d_model).{last}")
        return shape

    def get_config(self):
        return {"d_model": self.d_model, "n_heads": self.n_heads, "d_ff": self.d_ff,
                "causal": self.causal}

    def __repr__(self):
        causal = ", causal" if getattr(self, "causal", False) else ""
        return f"TransformerBlock({self.d_model}, {self.n_heads} heads, d_ff={self.d_ff}{causal})"
