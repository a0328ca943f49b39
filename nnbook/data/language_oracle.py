"""The generated language's exact denoiser for chapter 28: forward–backward over the grammar's
parser states gives, for a window of running text with some characters masked, the exact
conditional of each masked character given the visible ones, and the exact log-probability
of what is visible, under the stationary distribution ``Language.window_bound`` starts from.
"""

from __future__ import annotations

import math
import weakref
from itertools import combinations

import numpy as np

from .language import Language
from .window_bound import _prior

__all__ = ["masked_conditionals", "window_log_prob", "masked_diffusion_bound"]

_CHAINS = weakref.WeakKeyDictionary()     # Language → its parser states as a chain of arrays
_MEMORY = 64 * 2**20                      # bytes of stored forward vectors per block of windows
_MAX_BOUND_T = 14                         # masked_diffusion_bound enumerates 2^T masks


class _Edges:
    """Transitions ``src → dst`` with probability ``p``, sorted by ``key`` (dst or src), and
    where each run of equal keys starts, for ``np.add.reduceat``."""

    def __init__(self, src, dst, p, char, by):
        order = np.lexsort((src, dst) if by == "dst" else (dst, src))
        self.src, self.dst, self.p, self.char = src[order], dst[order], p[order], char[order]
        key = self.dst if by == "dst" else self.src
        self.starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])     # (runs,)
        self.keys = key[self.starts]                                        # (runs,)


def _chain(language):
    """The parser as a Markov chain over states before a character: its stationary
    distribution and, for each character id (and id V: any character), its transitions."""
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
        V = len(language.vocab)
        forward = [_Edges(src[char == c], dst[char == c], p[char == c], char[char == c], "dst")
                   for c in range(V)] + [_Edges(src, dst, p, char, "dst")]
        backward = [_Edges(e.src, e.dst, e.p, e.char, "src") for e in forward]
        by_char = _Edges(src, dst, p, char, "src")
        order = np.argsort(char, kind="stable")                 # for the conditionals
        by_char.src, by_char.dst = src[order], dst[order]
        by_char.p, by_char.char = p[order], char[order]
        by_char.starts = np.flatnonzero(np.r_[True, by_char.char[1:] != by_char.char[:-1]])
        by_char.keys = by_char.char[by_char.starts]
        pi = np.array([prior[st] for st in states], dtype=np.float64)
        _CHAINS[language] = (pi, forward, backward, by_char)
    return _CHAINS[language]


def _check(owner, language, ids, mask):
    """ids (and mask) as (m, T) arrays, whether the input was one window, and the vocab size."""
    if not isinstance(language, Language):
        raise ValueError(f"{owner}: expected language to be a nb.data.Language, got "
                         f"{type(language).__name__}. Pass language=nb.data.Language() (or the "
                         f"corpus's corpus.language).")
    V = len(language.vocab)
    if isinstance(ids, str):
        index = {c: i for i, c in enumerate(language.vocab)}
        bad = next((t for t, c in enumerate(ids) if c not in index), None)
        if bad is not None:
            raise ValueError(f"{owner}: character {ids[bad]!r} at position {bad} is not in the "
                             f"language's vocabulary {''.join(language.vocab)!r}. Remove it.")
        ids = [index[c] for c in ids]
    a = np.asarray(ids)
    if a.ndim not in (1, 2) or a.shape[-1] == 0 or (a.dtype.kind not in "iu"):
        raise ValueError(f"{owner}: expected ids as integers of shape (T,) or (m, T) with T ≥ 1 "
                         f"(or one window as a string), got shape {a.shape} and dtype "
                         f"{a.dtype}. Pass corpus.ids[s:s + T] or corpus.encode(text).")
    if a.min() < 0 or a.max() >= V:
        raise ValueError(f"{owner}: id {int(a.min() if a.min() < 0 else a.max())} is outside "
                         f"[0, {V}), the language's {V} characters. Pass ids of "
                         f"language_corpus (or corpus.encode(text)), not another tokenizer's.")
    single = a.ndim == 1
    a = a.reshape(-1, a.shape[-1]).astype(np.int64)
    if mask is None:
        return a, np.zeros(a.shape, dtype=bool), single
    mk = np.asarray(mask)
    if mk.dtype != bool:
        raise ValueError(f"{owner}: expected mask as a boolean array (True: masked), got dtype "
                         f"{mk.dtype}. Pass mask=(array == 1) or mask.astype(bool).")
    want = a.shape[1:] if single else a.shape
    if mk.shape != want:
        raise ValueError(f"{owner}: expected mask of the ids' shape {want}, got {mk.shape}. "
                         f"Give one True/False per character of every window.")
    return a, mk.reshape(a.shape), single


def _forward_backward(language, ids, mask, owner, conditionals=True):
    """log P(visible) per window (m,) and, if asked, the masked positions' conditionals
    (n_masked, V), in the order of ``np.nonzero(mask)``."""
    pi, forward, backward, by_char = _chain(language)
    m, T = ids.shape
    S, V = len(pi), len(language.vocab)
    sym = np.where(mask, V, ids)                                        # (m, T): V = masked
    logp = np.zeros(m)
    out = np.zeros((int(mask.sum()), V))
    rows = np.cumsum(mask.reshape(-1)).reshape(m, T) - 1                # where each goes in out
    block = max(1, _MEMORY // (8 * S * (T + 1))) if conditionals else m
    for b0 in range(0, m, block):
        b = slice(b0, min(m, b0 + block))
        n = b.stop - b.start
        alpha = np.empty((T + 1, S, n))                                 # scaled, states × windows
        alpha[0] = pi[:, None]
        scale = np.empty((T, n))
        for t in range(T):
            alpha[t + 1] = 0.0
            for s in np.unique(sym[b, t]):
                cols = np.flatnonzero(sym[b, t] == s)
                e = forward[s]
                vals = alpha[t][e.src][:, cols] * e.p[:, None]          # (edges, windows)
                alpha[t + 1][np.ix_(e.keys, cols)] = np.add.reduceat(vals, e.starts, axis=0)
            scale[t] = alpha[t + 1].sum(axis=0)
            if np.any(scale[t] <= 0.0):
                k = int(np.flatnonzero(scale[t] <= 0.0)[0])
                _impossible(owner, language, ids[b.start + k], mask[b.start + k], b.start + k, t)
            alpha[t + 1] /= scale[t]
        logp[b] = np.log(scale).sum(axis=0)
        if not conditionals or not mask[b].any():
            continue
        beta = np.ones((S, n))
        for t in range(T - 1, -1, -1):
            cols = np.flatnonzero(mask[b, t])
            if cols.size:                           # P(x_t = c | visible) ∝ α_t-1 A[c] β_t
                vals = (alpha[t][by_char.src][:, cols] * by_char.p[:, None]
                        * beta[by_char.dst][:, cols])                   # (edges, windows)
                q = np.zeros((V, cols.size))
                q[by_char.keys] = np.add.reduceat(vals, by_char.starts, axis=0)
                out[rows[b.start + cols, t]] = (q / q.sum(axis=0)).T
            new = np.zeros((S, n))
            for s in np.unique(sym[b, t]):
                cols = np.flatnonzero(sym[b, t] == s)
                e = backward[s]
                vals = beta[e.dst][:, cols] * e.p[:, None]
                new[np.ix_(e.keys, cols)] = np.add.reduceat(vals, e.starts, axis=0)
            beta = new / scale[t]
    return logp, out


def _impossible(owner, language, row, mask_row, k, t):
    shown = "".join("_" if h else language.vocab[i] for i, h in zip(row.tolist(), mask_row))
    raise ValueError(f"{owner}: the grammar cannot produce window {k} ({shown!r}, _ masked): "
                     f"its visible character {language.vocab[row[t]]!r} at position {t} cannot "
                     f"follow what is visible before it, so P(window) = 0 and its masked "
                     f"characters have no conditional. Pass windows cut from the language's "
                     f"own text (language_corpus).")


def masked_conditionals(language, ids, mask) -> np.ndarray:
    """The exact P(x_t = c | every visible character of its window) for every masked position
    t, under the grammar read as running text: the window starts at a random place of an
    endless text, as in ``Language.window_bound``. The other masked characters are summed
    over, so this is the best possible denoiser of masked (absorbing-state) diffusion.

    Forward–backward over the parser states: α_t = α_{t−1} A[x_t] from the stationary
    distribution, with A[x_t] the transitions that write x_t, or all of them where x_t is
    masked; β likewise from the end; P(x_t = c | visible) ∝ α_{t−1} A[c] β_t. Each step is
    rescaled to sum to 1, so the result is exact to round-off (float64).

    Shapes:
        ids: (T,) or (m, T) integer ids of ``language_corpus``, or one window as a string
        mask: a boolean array of the ids' shape, True where the character is masked
        returns: (n_masked, V) float64, n_masked = mask.sum(), one row per masked position
            in the order of ``np.nonzero(mask)`` (row-major, as ``ids[mask]``), each row
            summing to 1; column c is the character ``language.vocab[c]``

    A window the grammar cannot produce (P(visible) = 0) is a ``ValueError`` that names the
    window, and the first visible character that cannot follow what is visible before it.
    The masked characters' ids are ignored. Chapter 28.
    """
    owner = "masked_conditionals"
    a, mk, _ = _check(owner, language, ids, mask)
    return _forward_backward(language, a, mk, owner)[1]


def window_log_prob(language, ids, mask=None):
    """log P(the visible characters of the window), natural log, under the grammar read as
    running text (the stationary start of ``Language.window_bound``); with no mask, log P of
    the whole window. Exact to round-off: the forward pass of ``masked_conditionals``.

    Shapes:
        ids: (T,) or (m, T) integer ids, or one window as a string;  mask: None or boolean
            of the ids' shape (True: masked, summed over)
        returns: a float for one window (T,), else (m,) float64

    A window the grammar cannot produce is a ``ValueError`` (its log-probability is −∞).
    Chapter 28: −window_log_prob is what the masked-diffusion bound must reach.
    """
    owner = "window_log_prob"
    a, mk, single = _check(owner, language, ids, mask)
    logp = _forward_backward(language, a, mk, owner, conditionals=False)[0]
    return float(logp[0]) if single else logp


def masked_diffusion_bound(language, ids) -> np.ndarray:
    """The masked-diffusion bound on −log P(window) (nats) with the exact denoiser, over all
    2^T masks of each window: with k uniform on 1…T and then k masked positions M drawn
    uniformly, the loss (T/k) Σ_{i∈M} −log P(x_i | x outside M); its expectation is::

        Σ_k (1/T) · (1/C(T, k)) · Σ_{|M|=k} (T/k) Σ_{i∈M} −log P(x_i | x outside M)

    Why it equals −log P(x) for the exact denoiser: unmasking in a random order σ writes
    −log P(x) = Σ_j −log P(x_σ(j) | x_σ(<j)) for every order; averaged over the orders,
    step j's term has j − 1 characters visible, i.e. k = T − j + 1 masked, each of the k
    equally likely to be the one unmasked and each set M of size k equally likely. So
    −log P(x) = Σ_k (1/C(T, k)) Σ_{|M|=k} (1/k) Σ_{i∈M} −log P(x_i | x outside M): the
    weight is 1/k (1/t for a masking rate t), not 1/T. For a trained model the same sum is
    an upper bound.

    Shapes:
        ids: (T,) or (m, T) integer ids (or a string), T ≤ 14;  returns: a float, or (m,)

    Chapter 28 checks the identity, −window_log_prob, to 1e-12.
    """
    owner = "masked_diffusion_bound"
    a, _, single = _check(owner, language, ids, None)
    m, T = a.shape
    if T > _MAX_BOUND_T:
        raise ValueError(f"masked_diffusion_bound: got windows of T={T}; the bound enumerates "
                         f"all 2^T masks, so T ≤ {_MAX_BOUND_T}. Estimate it for longer windows "
                         f"by drawing masks, with the same weights T/k.")
    masks = np.array([[t in M for t in range(T)] for k in range(1, T + 1)
                      for M in combinations(range(T), k)])               # (2^T − 1, T)
    weight = np.array([1 / (k * math.comb(T, k)) for k in range(1, T + 1)
                       for _ in range(math.comb(T, k))])                # (2^T − 1,)
    out = np.empty(m)
    for j in range(m):
        rows = np.repeat(a[j:j + 1], len(masks), axis=0)
        q = masked_conditionals(language, rows, masks)                  # (Σ|M|, V)
        nll = -np.log(q[np.arange(len(q)), rows[masks]])
        per_mask = np.zeros(len(masks))
        np.add.at(per_mask, np.nonzero(masks)[0], nll)
        out[j] = weight @ per_mask
    return float(out[0]) if single else out
