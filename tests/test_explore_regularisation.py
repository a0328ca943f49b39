"""nnbook/explore/regularisation.py: ``ridge_fit`` solves the penalised normal
equations, and the validation error over λ is the U of chapter 12."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)


def test_ridge_fit_solves_the_penalised_normal_equations():
    x, y, x_val, y_val = nb.explore.polynomial_data()
    assert (len(x), len(x_val)) == (12, 60)
    w = nb.explore.ridge_fit(x, y, 9, 1e-3)
    Phi = np.vander(x, 10, increasing=True)
    assert np.allclose(Phi.T @ (Phi @ w - y) / len(x) + 1e-3 * w, 0, atol=1e-10)   # the gradient is 0
    norms = [np.linalg.norm(nb.explore.ridge_fit(x, y, 9, lam)) for lam in (1e-8, 1e-4, 1e-1)]
    assert norms[0] > norms[1] > norms[2]                        # a larger λ, smaller weights
    # the U: the validation error is lowest at a middle λ, above it at both ends
    mse = [np.mean((np.vander(x_val, 10, increasing=True) @ nb.explore.ridge_fit(x, y, 9, 10.0 ** g) - y_val) ** 2)
           for g in (-8, -3, 1)]
    assert mse[1] < 0.5 * min(mse[0], mse[2])
    fig = nb.explore.l2_polynomial_figure(-3.0)
    assert fig.axes[0].get_title().startswith("degree 9, λ = 1e-03")
