"""Part II's diagrams (nnbook.figures.diagrams_part2, reached as nb.diagrams.<name>): the
geometry and labels follow the numbers passed in, and the numbers are the library's.
No pixels."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Circle, Rectangle  # noqa: E402

import nnbook as nb  # noqa: E402
from nnbook import diagrams  # noqa: E402
from figure_helpers import close_figures, min_fontsize, texts  # noqa: E402,F401  (the fixture applies here)


def quadratic(kappa=20.0, degrees=30):
    a = np.deg2rad(degrees)
    Q = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return Q @ np.diag([1.0, kappa]) @ Q.T


def test_part2_names_are_reached_as_nb_diagrams():
    for name in ("momentum_vectors", "dropout_network", "batchnorm_statistics"):
        assert name in diagrams.__all__ and callable(getattr(nb.diagrams, name))


# --- momentum and Nesterov (chapter 11) ------------------------------------------------------
def test_momentum_vectors_end_where_the_library_steps():
    A, lr, mu = quadratic(), 0.02, 0.9
    w = np.array([-4.0, -3.0])
    opt = nb.SGD(lr=lr, momentum=mu)
    for _ in range(4):
        opt.step([(w, A @ w)])
    u = opt.get_state([w])["param0.v"]
    heavy, nesterov = diagrams.momentum_vectors(A, w, u, lr, mu)
    stepped = w                                               # the array the optimizer knows
    w = w.copy()
    opt.step([(stepped, A @ stepped)])                        # the library's next step
    assert np.allclose(heavy.step_end, stepped, rtol=1e-12)
    u_n = mu * u - lr * A @ (w + mu * u)                      # Sutskever et al.'s Nesterov step
    assert np.allclose(nesterov.step_end, w + u_n, rtol=1e-12)
    for ax, name in ((heavy, "heavy ball"), (nesterov, "Nesterov")):
        assert ax.get_title() == f"{name}: lr = 0.02, μ = 0.9"
        arrows = [t for t in ax.texts if hasattr(t, "arrow_patch") and t.arrow_patch is not None]
        heads = [np.array(t.xy) for t in arrows]
        assert any(np.allclose(h, w + mu * u) for h in heads)  # the carried velocity ends at the look-ahead
        assert any(np.allclose(h, ax.step_end) for h in heads)
        assert {"w  ", "  w + μu", "  new w"} <= set(texts(ax))
        assert min_fontsize(ax) >= 9
    assert len(heavy.texts) == len(nesterov.texts) + 1        # the dashed gradient at w


def test_momentum_vectors_refuses_other_shapes():
    with pytest.raises(ValueError, match=r"momentum_vectors: expected A of shape \(2, 2\)"):
        diagrams.momentum_vectors(np.eye(3), np.zeros(3), np.zeros(3), 0.1, 0.9)


# --- dropout (chapter 12) ----------------------------------------------------------------------
def test_dropout_network_draws_the_layers_masks():
    rng = np.random.default_rng(0)
    drops = [nb.Dropout(0.5, rng=rng), nb.Dropout(0.5, rng=rng)]
    net = nb.Sequential([nb.Dense(4, 6, rng=rng), nb.ReLU(), drops[0], nb.Dense(6, 5, rng=rng), nb.ReLU(),
                         drops[1], nb.Dense(5, 3, rng=rng)])
    net.set_training(True)
    net.forward(rng.normal(size=(3, 4)))
    masks = [d.mask for d in drops]
    ax = diagrams.dropout_network([4, 6, 5, 3], masks)
    for i in range(3):
        gone = {(k + 1, j) for k, mk in enumerate(masks) for j in np.flatnonzero(mk[i] == 0)}
        assert set(ax.dropped[i]) == gone
        kept = sum(int((mk[i] != 0).sum()) for mk in masks)
        assert f"sample {i + 1}: {kept} of 11 hidden kept" in texts(ax)
    assert len([p for p in ax.patches if isinstance(p, Circle)]) == 3 * (4 + 6 + 5 + 3)
    edges = sum(int(a.sum() * b.sum()) for i in range(3)
                for a, b in zip([np.ones(4)] + [mk[i] != 0 for mk in masks],
                                [mk[i] != 0 for mk in masks] + [np.ones(3)]))
    crosses = sum(len(g) for g in ax.dropped)
    assert len(ax.lines) == edges + crosses                   # a connection only between kept units
    assert "kept units ×2" in ax.get_title() and min_fontsize(ax) >= 9


def test_dropout_network_checks_its_masks():
    with pytest.raises(ValueError, match="2 hidden layers in sizes .* but 1 masks"):
        diagrams.dropout_network([3, 4, 4, 2], [np.ones((2, 4))])
    with pytest.raises(ValueError, match=r"mask 1 has shape \(2, 3\), expected \(2, 4\)"):
        diagrams.dropout_network([3, 4, 4, 2], [np.ones((2, 4)), np.ones((2, 3))])
    with pytest.raises(ValueError, match="readable up to 10 units"):
        diagrams.dropout_network([3, 40, 2], [np.ones((1, 40))])


# --- batch normalisation's statistics (chapter 13) --------------------------------------------
def test_batchnorm_statistics_dense_are_the_columns():
    X = np.random.default_rng(1).normal(loc=[5.0, -2.0, 0.0], scale=[3.0, 0.5, 10.0], size=(8, 3))
    ax = diagrams.batchnorm_statistics(X)
    mu, var = ax.stats
    assert np.allclose(mu, X.mean(axis=0)) and np.allclose(var, X.var(axis=0))
    t = texts(ax)
    for j in range(3):
        assert f"μ{'₀₁₂'[j]} = {mu[j]:.2f}\nσ{'₀₁₂'[j]}² = {var[j]:.2f}".replace("-", "−") in t
    cells = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_fill()]
    assert len(cells) == 8 * 3
    assert "over the 8 samples" in ax.get_title() and min_fontsize(ax) >= 9


def test_batchnorm_statistics_conv_are_per_channel_over_m_h_w():
    X = np.random.default_rng(2).normal(size=(4, 5, 5, 3))
    ax = diagrams.batchnorm_statistics(X)
    mu, var = ax.stats
    assert np.allclose(mu, X.mean(axis=(0, 1, 2))) and np.allclose(var, X.var(axis=(0, 1, 2)))
    layer = nb.BatchNorm(3)
    layer.training = True
    y = layer.forward(X)
    assert np.allclose(y, (X - mu) / np.sqrt(var + layer.eps))   # the statistics BN uses
    assert "m·h·w = 100 values" in ax.get_title()
    assert {"channel 0", "channel 2", "image 3"} <= set(texts(ax))
    with pytest.raises(ValueError, match=r"expected a dense batch \(m, n\) or images"):
        diagrams.batchnorm_statistics(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="readable up to 12 × 6"):
        diagrams.batchnorm_statistics(np.zeros((20, 3)))
