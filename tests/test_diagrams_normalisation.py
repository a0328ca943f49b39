"""nnbook/diagrams/normalisation.py: each mean and variance is drawn beside the values
it is taken over (the columns of a dense batch, one channel of every image)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures, min_fontsize, texts  # noqa: E402,F401  (the fixture applies here)


def test_batchnorm_statistics_dense_are_the_columns():
    X = np.random.default_rng(1).normal(loc=[5.0, -2.0, 0.0], scale=[3.0, 0.5, 10.0], size=(8, 3))
    ax = nb.diagrams.batchnorm_statistics(X)
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
    ax = nb.diagrams.batchnorm_statistics(X)
    mu, var = ax.stats
    assert np.allclose(mu, X.mean(axis=(0, 1, 2))) and np.allclose(var, X.var(axis=(0, 1, 2)))
    layer = nb.BatchNorm(3)
    layer.training = True
    y = layer.forward(X)
    assert np.allclose(y, (X - mu) / np.sqrt(var + layer.eps))   # the statistics BN uses
    assert "m·h·w = 100 values" in ax.get_title()
    assert {"channel 0", "channel 2", "image 3"} <= set(texts(ax))
    with pytest.raises(ValueError, match=r"expected a dense batch \(m, n\) or images"):
        nb.diagrams.batchnorm_statistics(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="readable up to 12 × 6"):
        nb.diagrams.batchnorm_statistics(np.zeros((20, 3)))


# --- the gallery: each diagram of nnbook/diagrams/normalisation.py as the chapters draw it
# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
GALLERY = {
    "batchnorm_statistics": [lambda: nb.diagrams.batchnorm_statistics(np.arange(12.0).reshape(4, 3)),
                             lambda: nb.diagrams.batchnorm_statistics(np.arange(48.0).reshape(2, 2, 4, 3))],
}
