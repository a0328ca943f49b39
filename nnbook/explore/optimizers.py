"""SGD, momentum and Nesterov in a narrow valley (chapter 11): ``quadratic_paths``
runs ``nb.SGD`` on E(w) = ½ wᵀAw, ``optimizer_paths_figure`` draws the paths and
the loss per step, and the explorable ``optimizer_paths`` moves α and β.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..optimizers import SGD
from ..plot.style import FONT, plain_axes
from ._widgets import _explorable, _float, _int

__all__ = ["optimizer_paths", "optimizer_paths_figure", "quadratic_paths"]

COLORS = {"SGD": "#1f77b4", "momentum": "#ff7f0e", "Nesterov": "#2ca02c"}


def _valley(kappa, degrees):
    a = np.deg2rad(degrees)
    Q = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return Q @ np.diag([1.0, kappa]) @ Q.T


def quadratic_paths(lr, beta, steps=30, *, kappa=20.0, degrees=30.0, w0=(-4.0, 3.0)):
    """The paths of ``nb.SGD(lr)``, ``nb.SGD(lr, momentum=beta)`` and the same with
    ``nesterov=True`` on E(w) = ½ wᵀAw, A with eigenvalues 1 and κ along axes turned by
    ``degrees`` (chapter 11's valley). Returns ``(A, {name: (steps + 1, 2) path})``;
    a path that overflows holds inf/NaN from there on."""
    A = _valley(kappa, degrees)
    paths = {}
    for name, opt in (("SGD", SGD(lr=lr)), ("momentum", SGD(lr=lr, momentum=beta)),
                      ("Nesterov", SGD(lr=lr, momentum=beta, nesterov=beta > 0))):
        w = np.array(w0, dtype=np.float64)
        path = [w.copy()]
        with np.errstate(all="ignore"):
            for _ in range(steps):
                opt.step([(w, A @ w)])
                path.append(w.copy())
        paths[name] = np.array(path)
    return A, paths


def optimizer_paths_figure(lr=0.02, beta=0.9, steps=30, *, kappa=20.0, degrees=30.0, w0=(-4.0, 3.0)):
    """SGD, momentum and Nesterov on the valley of ``quadratic_paths``: the paths on the
    contours (left) and the loss per step (right, log scale). Chapter 11."""
    A, paths = quadratic_paths(lr, beta, steps, kappa=kappa, degrees=degrees, w0=w0)
    fig, (a, b) = plt.subplots(1, 2, figsize=(9.5, 3.8), layout="constrained")
    g = np.stack(np.meshgrid(np.linspace(-5.5, 5.5, 160), np.linspace(-5, 5, 160)), axis=-1)
    a.contour(g[..., 0], g[..., 1], 0.5 * np.einsum("...i,ij,...j->...", g, A, g),
              levels=np.geomspace(0.1, 300, 10), colors="0.8", linewidths=0.8)
    with np.errstate(all="ignore"):
        for name, path in paths.items():
            loss = 0.5 * np.einsum("ti,ij,tj->t", path, A, path)
            outside = np.flatnonzero(~(np.abs(path) < 6).all(axis=1))
            diverges = not loss[-1] < 1e4
            shown = path[:outside[0] + 1] if diverges and outside.size else path   # cut where it leaves
            a.plot(shown[:, 0], shown[:, 1], "o-", ms=2.5, lw=1, color=COLORS[name], label=name)
            end = "diverges" if diverges else f"{loss[-1]:.2g}"
            b.semilogy(np.arange(steps + 1), np.where(loss < 1e6, loss, np.nan), color=COLORS[name],
                       label=f"{name}: {end}")
    a.plot(*w0, "k*", ms=11)
    a.plot(0, 0, "k+", ms=12, mew=2)
    a.set(xlim=(-5.5, 5.5), ylim=(-5, 5), aspect="equal")
    a.set_xlabel("w₁", fontsize=FONT)
    a.set_ylabel("w₂", fontsize=FONT)
    a.set_title(f"κ = {kappa:g}: {steps} steps from ★, α = {lr:g}, β = {beta:g}", fontsize=FONT + 1)
    b.axhline(1e-6, color="gray", lw=0.6, ls=":")
    b.set_ylim(1e-8, 1e4)
    b.set_xlabel("step", fontsize=FONT)
    b.set_ylabel("E(w) (log scale)", fontsize=FONT)
    b.set_title("loss per step (legend: after the last)", fontsize=FONT + 1)
    b.legend(fontsize=FONT - 1, loc="lower left", frameon=False)
    for ax in (a, b):
        plain_axes(ax)
    return fig


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
