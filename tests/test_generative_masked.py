"""Tests for nnbook/generative/masked.py (chapter 28's masked diffusion): the masks and their
weights T/k against the exact oracle (enumerating every mask gives the bound to 1e-12, and
the Monte-Carlo mean of mask_batch's draws converges to it), the loss and its gradient by
finite differences, the bidirectional model and its training step, the model as a denoiser,
the loss at one masking rate, and the errors."""

import math
from itertools import combinations

import numpy as np
import pytest

import nnbook as nb
from nnbook import generative as G

LANG = nb.data.Language()
V = len(LANG.vocab)
CORPUS = nb.data.language_corpus(8000, rng=np.random.default_rng(2800))


def oracle(ids, mask):
    return nb.data.masked_conditionals(LANG, ids, mask)


def windows(T, n, start=0):
    return np.stack([CORPUS.ids[start + 17 * i:start + 17 * i + T] for i in range(n)])


def test_mask_batch_masks_k_positions_with_weight_T_over_k():
    ids = windows(8, 400)
    masked, mask, w = G.mask_batch(ids, mask_id=V, rng=np.random.default_rng(0))
    k = mask.sum(axis=1)
    assert masked.dtype == np.int64 and w.dtype == np.float64
    assert k.min() >= 1 and k.max() <= 8 and len(np.unique(k)) == 8      # every k drawn
    np.testing.assert_array_equal(masked, np.where(mask, V, ids))
    np.testing.assert_array_equal(w, np.where(mask, 8 / k[:, None], 0.0))
    _, mask3, w3 = G.mask_batch(ids, mask_id=V, k=3, rng=np.random.default_rng(1))
    assert (mask3.sum(axis=1) == 3).all() and set(np.unique(w3)) == {0.0, 8 / 3}
    again = G.mask_batch(ids, mask_id=V, rng=np.random.default_rng(0))
    assert all(np.array_equal(a, b) for a, b in zip(again, (masked, mask, w)))


def test_every_mask_weighted_as_mask_batch_draws_it_gives_the_bound():
    """Σ_k P(k) Σ_{|M|=k} P(M | k) · masked_nll(M, weights T/k) with P(k) = 1/T and
    P(M | k) = 1/C(T, k), the weights those mask_batch gives at each k: with the exact
    conditionals it equals masked_diffusion_bound and −log P(window) to 1e-12. Weights 1/k
    or 1/T, or a k drawn from another range, miss by far more."""
    T = 7
    for ids in windows(T, 3, start=11):
        total = 0.0
        for k in range(1, T + 1):
            weight = G.mask_batch(ids[None], mask_id=V, k=k, rng=np.random.default_rng(k))[2].max()
            masks = np.array([[t in M for t in range(T)] for M in combinations(range(T), k)])
            rows = np.repeat(ids[None], len(masks), axis=0)
            nll = G.masked_nll(oracle, rows, masks, np.where(masks, weight, 0.0))
            total += nll.sum() / (T * math.comb(T, k))
        bound = nb.data.masked_diffusion_bound(LANG, ids)
        assert abs(total - bound) < 1e-12 * bound
        assert abs(total + nb.data.window_log_prob(LANG, ids)) < 1e-12 * bound


def test_the_monte_carlo_mean_of_mask_batch_converges_to_the_bound():
    """2000 draws of mask_batch per window: the mean of masked_nll lies within 4 standard
    errors of the exact bound (a false alarm of 6e-5 per window under the normal
    approximation of the mean of 2000 bounded draws), and the standard error is under 5 %
    of the bound, so weights off by a factor (1/k for T/k) or k drawn from 0…T − 1 would
    miss by many standard errors."""
    T, n = 6, 2000
    for ids in windows(T, 2, start=5):
        rows = np.repeat(ids[None], n, axis=0)
        _, mask, w = G.mask_batch(rows, mask_id=V, rng=np.random.default_rng(int(ids[0])))
        est = G.masked_nll(oracle, rows, mask, w)
        mean, se = est.mean(), est.std(ddof=1) / math.sqrt(n)
        bound = nb.data.masked_diffusion_bound(LANG, ids)
        assert abs(mean - bound) < 4 * se, (mean, bound, se)
        assert se < 0.05 * bound                        # the check is sharp enough to matter


def test_the_loss_and_its_gradient():
    rng = np.random.default_rng(3)
    ids = windows(5, 4)
    _, mask, w = G.mask_batch(ids, mask_id=V, rng=rng)
    y = G.masked_targets(ids, w, V)
    assert y.shape == (4, 5, V) and np.allclose(y.sum(axis=-1), w)
    z = rng.standard_normal((4, 5, V))
    loss = G.MaskedDiffusionLoss()
    logp = nb.log_softmax(z)
    want = -(w * np.take_along_axis(logp, ids[..., None], axis=-1)[..., 0]).sum() / 20
    assert abs(loss(y, z) - want) < 1e-13
    g = loss.grad(y, z)
    num = nb.numerical_gradient(lambda zz: loss(y, zz), z.copy())
    assert nb.relative_error(g, num) < 1e-7
    assert not g[~mask].any()                            # a visible position learns nothing
    ones = np.ones((4, 5))                               # all masked, weight 1: cross-entropy
    ce = nb.CrossEntropy(from_logits=True)
    assert abs(loss(G.masked_targets(ids, ones, V), z) - ce(ids, z)) < 1e-13
    np.testing.assert_allclose(loss.grad(G.masked_targets(ids, ones, V), z), ce.grad(ids, z),
                               rtol=1e-12, atol=1e-15)


def test_the_model_is_bidirectional_and_its_gradient_checks():
    model = G.masked_diffusion_model(V, 6, d_model=8, n_heads=2, n_blocks=1,
                                     rng=np.random.default_rng(4))
    assert isinstance(model.layers[0], nb.Embedding) and model.layers[0].vocab_size == V + 1
    assert all(not b.causal for b in model.layers if isinstance(b, nb.TransformerBlock))
    ids = windows(6, 3)
    x, mask, w = G.mask_batch(ids, mask_id=V, rng=np.random.default_rng(5))
    out = model.predict(x)
    assert out.shape == (3, 6, V)
    x2 = x.copy()
    x2[:, -1] = V - 1 - x2[:, -1] % V
    assert (np.abs(model.predict(x2)[:, 0] - out[:, 0]).max(axis=-1) > 1e-6).all()
    for p in model.params.values():                       # away from the start's symmetry
        p += 0.1 * np.random.default_rng(6).standard_normal(p.shape)
    errors = nb.check_gradients(model, x, loss=G.MaskedDiffusionLoss(),
                                y=G.masked_targets(ids, w, V), rng=np.random.default_rng(7))
    assert max(errors.values()) < 1e-6, errors
    learned = G.masked_diffusion_model(V, 6, d_model=8, n_heads=2, positions="learned",
                                       dtype=np.float32, rng=np.random.default_rng(4))
    assert isinstance(learned.layers[1], nb.PositionalEmbedding)
    assert learned.predict(x).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_training_step(dtype, tmp_path):
    """The step's loss is MaskedDiffusionLoss on mask_batch's draw from the same generator
    (before the update), and 60 steps lower the loss at every masking rate on held-out
    windows (the same masks before and after)."""
    T = 8
    model = G.masked_diffusion_model(V, T, rng=np.random.default_rng(8), dtype=dtype)
    model.compile(nb.AdamW(lr=3e-3), G.MaskedDiffusionLoss())
    train, held = windows(T, 64), windows(T, 64, start=1)
    x, _, w = G.mask_batch(train[:16], mask_id=V, rng=np.random.default_rng(9))
    before = G.MaskedDiffusionLoss()(G.masked_targets(train[:16], w, V), model.predict(x))
    step = G.masked_diffusion_step(model, train[:16], rng=np.random.default_rng(9))
    assert abs(step - before) < (1e-12 if dtype == np.float64 else 1e-5) * before
    denoise = G.model_conditionals(model)
    start = [G.loss_at_rate(denoise, held, k, rng=np.random.default_rng(k)).mean()
             for k in (1, 4, 8)]
    rng = np.random.default_rng(10)
    for _ in range(60):
        G.masked_diffusion_step(model, train[rng.integers(0, 64, 16)], rng=rng)
    end = [G.loss_at_rate(denoise, held, k, rng=np.random.default_rng(k)).mean()
           for k in (1, 4, 8)]
    assert all(e < s - 0.3 for s, e in zip(start, end)), (start, end)
    back = nb.load_model(model.save(tmp_path / "masked"))
    assert isinstance(back.loss, G.MaskedDiffusionLoss)
    np.testing.assert_array_equal(back.predict(x), model.predict(x))


def test_the_model_as_a_denoiser_and_the_loss_at_a_rate():
    model = G.masked_diffusion_model(V, 6, d_model=8, n_heads=2, rng=np.random.default_rng(11))
    denoise = G.model_conditionals(model)
    ids = windows(6, 5)
    mask = np.random.default_rng(12).random(ids.shape) < 0.5
    q = denoise(ids, mask)
    want = nb.softmax(model.predict(np.where(mask, V, ids))[mask])
    np.testing.assert_allclose(q, want, rtol=1e-12)
    np.testing.assert_array_equal(denoise(np.where(mask, V, ids), mask), q)   # ids ignored
    # one window alone gives the batch's first rows up to rounding (OpenBLAS's SSE kernels add
    # a product's terms in another order for another number of rows)
    np.testing.assert_allclose(denoise(ids[0], mask[0]), q[:mask[0].sum()], rtol=1e-12)
    # at k = T nothing is visible: the oracle's loss is −log of the characters' marginal
    marginal = oracle(ids[:1], np.ones((1, 6), bool))[0]
    got = G.loss_at_rate(oracle, ids, 6, rng=np.random.default_rng(13))
    np.testing.assert_allclose(got, -np.log(marginal[ids]).mean(axis=1), rtol=1e-12)
    # the same generator draws the same masks: a paired comparison, oracle below the model
    gap = (G.loss_at_rate(denoise, windows(6, 200), 2, rng=np.random.default_rng(14))
           - G.loss_at_rate(oracle, windows(6, 200), 2, rng=np.random.default_rng(14)))
    assert gap.mean() > 5 * gap.std(ddof=1) / math.sqrt(200)


def test_errors_name_the_function_and_the_fix():
    ids = windows(4, 2)
    with pytest.raises(ValueError, match=r"mask_batch: expected mask_id as an integer ≥ 1"):
        G.mask_batch(ids, mask_id=0)
    with pytest.raises(ValueError, match=r"mask_batch: id 26 is outside \[0, 26\)"):
        G.mask_batch(np.where(ids == ids[0, 0], V, ids), mask_id=V)
    with pytest.raises(ValueError, match=r"mask_batch: expected ids as integers of shape "
                                         r"\(m, T\)"):
        G.mask_batch(ids[0], mask_id=V)
    with pytest.raises(ValueError, match=r"mask_batch: expected k, the masked positions per "
                                         r"window, as an integer from 1 to T = 4, got 5"):
        G.mask_batch(ids, mask_id=V, k=5)
    with pytest.raises(ValueError, match=r"masked_targets: expected weights of the ids' shape"):
        G.masked_targets(ids, np.ones(4), V)
    with pytest.raises(ValueError, match=r"MaskedDiffusionLoss expects targets whose rows are a "
                                         r"weight ≥ 0 times a one-hot row"):
        G.MaskedDiffusionLoss()(np.ones((2, 4, V)), np.zeros((2, 4, V)))
    with pytest.raises(ValueError, match=r"masked_diffusion_model: expected positions='rope'"):
        G.masked_diffusion_model(V, 4, positions="sinusoidal")
    model = G.masked_diffusion_model(V, 4, d_model=8, n_heads=2)
    with pytest.raises(ValueError, match=r"masked_diffusion_step: expected a model compiled with "
                                         r"MaskedDiffusionLoss\(\)"):
        G.masked_diffusion_step(model, ids)
    plain = nb.Sequential([nb.Embedding(V + 1, 8), nb.Dense(8, V + 1)])
    with pytest.raises(ValueError, match=r"model_conditionals: the model reads 27 ids but "
                                         r"outputs 27 logits; expected 26"):
        G.model_conditionals(plain)
    with pytest.raises(ValueError, match=r"model_conditionals: expected a Sequential that starts "
                                         r"with an Embedding"):
        G.model_conditionals(nb.Sequential([nb.Dense(3, 2)]))
    with pytest.raises(ValueError, match=r"model_conditionals: expected a boolean mask of the "
                                         r"ids' shape \(2, 4\)"):
        G.model_conditionals(model)(ids, np.ones(4, bool))
    with pytest.raises(ValueError, match=r"masked_nll: expected a boolean mask and weights"):
        G.masked_nll(oracle, ids, ids > 3, np.ones(4))
    with pytest.raises(ValueError, match=r"masked_nll: conditionals\(ids, mask\) returned shape "
                                         r"\(1, 26\); expected \(8, V\)"):
        G.masked_nll(lambda i, m: np.ones((1, V)) / V, ids, np.ones((2, 4), bool),
                     np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"loss_at_rate: expected k, the masked positions"):
        G.loss_at_rate(oracle, ids, 0)


@pytest.mark.parametrize("bad, what", [(np.nan, "NaN"), (-1.0, "a negative probability"),
                                       (0.0, "0 for every token")])
def test_masked_nll_refuses_a_denoiser_row_that_is_no_distribution(bad, what):
    # −log NaN is NaN: a diverged model gave a NaN loss without a word (catches the rows
    # scored unchecked); the window and position named are those of the row
    ids = windows(5, 3)
    mask = np.zeros(ids.shape, dtype=bool)
    mask[:, [1, 3]] = True
    weights = np.where(mask, 0.5, 0.0)
    assert np.isfinite(G.masked_nll(oracle, ids, mask, weights)).all()

    def broken(i, m):
        q = oracle(i, m)
        q[3] = bad                                    # the 4th masked position: window 1, t = 3
        return q
    with pytest.raises(ValueError, match=rf"masked_nll: the denoiser conditionals\(ids, mask\) "
                                         rf"\(.*broken\) returned {what} in the row of window "
                                         rf"1, position 3"):
        G.masked_nll(broken, ids, mask, weights)
