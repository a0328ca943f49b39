"""Tests for nnbook/generative/unmasking.py (chapter 28): unmasking with the exact oracle, one
token per step, samples the language exactly (every window possible, character frequencies
within binomial bounds of the exact marginals); all tokens in one step shows the
factorisation error; Gumbel-max samples the softmax, and its float32 noise is capped at
24 ln 2, which lowers the low tokens' probabilities (counted exactly over every pair of
float32 uniforms); the errors."""

import math

import numpy as np
import pytest
from scipy.stats import binom

import nnbook as nb
from nnbook import generative as G
from nnbook.data.window_bound import _prior

LANG = nb.data.Language()
V = len(LANG.vocab)


def oracle(ids, mask):
    return nb.data.masked_conditionals(LANG, ids, mask)


def possible(row):
    """Whether the grammar can produce the window (P(window) > 0): window_log_prob's forward
    pass refuses a window it cannot."""
    try:
        return math.isfinite(nb.data.window_log_prob(LANG, row))
    except ValueError:
        return False


def binomial_ok(counts, n, p, alpha):
    """Each count inside its two-sided binomial interval at level alpha/len(p) (Bonferroni:
    a false alarm of at most alpha for them all)."""
    a = alpha / (2 * len(p))
    lo, hi = binom.ppf(a, n, p), binom.isf(a, n, p)
    return np.all((counts >= lo) & (counts <= hi)), (counts, lo, hi)


def test_one_token_per_step_with_the_oracle_samples_the_language():
    """300 windows of 6, one token per step: every one is possible, and at each position the
    counts of every character lie within binomial bounds around the exact marginal (the
    oracle with everything masked; the same at every position, as the text is stationary),
    a false alarm of at most 1e-4 for the 6 × 26 counts. The first 20 windows are also
    read by the grammar's own parser (Language.step from the stationary prior of
    window_bound), which shares no code with the oracle. A wrong row of the conditionals
    for a position (the wrong order of ids[mask]) makes impossible windows."""
    n, T = 300, 6
    ids = G.unmask_sample(oracle, T, T, n=n, rng=np.random.default_rng(28))
    assert ids.shape == (n, T) and ids.dtype == np.int64
    assert np.isfinite(nb.data.window_log_prob(LANG, ids)).all()     # raises if impossible
    for row in ids[:20]:                    # and by the grammar's own parser, from the prior
        states = dict(_prior(LANG))
        for c in row:
            states = LANG.step(states, LANG.vocab[c])
            assert states, "".join(LANG.vocab[i] for i in row)
    marginal = oracle(np.zeros((1, T), np.int64), np.ones((1, T), bool))   # (T, V)
    np.testing.assert_allclose(marginal, marginal[:1].repeat(T, axis=0), atol=1e-12)
    for t in range(T):
        counts = np.bincount(ids[:, t], minlength=V)
        ok, info = binomial_ok(counts, n, marginal[t], 1e-4 / T)
        assert ok, info


def test_all_tokens_in_one_step_show_the_factorisation_error():
    """steps = 1 draws each position from its marginal on its own. A pair of neighbours
    drawn so is possible with probability P2 = Σ p(a) p(b) [P(a, b) > 0], computed here from
    the oracle; a window of 4 needs its first pair possible, so all 200 windows are
    possible with probability at most P2^200 (below 1e-30: some are rejected for certain).
    With one token per step, none is."""
    first = oracle(np.arange(V)[:, None].repeat(2, axis=1), np.array([[False, True]] * V))
    marginal = oracle(np.zeros((1, 2), np.int64), np.ones((1, 2), bool))[0]
    p2 = float(marginal @ (first > 0) @ marginal)
    assert p2 ** 200 < 1e-30, p2
    at_once = G.unmask_sample(oracle, 4, 1, n=200, rng=np.random.default_rng(1))
    rejected = sum(not possible(row) for row in at_once)
    assert rejected > 0
    in_order = G.unmask_sample(oracle, 4, 4, n=200, rng=np.random.default_rng(1))
    assert all(possible(row) for row in in_order)
    uniform = lambda ids, mask: np.full((mask.sum(), V), 1 / V)   # noqa: E731
    halves = G.unmask_sample(uniform, 4, 2, n=50, rng=np.random.default_rng(2),
                             dtype=np.float32)
    assert halves.shape == (50, 4) and halves.min() >= 0 and halves.max() < V


def test_windows_the_oracle_refuses_can_be_finished():
    """T = 4 in 2 steps of 2: the first step draws two positions each given nothing, and
    some pairs cannot occur together, so the oracle refuses the second step (a ValueError
    by default). With impossible="finish" those windows are finished at random and stay
    impossible, while the others are drawn as the oracle says: some windows of each kind.
    A denoiser that refuses every window alone is raising for another reason: raised."""
    with pytest.raises(ValueError, match="masked_conditionals: the grammar cannot produce"):
        G.unmask_sample(oracle, 4, 2, n=100, rng=np.random.default_rng(5))
    ids = G.unmask_sample(oracle, 4, 2, n=100, rng=np.random.default_rng(5),
                          impossible="finish")
    ok = np.array([possible(row) for row in ids])
    assert 0 < ok.sum() < 100, ok.sum()

    def unnamed(ids, mask):           # the oracle, its error without the windows it lists
        try:
            return oracle(ids, mask)
        except ValueError as error:
            raise ValueError(str(error)) from None
    # the windows found by halving the batch are the ones the oracle's error lists
    searched = G.unmask_sample(unnamed, 4, 2, n=100, rng=np.random.default_rng(5),
                               impossible="finish")
    assert np.array_equal(searched, ids)

    def broken(ids, mask):
        raise ValueError("not about one window")
    with pytest.raises(ValueError, match="not about one window"):
        G.unmask_sample(broken, 4, 2, n=3, impossible="finish")
    with pytest.raises(ValueError, match=r"unmask_sample: expected impossible='raise' or "
                                         r"'finish', got 'skip'"):
        G.unmask_sample(oracle, 4, 2, impossible="skip")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gumbel_max_samples_the_softmax_at_moderate_gaps(dtype):
    """200,000 draws over logits 0, −2, −4, −7 (the last at probability 8e-4): every count
    within its binomial bound (a false alarm of at most 1e-4), in both dtypes, since the
    gaps are far below float32's ceiling of 16.6."""
    z = np.array([0.0, -2.0, -4.0, -7.0])
    n = 200_000
    draws = nb.generative.gumbel_max(np.broadcast_to(z, (n, 4)), rng=np.random.default_rng(3),
                                     dtype=dtype)
    assert draws.shape == (n,)
    ok, info = binomial_ok(np.bincount(draws, minlength=4), n, nb.softmax(z), 1e-4)
    assert ok, info


def test_float32_gumbel_noise_is_capped_at_24_ln_2():
    """NumPy's float32 uniforms are multiples of 2^-24 below 1, so the noise never exceeds
    gumbel_noise(1 − 2^-24) = 24 ln 2 to float32's precision; float64's ceiling is 36.7."""
    u = np.random.default_rng(4).random(10**6, dtype=np.float32)
    assert (u * 2**24 == np.floor(u * 2**24)).all() and u.max() < 1
    top = G.gumbel_noise(np.float32(1 - 2**-24))
    assert top.dtype == np.float32 and abs(top - 24 * math.log(2)) < 1e-5
    assert G.gumbel_noise(np.nextafter(1.0, 0.0)) > 36.7
    assert G.gumbel_noise(np.float32(0.0)) == -np.inf


def exact_low(gap, n, g_sorted):
    """P(one of n tokens with logit −gap beats one with logit 0) under float32 gumbel_max,
    counted exactly over the 2^24 equally likely float32 uniforms of each token: a low
    token wins iff (−gap + g_max) > (0 + g_top) in float32 (ties go to the top, index 0),
    g_max the largest of the n low tokens' noises, P(g_max ≤ g_(k)) = ((k + 1)/N)^n."""
    N = g_sorted.size
    K0 = int(np.searchsorted(g_sorted, g_sorted[1] + gap, side="right"))
    k = np.arange(K0, N)
    p_max = np.exp(n * np.log1p(-(N - k - 1) / N)) - np.exp(n * np.log1p(-(N - k) / N))
    beaten = np.searchsorted(g_sorted, g_sorted[K0:] - np.float32(gap), side="left")
    rest = (K0 / N) ** n - (1 / N) ** n     # a smaller finite g_max beats only u_top = 0 (−∞)
    return (p_max @ beaten + rest) / N


def test_float32_gumbel_max_lowers_the_temperature():
    """1000 tokens with logit −Δ and one with logit 0: the low tokens' probability under
    float32 gumbel_max, counted exactly over every float32 uniform (no sampling noise,
    which would need some e^Δ draws per low win), over softmax's: above 0.99 at Δ = 10,
    below 0.95 at Δ = 15 and below 0.8 at Δ = 16, falling as Δ grows, so the effective
    temperature Δ / (log 1000 + log(P_top/P_low)) is below 1 and falls with the gap.
    Float64's noise reaches 36.7, so its ratio stays 1 to about e^(Δ − 36.7)."""
    u = np.arange(2**24, dtype=np.float32) * np.float32(2**-24)
    g_sorted = np.sort(G.gumbel_noise(u))
    ratio, tau = {}, {}
    for gap in (10, 15, 16, 17):
        p32 = exact_low(gap, 1000, g_sorted)
        p = 1000 * math.exp(-gap) / (1 + 1000 * math.exp(-gap))
        ratio[gap], tau[gap] = p32 / p, gap / (math.log((1 - p32) / p32) + math.log(1000))
    assert ratio[10] > 0.99 and ratio[15] < 0.95 and ratio[16] < 0.8, ratio
    assert ratio[10] > ratio[15] > ratio[16] > ratio[17], ratio
    assert 1 > tau[15] > tau[16] > tau[17], tau


def test_errors_name_the_function_and_the_fix():
    with pytest.raises(ValueError, match=r"unmask_sample: expected steps as an integer from 1 "
                                         r"to T = 4"):
        G.unmask_sample(oracle, 4, 5)
    with pytest.raises(ValueError, match=r"unmask_sample: conditionals\(ids, mask\) returned "
                                         r"shape \(1, 26\); expected \(8, V\)"):
        G.unmask_sample(lambda i, m: np.ones((1, V)) / V, 4, 2, n=2)
    with pytest.raises(ValueError, match=r"gumbel_max: expected logits of shape \(\.\.\., V\)"):
        G.gumbel_max(np.float64(1.0))
    with pytest.raises(ValueError, match=r"gumbel_noise: expected uniforms as float32 or "
                                         r"float64, got dtype int64"):
        G.gumbel_noise(np.arange(3))
    with pytest.raises(ValueError, match=r"gumbel_max"):
        G.gumbel_max(np.zeros(3), dtype=np.int32)


def test_gumbel_max_refuses_nan_and_rows_with_no_possible_token():
    # NaN + g is NaN, and the arg-max of a row holding NaN is the NaN's index; a row of −∞
    # everywhere has −∞ everywhere after the noise, and its arg-max is 0 (catches both
    # drawn without a word: before, the NaN's index 2 came back every time)
    z = np.zeros((2, 4))
    z[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"gumbel_max: the logits of row \(1,\) hold NaN, so "
                                         r"there is no distribution to draw from"):
        G.gumbel_max(z, rng=np.random.default_rng(0))
    z = np.zeros((2, 3, 4))
    z[0, 2] = -np.inf
    with pytest.raises(ValueError, match=r"gumbel_max: the logits of row \(0, 2\) hold −∞ "
                                         r"for every token"):
        G.gumbel_max(z, rng=np.random.default_rng(0))
    z[0, 2, 3] = 0.0                                  # one possible token: it is drawn
    assert G.gumbel_max(z, rng=np.random.default_rng(0))[0, 2] == 3
    assert G.gumbel_max(np.arange(4), rng=np.random.default_rng(0)).shape == ()   # integers


@pytest.mark.parametrize("bad, what", [(np.nan, "NaN"), (-0.5, "a negative probability"),
                                       (0.0, "0 for every token")])
def test_unmask_sample_refuses_a_denoiser_row_that_is_no_distribution(bad, what):
    # a diverged model's NaN rows became windows of token 0; a row of zeros (logits all
    # −∞) was drawn as token 0 too (catches either passed to the draw unchecked)
    def broken(ids, mask):
        q = oracle(ids, mask)
        q[1] = bad if what != "a negative probability" else q[1] - 1.0
        return q
    with pytest.raises(ValueError, match=rf"unmask_sample: the denoiser conditionals\(ids, "
                                         rf"mask\) \(.*broken\) returned {what} in the row of "
                                         rf"window 0, position 1, so there is no distribution"):
        G.unmask_sample(broken, 4, 4, n=3, rng=np.random.default_rng(1))
