"""nb.interpret's linear probes and control task (nnbook/interpret/probes.py)."""

import numpy as np
import pytest

from nnbook.interpret import control_labels, fit_probe


def test_a_separable_label_is_read_almost_perfectly():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(800, 6))
    y = (x[:, 0] > 0).astype(int) + 2 * (x[:, 1] + x[:, 2] > 0)
    fit = fit_probe(x, y, epochs=100, lr=0.03, rng=np.random.default_rng(1))
    assert fit.held_out_accuracy >= 0.95 and fit.train_accuracy >= 0.95
    assert fit.control_accuracy is None and fit.selectivity is None


def test_random_labels_score_chance_held_out():
    """Labels independent of the features: the held-out accuracy is a Binomial(200, 1/4)
    share; 0.36 is 3.3 standard deviations above 0.25 (false alarm < 0.1 %)."""
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(800, 6)), rng.integers(0, 4, 800)
    fit = fit_probe(x, y, rng=np.random.default_rng(3))
    assert fit.held_out_accuracy < 0.36
    assert fit.train_accuracy > fit.held_out_accuracy     # what it memorised does not carry


def test_the_same_generator_gives_the_same_fit():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(200, 3)), rng.integers(0, 2, 200)
    a, b = (fit_probe(x, y, epochs=5, rng=np.random.default_rng(5)) for _ in range(2))
    assert (a.train_accuracy, a.held_out_accuracy) == (b.train_accuracy, b.held_out_accuracy)


def test_control_labels_are_one_label_per_token_with_the_labels_marginals():
    rng = np.random.default_rng(6)
    tokens, labels = rng.integers(0, 2000, 20000), (rng.random(20000) < 0.2).astype(int)
    control = control_labels(tokens, labels, rng=np.random.default_rng(7))
    for tok in np.unique(tokens)[:50]:
        assert len(set(control[tokens == tok])) == 1
    per_type = control[np.unique(tokens, return_index=True)[1]]
    assert abs(per_type.mean() - 0.2) < 0.04              # 4.5 standard deviations of 2000 draws


def test_a_property_beyond_the_token_is_selective():
    """Each row is a token's vector plus a property's direction; the label is the property.
    The control task can be learnt only through the token identity (one of 40 vectors), so
    on held-out rows it scores well below the real label: selectivity > 0."""
    rng = np.random.default_rng(8)
    n, d = 1200, 16
    tokens = rng.integers(0, 40, n)
    labels = rng.integers(0, 2, n)
    x = rng.normal(size=(40, d))[tokens] + 2.0 * np.outer(2 * labels - 1, np.eye(d)[0])
    fit = fit_probe(x, labels, tokens=tokens, epochs=80, lr=0.03, rng=np.random.default_rng(9))
    assert fit.held_out_accuracy > 0.9
    assert fit.control_accuracy < fit.held_out_accuracy - 0.1 and fit.selectivity > 0.1


def test_misuse_is_named():
    x = np.zeros((10, 3))
    with pytest.raises(ValueError, match=r"fit_probe: got features of shape \(2, 5, 3\)"):
        fit_probe(np.zeros((2, 5, 3)), np.zeros(10, int))
    with pytest.raises(ValueError, match=r"fit_probe: got labels of shape \(9,\)"):
        fit_probe(x, np.zeros(9, int))
    with pytest.raises(ValueError, match=r"fit_probe: got tokens of shape \(3,\)"):
        fit_probe(x, np.zeros(10, int), tokens=np.zeros(3, int))
    with pytest.raises(ValueError, match=r"fit_probe: got held_out=1.5"):
        fit_probe(x, np.zeros(10, int), held_out=1.5)


def test_the_default_fit_matches_a_plain_logistic_regression():
    """fit_probe's defaults (60 epochs of Adam at 0.01) reach the held-out accuracy of
    scikit-learn's LogisticRegression (L-BFGS to convergence) on the same standardised
    split, to 0.02, on three overlapping classes in 16 dimensions."""
    linear = pytest.importorskip("sklearn.linear_model")
    rng = np.random.default_rng(8)
    y = rng.integers(0, 3, 1200)
    x = rng.standard_normal((1200, 16)) + 0.6 * np.eye(16)[y * 2] + 0.3 * np.eye(16)[y]
    fit = fit_probe(x, y, rng=np.random.default_rng(0))
    test = fit.held_out_index
    train = np.setdiff1d(np.arange(len(y)), test)
    z = (x - x[train].mean(0)) / x[train].std(0)
    plain = linear.LogisticRegression(max_iter=5000).fit(z[train], y[train])
    assert abs(fit.held_out_accuracy - plain.score(z[test], y[test])) < 0.02
    assert fit.held_out_correct.mean() == fit.held_out_accuracy
