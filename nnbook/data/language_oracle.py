"""The generated language's exact denoiser for chapter 28: forward–backward over the grammar's
parser states gives, for a window of running text with some characters masked, the exact
conditional of each masked character given the visible ones, and the exact log-probability
of what is visible, under the stationary distribution ``Language.window_bound`` starts from.
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np

from ._parser_chain import chain, combine, expand
from .language import Language

__all__ = ["masked_conditionals", "window_log_prob", "masked_diffusion_bound"]

_MAX_BOUND_T = 14                         # masked_diffusion_bound enumerates 2^T masks


def _check(owner, language, ids, mask):
    """ids and mask as (m, T) arrays, and whether the input was one window (T,)."""
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
    single = a.ndim == 1
    a = a.reshape(-1, a.shape[-1]).astype(np.int64)
    mk = np.zeros(a.shape, dtype=bool) if mask is None else np.asarray(mask)
    if mk.dtype != bool:
        raise ValueError(f"{owner}: expected mask as a boolean array (True: masked), got dtype "
                         f"{mk.dtype}. Pass mask=(array == 1) or mask.astype(bool).")
    want = a.shape[1:] if single else a.shape
    if mask is not None and mk.shape != want:
        raise ValueError(f"{owner}: expected mask of the ids' shape {want}, got {mk.shape}. "
                         f"Give one True/False per character of every window.")
    mk = mk.reshape(a.shape)
    shown = a[~mk]                                  # a masked position may hold any id
    if shown.size and (shown.min() < 0 or shown.max() >= V):
        bad = int(shown.min() if shown.min() < 0 else shown.max())
        raise ValueError(f"{owner}: visible id {bad} is outside [0, {V}), the language's {V} "
                         f"characters. Pass ids of language_corpus (or corpus.encode(text)), "
                         f"not another tokenizer's, and mask the positions that hold a mask id.")
    return a, mk, single


def _ends(mask):
    """Each window's first and last visible positions (m,): T and −1 when none is visible."""
    seen, T = ~mask, mask.shape[1]
    any_seen = seen.any(axis=1)
    return (np.where(any_seen, seen.argmax(axis=1), T),
            np.where(any_seen, T - 1 - seen[:, ::-1].argmax(axis=1), -1))


def _add(keys, vals, windows, parts, S):
    """Sparse vectors with the vectors ``parts`` (states, values) of new ``windows`` added."""
    keys = np.concatenate([keys] + [k * S + idx for k, (idx, _) in zip(windows, parts)])
    vals = np.concatenate([vals] + [v for _, v in parts])
    order = np.argsort(keys, kind="stable")
    return keys[order], vals[order]


def _normalised(keys, vals, S, m):
    total = np.bincount(keys // S, vals, minlength=m)                  # (m,)
    return vals / total[keys // S], total


def _log_prob(language, ids, mask, owner):
    """log P(visible) per window (m,): the forward pass, α rescaled to sum to 1 at each
    step, from a window's first visible character (before it α is π: π A = π) to its last.
    The first visible character that cannot follow the ones before is a ValueError."""
    ch = chain(language)
    S, V = ch["S"], ch["V"]
    m, T = ids.shape
    sym = np.where(mask, V, ids)                                        # (m, T): V = masked
    first, last = _ends(mask)
    scale = np.ones((m, T))
    keys, vals = np.zeros(0, dtype=np.int64), np.zeros(0)
    for t in range(T):
        if len(keys):                               # α_t = α_t-1 A[x_t] / scale_t
            w, nxt, v = expand(keys, vals, sym[keys // S, t], ch["out"], S)
            keys, vals = combine(w * S + nxt, v, m * S)
            keep = (t <= last)[keys // S]
            keys, vals = keys[keep], vals[keep]
            vals, total = _normalised(keys, vals, S, m)
            live = (first < t) & (t <= last)
            if np.any(live & (total <= 0.0)):
                k = int(np.flatnonzero(live & (total <= 0.0))[0])
                _impossible(owner, language, ids[k], mask[k], k, t)
            scale[live, t] = total[live]
        begin = np.flatnonzero(first == t)
        if len(begin):                              # α after x_t from π, for each window
            parts = [ch["starts"][ids[k, t]] for k in begin]
            keys, vals = _add(keys, vals, begin, [(i, v) for i, v, _ in parts], S)
            scale[begin, t] = [total for _, _, total in parts]
    return np.log(scale).sum(axis=1)


def _conditionals(language, ids, mask, owner):
    """P(x_t = c | visible) for the masked positions (n_masked, V), in the order of
    ``np.nonzero(mask)``: β backward first, then α forward kept to the states where β is
    not 0 (the only ones that can lead to what is visible later), each rescaled to sum to 1
    per window. P(visible) = π · β before the first visible character, and π > 0, so a
    window the grammar cannot produce shows as a β of zeros. Masked characters before the
    first visible one (α = π) and after the last (β = 1) come from ``_sweep``."""
    ch = chain(language)
    S, V = ch["S"], ch["V"]
    m, T = ids.shape
    sym = np.where(mask, V, ids)                                        # (m, T): V = masked
    first, last = _ends(mask)
    rows = np.cumsum(mask.reshape(-1)).reshape(m, T) - 1                # where each goes in q
    q = np.zeros((int(mask.sum()), V))
    q[rows[last < 0].reshape(-1)] = ch["marginal"]          # nothing visible: P(c) itself
    keys, vals = np.zeros(0, dtype=np.int64), np.zeros(0)
    betas, lead = [None] * T, []
    dead = np.zeros(m, dtype=bool)                  # windows whose β became 0: P = 0
    for t in range(T - 1, -1, -1):                  # β_t, windows with first ≤ t < last
        betas[t] = keys, vals
        if len(keys):                               # β_t-1 ∝ A[x_t] β_t
            w, prv, v = expand(keys, vals, sym[keys // S, t], ch["into"], S)
            keys, vals = combine(w * S + prv, v, m * S)
        end = np.flatnonzero(last == t)
        if len(end):                                # β_last-1 = A[x_last] 1
            keys, vals = _add(keys, vals, end, [ch["ends"][ids[k, t]] for k in end], S)
        vals, total = _normalised(keys, vals, S, m)
        dead |= (first <= t) & (t <= last) & (total <= 0.0)     # (a dead window has no keys)
        done = (first == t)[keys // S]
        lead.append((keys[done], vals[done]))
        keys, vals = keys[~done], vals[~done]
    if dead.any():
        _reject(language, ids, mask, owner, np.flatnonzero(dead))
    keys, vals = np.zeros(0, dtype=np.int64), np.zeros(0)
    trail = []
    for t in range(T):                              # α_t-1, windows with first < t ≤ last
        hidden = np.flatnonzero(mask[:, t] & (first < t) & (t < last))
        if len(hidden):
            _between(ch, q, rows[:, t], hidden, (keys, vals), *betas[t])
        if len(keys):                               # α_t ∝ α_t-1 A[x_t]
            w, nxt, v = expand(keys, vals, sym[keys // S, t], ch["out"], S)
            keys, vals = combine(w * S + nxt, v, m * S)
        begin = np.flatnonzero(first == t)
        if len(begin):
            keys, vals = _add(keys, vals, begin, [ch["starts"][ids[k, t]][:2] for k in begin], S)
        bkeys = betas[t][0]
        at = np.minimum(np.searchsorted(bkeys, keys), max(len(bkeys) - 1, 0))
        w = keys // S
        keep = (last[w] == t) | ((bkeys[at] == keys) if len(bkeys) else False)
        keys, vals = keys[keep], vals[keep]
        vals = _normalised(keys, vals, S, m)[0]     # not 0: β found P(visible) > 0
        done = (last == t)[keys // S]
        trail.append((keys[done], vals[done]))
        keys, vals = keys[~done], vals[~done]
    _sweep(ch, q, rows, first, _joined(lead), ch["first_char"].T, ch["by_dst"], ch["into"], -1)
    _sweep(ch, q, rows, last, _joined(trail), ch["emit"], ch["by_src"], ch["out"], +1)
    return q / q.sum(axis=1, keepdims=True)


def _joined(parts):
    return tuple(np.concatenate(a) for a in zip(*parts))


def _sweep(ch, q, rows, edge, vectors, M, runs, csr, step):
    """The masked characters before the first visible one (step −1) or after the last
    (step +1), j = 1, 2, … places away: q = Σ_s v_j[s] M_j[s, c], where v_1 is β before
    the first visible character or α after the last, M_1 = F_0ᵀ (F_0[c] = π A[c]) or the
    emission A[c] 1. One step further either carries the vectors, v_j+1 = v_j A_any (after)
    or A_any v_j (before), or, for many windows at once, the matrix, M_j+1 = A_any M_j
    (after) or A_anyᵀ M_j (before)."""
    S, V, T = ch["S"], ch["V"], rows.shape[1]
    keys, vals = vectors
    w = np.unique(keys // S)
    if len(w) >= V:                                 # then one matrix serves every window
        far = T - 1 - edge[w].min() if step > 0 else edge[w].max()     # the last j needed
        _sweep_dense(q, rows, edge, vectors, _carried(ch, M, runs, step, far), step, S)
        return
    for j in range(1, T):
        w = keys // S
        pos = edge[w] + step * j
        ok = (pos >= 0) & (pos < T)                 # windows past the edge are done
        keys, vals, w, pos = keys[ok], vals[ok], w[ok], pos[ok]
        if not len(keys):
            break
        contrib = M[keys % S] * vals[:, None]                           # (entries, V)
        bounds = np.flatnonzero(np.r_[True, w[1:] != w[:-1]])
        q[rows[w[bounds], pos[bounds]]] = np.add.reduceat(contrib, bounds, axis=0)
        w, other, v = expand(keys, vals, V, csr, S)
        keys, vals = combine(w * S + other, v, len(edge) * S)


def _sweep_dense(q, rows, edge, vectors, Ms, step, S, chunk=256):
    """``_sweep`` for many windows: their vectors as the rows of a dense matrix (in chunks
    of ``chunk`` windows), q = v_1 M_j as one product per step, ``Ms[j - 1]`` = M_j
    (``_carried``)."""
    T = rows.shape[1]
    keys, vals = vectors
    win, inv = np.unique(keys // S, return_inverse=True)
    for lo in range(0, len(win), chunk):
        part = (inv >= lo) & (inv < lo + chunk)
        n = min(chunk, len(win) - lo)
        v = np.bincount((inv[part] - lo) * S + keys[part] % S, vals[part],
                        minlength=n * S).reshape(n, S)                  # (n, S)
        w = win[lo:lo + n]
        for j in range(1, T):
            pos = edge[w] + step * j
            ok = (pos >= 0) & (pos < T)                 # windows past the edge are done
            if not ok.any():
                break
            q[rows[w[ok], pos[ok]]] = v[ok] @ Ms[j - 1]                 # (n_ok, V)


def _carried(ch, M, runs, step, n, keep=8):
    """M_1 … M_n of ``_sweep``: M_j+1 = A_any M_j (after, step +1) or A_anyᵀ M_j (before,
    step −1), one ``bincount`` each. They depend on the grammar alone, not on the windows,
    and making one costs more than the products that use it, so the first ``keep`` are kept
    in the chain (``ch``) once made (each is an (S, V) matrix: 2.8 MB for the course's
    language); longer windows make the rest again at each call."""
    kept = ch.setdefault(("carried", step), [M])
    found = list(kept)
    if len(found) < n:
        V = M.shape[1]
        src, dst, p, starts, at = runs
        key = np.repeat(at, np.diff(np.r_[starts, len(p)]))             # (E,) sorted
        into = (key[:, None] * V + np.arange(V)).reshape(-1)            # (E·V,)
        gather = dst if step > 0 else src
        while len(found) < n:
            Mj = found[-1]
            found.append(np.bincount(into, (Mj[gather] * p[:, None]).reshape(-1),
                                     minlength=len(M) * V).reshape(len(M), V))
        kept[len(kept):keep] = found[len(kept):keep]
    return found


def _between(ch, q, rows, hidden, alpha, bkeys, bvals):
    """Fill q's rows for the windows ``hidden`` masked at t between their first and last
    visible characters: Σ over the edges of character c of α_t-1[src] · p · β_t[dst]."""
    S, V = ch["S"], ch["V"]
    akeys, avals = alpha
    pick = np.isin(akeys // S, hidden)
    w, dst, v, c = expand(akeys[pick], avals[pick], V, ch["out"], S, chars=True)
    want = w * S + dst
    at = np.minimum(np.searchsorted(bkeys, want), len(bkeys) - 1)
    beta = np.where(bkeys[at] == want, bvals[at], 0.0)
    q += np.bincount(rows[w] * V + c, v * beta, minlength=q.size).reshape(q.shape)


def _reject(language, ids, mask, owner, dead):
    """The windows ``dead`` (their indices) have P(visible) = 0: the forward pass names the
    first visible character that cannot follow the ones before it, and the error lists every
    such window in its attribute ``windows`` (each is one that masked_conditionals refuses
    alone: a window's numbers do not depend on the others of its batch), so that
    ``unmask_sample`` need not search for them."""
    try:
        _log_prob(language, ids, mask, owner)
        message = (f"{owner}: the grammar cannot produce one of the windows (P(visible) = 0). "
                   f"Pass windows cut from the language's own text (language_corpus).")
    except ValueError as found:
        message = str(found)
    error = ValueError(message)
    error.windows = dead
    raise error from None


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
    The ids at masked positions are ignored (a mask token's id, such as V, is fine there).
    Chapter 28.
    """
    owner = "masked_conditionals"
    a, mk, _ = _check(owner, language, ids, mask)
    return _conditionals(language, a, mk, owner)


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
    logp = _log_prob(language, a, mk, owner)
    return float(logp[0]) if single else logp


def masked_diffusion_bound(language, ids) -> np.ndarray:
    """The masked-diffusion bound on −log P(window) (nats) with the exact denoiser, summed
    over all 2^T − 1 masks of each window. Training draws k uniformly from 1…T, then a set M
    of k masked positions uniformly, and takes the loss (T/k) Σ_{i∈M} −log P(x_i | x outside
    M), the weight T/k on each masked character of the window's sum (the discrete form of
    1/t at masking rate t = k/T); its expectation is::

        Σ_k 1/T · 1/C(T, k) · Σ_{M: |M| = k} (T/k) · Σ_{i∈M} −log P(x_i | x outside M)

    With the exact denoiser it equals −log P(x): unmasking in a random order σ gives
    −log P(x) = Σ_j −log P(x_σ(j) | x_σ(1…j−1)) for every order; averaged over the orders,
    step j has k = T − j + 1 characters still masked, every set of k equally likely, and
    each of the k equally likely to be the one revealed, hence::

        −log P(x) = Σ_k 1/C(T, k) · Σ_{M: |M| = k} (1/k) · Σ_{i∈M} −log P(x_i | x outside M)

    The weight is 1/k, not 1/T. For any other denoiser q the same sum is, on each window,
    an upper bound on −log q̄(x), q̄ the average over the orders σ of the autoregressive
    models q_σ(x) = Π_j q(x_σ(j) | x_σ(1…j−1)) (Jensen), not on −log P(x): a denoiser that
    puts its mass on one window gets that window a sum below −log P(x). Only its mean over
    the grammar's windows is at least the grammar's E[−log P(x)] (Gibbs).

    Shapes:
        ids: (T,) or (m, T) integer ids (or one window as a string), T ≤ 14
        returns: a float for one window (T,), else (m,) float64

    Chapter 28 checks it against minus ``window_log_prob`` to 1e-12.
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
