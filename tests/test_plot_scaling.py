"""nnbook/plot/scaling.py: nb.plot.scaling_fit draws the points, a curve per size, the floor
and the band of the fitted E."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import nnbook as nb


def test_scaling_fit_draws_points_curves_floor_and_band():
    N, D = np.array([1e3, 2e3, 4e3]), np.array([1e4, 2e4, 4e4, 8e4])
    NN, DD = (a.ravel() for a in np.meshgrid(N, D, indexing="ij"))
    L = nb.scaling_law(NN, DD, 0.5, 6.0, 0.45, 25.0, 0.35)
    L = L + np.random.default_rng(0).normal(0, 0.002, L.size)
    fit = nb.fit_scaling_law(NN, DD, L)
    ax = nb.plot.scaling_fit(N, D, L.reshape(3, 4), fit, 0.5, entropy=0.4)
    curves = [l for l in ax.get_lines() if len(l.get_xdata()) == 100]
    assert len(curves) == 3
    np.testing.assert_allclose(curves[0].get_ydata(), fit.predict(N[0], curves[0].get_xdata()))
    flat = [l.get_ydata()[0] for l in ax.get_lines() if len(l.get_xdata()) == 2]
    assert 0.5 in flat and 0.4 in flat                    # the floor and the entropy lines
    band = [p for p in ax.patches if p.get_label() == "fitted E ± 2 SE"]
    assert len(band) == 1
    # a Polygon before matplotlib 3.9, a Rectangle since: its corners in data units either way
    ys = band[0].get_patch_transform().transform(band[0].get_path().vertices)[:, 1]
    assert ys.min() == pytest.approx(fit.E - 2 * fit.stderr["E"])
    assert ys.max() == pytest.approx(fit.E + 2 * fit.stderr["E"])
    assert ax.get_xscale() == "log" and "floor" in ax.get_title()
    with pytest.raises(ValueError, match="one row per size"):
        nb.plot.scaling_fit(N, D, L, fit, 0.5)
    plt.close("all")
