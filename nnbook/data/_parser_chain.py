"""The generated language's parser as a Markov chain of arrays, for ``language_oracle.py``
(chapter 28): its states before a character, their stationary distribution and the
transitions that write each character, with the sparse steps the forward–backward takes.
"""

from __future__ import annotations

import weakref

import numpy as np

from .window_bound import _prior

_CHAINS = weakref.WeakKeyDictionary()     # Language → its parser states as a chain of arrays


def _csr(key, other, p, char, S, V):
    """Edges grouped by (symbol, key state): symbol c < V the edges that write character c,
    symbol V all of them. Row r = symbol · S + state holds edges ptr[r]:ptr[r + 1]."""
    sym = np.concatenate([char, np.full(len(char), V)])                 # (2E,)
    key2, other2 = np.concatenate([key, key]), np.concatenate([other, other])
    order = np.lexsort((other2, sym * S + key2))
    ptr = np.zeros((V + 1) * S + 1, dtype=np.int64)
    np.cumsum(np.bincount(sym * S + key2, minlength=(V + 1) * S), out=ptr[1:])
    return ptr, other2[order], np.concatenate([p, p])[order], np.concatenate([char, char])[order]


def _runs(src, dst, p, key):
    """All edges sorted by ``key`` (src or dst), with where each run of one key starts."""
    order = np.argsort(key, kind="stable")
    k = key[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    return src[order], dst[order], p[order], starts, k[starts]


def chain(language):
    """The parser as a Markov chain over its states before a character: the stationary
    distribution π (S,), its out-edges and in-edges by symbol, and per character c the
    forward vector after c from π, the backward vector before c, and P(c) at a random place."""
    if language not in _CHAINS:
        prior = _prior(language)
        states = list(prior)
        index = {st: i for i, st in enumerate(states)}
        vocab = {c: i for i, c in enumerate(language.vocab)}
        src, dst, p, char = [], [], [], []
        for i, stack in enumerate(states):
            for q, st in language.expansions(stack):
                rest = st[:-1] + ((st[-1][1:],) if len(st[-1]) > 1 else ())
                src.append(i), dst.append(index[rest]), p.append(q)
                char.append(vocab[st[-1][0]])
        src, dst, char = np.array(src), np.array(dst), np.array(char)
        p = np.array(p, dtype=np.float64)
        S, V = len(states), len(language.vocab)
        pi = np.array([prior[st] for st in states], dtype=np.float64)
        starts, ends = [], []
        for c in range(V):
            e = char == c
            a = np.bincount(dst[e], pi[src[e]] * p[e], minlength=S)     # π A[c]
            b = np.bincount(src[e], p[e], minlength=S)                  # A[c] 1
            starts.append((np.flatnonzero(a), a[a > 0] / a.sum(), a.sum()))
            ends.append((np.flatnonzero(b), b[b > 0]))
        marginal = np.bincount(char, pi[src] * p, minlength=V)
        first_char = np.zeros((V, S))                               # F_0[c] = π A[c]
        np.add.at(first_char, (char, dst), pi[src] * p)
        emit = np.zeros((S, V))                                     # A[c] 1, per state
        np.add.at(emit, (src, char), p)
        _CHAINS[language] = dict(S=S, V=V, pi=pi, out=_csr(src, dst, p, char, S, V),
                                 into=_csr(dst, src, p, char, S, V), starts=starts,
                                 ends=ends, marginal=marginal / marginal.sum(),
                                 first_char=first_char, emit=emit,
                                 by_dst=_runs(src, dst, p, dst), by_src=_runs(src, dst, p, src))
    return _CHAINS[language]


def expand(keys, vals, sym, csr, S, chars=False):
    """Follow the edges of symbol ``sym`` (one per entry) from sparse vectors, entries
    ``keys = window · S + state``: (window, neighbour state, value · p) per edge, and the
    edge's character if ``chars``."""
    ptr, other, p, char = csr
    w, st = np.divmod(keys, S)
    row = sym * S + st
    lo, cnt = ptr[row], ptr[row + 1] - ptr[row]
    e = np.repeat(lo - (np.cumsum(cnt) - cnt), cnt) + np.arange(int(cnt.sum()))
    out = np.repeat(w, cnt), other[e], np.repeat(vals, cnt) * p[e]
    return out + (char[e],) if chars else out


def combine(keys, vals, size):
    """Sum the values of equal keys: sorted unique keys and their totals."""
    if len(keys) > size // 16:                      # dense enough: count into an array
        total = np.bincount(keys, vals, minlength=size)
        found = np.flatnonzero(total)
        return found, total[found]
    found, inverse = np.unique(keys, return_inverse=True)
    return found, np.bincount(inverse, vals, minlength=len(found))
