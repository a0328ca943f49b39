"""The transformer block (chapter 18), pre-norm: self-attention and a two-layer ReLU network,
each on a layer-normalised copy of the sequence and added back to it (chapter 06's residual
paths); chapter 20's modern block swaps in ``RMSNorm``, ``SwiGLU``, RoPE and grouped-query
attention, chapter 31's a linear-attention or DeltaNet mixer."""

from __future__ import annotations

import numpy as np

from ...registry import register_class
from ...spellings import refuse_spellings
from ...validate import float_dtype, make_rng, positive_int
from ..activations import ReLU
from .mixers import MIXERS, make_attention
from ..base import Layer
from ..dense import Dense
from ._arguments import check_block, check_eps, modern_config, sample_shape
from .block_arrays import PartArrays
from .kv_cache import Caching
from ..normalization.layernorm import LayerNorm
from ..lora import LoRA
from ..recurrent.rnn import LAST_STATE_ONLY
from ..normalization.rmsnorm import RMSNorm
from ..swiglu import SwiGLU
from ..experts import MixtureOfExperts

__all__ = ["TransformerBlock"]

_PARTS = ("ln1", "attn", "ln2", "ff1", "ff2", "ffn")     # the sub-layers (a LoRA may replace one)


class _NoNorm:
    """norm="none": the identity in a norm's place (no parameters): one code path."""
    params, grads = {}, {}

    def forward(self, x):
        return x

    backward = forward                           # ∂E/∂x = ∂E/∂y


@register_class
class TransformerBlock(Caching, Layer):
    """``y = x + MHA(LN₁(x))``, then ``out = y + ReLU(LN₂(y) W_1 + b_1) W_2 + b_2``.

    Shapes:
        x: (m, T, d_model)  →  out: (m, T, d_model)
        params (flat names, the sub-layers' live arrays):
            "ln1.gamma", "ln1.beta", "ln2.gamma", "ln2.beta": (d_model,)
            "attn.W_q", "attn.W_k", "attn.W_v", "attn.W_o": (d_model, d_model)
            "attn.b_q", "attn.b_k", "attn.b_v", "attn.b_o": (d_model,)
            "W_1": (d_model, d_ff), "b_1": (d_ff,), "W_2": (d_ff, d_model), "b_2": (d_model,)
        chapter 20's variants: norm="rmsnorm" has no "ln*.beta" (norm="none": no "ln*.*");
            ffn="swiglu" has "W_1", "W_3" (d_model, d_ff) and "W_2" (d_ff, d_model), no
            b's; bias=False has no "attn.b_*", "b_1", "b_2"; n_kv_heads=k makes
            "attn.W_k", "attn.W_v" (d_model, k·d_model/n_heads)

    The parts are ordinary layers, reachable as ``ln1``, ``attn`` (its last weights:
    ``attention_weights``), ``ln2``, and ``ff1`` and ``ff2`` (the two ``Dense``) or ``ffn``
    (the ``SwiGLU``). ``params`` and ``grads`` list their arrays under the names above, so
    optimizers, ``save`` and ``load_model`` treat the block as one layer. They are views
    (``PartArrays``) over the parts' own dicts: each array has one owner, the part, so an
    array replaced in the block's ``params`` or in a part's is the one both then use.

    Backward runs the parts' backwards in reverse, adding each residual path's gradient:
    ``∂E/∂y = ∂E/∂out + LN₂ᵀ(…)`` and ``∂E/∂x = ∂E/∂y + LN₁ᵀ(MHAᵀ(∂E/∂y))``. Post-norm
    (``prenorm=False``, the 2017 block): ``y = LN₁(x + MHA(x))``, ``out = LN₂(y + FFN(y))``,
    and the norms' backwards come first: ``∂E/∂y = s + FFNᵀ(s)`` with ``s = LN₂ᵀ(∂E/∂out)``.

    Args:
        d_model: the features per position.
        n_heads: the attention heads (must divide d_model).
        d_ff: the hidden size of the feed-forward network (often 4·d_model; with SwiGLU
            ≈ 8/3·d_model gives the same parameter count).
        causal: True (default) lets position t attend to positions ≤ t only.
        norm: "layernorm" (default), "rmsnorm" (``RMSNorm``, chapter 20) or "none" (``ln1``
            and ``ln2`` pass their input on unchanged).
        ffn: "relu" (default: Dense, ReLU, Dense), "swiglu" (``SwiGLU``, chapter 20) or "moe"
            (``MixtureOfExperts`` as ``ffn``, chapter 33; ``moe=``: a dict of its settings).
        rope, n_kv_heads, rope_base: the attention's RoPE, key/value heads and RoPE's base
            (None: 10000.0).
        bias: False drops the biases of the attention and of the ReLU network (a norm
            keeps its β).
        window: None or W, the attention's sliding window (chapter 23).
        tile: None or the attention's tile size (chapter 24: the same numbers, in tiles).
        prenorm: True (default, GPT-2's) or False (post-norm, the 2017 paper's).
        eps: the norms' ε (None: each norm's own, LayerNorm's 1e-5, RMSNorm's 1e-6).
        rng: the ``np.random.Generator`` that draws the weights (Xavier/Glorot uniform,
            biases 0, γ = 1, β = 0). ``None``: a fresh one.
        dtype: float64 (default) or float32.
        adapters: ``{part: {"rank": r, "alpha": α, "targets": [...]}}``, LoRA parts to put
            in (what ``get_config`` saves for them; ``nb.add_lora`` is the way to add them).
        mixer: "softmax" (``MultiHeadAttention``), "linear" (``LinearAttention``) or "delta"
            (``DeltaNet``), chapter 31; these two refuse rope, rope_base, n_kv_heads, window,
            tile and causal=False (``modern`` then sets no RoPE and no shared K/V heads).

    LoRA (chapter 22): a part may be replaced by a ``LoRA`` of it, ``block.attn =
    nb.LoRA(block.attn, 4, targets=("W_q", "W_v"))`` or ``block.ff1 = nb.LoRA(block.ff1,
    4)``; ``params`` then lists the adapters too (``"attn.W_q.A"``, ``"A_1"``, …) and every
    other array of the block is frozen (``frozen_params``), so ``fit`` trains the adapters.

    KV cache (chapter 21, causal blocks): ``start_cache(max_len=None)`` starts the
    attention's (``attn.cache``); the other parts act on each position alone.

    The defaults are chapter 18's block; ``TransformerBlock.modern(d_model, n_heads)`` is
    chapter 20's (RMSNorm, SwiGLU, RoPE, grouped keys and values, no biases). ``to_torch``
    gives ``nn.TransformerEncoderLayer(d_model, n_heads, d_ff, dropout=0, batch_first=True,
    norm_first=True)`` (causal mask when ``causal``) for it, the bridge's ``ModernBlock``
    for any other setting. Chapters 18 and 20.
    """

    def __init__(self, d_model=None, n_heads=None, d_ff=None, *, causal=True,
                 norm="layernorm", ffn="relu", rope=False, n_kv_heads=None, bias=True,
                 prenorm=True, eps=None, rope_base=None, window=None, tile=None,
                 rng=None, dtype=np.float64, adapters=None, mixer="softmax", moe=None,
                 **keras):
        super().__init__()
        refuse_spellings("TransformerBlock", keras, unknown=True)   # Keras' names: nnbook's
        self.d_model = positive_int("TransformerBlock", "d_model", d_model)
        self.n_heads = positive_int("TransformerBlock", "n_heads", n_heads)
        self.d_ff = positive_int("TransformerBlock", "d_ff", d_ff)
        self.norm, self.ffn_kind, self.mixer, self.prenorm = check_block(norm, ffn, mixer,
                                                                         prenorm, moe)
        dtype = float_dtype(repr(self), dtype)
        rng = make_rng(rng, repr(self))
        d = self.d_model
        self.attn = make_attention(self.mixer, d, self.n_heads, causal=causal, rope=rope,
                                   n_kv_heads=n_kv_heads, window=window, tile=tile, rng=rng,
                                   dtype=dtype, rope_base=rope_base, bias=bias)
        self.causal, self.rope = self.attn.causal, getattr(self.attn, "rope", False)
        self.bias = getattr(self.attn, "bias", bool(bias))        # mixers: the FFN's biases
        self.n_kv_heads = getattr(self.attn, "n_kv_heads", self.n_heads)
        Norm = {"layernorm": LayerNorm, "rmsnorm": RMSNorm}.get(self.norm)
        self.eps = check_eps(eps)
        kw = {} if eps is None else {"eps": self.eps}
        self.ln1, self.ln2 = (Norm(d, dtype=dtype, **kw), Norm(d, dtype=dtype, **kw)) if Norm \
            else (_NoNorm(), _NoNorm())
        if self.ffn_kind == "relu":
            self.ff1 = Dense(d, self.d_ff, rng=rng, dtype=dtype)
            self.relu = ReLU()
            self.ff2 = Dense(self.d_ff, d, rng=rng, dtype=dtype)
        elif self.ffn_kind == "swiglu":
            self.ffn = SwiGLU(d, self.d_ff, rng=rng, dtype=dtype)
        else:                                    # its bias is the block's buffer (saved)
            self.ffn = MixtureOfExperts.in_block(d, self.d_ff, moe, rng=rng, dtype=dtype)
            self.buffers = self.ffn.buffers
        self._shape = None
        self.params = PartArrays(self, "params", self._names)   # views: the parts own the arrays
        self.grads = PartArrays(self, "grads", self._names)
        for part, cfg in (adapters or {}).items():   # load_model: the LoRAs it was saved with
            setattr(self, part, LoRA(getattr(self, part), cfg["rank"], alpha=cfg["alpha"],
                                     targets=cfg.get("targets"), rng=rng))

    @classmethod
    def modern(cls, d_model, n_heads, d_ff=None, *, n_kv_heads=None, **kwargs):
        """Chapter 20's modern block (Llama's recipe) without its five keywords.

        ``TransformerBlock(d_model, n_heads, d_ff, norm="rmsnorm", ffn="swiglu",
        rope=True, n_kv_heads=n_kv_heads, bias=False)``, pre-norm and causal.

        Args:
            d_model, n_heads: as the block's.
            d_ff: SwiGLU's hidden size; ``None``: ``8·d_model // 3`` (the parameters of a
                4·d_model ReLU network).
            n_kv_heads: key/value heads; ``None``: ``n_heads // 2`` when ``n_heads`` is even
                (grouped-query attention, two query heads per key/value head), else
                ``n_heads``.
            **kwargs: any other argument of the block (``rng``, ``eps``, ``rope_base``,
                ``dtype``, …), or one of the five to override it.
        """
        d_ff = max(1, 8 * d_model // 3) if d_ff is None and isinstance(d_model, int) \
            else d_ff
        kv_asked = n_kv_heads
        if n_kv_heads is None and isinstance(n_heads, int):
            n_kv_heads = n_heads // 2 if n_heads % 2 == 0 else n_heads
        settings = {"norm": "rmsnorm", "ffn": "swiglu", "rope": True, "bias": False}
        if str(kwargs.get("mixer", "softmax")).lower() in MIXERS:   # a state: no RoPE, K/V
            settings["rope"], n_kv_heads = False, kv_asked        # heads but those asked for
        return cls(d_model, n_heads, d_ff, n_kv_heads=n_kv_heads, **{**settings, **kwargs})

    def _names(self) -> dict:
        """``{block name: (part, part's key)}`` for the current parts, in the order of the
        block's ``params``; worked out again only when a part (or its ``params`` dict) was
        replaced since, e.g. ``block.attn = nb.LoRA(block.attn, …)``."""
        own, cached = self.__dict__, self.__dict__.get("_named")
        if cached is not None:
            held, names = cached
            for attr, part, d, n in held:            # the parts, their dicts and sizes then
                if own.get(attr) is not part or part.params is not d or len(d) != n:
                    break
            else:
                return names
        attrs = ("ln1", "attn", "ln2") + (("ff1", "ff2") if self.ffn_kind == "relu" else ("ffn",))
        names = {f"{prefix}.{k}": (part, k) for prefix, part in
                 (("ln1", self.ln1), ("attn", self.attn), ("ln2", self.ln2))
                 for k in part.params}
        if self.ffn_kind == "relu":
            names.update({f"{n}_{i}": (ff, n) for i, ff in ((1, self.ff1), (2, self.ff2))
                          for n in ff.params if n != "b" or self.bias})   # bias=False: b = 0
        else:
            names.update({k: (self.ffn, k) for k in self.ffn.params})
        self._named = (tuple((a, own[a], own[a].params, len(own[a].params)) for a in attrs),
                       names)
        return names

    def _adapters(self):
        """``{part: {"rank", "alpha", "targets"}}`` for each LoRA part (``get_config``)."""
        return {name: {k: v for k, v in part.get_config().items() if k != "layer"}
                for name in _PARTS if isinstance(part := getattr(self, name, None), LoRA)}

    @property
    def frozen_params(self) -> tuple:
        """The block's names of the parameters ``fit`` leaves alone: those of a part whose
        ``trainable`` is False (``block.attn.trainable = False`` freezes every
        ``attn.*``) or that the part freezes itself, and any set here by name
        (``block.frozen_params = ("W_1",)``). ``block.trainable = False`` freezes all."""
        names = self._names()
        lora = {name for name, (part, k) in names.items()   # LoRA parts: all but the adapters
                if k in getattr(part, "adapter_keys", ())}
        parts = tuple(name for name, (part, k) in names.items()
                      if not getattr(part, "trainable", True) or (lora and name not in lora)
                      or k in getattr(part, "frozen_params", ()))
        return getattr(self, "_frozen", ()) + tuple(n for n in parts
                                                   if n not in getattr(self, "_frozen", ()))

    @frozen_params.setter
    def frozen_params(self, names) -> None:
        self._frozen = tuple(names)

    @property
    def rope_base(self) -> float:
        """The attention's RoPE base (None for a linear or DeltaNet mixer): set here, set there."""
        return self.attn.rope_base

    @rope_base.setter
    def rope_base(self, value) -> None:
        self._set_on_attn("rope_base", value)

    def _set_on_attn(self, name, value) -> None:
        """``attn.<name> = value``; its error, if any, names the block."""
        try:
            setattr(self.attn, name, value)
        except ValueError as exc:
            raise ValueError(str(exc).replace(repr(self.attn), repr(self), 1)) from None

    @property
    def window(self):
        """The attention's sliding window (``attn.window``, chapter 23): setting it here
        sets it there."""
        return self.attn.window

    @window.setter
    def window(self, value) -> None:
        self._set_on_attn("window", value)

    @property
    def tile(self):
        """The attention's tile size (``attn.tile``, chapter 24; None: none): set here, set there."""
        return self.attn.tile

    @tile.setter
    def tile(self, value) -> None:
        self._set_on_attn("tile", value)

    @property
    def training(self) -> bool:
        """Set on the block, set on its parts: SwiGLU's inference forward runs in ``predict``."""
        return self.__dict__.get("_training", False)

    @training.setter
    def training(self, value) -> None:
        self._training = value
        for name in _PARTS + ("relu",):                 # a loop, not a generator: each
            if isinstance(self.__dict__.get(name), Layer):  # cached token walks through it
                self.__dict__[name].training = value

    @property
    def attention_weights(self):
        """The attention's last weights, (m, n_heads, T, T) (None before a forward)."""
        return self.attn.attention_weights

    def forward(self, x):
        x = np.asarray(x)
        dtype = self.attn.params["W_q"].dtype
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
        self._shape = None if self.attn.cache is not None else x.shape   # no backward cached
        if not self.prenorm:                         # post-norm: LN₁(x + MHA(x)), LN₂(y + FFN(y))
            y = self.attn.forward(x)
            y += x
            y = self.ln1.forward(y)
            f = self._ffn_forward(y)
            f += y
            return self.ln2.forward(f)
        y = self.attn.forward(self.ln1.forward(x))   # (m, T, d): MHA(LN₁(x))
        y += x                                       # y = x + MHA(LN₁(x))
        f = self._ffn_forward(self.ln2.forward(y))
        f += y                                       # out = y + W₂ ReLU(W₁ LN₂(y) + b₁) + b₂
        return f

    def backward(self, dy, need_dx: bool = True):
        self._refuse_backward()
        if self._shape is None:
            self._before_forward()
        dy = np.asarray(dy, dtype=self.attn.params["W_q"].dtype)
        if dy.shape != self._shape:
            self._bad_dy(dy, self._shape)
        if not self.prenorm:
            s = self.ln2.backward(dy)                                    # ∂E/∂(y + FFN(y))
            dy_y = self._ffn_backward(s)
            dy_y += s                                                    # ∂E/∂y
            s = self.ln1.backward(dy_y)                                  # ∂E/∂(x + MHA(x))
            dx = self.attn.backward(s, need_dx=need_dx)
            if not need_dx:
                return None
            dx += s
            return dx
        dy_y = self.ln2.backward(self._ffn_backward(dy))                 # (m, T, d)
        dy_y += dy                                                       # ∂E/∂y
        dx = self.ln1.backward(self.attn.backward(dy_y))                 # (m, T, d)
        if not need_dx:
            return None
        dx += dy_y                                                       # ∂E/∂x
        return dx

    @property
    def cache(self):
        """The attention's ``KVCache`` (None when no cache is on)."""
        return self.attn.cache

    def start_cache(self, max_len=None, pad=None) -> None:
        """Start the attention's KV cache for at most ``max_len`` positions (None: no limit;
        ``pad``: the left padding of each row, chapter 23)."""
        if not self.causal:
            super().start_cache(max_len)         # the message for non-causal attention
        self.attn.start_cache(max_len, pad=pad)

    def clear_cache(self) -> None:
        """Drop the attention's cache; the block reads whole sequences again."""
        self.attn.clear_cache()

    def _ffn_forward(self, z):
        return self.ffn.forward(z) if self.ffn_kind != "relu" else \
            self.ff2.forward(self.relu.forward(self.ff1.forward(z)))

    def _ffn_backward(self, d):
        return self.ffn.backward(d) if self.ffn_kind != "relu" else \
            self.ff1.backward(self.relu.backward(self.ff2.backward(d)))

    def output_shape(self, input_shape):
        return sample_shape(self, input_shape, f"Check the previous layer's output size (an "
                            f"Embedding of dim {self.d_model}, or a block of the same d_model).")

    def get_config(self):
        adapters = self._adapters()
        return {"d_model": self.d_model, "n_heads": self.n_heads, "d_ff": self.d_ff,
                "causal": self.causal, **self._modern(),
                **({"moe": self.ffn.settings()} if self.ffn_kind == "moe" else {}),
                **({"adapters": adapters} if adapters else {})}

    def _modern(self):
        """The chapter-20 settings that differ from chapter 18's block."""
        defaults = {"norm": "layernorm", "ffn_kind": "relu", "prenorm": True, "mixer": "softmax"}
        cfg = {k.replace("_kind", ""): getattr(self, k, v) for k, v in defaults.items()
               if getattr(self, k, v) != v}
        eps = getattr(self, "eps", None)
        return {**cfg, **modern_config(self), **({} if eps is None else {"eps": eps})}

    def __repr__(self):
        causal = ", causal" if getattr(self, "causal", False) else ""
        extra = "".join(f", {k}={v!r}" for k, v in self._modern().items())
        lora = self._adapters() if "attn" in self.__dict__ else {}
        if lora:
            names = [t for part, c in lora.items() for t in c.get("targets") or [
                f"W_{part[-1]}"]]
            extra += f", LoRA rank {max(c['rank'] for c in lora.values())} on {', '.join(names)}"
        heads = f"{self.n_heads} head" + "s" * (self.n_heads != 1)
        return (f"TransformerBlock({self.d_model}, {heads}, d_ff={self.d_ff}"
                f"{causal}{extra})")
