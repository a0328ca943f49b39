"""Tests for nnbook/data/language_oracle.py (chapter 28's exact denoiser): the conditionals
and log-probabilities against brute-force enumeration over every completion, computed with
the grammar's own parser (``Language.step``) and not the oracle's arrays; agreement with
``Language.window_bound``; a batch equal to its windows one at a time; the any-order
identity (the masked-diffusion bound with the exact denoiser is −log P(window)); errors."""

import itertools
import math

import numpy as np
import pytest

from nnbook import data
from nnbook.data.window_bound import _prior

LANG = data.Language()
V = len(LANG.vocab)
CORPUS = data.language_corpus(4000, rng=np.random.default_rng(28))


def _brute_force(ids, mask):
    """P(completion) for every completion of the masked positions, from the stationary
    prior, by the dict parser: {completion tuple: probability}."""
    out = {}

    def walk(t, states, filled):
        if t == len(ids):
            out[tuple(filled)] = sum(states.values())
            return
        for c in (range(V) if mask[t] else [ids[t]]):
            new = LANG.step(states, LANG.vocab[c])
            if new:
                walk(t + 1, new, filled + [c])

    walk(0, dict(_prior(LANG)), [])
    return out


def _window(start, T):
    return CORPUS.ids[start:start + T].copy()


# windows and masks: masked at the start, the end, between, adjacent, all, one
CASES = [(0, "110000"), (5, "000011"), (17, "010110"), (40, "001100"), (63, "111"),
         (90, "100001"), (120, "011010"), (200, "000100"), (311, "1"), (77, "0110")]


@pytest.mark.parametrize("start, pattern", CASES)
def test_conditionals_equal_brute_force(start, pattern):
    mask = np.array([ch == "1" for ch in pattern])
    ids = _window(start, len(mask))
    probs = _brute_force(ids, mask)
    total = sum(probs.values())
    got = data.masked_conditionals(LANG, ids, mask)
    assert got.shape == (mask.sum(), V) and got.dtype == np.float64
    for row, t in enumerate(np.flatnonzero(mask)):
        want = np.zeros(V)
        for filled, p in probs.items():
            want[filled[t]] += p / total
        # both are sums of products of the rules' probabilities in float64; terms ≤ 26^3,
        # each off by a few ulp, so 1e-12 holds, and a wrong edge or weight is far off it
        assert np.allclose(got[row], want, rtol=0, atol=1e-12), (start, pattern, t)
    # log P(visible): the same sum over completions
    assert data.window_log_prob(LANG, ids, mask) == pytest.approx(math.log(total),
                                                                  rel=0, abs=1e-12)


def test_hand_values():
    # after ". " a sentence starts: "does"/"do" 1/8 + 1/8, "the" (3/8 + 3/8) · 0.6,
    # "a" 3/8 · 0.4, "some" 3/8 · 0.4; and what follows "." is always a space
    ids = np.array([LANG.vocab.index(c) for c in ". t"])
    q = data.masked_conditionals(LANG, ids, np.array([False, False, True]))[0]
    want = {"d": 0.25, "t": 0.45, "a": 0.15, "s": 0.15}
    assert np.allclose(q, [want.get(c, 0.0) for c in LANG.vocab], rtol=0, atol=1e-15)
    q = data.masked_conditionals(LANG, ids, np.array([False, True, True]))
    assert q[0, LANG.vocab.index(" ")] == pytest.approx(1.0, abs=1e-15)
    assert np.allclose(q[1], [want.get(c, 0.0) for c in LANG.vocab], rtol=0, atol=1e-15)


def test_log_prob_of_a_whole_window_is_the_parsers():
    ids = _window(33, 30)
    states, logp = dict(_prior(LANG)), 0.0
    for c in ids:
        new = LANG.step(states, LANG.vocab[c])
        logp += math.log(sum(new.values()) / sum(states.values()))
        states = new
    assert data.window_log_prob(LANG, ids) == pytest.approx(logp, rel=0, abs=1e-12)
    text = CORPUS.text[33:63]
    assert data.window_log_prob(LANG, text) == data.window_log_prob(LANG, ids)


def test_last_position_masked_is_window_bound():
    # window k of window_bound(text, T) predicts text[kT + T] from text[kT:kT + T]; the
    # oracle sees the same T characters, its last (T + 1-th) masked
    T = 12
    text = CORPUS.text[:T * 40 + 1]
    bound = LANG.window_bound(text, T)                             # (40, T)
    ids = np.stack([CORPUS.ids[k * T:k * T + T + 1] for k in range(40)])
    mask = np.zeros(ids.shape, dtype=bool)
    mask[:, -1] = True
    q = data.masked_conditionals(LANG, ids, mask)                 # (40, V)
    assert np.allclose(-np.log(q[np.arange(40), ids[:, -1]]), bound[:, -1], rtol=0, atol=1e-12)
    # log P(window) = log P(first character at a random place) − the bound's losses
    prior = _prior(LANG)
    first = np.array([math.log(sum(LANG.step(prior, text[k * T]).values())) for k in range(40)])
    assert np.allclose(data.window_log_prob(LANG, ids), first - bound.sum(axis=1),
                       rtol=0, atol=1e-11)


def test_a_batch_is_its_windows_one_at_a_time():
    # windows that start and stop being visible at different places share flat arrays;
    # a mix-up between windows would change some of them
    rng = np.random.default_rng(5)
    ids = np.stack([_window(s, 24) for s in rng.integers(0, 3000, size=12)])
    mask = rng.random(ids.shape) < np.linspace(0.05, 0.95, 12)[:, None]
    mask[0], mask[1] = True, False                                 # all masked, none masked
    mask[2, :20] = True                                            # a long masked start
    batch_q = data.masked_conditionals(LANG, ids, mask)
    batch_lp = data.window_log_prob(LANG, ids, mask)
    rows = np.cumsum(mask.reshape(-1)).reshape(mask.shape) - 1
    for k in range(len(ids)):
        alone = data.masked_conditionals(LANG, ids[k], mask[k])
        assert np.allclose(batch_q[rows[k][mask[k]]], alone, rtol=0, atol=1e-14)
        assert batch_lp[k] == pytest.approx(data.window_log_prob(LANG, ids[k], mask[k]),
                                            rel=0, abs=1e-12)
    assert np.allclose(batch_q.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    # all masked: each character's share of running text; none masked: no rows
    assert batch_lp[0] == 0.0


@pytest.mark.parametrize("rate", [0.3, 0.9])
def test_long_windows_agree_with_the_log_probs(rate):
    # P(x_i | visible) = P(visible and x_i) / P(visible): the right side from the forward
    # pass alone, the left from β, the kept α and the sweeps, on 48 characters with long
    # masked runs that brute force cannot reach
    rng = np.random.default_rng(int(rate * 10))
    ids = np.stack([_window(s, 48) for s in rng.integers(0, 3900, size=24)])
    mask = rng.random(ids.shape) < rate
    mask[:, 0] = mask[:, -1] = True                                # runs at both ends
    q = data.masked_conditionals(LANG, ids, mask)
    rows = np.cumsum(mask.reshape(-1)).reshape(mask.shape) - 1
    pick = np.array([rng.choice(np.flatnonzero(row)) for row in mask])  # one masked each
    shown = mask.copy()
    shown[np.arange(24), pick] = False
    got = np.log(q[rows[np.arange(24), pick], ids[np.arange(24), pick]])
    want = data.window_log_prob(LANG, ids, shown) - data.window_log_prob(LANG, ids, mask)
    # each side sums ≤ 48 rescaled steps in float64: round-off near 1e-14 (4e-14 seen)
    assert np.allclose(got, want, rtol=0, atol=1e-12)


def _bounds_by_hand(ids, *weights):
    """Σ_k Σ_{|M|=k} weight(k) Σ_{i∈M} −log P(x_i | x outside M), with the oracle (all
    2^T − 1 masks in one batch), for each weight: the conditionals are computed once (1 s of
    CPU at T = 10)."""
    T = len(ids)
    masks = np.array([[i in M for i in range(T)] for k in range(1, T + 1)
                      for M in itertools.combinations(range(T), k)])    # (2^T − 1, T)
    rows = np.repeat(ids[None], len(masks), axis=0)
    q = data.masked_conditionals(LANG, rows, masks)                     # (Σ|M|, V)
    nll = -np.log(q[np.arange(len(q)), rows[masks]])
    which = np.nonzero(masks)[0]                                        # each row's mask
    k = masks.sum(axis=1)
    per_mask = [nll[which == j].sum() for j in range(len(masks))]
    return [sum(weight(T, k[j]) * per_mask[j] for j in range(len(masks))) for weight in weights]


def test_the_any_order_identity():
    # the bound with weights 1/(k C(T, k)) (k uniform, then M, loss (T/k) Σ, times 1/T) is
    # −log P(window) for the exact denoiser: over all 2^T − 1 masks of a 10-character window;
    # the weight a loss gets wrong, 1/T in place of 1/k, beside it
    ids = _window(150, 10)
    exact = -data.window_log_prob(LANG, ids)
    right, wrong = _bounds_by_hand(ids, lambda T, k: 1 / (k * math.comb(T, k)),
                                   lambda T, k: 1 / (T * math.comb(T, k)))
    assert right == pytest.approx(exact, rel=0, abs=1e-12)
    assert data.masked_diffusion_bound(LANG, ids) == pytest.approx(exact, rel=0, abs=1e-12)
    # the wrong weight misses by far more than round-off
    assert abs(wrong - exact) > 1.0


@pytest.mark.parametrize("depth", [0, 1])
def test_the_identity_holds_for_other_depths(depth):
    # another grammar is another chain: its states, prior and edges built afresh
    lang = data.Language(depth)
    text = lang.sample(200, rng=np.random.default_rng(depth))
    ids = np.array([lang.vocab.index(c) for c in text[50:58]])
    assert data.masked_diffusion_bound(lang, ids) == pytest.approx(
        -data.window_log_prob(lang, ids), rel=0, abs=1e-12)


def test_a_long_window_does_not_underflow():
    # P(2000 characters) ≈ e^-780 is below float64's smallest number: only the rescaled
    # steps keep it; the parser's window_bound gives the same sum of conditional losses
    # (2000 rounded terms of size ~1: round-off ~1e-13, far inside 1e-9; an underflow is -inf)
    text = CORPUS.text[:2001]
    bound = LANG.window_bound(text, 2000)[0]                        # (2000,)
    first = math.log(sum(LANG.step(_prior(LANG), text[0]).values()))
    got = data.window_log_prob(LANG, CORPUS.ids[:2001])
    assert got < -700 and got == pytest.approx(first - bound.sum(), rel=0, abs=1e-9)


def test_the_bound_helper_over_a_batch():
    ids = np.stack([_window(s, 7) for s in (3, 400, 1234)])
    assert np.allclose(data.masked_diffusion_bound(LANG, ids),
                       -data.window_log_prob(LANG, ids), rtol=0, atol=1e-12)


def test_an_impossible_window():
    # running text may start mid-sentence ("… that the cat sees."), but never has ".."
    ids = CORPUS.encode("the cat runs..")
    mask = np.zeros(len(ids), dtype=bool)
    mask[4:7] = True
    with pytest.raises(ValueError, match=r"masked_conditionals: the grammar cannot produce "
                                         r"window 0 \('the ___ runs..'.*"
                                         r"visible character '\.' at position 13"):
        data.masked_conditionals(LANG, ids, mask)
    with pytest.raises(ValueError, match="window_log_prob: the grammar cannot produce "
                                         "window 1"):
        data.window_log_prob(LANG, np.stack([CORPUS.ids[:14], ids]))
    # "does" asks about one subject, so "cats" fails at its "s", whatever is masked
    ids2 = CORPUS.encode("does the cats run?")
    mask2 = np.zeros(len(ids2), dtype=bool)
    mask2[[0, 15]] = True
    with pytest.raises(ValueError, match=r"window 0 \('_oes the cats r_n\?'.*"
                                         r"visible character 's' at position 12"):
        data.masked_conditionals(LANG, ids2, mask2)
    mask[13] = True                                                # the second "." hidden
    q = data.masked_conditionals(LANG, ids, mask)
    assert q.shape == (4, V) and q[3, LANG.vocab.index(".")] == 0.0
    # what a masked position holds does not matter, a mask token's id V included
    ids[mask] = V
    assert np.array_equal(data.masked_conditionals(LANG, ids, mask), q)


def test_the_error_lists_every_window_refused_alone():
    # random windows, some of them masked, half of them with one visible character changed
    # (so that some are impossible): the error's windows are those refused one at a time
    rng = np.random.default_rng(281)
    starts = rng.integers(0, len(CORPUS.ids) - 9, size=40)
    ids = np.stack([_window(s, 9) for s in starts])
    ids[::2, 4] = rng.integers(0, V, size=20)
    mask = rng.random(ids.shape) < 0.3
    mask[:, 4] = False

    def refused(row, mk):
        try:
            data.masked_conditionals(LANG, row, mk)
            return False
        except ValueError:
            return True
    alone = [i for i in range(len(ids)) if refused(ids[i], mask[i])]
    assert 0 < len(alone) < len(ids)
    with pytest.raises(ValueError, match="masked_conditionals: the grammar cannot produce") as e:
        data.masked_conditionals(LANG, ids, mask)
    assert list(e.value.windows) == alone


@pytest.mark.parametrize("ids, mask, match", [
    (np.arange(5), np.zeros(4, dtype=bool), r"mask of the ids' shape \(5,\), got \(4,\)"),
    (np.arange(5), np.zeros(5), "boolean array.*got dtype float64"),
    (np.arange(5) + V - 2, np.zeros(5, dtype=bool), rf"visible id {V + 2} is outside \[0, {V}\)"),
    (np.arange(5) - 1, np.zeros(5, dtype=bool), r"id -1 is outside"),
    (np.arange(5.0), np.zeros(5, dtype=bool), "integers of shape"),
    (np.zeros((2, 2, 2), dtype=int), np.zeros((2, 2, 2), dtype=bool), "integers of shape"),
    (np.zeros(0, dtype=int), np.zeros(0, dtype=bool), "T ≥ 1"),
    ("the cat#", np.zeros(8, dtype=bool), "character '#' at position 7 is not in"),
])
def test_errors(ids, mask, match):
    fix = ".*(Pass|Give|Remove)"
    with pytest.raises(ValueError, match="masked_conditionals: .*" + match + fix):
        data.masked_conditionals(LANG, ids, mask)


def test_other_errors():
    with pytest.raises(ValueError, match="window_log_prob: expected language to be a "
                                         "nb.data.Language, got str"):
        data.window_log_prob("Language()", np.arange(4))
    with pytest.raises(ValueError, match=r"T=15.*T ≤ 14"):
        data.masked_diffusion_bound(LANG, _window(0, 15))
