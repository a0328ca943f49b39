"""Speculative decoding (chapter 23): a small draft model proposes k tokens, the target
model reads them all in one forward with its KV cache, and each proposal x is kept with
probability min(1, p(x)/q(x)); at the first refusal a token is drawn from the normalised
max(0, p − q). The tokens are then distributed exactly as the target's own.
"""

from __future__ import annotations

import copy

import numpy as np

from ..layers.activations import Softmax
from ..validate import positive_int
from .batching import left_pad
from .caches import (_layers_of, _vocab, can_cache, check_positions, clear_cache, cut_caches,
                     start_cache)
from .sampling import next_token_probs

__all__ = ["accept_or_resample", "speculative_probs", "speculative_generate", "draw_from"]


def draw_from(p, rng):
    """One token from the distribution ``p`` (V,): the first whose cumulative probability
    exceeds ``rng.random()``; a one-hot ``p`` (greedy) is read without a draw."""
    support = np.flatnonzero(p > 0)
    if support.size == 1:
        return int(support[0])
    i = int((np.cumsum(p) <= rng.random()).sum())
    return min(i, int(support[-1]))


def accept_or_resample(p, q, x, rng):
    """The rule: keep the draft's token ``x`` with probability min(1, p(x)/q(x)), else draw
    from r = max(0, p − q) / Σ max(0, p − q). Returns ``(token, kept)``.

    Shapes: p (V,) the target's distribution, q (V,) the draft's, from which x was drawn.
    A draw is spent only when needed (0 < p(x) < q(x), and r with more than one token), so
    greedy decoding (p and q one-hot) draws nothing.
    """
    if p[x] >= q[x] or (p[x] > 0 and rng.random() * q[x] < p[x]):
        return int(x), True
    r = np.maximum(p - q, 0.0)
    total = r.sum()
    return draw_from(r / total if total > 0 else p, rng), False


def speculative_probs(p, q):
    """The distribution of the token one accept/reject step writes, computed by
    enumerating the vocabulary: the draft proposes x with probability q(x), it is kept with
    a(x) = min(1, p(x)/q(x)), else the token comes from r. Equal to ``p`` (the chapter's
    derivation): P(y) = q(y) a(y) + r(y) Σ_x q(x)(1 − a(x)) = min(p, q)(y) + max(0, p − q)(y).

    Shapes: p, q (V,) → (V,).
    """
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    if p.shape != q.shape or p.ndim != 1:
        raise ValueError(f"speculative_probs: expected p and q as two distributions over "
                         f"the same vocabulary, shape (V,), got {p.shape} and {q.shape}. "
                         f"Pass one row of next_token_probs for each model.")
    r = np.maximum(p - q, 0.0)
    r = r / r.sum() if r.sum() > 0 else r
    out = np.zeros_like(p)
    for x in np.flatnonzero(q > 0):
        a = min(1.0, p[x] / q[x])
        out[x] += q[x] * a                       # proposed and kept
        out += q[x] * (1.0 - a) * r              # proposed, refused, drawn from r
    return out


def speculative_generate(model, draft, ids, n_new, *, n_draft=4, temperature=1.0,
                         top_k=None, top_p=None, rng=None, stop_token=None):
    """``generate`` with a draft model: ``(texts, stats)``.

    Each round the draft writes k = ``n_draft`` tokens one at a time (k forwards of the
    draft), the target reads them in one forward (its cache then holds them) and gives
    p for each of the k + 1 next positions; ``accept_or_resample`` keeps a prefix of the
    drafts and writes one token of its own, so a round adds 1 … k + 1 tokens. The caches
    of both models then forget the refused drafts (``cut``; a state cache, of linear
    attention or DeltaNet, goes back to its state after the last token kept).

    Shapes: ids (m, T0) → (m, T0 + n_new) int64 (each row on its own, one after another,
    from the same ``rng``); a list of prompts, or ``stop_token``, gives a list of 1-D arrays.
    stats: ``target_forwards``, ``draft_forwards``, ``proposed`` (drafts written),
    ``checked`` (drafts the rule judged: those up to the first refusal), ``accepted``
    (drafts kept) and ``expected_accepted`` (Σ over the checked drafts of Σ_v min(p, q),
    the probability the rule keeps each: ``accepted`` is a draw around it).
    """
    layers = _layers_of(model)
    if not (callable(getattr(draft, "forward", None))
            and isinstance(getattr(draft, "layers", None), list)):
        raise ValueError(f"speculative_generate: expected draft, a smaller Sequential "
                         f"language model of the same vocabulary (ids (m, T) → logits (m, T, "
                         f"V)), got {draft!r} ({type(draft).__name__}). Pass the draft model "
                         f"itself: nb.generate(model, ids, n_new, draft=small_model).")
    dlayers = draft.layers
    if draft is model:                             # its own draft: the caches must differ
        draft = copy.deepcopy(model)
    n_draft = positive_int("speculative_generate", "n_draft", n_draft)
    V, Vd = _vocab(layers), _vocab(dlayers)
    if V is not None and Vd is not None and V != Vd:
        raise ValueError(f"speculative_generate: the draft's vocabulary has {Vd} tokens, the "
                         f"model's {V}. The draft must read and write the same tokens: train "
                         f"it on the same tokenizer.")
    for name, m in (("model", model), ("draft", draft)):
        if not can_cache(m):
            raise ValueError(f"speculative_generate: the {name} cannot keep a KV cache "
                             f"(can_cache is False); speculative decoding reads the drafts "
                             f"with caches. Use models of attention blocks (or "
                             f"positionwise layers).")
        if any(getattr(l, "window", None) is not None for l in m.layers):
            raise ValueError(f"speculative_generate: the {name} has a sliding window; its "
                             f"rolling cache cannot forget refused drafts. Set window=None "
                             f"on its blocks for speculative decoding.")
    if rng is None:
        rng = np.random.default_rng()
    listed = isinstance(ids, list) or stop_token is not None
    rows = [np.asarray(r, dtype=np.int64) for r in ids]
    _check_draft_positions(dlayers, max((len(r) for r in rows), default=0), n_new)
    keys = ("target_forwards", "draft_forwards", "proposed", "checked", "accepted")
    stats = dict.fromkeys(keys, 0)
    stats["expected_accepted"] = 0.0
    decoding = {"temperature": temperature, "top_k": top_k, "top_p": top_p}
    texts = [_one(model, draft, r, n_new, n_draft, rng, decoding, stop_token, stats)
             for r in rows]
    if not listed:
        texts = left_pad(texts)[0]
    return texts, stats


def _check_draft_positions(dlayers, T0, n_new):
    """The draft reads at most T0 + n_new − 2 positions (its last proposal is the token
    before the target's last): refused here, naming the draft, not halfway through."""
    check_positions("speculative_generate", dlayers, T0 + n_new - 2 if n_new >= 2 else 0,
                    "the draft reads up to",
                    f"(A prompt of {T0} tokens and n_new={n_new}.) Use a draft with max_len ≥ "
                    "{need} (or RoPE), or a shorter prompt or n_new.")


def _probs(model, feed, last, decoding):
    """The model's distributions at the ``last`` final positions after reading ``feed``."""
    y = np.asarray(model.forward(np.asarray(feed, dtype=np.int64)[None], training=False))
    z = y[0, -last:]                                                      # (last, V)
    if np.isnan(z).any():
        raise ValueError("speculative_generate: a model's output is NaN; its training "
                         "diverged or a weight is NaN. Retrain it with a smaller learning "
                         "rate.")
    if isinstance(model.layers[-1], Softmax):
        with np.errstate(divide="ignore"):
            z = np.log(z)
    return next_token_probs(z, **decoding)


def _one(model, draft, prompt, n_new, k, rng, decoding, stop_token, stats):
    """One prompt, speculatively: the prompt and its new tokens (1-D)."""
    out, total = list(prompt), len(prompt) + n_new
    start_cache(model, max_len=total, cuts=True)       # a state cache keeps its states
    start_cache(draft, max_len=total, cuts=True)       # for the cuts
    read_t = read_d = 0                            # positions each model has cached
    try:
        while len(out) < total and not (stop_token in out[len(prompt):]):
            kr = min(k, total - len(out) - 1)
            drafts, qs = [], []
            for _ in range(kr):
                feed = (out + drafts)[read_d:]
                q = _probs(draft, feed, 1, decoding)[0]
                read_d += len(feed)
                drafts.append(draw_from(q, rng))
                qs.append(q)
            ps = _probs(model, out[read_t:] + drafts, kr + 1, decoding)   # one forward
            stats["target_forwards"] += 1
            stats["draft_forwards"] += kr
            stats["proposed"] += kr
            new, kept = [], True
            for p, q, x in zip(ps, qs, drafts):
                stats["checked"] += 1
                stats["expected_accepted"] += float(np.minimum(p, q).sum())
                token, kept = accept_or_resample(p, q, x, rng)
                new.append(token)
                stats["accepted"] += kept
                if not kept:
                    break
            if kept:                               # every draft kept: the target's own next
                new.append(draw_from(ps[kr], rng))
            read_t = len(out) + len(new) - 1       # the drafts kept are cached, the last not
            read_d = min(read_d, read_t)
            out += new
            cut_caches(model, read_t)
            cut_caches(draft, read_d)
    finally:
        clear_cache(model)
        clear_cache(draft)
    out = out[:total]
    if stop_token is not None and stop_token in out[len(prompt):]:
        out = out[:len(prompt) + out[len(prompt):].index(stop_token) + 1]
    return np.array(out, dtype=np.int64)
