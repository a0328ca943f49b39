"""Explorables of Part II (chapters 11–13); reached as ``nb.explore.<name>``. Built on
``_widgets._explorable`` like explore.py's; their static figures are in
``explore_part2_figures`` (re-exported here), which a notebook shows beside them."""

from __future__ import annotations

import numpy as np

from ._widgets import _explorable, _float, _int
from .explore_part2_figures import (l2_polynomial_figure, optimizer_paths_figure, polynomial_data,
                                    quadratic_paths, ridge_fit)

__all__ = ["optimizer_paths", "l2_polynomial", "optimizer_paths_figure", "l2_polynomial_figure",
           "polynomial_data", "ridge_fit"]


def optimizer_paths(lr=0.02, beta=0.9, steps=30):
    """SGD, momentum and Nesterov (all ``nb.SGD``) in chapter 11's narrow valley (κ = 20)
    with sliders for the learning rate α and the momentum β: α > 2/λ_max = 0.1 makes
    plain SGD diverge, β near 1 swings, Nesterov damps the swing. Figure:
    ``optimizer_paths_figure``. Chapter 11."""
    import ipywidgets as w
    controls = {"lr": _float(w, "α", lr, 0.005, 0.15, 0.005), "beta": _float(w, "β", beta, 0.0, 0.99, 0.01),
                "steps": _int(w, "steps", steps, 5, 100, 5)}

    def caption(lr, beta, steps):
        A, paths = quadratic_paths(lr, beta, steps)
        with np.errstate(all="ignore"):
            final = {k: 0.5 * p[-1] @ A @ p[-1] for k, p in paths.items()}
        ends = ", ".join(f"{k} {v:.2g}" if v < 1e4 else f"{k} diverges" for k, v in final.items())
        return f"α = {lr:g}, β = {beta:g}: after {steps} steps E = {ends} (SGD needs α < 0.1)"
    return _explorable(controls, optimizer_paths_figure, caption)


def l2_polynomial(log10_lambda=-6.0, degree=9):
    """A polynomial of the chosen degree fitted to 12 noisy points of sin(πx) with the L2
    penalty λ = 10^log10_lambda: small λ fits the noise (low training, high validation
    error), large λ flattens the curve; the validation error is lowest in between.
    Figure: ``l2_polynomial_figure``. Chapter 12."""
    import ipywidgets as w
    controls = {"log10_lambda": _float(w, "log₁₀ λ", log10_lambda, -8.0, 1.0, 0.25),
                "degree": _int(w, "degree", degree, 1, 11)}

    def caption(log10_lambda, degree):
        x_tr, y_tr, x_va, y_va = polynomial_data()
        wts = ridge_fit(x_tr, y_tr, degree, 10.0 ** log10_lambda)
        err = [float(np.mean((np.vander(x, degree + 1, increasing=True) @ wts - y) ** 2))
               for x, y in ((x_tr, y_tr), (x_va, y_va))]
        return (f"λ = {10.0 ** log10_lambda:.0e}, degree {degree}: training error {err[0]:.3f}, "
                f"validation error {err[1]:.3f}")
    return _explorable(controls, l2_polynomial_figure, caption)
