"""The KV cache (chapter 21), as storage: when a model writes one token at a time, the keys
and values of the earlier positions do not change (attention is causal), so each attention
layer keeps them and computes only the new position's query, key and value. ``KVCache``
holds them (``PositionCache`` only counts positions; chapter 23 adds left-padded rows and a
sliding window's rolling cache), and ``Caching`` gives a layer its ``start_cache``,
``clear_cache`` and ``cache``. The cached forward itself is ``MultiHeadAttention``'s
(multihead.py).
"""

from __future__ import annotations

import numpy as np

from ...validate import positive_int

__all__ = ["PositionCache", "KVCache", "Caching", "rewind_caches", "live_cache", "check_pad"]


class PositionCache:
    """How many positions a layer has seen since its cache started (``length``), up to
    ``max_len`` (``None``: no limit). ``PositionalEmbedding`` needs no more: its next
    position is ``length``."""

    nbytes = 0
    pad = None               # (m,) left-padding of each row (chapter 23), None: none
    window = None            # W of a sliding window (KVCache only), None: full attention

    def __init__(self, max_len=None):
        self.max_len = None if max_len is None else positive_int(
            type(self).__name__, "max_len", max_len)
        self.length = 0
        self._before = 0         # the length before the last step (``rewind``)

    def cut(self, length):
        """Forget every position from ``length`` on (speculative decoding drops the
        drafts the target refused)."""
        self.length = self._before = min(self.length, int(length))

    def allow_cuts(self):
        """Get ready to be ``cut`` back to any position written from now on: a count and
        a KV cache always are (``StateCache`` keeps its states for it)."""

    def check_room(self, owner, t):
        """Refuse ``t`` more positions past ``max_len`` (``owner``: the layer, or its name)."""
        if self.max_len is not None and self.length + t > self.max_len:
            owner = owner if isinstance(owner, str) else repr(owner)
            raise ValueError(f"{owner}: the KV cache holds {self.length} positions of at most "
                             f"max_len = {self.max_len}, so it has no room for {t} more. Start "
                             f"it with a larger max_len: start_cache(max_len=…), or None to "
                             f"let it grow.")

    def advance(self, owner, t):
        """Count ``t`` more positions."""
        self.check_room(owner, t)
        self._before = self.length
        self.length += t

    def rewind(self):
        """Forget the positions of the last step (a later layer refused that step: the
        model's caches then stay as they were before it)."""
        self.length = self._before

    def __repr__(self):
        return f"{type(self).__name__}(length={self.length}, max_len={self.max_len})"


class KVCache(PositionCache):
    """The keys and values an attention layer has computed, per key/value head.

    Shapes (k = n_kv_heads, L = ``length``):
        k, v: (m, k, L, d_head), views of the filled part; the keys are stored already
            rotated by RoPE (each at its own position), so they are never rotated again
        nbytes: ``k.nbytes + v.nbytes`` = 2·m·k·L·d_head·itemsize

    ``append(k_new, v_new)`` adds t positions, (m, k, t, d_head) each. With ``max_len`` the
    arrays are made once at that size; with ``None`` they double when full.

    Rolling cache (``window = W``, chapter 23): the arrays have W slots and position s is
    kept in slot s mod W, so at most W entries are held however long the text grows;
    ``positions`` says which position each filled slot holds (the slots are then not in
    the order of the positions, which the softmax does not mind). Left-padded rows
    (``pad``, chapter 23): how many padding tokens each row starts with (``start_cache``).
    """

    def __init__(self, max_len=None):
        super().__init__(max_len)
        self._k = self._v = None

    @property
    def _filled(self):
        return self.length if self.window is None else min(self.length, self.window)

    @property
    def k(self):
        return None if self._k is None else self._k[:, :, :self._filled]

    @property
    def v(self):
        return None if self._v is None else self._v[:, :, :self._filled]

    def keys_values(self):
        """``(k, v)`` at once: the filled slots' keys and values, (m, kv, filled, d_head)."""
        n = self._filled
        return self._k[:, :, :n], self._v[:, :, :n]

    @property
    def positions(self):
        """(filled,) the position of the text held in each filled slot."""
        s = np.arange(self._filled)
        if self.window is None or self.length <= self.window:
            return s
        return s + (self.length - 1 - s) // self.window * self.window   # the latest s mod W

    def cut(self, length):
        if self.window is not None and length < self.length:
            raise ValueError(f"KVCache: a rolling cache (window={self.window}) cannot forget "
                             f"positions: their slots may hold older ones no longer kept. "
                             f"Speculative decoding needs window=None.")
        super().cut(length)

    @property
    def nbytes(self):
        return 0 if self._k is None else 2 * self.k.nbytes

    def append(self, k_new, v_new, owner="KVCache"):
        m, kv, t, dh = k_new.shape
        self.check_room(owner, t)
        L = self.length
        if self.window is not None:
            return self._roll(k_new, v_new)
        if self._k is not None and self._k.shape[:2] + self._k.shape[3:] != (m, kv, dh):
            owner = owner if isinstance(owner, str) else repr(owner)
            raise ValueError(f"{owner}: the KV cache holds {self._k.shape[0]} sequences; got a "
                             f"batch shaped {k_new.shape}. A cache serves one batch: clear_cache() "
                             f"and start_cache() for a new one.")
        if self._k is None or L + t > self._k.shape[2]:
            size = self.max_len or max(2 * (L + t), 16)
            k, v = (np.empty((m, kv, size, dh), dtype=k_new.dtype) for _ in range(2))
            if self._k is not None:
                k[:, :, :L], v[:, :, :L] = self.k, self.v
            self._k, self._v = k, v
        self._k[:, :, L:L + t] = k_new
        self._v[:, :, L:L + t] = v_new
        self._before, self.length = L, L + t

    def _roll(self, k_new, v_new):
        """Write positions L … L + t − 1 into slots s mod W (only the last W of them)."""
        m, kv, t, dh = k_new.shape
        W, L = self.window, self.length
        if self._k is None:
            self._k, self._v = (np.empty((m, kv, W, dh), k_new.dtype) for _ in range(2))
        n = min(t, W)
        slots = np.arange(L + t - n, L + t) % W
        self._k[:, :, slots] = k_new[:, :, t - n:]
        self._v[:, :, slots] = v_new[:, :, t - n:]
        self._before, self.length = L, L + t


def check_pad(owner, pad):
    """``pad`` as a 1-D int64 array of counts ≥ 0, or a ValueError naming ``owner``."""
    a = np.asarray(pad)
    if a.ndim != 1 or a.dtype.kind not in "iu" or (a < 0).any():
        raise ValueError(f"{owner}: expected pad as one count ≥ 0 per row (the padding "
                         f"tokens each row starts with), got {pad!r}. Pass e.g. "
                         f"pad=[0, 3] for two rows.")
    return a.astype(np.int64)


def rewind_caches(layers) -> None:
    """``rewind`` the cache of each of ``layers`` that has one on: ``Sequential.forward``
    calls it for the layers that ran before one refused a cached step, so a refused step
    changes nothing."""
    for layer in layers:
        cache = getattr(layer, "cache", None)
        if cache is not None and callable(getattr(cache, "rewind", None)):
            cache.rewind()


def live_cache(layers):
    """The first of ``layers`` whose cache is on (``start_cache``), or None."""
    return next((layer for layer in layers if getattr(layer, "cache", None) is not None), None)


class Caching:
    """``start_cache``, ``clear_cache`` and ``cache`` for a layer that keeps what it has seen
    while a model generates (``MultiHeadAttention``, ``TransformerBlock``,
    ``PositionalEmbedding``). While ``cache`` is set, ``forward`` reads only the new
    positions and ``backward`` is refused: the cache is for inference."""

    cache = None
    cache_class = KVCache
    masks_padding = True     # start_cache(pad=…) hides left padding (a state cannot)

    @property
    def cacheable(self) -> bool:
        """Whether a cache gives the same outputs (attention: only when causal)."""
        return getattr(self, "causal", True)

    def start_cache(self, max_len=None, pad=None) -> None:
        """Start an empty cache for at most ``max_len`` positions (``None``: no limit); the
        next ``forward`` reads the first positions of a text, each later one the next.
        ``pad``: (m,) how many padding tokens each row starts with (chapter 23): those
        keys are never read and each row's positions count from its first real token."""
        if not self.cacheable:
            raise ValueError(f"{self!r}: a KV cache needs causal attention (causal=True): "
                             f"without the mask every position reads the later ones too, so "
                             f"the earlier keys and values change as the text grows.")
        cache = self.cache_class(max_len)
        cache.pad = None if pad is None else check_pad(repr(self), pad)
        cache.window = getattr(self, "window", None)
        self.cache = cache

    def clear_cache(self) -> None:
        """Drop the cache; ``forward`` reads whole sequences again."""
        self.cache = None

    def _refuse_backward(self):
        if self.cache is not None:
            raise ValueError(f"{self!r}: backward() while a KV cache is on. The cache serves "
                             f"generation (inference) only; call clear_cache() and run forward "
                             f"on the whole sequences before training.")
