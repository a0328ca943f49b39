"""Linear attention (chapter 31): attention without the softmax, ``o_t = S_t q_t`` over a
d_head × d_head state written as ``S_t = S_{t−1} + v_t k_tᵀ`` (a Hebbian outer product), so
a model that writes one token at a time keeps one fixed-size state instead of a growing KV
cache. The recurrence is the taught form; the masked (Q Kᵀ ⊙ M) V and chunked forms are
``nnbook.kernels.linear_attention``'s. ``DeltaNet`` (delta.py) writes with chapter 01's rule.
"""

from __future__ import annotations

import numpy as np

from ...init import xavier_uniform
from ...kernels.linear_attention import (chunked_linear, chunked_linear_backward,
                                         masked_linear, masked_linear_backward)
from ...registry import register_class
from ...validate import float_dtype, make_rng, positive_int
from ..base import Layer
from .kv_cache import Caching, PositionCache

__all__ = ["LinearAttention", "StateCache"]

_FORMS = ("recurrent", "masked", "chunked")


class StateCache(PositionCache):
    """What a linear-attention layer keeps while a model generates: its state S alone,
    (m, n_heads, d_head, d_head), the same size at every length (a KV cache grows by
    2·n_heads·d_head numbers per position and sample). ``rewind`` restores the state
    before the last step.

    ``cut(length)`` (speculative decoding's refused drafts) must give back the state after
    ``length`` positions, which the state alone has written over: after ``allow_cuts()``
    the cache also keeps the state after each position written since its last cut, and a
    cut goes back to any of them (and forgets them: the positions before a cut are kept for
    good). Without it, only the state before the last step (or the empty one, a cut to 0)
    can be gone back to, and a cut further back is refused."""

    def __init__(self, max_len=None):
        super().__init__(max_len)
        self.S = self._S_before = None
        self._kept = None        # after allow_cuts(): the state after each position since
        self._S_cut = None       # the last cut, and the state at that cut
        self._cut_at = 0

    @property
    def nbytes(self):
        kept = sum(s.nbytes for s in self._kept or ())
        return kept + (0 if self.S is None else self.S.nbytes)

    def allow_cuts(self):
        """Keep the state after each position from now on, so that ``cut`` can go back to
        any of them (``start_cache(model, cuts=True)`` calls it)."""
        self._kept, self._S_cut, self._cut_at = [], self.S, self.length

    def write(self, S, owner, t, after=None):
        """Count ``t`` positions more and keep ``S``, the state after them; ``after``
        (t, m, n_heads, d_head, d_head): the state after each of them, kept after
        ``allow_cuts()``."""
        self.advance(owner, t)
        self._S_before, self.S = self.S, S
        if self._kept is not None:
            self._kept.extend(after)

    def rewind(self):
        super().rewind()
        self.S = self._S_before
        if self._kept is not None:
            del self._kept[self.length - self._cut_at:]

    def cut(self, length):
        length = min(self.length, int(length))
        if length < self.length:
            self.S = self._state_after(length)
        super().cut(length)
        self._S_before = self.S
        if self._kept is not None:
            self._kept, self._S_cut, self._cut_at = [], self.S, length

    def _state_after(self, length):
        """The state after ``length`` positions (< ``self.length``), or the error."""
        if length == 0:
            return None                                   # nothing written yet
        if self._kept is not None and length >= self._cut_at:
            return self._S_cut if length == self._cut_at else \
                self._kept[length - self._cut_at - 1].copy()
        if self._kept is None and length == self._before:
            return self._S_before
        kept = (f"the states since its last cut, after {self._cut_at} … {self.length} "
                f"positions (allow_cuts() forgets those before a cut)"
                if self._kept is not None else
                f"only the state before the last step, after {self._before} positions")
        raise ValueError(f"StateCache: cannot go back to the state after {length} positions: "
                         f"it holds {self.length} positions' writes in one state and keeps "
                         f"{kept}. Start the caches with start_cache(model, cuts=True) before "
                         f"the positions you may cut (speculative decoding does), or start "
                         f"again and read the first {length} positions.")


@register_class
class LinearAttention(Caching, Layer):
    """Causal linear attention: ``o_t = S_t q_t``, ``S_t = S_{t−1} + v_t k_tᵀ`` per head, then
    ``y = concat_h(o) W_o``.

    ``Q = x W_q``, ``K = x W_k``, ``V = x W_v`` (no biases, no softmax, no feature map); head h
    takes the features h·d_head … (h + 1)·d_head − 1. Unrolled, ``o_t = Σ_{s≤t} v_s (k_s·q_t)``:
    softmax attention's weights replaced by the raw scores, so ``O = (Q Kᵀ ⊙ M) V`` with M the
    causal mask, which ``form="masked"`` computes; ``form="chunked"`` runs the masked form
    inside chunks of ``chunk`` positions and the state between them. The three agree to
    round-off (chapter 31 checks 1e-12).

    Shapes:
        x: (m, T, d_model)  →  y: (m, T, d_model)
        params["W_q"], ["W_k"], ["W_v"], ["W_o"]: (d_model, d_model)
        the state S of each head: (d_head, d_head); ``cache.S``: (m, n_heads, d_head, d_head)

    Backward of the recurrence (``form="recurrent"``), from the last position back, with G
    the gradient of the state: ``G ← G + ∂E/∂o_t q_tᵀ``, ``∂E/∂q_t = S_tᵀ ∂E/∂o_t``,
    ``∂E/∂v_t = G k_t``, ``∂E/∂k_t = Gᵀ v_t``. The other forms call their kernel's backward.

    Args:
        d_model: the features per position, d.
        n_heads: the heads (must divide d_model; default 1).
        form: "recurrent" (default, the taught loop over positions), "masked" or "chunked".
        chunk: the chunk length of ``form="chunked"`` (default 16).
        rng: the ``np.random.Generator`` that draws the W's (Xavier/Glorot uniform).
        dtype: float64 (default) or float32.

    Causal by construction. ``start_cache()`` keeps the state (``StateCache``): each forward
    then reads the next positions only and continues the recurrence. PyTorch has no such
    layer: ``to_torch`` gives the bridge's own (so does a ``TransformerBlock`` with this
    mixer), and its tests compare both with a reference written in torch. Chapter 31.
    """

    causal = True
    attention_weights = None                     # no T × T weights
    cache_class = StateCache
    masks_padding = False                        # a state has no positions to hide
    _kinds = ("q", "k", "v", "o")

    def __init__(self, d_model=None, n_heads=1, *, form="recurrent", chunk=16, rng=None,
                 dtype=np.float64):
        super().__init__()
        name = type(self).__name__
        self.d_model = positive_int(name, "d_model", d_model)
        self.n_heads = positive_int(name, "n_heads", n_heads)
        if self.d_model % self.n_heads:
            raise ValueError(f"{name}: d_model={self.d_model} is not divisible by n_heads="
                             f"{self.n_heads}; each head takes d_model / n_heads features. "
                             f"Use a divisor of {self.d_model}.")
        if form not in _FORMS:
            raise ValueError(f"{name}: expected form= one of {list(_FORMS)}, got {form!r}.")
        self.form, self.chunk = form, positive_int(name, "chunk", chunk)
        self.d_head = self.d_model // self.n_heads
        dtype = float_dtype(name, dtype)
        rng = make_rng(rng, name)
        d = self.d_model
        self.params = {f"W_{n}": xavier_uniform((d, c), d, c, rng, dtype)
                       for n, c in self._widths().items()}
        self.grads = {k: np.zeros_like(p) for k, p in self.params.items()}
        self._saved = None

    def _widths(self):
        return {n: self.d_model for n in self._kinds}

    def forward(self, x):
        x = np.asarray(x)
        p, d = self.params, self.d_model
        if x.ndim != 3 or x.shape[2] != d or x.shape[1] == 0:
            self._bad_input(x)
        if x.dtype != p["W_q"].dtype:
            x = x.astype(p["W_q"].dtype)
        m, T = x.shape[:2]
        X = x.reshape(-1, d)                                      # (mT, d)
        inputs = self._inputs(X, m, T)                            # q, k, v (…) per head
        if self.cache is not None:                                # the next positions only
            self._saved = None
            O, S, states = self._recurrence(*inputs, S0=self.cache.S)[:3]
            self.cache.write(S, self, T, after=states[-T:])   # S_1 … S_T (DeltaNet's: S_0 first)
        else:
            O, saved = self._mix(*inputs)
        O = O.transpose(0, 2, 1, 3).reshape(-1, d)                # (mT, d): heads side by side
        if self.cache is None:
            self._saved = (X, inputs, saved, O, x.shape)
        return (O @ p["W_o"]).reshape(m, T, d)

    def _heads(self, Z, m, T):
        """(mT, d) → (m, n_heads, T, d_head)."""
        return Z.reshape(m, T, self.n_heads, self.d_head).transpose(0, 2, 1, 3)

    def _inputs(self, X, m, T):
        """q, k, v per head, (m, n_heads, T, d_head) each."""
        p = self.params
        return tuple(self._heads(X @ p[f"W_{n}"], m, T) for n in "qkv")

    def _mix(self, q, k, v):
        """``(O, what backward needs)`` in the layer's form; O (m, n_heads, T, d_head)."""
        if self.form == "masked":
            return masked_linear(q, k, v), None
        if self.form == "chunked":
            return chunked_linear(q, k, v, self.chunk)[0], None
        O, _, states = self._recurrence(q, k, v)
        return O, states

    @staticmethod
    def _recurrence(q, k, v, S0=None):
        """``S_t = S_{t−1} + v_t k_tᵀ``, ``o_t = S_t q_t``: O, the last state, every S_t."""
        m, h, T, dh = q.shape
        S = np.zeros((m, h, dh, dh), q.dtype) if S0 is None else S0
        O = np.empty_like(v)
        states = np.empty((T, m, h, dh, dh), q.dtype)
        for t in range(T):
            S = S + v[:, :, t, :, None] * k[:, :, t, None, :]       # + v_t k_tᵀ
            O[:, :, t] = (S @ q[:, :, t, :, None])[..., 0]          # o_t = S_t q_t
            states[t] = S
        return O, S, states

    def backward(self, dy, need_dx: bool = True):
        self._refuse_backward()
        if self._saved is None:
            self._before_forward()
        X, inputs, saved, O, shape = self._saved
        p, gr, d = self.params, self.grads, self.d_model
        dy = np.asarray(dy, dtype=X.dtype)
        if dy.shape != shape:
            self._bad_dy(dy, shape)
        m, T = shape[:2]
        dY = dy.reshape(-1, d)
        gr["W_o"][...] = O.T @ dY                                 # (d, d)
        dO = self._heads(dY @ p["W_o"].T, m, T)                   # (m, h, T, d_head)
        d_in = self._mix_backward(inputs, saved, dO)              # ∂E/∂ of each of inputs
        dX = self._project_back(X, inputs, d_in, m, T)
        return dX.reshape(shape) if need_dx else None

    def _mix_backward(self, inputs, states, dO):
        q, k, v = inputs
        if self.form == "masked":
            return masked_linear_backward(q, k, v, dO)
        if self.form == "chunked":
            return chunked_linear_backward(q, k, v, dO, self.chunk)
        dq, dk, dv = np.empty_like(q), np.empty_like(k), np.empty_like(v)
        G = np.zeros_like(states[0])                              # ∂E/∂S_t, (m, h, dh, dh)
        for t in range(q.shape[2] - 1, -1, -1):
            do = dO[:, :, t]
            G += do[..., :, None] * q[:, :, t, None, :]            # + ∂E/∂o_t q_tᵀ
            dq[:, :, t] = (states[t].swapaxes(-1, -2) @ do[..., None])[..., 0]
            dv[:, :, t] = (G @ k[:, :, t, :, None])[..., 0]           # G k_t
            dk[:, :, t] = (G.swapaxes(-1, -2) @ v[:, :, t, :, None])[..., 0]   # Gᵀ v_t
        return dq, dk, dv

    def _project_back(self, X, inputs, d_in, m, T):
        """The projections' gradients from ∂E/∂(q, k, v) per head; returns ∂E/∂X (mT, d)."""
        p, gr = self.params, self.grads
        dX = 0
        for n, g in zip("qkv", d_in):
            dZ = g.transpose(0, 2, 1, 3).reshape(m * T, self.d_model)
            gr[f"W_{n}"][...] = X.T @ dZ
            dX = dX + dZ @ p[f"W_{n}"].T
        return dX

    @property
    def window(self):
        """None: a state has no sliding window (setting one is refused, not ignored)."""
        return None

    @window.setter
    def window(self, value):
        self._refuse_softmax_option("window", value, "sliding window")

    @property
    def tile(self):
        """None: a state has no tiles of scores."""
        return None

    @tile.setter
    def tile(self, value):
        self._refuse_softmax_option("tile", value, "tiles of scores")

    @property
    def rope_base(self):
        """None: a state has no RoPE, so no base for it."""
        return None

    @rope_base.setter
    def rope_base(self, value):
        self._refuse_softmax_option("rope_base", value, "RoPE")

    def _refuse_softmax_option(self, name, value, what):
        if value is not None:
            raise ValueError(f"{self!r}: a state has no {what}; got {name}={value!r}. Leave "
                             f"{name} None, or use softmax attention (MultiHeadAttention, "
                             f"TransformerBlock(mixer='softmax')).")

    def start_cache(self, max_len=None, pad=None) -> None:
        """Keep the state while a model generates (``pad`` is refused: a state has no
        positions to mask)."""
        if pad is not None:
            raise ValueError(f"{self!r}: left-padded rows (start_cache(pad=…)) need "
                             f"attention's mask; a state cache has no positions to hide. Start "
                             f"it without pad= on rows of equal length (generate runs prompts "
                             f"of different lengths one at a time on such a model).")
        super().start_cache(max_len)

    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) != 2 or shape[1] not in (self.d_model, None):
            raise ValueError(f"{self!r}: expected samples of shape (T, {self.d_model}), got "
                             f"{shape}. Check the previous layer's output size.")
        return shape

    def get_config(self):
        return {"d_model": self.d_model, "n_heads": self.n_heads, "form": self.form,
                "chunk": self.chunk}

    def __repr__(self):
        form = "" if self.form == "recurrent" else f", form={self.form!r}"
        heads = f"{self.n_heads} head" + "s" * (self.n_heads != 1)
        return f"{type(self).__name__}({self.d_model}, {heads}{form})"

    def _bad_input(self, x):
        got, d = tuple(x.shape), self.d_model
        fix = ("For one sequence, add a batch axis: x[None]." if x.ndim == 2 else
               "The sequences have no positions (T = 0): give them T ≥ 1." if x.ndim == 3
               and got[1] == 0 and got[2] == d else
               "Check the previous layer's output size (the features are the last axis).")
        raise ValueError(f"{self!r}: expected input of shape (m, T, {d}), got {got}. {fix}")
