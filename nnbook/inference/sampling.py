"""Decoding rules (chapter 21): the distribution the next token is drawn from, given a model's
logits: greedy (temperature 0), temperature, top-k and top-p (nucleus), each a pure function
on the last axis, and ``sample_next``, which draws one token per row from it.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..layers.activations import softmax

__all__ = ["apply_temperature", "top_k_filter", "top_p_filter", "next_token_probs",
           "sample_next", "check_decoding"]


def check_decoding(owner: str, temperature=1.0, top_k=None, top_p=None) -> None:
    """Raise a ``ValueError`` naming the fix for a bad ``temperature``, ``top_k`` or ``top_p``."""
    if (isinstance(temperature, bool) or not isinstance(temperature, numbers.Real)
            or not np.isfinite(temperature) or temperature < 0):
        raise ValueError(f"{owner}: temperature must be a number ≥ 0, got {temperature!r}. "
                         f"Use temperature=0 for greedy decoding, 1 for the model's own "
                         f"distribution.")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, numbers.Integral)
                              or top_k < 1):
        raise ValueError(f"{owner}: top_k must be an integer ≥ 1 or None, got {top_k!r}. "
                         f"Pass e.g. top_k=10 to keep the 10 most probable tokens, or None "
                         f"to keep all.")
    if top_p is not None and (isinstance(top_p, bool) or not isinstance(top_p, numbers.Real)
                              or not 0 < top_p <= 1):
        raise ValueError(f"{owner}: top_p must be a number in (0, 1] or None, got {top_p!r}. "
                         f"Pass e.g. top_p=0.9 to keep the smallest set of tokens holding 90% "
                         f"of the probability, or None (or 1) to keep all.")


def _floats(owner, what, x):
    x = np.asarray(x)
    if x.ndim < 1 or x.shape[-1] == 0 or x.dtype.kind not in "fiu":
        raise ValueError(f"{owner}: expected {what} as a numeric array (V,) or (m, V), one "
                         f"entry per token of the vocabulary, got shape {x.shape} and dtype "
                         f"{x.dtype}. Pass the model's last-position output, e.g. "
                         f"logits[:, -1].")
    x = x.astype(np.float64) if x.dtype.kind in "iu" else x
    if np.isnan(x).any():
        raise ValueError(f"{owner}: {what} contain NaN; the model diverged or its input is "
                         f"wrong, so there is no distribution to sample from.")
    return x


def _probabilities(owner, probs):
    p = _floats(owner, "probabilities", probs)
    if (p < 0).any() or not np.allclose(p.sum(axis=-1), 1.0, atol=1e-6):
        raise ValueError(f"{owner}: expected probabilities (entries ≥ 0, each row summing "
                         f"to 1). Pass softmax(logits), or next_token_probs(logits) for logits.")
    return p


def apply_temperature(logits, temperature: float):
    """softmax(logits / T) over the last axis; ``temperature=0``: all the mass on the
    arg-max (the first one when several logits tie), which is greedy decoding.

    Infinite logits are the limits they stand for: −inf is a token of probability 0, and
    +inf beside finite logits takes all the mass (several +inf share it equally), at any
    temperature. A row of −inf only leaves no token possible, a ``ValueError``."""
    check_decoding("apply_temperature", temperature)
    return _tempered(logits, temperature)


def _tempered(logits, temperature):
    """``apply_temperature`` for a checked ``temperature`` (``next_token_probs`` checked it)."""
    z = _floats("apply_temperature", "logits", logits)
    dead = np.isneginf(z).all(axis=-1)
    if dead.any():
        row = int(np.argmax(dead.reshape(-1)))
        raise ValueError(f"apply_temperature: row {row} of the logits is −inf everywhere, so "
                         f"no token is possible and there is no distribution to draw from. "
                         f"Check the mask or the model that made them.")
    if temperature == 0:                               # one-hot rows at the arg-max
        p = np.zeros(z.shape, dtype=z.dtype)
        np.put_along_axis(p, np.argmax(z, axis=-1)[..., None], 1.0, axis=-1)
        return p
    top = np.isposinf(z)
    if not top.any():
        return softmax(z / temperature)
    rows = top.any(axis=-1, keepdims=True)             # the rows with a +inf: its limit
    finite = np.where(rows, 0.0, z)
    return np.where(rows, top / np.maximum(top.sum(axis=-1, keepdims=True), 1),
                    softmax(finite / temperature)).astype(z.dtype, copy=False)


def _descending(p):
    """Indices sorting each row by probability, largest first; equal probabilities keep
    their token order (the lower id first), so ties at a cut favour lower ids."""
    return np.argsort(-p, axis=-1, kind="stable")


def top_k_filter(probs, k: int):
    """Keep the ``k`` most probable tokens of each row, set the rest to 0, renormalise.
    Ties at the cut: among equal probabilities the lower token ids are kept. ``k`` ≥ V
    keeps every token."""
    check_decoding("top_k_filter", top_k=k)
    p = _probabilities("top_k_filter", probs)
    drop = _descending(p)[..., k:]
    out = np.array(p)
    np.put_along_axis(out, drop, 0.0, axis=-1)
    return out / out.sum(axis=-1, keepdims=True)


def top_p_filter(probs, p: float):
    """Keep the smallest set of most probable tokens whose mass reaches ``p`` (nucleus
    sampling), set the rest to 0, renormalise. A token is kept when the tokens before it
    (in decreasing probability) hold less than p, so the most probable token is always
    kept; sums are compared with a slack of 1e-12, so a set holding p up to round-off
    reaches it. Ties at the cut: equal probabilities are ordered by token id (the lower
    kept first), and the set stops as soon as it reaches p."""
    check_decoding("top_p_filter", top_p=p)
    q = _probabilities("top_p_filter", probs)
    order = _descending(q)
    sorted_q = np.take_along_axis(q, order, axis=-1)
    before = np.cumsum(sorted_q, axis=-1) - sorted_q          # mass of the tokens ahead
    keep_sorted = before < p - 1e-12
    keep_sorted[..., 0] = True
    keep = np.zeros_like(keep_sorted)
    np.put_along_axis(keep, order, keep_sorted, axis=-1)
    out = np.where(keep, q, 0.0)
    return out / out.sum(axis=-1, keepdims=True)


def next_token_probs(logits, *, temperature=1.0, top_k=None, top_p=None):
    """The distribution decoding draws from: temperature first, then top-k, then top-p
    (the order of Hugging Face's ``generate``), renormalised after each cut."""
    check_decoding("next_token_probs", temperature, top_k, top_p)
    p = _tempered(logits, temperature)                  # apply_temperature, checked above
    if top_k is not None:
        p = top_k_filter(p, top_k)
    if top_p is not None and top_p < 1:
        p = top_p_filter(p, top_p)
    return p


def sample_next(logits, rng, *, temperature=1.0, top_k=None, top_p=None):
    """One token id per row of ``logits`` (V,) or (m, V), drawn from ``next_token_probs``
    with one ``rng.random`` draw per row (inverse CDF: the first token whose cumulative
    probability exceeds the draw). ``temperature=0`` is greedy: the arg-max, and no draw."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"sample_next: rng must be a np.random.Generator, got {rng!r}. "
                         f"Pass rng=np.random.default_rng(seed).")
    p = next_token_probs(logits, temperature=temperature, top_k=top_k, top_p=top_p)
    if temperature == 0:
        return np.argmax(p, axis=-1)
    u = rng.random(p.shape[:-1])
    ids = (np.cumsum(p, axis=-1) <= u[..., None]).sum(axis=-1)
    last = p.shape[-1] - 1 - np.argmax(p[..., ::-1] > 0, axis=-1)      # last possible token
    return np.minimum(ids, last)
