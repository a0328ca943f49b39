"""Multi-head self-attention (chapter 17): every position takes a weighted average of the
values of the positions it attends to, ``softmax(Q Kᵀ/√d_head) V``, in several heads at
once, each on its own slice of the features. ``causal=True`` hides the future; chapter 20
adds grouped-query attention (gqa.py), rotary positions (rope.py) and ``bias=False``. The
whole forward and the cached forward of chapter 21 stand side by side; the attention they
compute is in dot_product.py, the cache they read in kv_cache.py.
"""

from __future__ import annotations

import math

import numpy as np

from ...init import xavier_uniform
from ...registry import register_class
from ...spellings import refuse_spellings
from ...validate import float_dtype, make_rng, positive_int
from ..base import Layer
from ._arguments import check_modern, check_rope_base, check_window, modern_config, sample_shape
from .dot_product import attention, cached_attention, masked_step
from .gqa import stack_groups
from .kv_cache import Caching
from ..recurrent.rnn import LAST_STATE_ONLY
from .rope import apply_rope, rope_angles, rope_tables
from .tiled import check_tile, tiled_backward, tiled_forward

__all__ = ["MultiHeadAttention"]


@register_class
class MultiHeadAttention(Caching, Layer):
    """Self-attention: ``y = concat_h(softmax(Q_h K_hᵀ/√d_head) V_h) W_o + b_o``.

    ``Q = x W_q + b_q``, ``K = x W_k + b_k``, ``V = x W_v + b_v``; head h takes the features
    h·d_head … (h + 1)·d_head − 1 of each (d_head = d_model / n_heads), and the heads'
    outputs are put side by side again before ``W_o``.

    Shapes (k = n_kv_heads, k = n_heads by default):
        x: (m, T, d_model)  →  y: (m, T, d_model)
        params["W_q"], ["W_o"]: (d_model, d_model); ["W_k"], ["W_v"]: (d_model, k·d_head)
        params["b_q"], ["b_o"]: (d_model,); ["b_k"], ["b_v"]: (k·d_head,) (none if bias=False)
        attention_weights: (m, n_heads, T, T) after a forward; row t holds the weights
            position t gave every position (each row sums to 1)

    ``causal=True`` lets position t attend to positions ≤ t only (the scores above the
    diagonal are −∞ before the softmax, so their weights are exactly 0): a language
    model then predicts token t + 1 from tokens ≤ t.

    Grouped-query attention (chapter 20): with ``n_kv_heads = k`` < n_heads, query head h
    reads key/value head ``h // (n_heads // k)`` (``gqa.kv_head_of``, PyTorch's
    ``enable_gqa``); k = 1 is multi-query attention. ``rope=True``: before the scores,
    the features (2i, 2i + 1) of each head's q_t and k_t are rotated by the angle
    ``t · rope_base^(−2i/d_head)`` (rope.py), so q_t·k_s depends on t − s only.

    Backward (per head, with A the weights and S = Q Kᵀ/√d_head the scores):
    ``∂E/∂V = Aᵀ ∂E/∂O``, ``∂E/∂A = ∂E/∂O Vᵀ``, the softmax (chapter 09)
    ``∂E/∂S = A ⊙ (∂E/∂A − rowsum(∂E/∂A ⊙ A))``, where the row sum is ``∂E/∂O · O`` for
    each position, then ``∂E/∂Q = ∂E/∂S K/√d_head`` and ``∂E/∂K = ∂E/∂Sᵀ Q/√d_head``.
    Every step is one batched product over all samples and heads; the g = n_heads / k
    query heads of a group are stacked as one (g·T)-row matrix, so ∂E/∂K and ∂E/∂V sum
    over the group inside the product. RoPE's backward rotates ∂E/∂Q and ∂E/∂K back by
    −θ. Without RoPE ``∂E/∂b_k`` is exactly 0: b_k adds the same q_t·b_k to every score
    of row t, which the softmax ignores (with RoPE the rotated b_k differs per position).

    Passes over memory besides the products: Q, K and V come from one product with one
    (d, d + 2k·d_head) matrix, and the heads are views of it (RoPE turns q and k in
    place); on the (…, T, T) scores, forward 6 (the mask, the softmax's five in place; in float64 one more, which
    dot_product._softmax_rows explains),
    backward 2 (− ∂E/∂O·O, ⊙ A); on (m, T, d), forward 1 (the heads back side by side, a
    copy) and backward 3 (∂E/∂O ⊙ O and its sum over each head, the heads' layout).

    Args:
        d_model: the features per position, d.
        n_heads: the number of (query) heads; must divide d_model.
        causal: True to hide later positions.
        n_kv_heads: the key/value heads (None: n_heads); must divide n_heads.
        rope: True to rotate q and k by position (needs an even d_head).
        rope_base: the base of RoPE's angles (10000.0).
        bias: False for no ``b_*`` parameters at all (as most 2025 models).
        window: None (full attention) or W ≥ 1, a sliding window (chapter 23; causal only):
            position t attends to t − W + 1 … t, and the KV cache keeps W entries.
        tile: None (plain attention) or an integer ≥ 1 (chapter 24): softmax(Q Kᵀ) V is
            computed in tiles of ``tile`` queries × ``tile`` keys with an online softmax
            (``nb.precision.tiled_attention``), and only the output and one log-sum-exp
            per row are kept for the backward, which recomputes each tile's weights: the
            same outputs and gradients as ``tile=None`` to round-off, without the
            (m, heads, T, T) weights (``attention_weights`` is then None). Not with a
            ``window``; the KV cache's steps attend as without tiles.
        rng: the ``np.random.Generator`` that draws the W's (Xavier/Glorot uniform, each
            on its own; biases 0). ``None``: a fresh one.
        dtype: float64 (default) or float32.

    KV cache (chapter 21, causal only): after ``start_cache(max_len=None)``, each forward
    reads only the next t positions of the texts, appends their keys (rotated) and values to
    ``cache`` (a ``KVCache``) and attends over everything cached; ``clear_cache()`` ends it.
    The outputs equal those of the whole sequences' forward to round-off.

    ``to_torch`` gives ``nn.MultiheadAttention(d, n_heads, batch_first=True)`` with
    ``in_proj_weight = [W_qᵀ; W_kᵀ; W_vᵀ]`` and ``out_proj.weight = W_oᵀ`` (with GQA,
    RoPE or no bias: the bridge's ``ModernAttention``). Chapters 17 and 20.
    """

    def __init__(self, d_model=None, n_heads=None, *, causal=False, n_kv_heads=None,
                 rope=False, rope_base=10000.0, bias=True, window=None, tile=None,
                 rng=None, dtype=np.float64, **keras):
        super().__init__()
        refuse_spellings("MultiHeadAttention", keras, unknown=True)   # Keras' names: nnbook's
        self.d_model = positive_int("MultiHeadAttention", "d_model", d_model)
        self.n_heads = positive_int("MultiHeadAttention", "n_heads", n_heads)
        if self.d_model % self.n_heads:
            ok = [h for h in range(1, self.d_model + 1) if self.d_model % h == 0]
            raise ValueError(
                f"MultiHeadAttention: d_model={self.d_model} is not divisible by "
                f"n_heads={self.n_heads}; each head takes d_model / n_heads features. Use "
                f"n_heads in {ok}, or a d_model that is a multiple of {self.n_heads}.")
        if not isinstance(causal, (bool, np.bool_)):
            raise ValueError(f"MultiHeadAttention: expected causal=True or False, got {causal!r}.")
        self.causal = bool(causal)
        self.d_head = self.d_model // self.n_heads
        self.n_kv_heads, self.rope, self.rope_base, self.bias = check_modern(
            "MultiHeadAttention", self.n_heads, self.d_head, n_kv_heads, rope, rope_base, bias)
        dtype = float_dtype(repr(self), dtype)
        rng = make_rng(rng, repr(self))
        d, kd = self.d_model, self.n_kv_heads * self.d_head      # kd = d without GQA
        out = {"q": d, "k": kd, "v": kd, "o": d}
        self.params = {f"W_{n}": xavier_uniform((d, c), d, c, rng, dtype) for n, c in out.items()}
        if self.bias:
            self.params.update({f"b_{n}": np.zeros(c, dtype) for n, c in out.items()})
        self.grads = {k: np.zeros_like(p) for k, p in self.params.items()}
        self.attention_weights = None
        self._cache = None
        self._masks = {}
        self._rope = {}
        self._tile = None
        self.window = window
        self._tile = check_tile("MultiHeadAttention", tile, self._window)

    @property
    def window(self):
        """Sliding-window attention (chapter 23): ``None`` is full causal attention; W lets
        position t attend to positions t − W + 1 … t only, and the KV cache then keeps at
        most W entries (a rolling cache). It may be set on a trained model."""
        return self._window

    @window.setter
    def window(self, value) -> None:
        owner = repr(self) if hasattr(self, "_window") else "MultiHeadAttention"
        window = check_window(owner, value, self.causal, self.cache)
        check_tile(owner, self._tile, window)                  # tiles have no window
        self._window = window
        self._masks = {}

    @property
    def tile(self):
        """Attention in tiles (chapter 24): ``None`` stores the T × T weights for the
        backward; an integer ≥ 1 is the tile size (it may be set on a trained model)."""
        return self._tile

    @tile.setter
    def tile(self, value) -> None:
        self._tile = check_tile(repr(self), value, self._window)

    def forward(self, x):
        x = np.asarray(x)
        p, d, h, dh = self.params, self.d_model, self.n_heads, self.d_head
        if x.ndim != 3 or x.shape[2] != d or x.shape[1] == 0:
            self._bad_input(x)
        if x.dtype != p["W_q"].dtype:                            # the layer's dtype, as Dense
            x = x.astype(p["W_q"].dtype)
        if self.cache is not None:                               # the next positions only
            self._cache = None
            return self._cached_forward(x)
        m, T = x.shape[:2]
        kv = self.n_kv_heads
        g = h // kv                                              # query heads per kv head
        X = x.reshape(-1, d)                                     # (mT, d)
        W, qkv = self._qkv(X)
        rot = self.rotation_tables(T, W.dtype) if self.rope else None
        if rot is not None:                    # turn the pairs of q and k, in place, per head
            self._rotate(qkv, m, T, *rot)
        q, k, v = self._heads(qkv, m, T)
        qg = stack_groups(q, kv)             # the g query heads of each kv head, stacked
        A = lse = None
        if self.tile is not None:            # chapter 24: O and a log-sum-exp per row only
            O, lse = tiled_forward(q, k, v, g, self.tile, self.causal)
        else:
            O, A = attention(qg, k, v, mask=self._mask(T, g) if self.causal else None,
                             scale=1.0, return_weights=True)    # A: (m, kv, gT, T) weights
        O = O.reshape(m, h, T, dh).transpose(0, 2, 1, 3).reshape(-1, d)   # (mT, d)
        y = O @ p["W_o"]                                         # (mT, d)
        if self.bias:
            y += p["b_o"]
        self.attention_weights = None if A is None else A.reshape(m, h, T, T)
        self._cache = (X, W, qg, k, v, A, O, x.shape, rot, (lse, self.tile))
        return y.reshape(x.shape)                                # (m, T, d)

    def _cached_forward(self, x):
        """``forward`` with a cache on (chapter 21): the t new positions' queries, keys and
        values (the same products as the whole forward, RoPE turned from the cached length
        L on), the keys and values appended to the cache, the queries attended to all.
        With left-padded rows (``cache.pad``) or a sliding window (``cache.window``) the
        step goes through ``masked_step``. A step the cache refuses changes nothing.

        Shapes: x (m, t, d_model) → y (m, t, d_model); ``attention_weights`` (m, n_heads,
        t, L + t) (with a window: over the cache's slots, old ones first, then the t new).
        """
        p, d, dh = self.params, self.d_model, self.d_head
        m, t = x.shape[:2]
        cache, L = self.cache, self.cache.length
        cache.check_room(self, t)
        if cache.pad is not None and cache.pad.shape[0] != m:
            raise ValueError(f"{self!r}: the cache was started for {cache.pad.shape[0]} padded "
                             f"rows, got a batch of {m}. start_cache(pad=…) with one pad per row.")
        W, qkv = self._qkv(x.reshape(-1, d))                     # (mt, d + 2kd)
        if self.rope:                                # positions L … L + t − 1
            if cache.pad is not None:                # each row counts from its first token
                pos = np.arange(L, L + t, dtype=np.float64) - cache.pad[:, None]   # (m, t)
                theta = pos[..., None] * rope_angles(1, dh, self.rope_base, start=1)[0]
                cos = np.cos(theta).astype(W.dtype)[:, :, None]
                sin = np.sin(theta).astype(W.dtype)[:, :, None]
            elif cache.max_len is not None:          # the tables for max_len, sliced
                cos, sin = self.rotation_tables(cache.max_len, W.dtype)
                cos, sin = cos[L:L + t], sin[L:L + t]
            else:
                cos, sin = rope_tables(t, dh, self.rope_base, W.dtype, start=L)
                cos, sin = cos[:, None], sin[:, None]
            self._rotate(qkv, m, t, cos, sin)
        q, k_new, v_new = self._heads(qkv, m, t)
        if cache.pad is None and cache.window is None:
            cache.append(k_new, v_new, self)
            O, A = cached_attention(q, cache)
        else:
            O, A = masked_step(q, k_new, v_new, cache, self)
        y = O.transpose(0, 2, 1, 3).reshape(-1, d) @ p["W_o"]                  # (mt, d)
        if self.bias:
            y += p["b_o"]
        self.attention_weights = A
        return y.reshape(m, t, d)

    def _qkv(self, X):
        """``(W, X W)``: Q, K, V in one product, (M, d) → (M, d + 2·kv·d_head), with Q's
        columns (and bias) scaled by 1/√d_head, so that S = (Q/√d_head) Kᵀ."""
        p, dh = self.params, self.d_head
        scale = 1.0 / math.sqrt(dh)
        W = np.concatenate((p["W_q"] * scale, p["W_k"], p["W_v"]), axis=1)   # (d, d + 2kd)
        qkv = X @ W
        if self.bias:
            qkv += np.concatenate((p["b_q"] * scale, p["b_k"], p["b_v"]))
        return W, qkv

    def _rotate(self, qkv, m, T, cos, sin, inverse=False):
        """RoPE on the q and k columns of ``qkv`` (or of its gradient), in place, per head.
        The q and k columns lie side by side, so they are turned as one (m, T, h + kv,
        d_head) view: one ``apply_rope`` call (one NumPy pass per step of it, not two)."""
        h, kv, dh = self.n_heads, self.n_kv_heads, self.d_head
        x4 = qkv[:, :(h + kv) * dh].reshape(m, T, h + kv, dh)    # a view: q's heads, then k's
        apply_rope(x4, cos, sin, inverse=inverse, out=x4)

    def _heads(self, qkv, m, T):
        """q (m, n_heads, T, d_head) and k, v (m, n_kv_heads, T, d_head): views of qkv."""
        d, h, kv, dh = self.d_model, self.n_heads, self.n_kv_heads, self.d_head
        kd = kv * dh
        q = qkv[:, :d].reshape(m, T, h, dh).transpose(0, 2, 1, 3)
        k = qkv[:, d:d + kd].reshape(m, T, kv, dh).transpose(0, 2, 1, 3)
        v = qkv[:, d + kd:].reshape(m, T, kv, dh).transpose(0, 2, 1, 3)
        return q, k, v

    def backward(self, dy, need_dx: bool = True):
        self._refuse_backward()
        if self._cache is None:
            self._before_forward()
        X, W, qg, k, v, A, O, shape, rot, (lse, tile) = self._cache
        p, gr, d, h, dh = self.params, self.grads, self.d_model, self.n_heads, self.d_head
        dy = np.asarray(dy, dtype=W.dtype)
        if dy.shape != shape:
            self._bad_dy(dy, shape)
        m, T = shape[:2]
        kv = self.n_kv_heads
        g, kd = h // kv, kv * dh
        dY = dy.reshape(-1, d)                                   # (mT, d)
        np.matmul(O.T, dY, out=gr["W_o"])                        # (d, d) = Oᵀ dY
        if self.bias:
            np.sum(dY, axis=0, out=gr["b_o"])
        dO = dY @ p["W_o"].T                                     # (mT, d)
        dQKV = np.empty((m * T, d + 2 * kd), dtype=W.dtype)      # ∂E/∂(Q, K, V), as qkv
        dq, dk, dv = self._heads(dQKV, m, T)                     # views
        if A is None:                        # in tiles: the weights recomputed from lse
            heads = (m, T, h, dh)
            dq[...], dk[...], dv[...] = tiled_backward(
                qg.reshape(m, h, T, dh), k, v, O.reshape(heads).transpose(0, 2, 1, 3), lse,
                dO.reshape(heads).transpose(0, 2, 1, 3), g, tile, self.causal)
        else:
            self._weights_backward(A, O, dO, qg, k, v, dq, dk, dv)
        if rot is not None:                                      # back through the rotation
            self._rotate(dQKV, m, T, *rot, inverse=True)
        dW = X.T @ dQKV                                          # (d, d + 2kd)
        scale = 1.0 / math.sqrt(dh)
        np.multiply(dW[:, :d], scale, out=gr["W_q"])
        gr["W_k"][...], gr["W_v"][...] = dW[:, d:d + kd], dW[:, d + kd:]
        if self.bias:
            db = dQKV.sum(axis=0)
            np.multiply(db[:d], scale, out=gr["b_q"])
            gr["b_k"][...] = db[d:d + kd] if rot is not None else 0.0   # b_k: see the docstring
            gr["b_v"][...] = db[d + kd:]
        if not need_dx:
            return None
        return (dQKV @ W.T).reshape(shape)                       # (m, T, d)

    def _weights_backward(self, A, O, dO, qg, k, v, dq, dk, dv):
        """Chapter 17's backward through softmax(Q Kᵀ) V from the stored weights A, into
        the views dq, dk, dv (∂E/∂(Q/√d_head), ∂E/∂K, ∂E/∂V, g query heads summed)."""
        m, kv, gT, dh = qg.shape
        h, T = self.n_heads, gT // (self.n_heads // kv)
        D = (dO * O).reshape(m, T, h, dh).sum(axis=-1).transpose(0, 2, 1)   # (m, h, T): ∂E/∂O·O
        dO = dO.reshape(m, T, h, dh).transpose(0, 2, 1, 3).reshape(m, kv, gT, dh)
        np.matmul(A.swapaxes(-1, -2), dO, out=dv)                # ∂E/∂V = Aᵀ ∂E/∂O (g heads summed)
        dS = dO @ v.swapaxes(-1, -2)                             # (m, kv, gT, T) = ∂E/∂A
        dS -= D.reshape(m, kv, gT)[..., None]
        dS *= A                                                  # ∂E/∂S = A ⊙ (∂E/∂A − ∂E/∂O·O)
        if gT == T:
            np.matmul(dS, k, out=dq)                             # ∂E/∂(Q/√d_head)
        else:
            dq[...] = (dS @ k).reshape(m, h, T, dh)
        np.matmul(dS.swapaxes(-1, -2), qg, out=dk)               # ∂E/∂K (q is Q/√d_head)

    @property
    def rope_base(self) -> float:
        """RoPE's base; a new value is used from the next forward on (and saved)."""
        return self._rope_base

    @rope_base.setter
    def rope_base(self, value) -> None:
        value = check_rope_base(repr(self) if hasattr(self, "_rope") else
                                "MultiHeadAttention", value)
        if self.cache is not None and value != getattr(self, "_rope_base", value):
            raise ValueError(f"{self!r}: rope_base changed while a KV cache is on; the cached "
                             f"keys were turned with the old base. clear_cache() first.")
        self._rope_base, self._rope = value, {}            # the tables of the old base: gone

    def rotation_tables(self, T, dtype):
        """RoPE's (cos, sin) for positions 0 … T − 1, each (T, n_heads + n_kv_heads,
        d_head/2): the row of position t repeated for every query and key head, kept per
        T and dtype until ``rope_base`` changes. The cached forward slices them. Repeated
        rather than broadcast, a table lies in memory as the heads' pairs do, so NumPy
        turns all heads of a position in one inner loop instead of one loop per head."""
        key = (T, np.dtype(dtype))
        if key not in self._rope:
            cos, sin = rope_tables(T, self.d_head, self.rope_base, dtype)   # (T, d_head/2)
            n = self.n_heads + self.n_kv_heads
            self._rope[key] = tuple(np.repeat(a[:, None], n, axis=1) for a in (cos, sin))
        return self._rope[key]

    def _mask(self, T, g):
        """(g·T, T): True where t' ≤ t (and t − W < t' with a window), for the g query heads
        stacked (kept per T and g)."""
        if (T, g) not in self._masks:
            allowed = np.tri(T, dtype=bool)
            if self.window is not None:
                allowed &= ~np.tri(T, k=-self.window, dtype=bool)
            self._masks[(T, g)] = np.tile(allowed, (g, 1))
        return self._masks[(T, g)]

    def output_shape(self, input_shape):
        return sample_shape(self, input_shape, f"Attention reads sequences of d_model = "
                            f"{self.d_model} features; check the previous layer's output size.")

    def get_config(self):
        cfg = {"d_model": self.d_model, "n_heads": self.n_heads, "causal": self.causal}
        return {**cfg, **modern_config(self)}

    def __repr__(self):
        causal = ", causal" if self.causal else ""
        extra = "".join(f", {k}={v!r}" for k, v in modern_config(self).items())
        heads = f"{self.n_heads} head" + "s" * (self.n_heads != 1)
        return f"MultiHeadAttention({self.d_model}, {heads}{causal}{extra})"

    def _bad_input(self, x):
        got = tuple(x.shape)
        fix = (f"{LAST_STATE_ONLY} For one sequence, add a batch axis: x[None]." if x.ndim == 2
               and got[-1] == self.d_model else "Check the previous layer's output size (the "
               "features are the last axis).")
        if x.ndim == 3 and got[1] == 0 and got[2] == self.d_model:
            fix = ("The sequences have no positions (T = 0): attention needs at least one "
                   "position to attend to; give them T ≥ 1.")
        raise ValueError(f"{self!r}: expected input of shape (m, T, {self.d_model}), got {got}. "
                         f"{fix}")
