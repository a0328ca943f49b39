"""The static figures behind Part II's explorables (``explore_part2``): each takes the
explorable's parameters and returns a matplotlib Figure, so a notebook can show the
same picture without a kernel. Reached as ``nb.explore.<name>``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..training.optimizers import SGD

__all__ = ["optimizer_paths_figure", "quadratic_paths", "l2_polynomial_figure", "polynomial_data",
           "ridge_fit"]

FONT = 10
COLORS = {"SGD": "#1f77b4", "momentum": "#ff7f0e", "Nesterov": "#2ca02c"}


def _style(ax):
    ax.tick_params(labelsize=FONT)
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)


# --- chapter 11: three optimizers in a narrow valley ----------------------------------------

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
        _style(ax)
    return fig


# --- chapter 12: a polynomial fit and its L2 penalty -------------------------------------------

def polynomial_data(n_train=12, n_val=60, noise=0.25, seed=0):
    """Noisy samples of sin(πx) on [−1, 1]: ``(x_train, y_train, x_val, y_val)``, each (n,)."""
    rng = np.random.default_rng(seed)
    x_train, x_val = rng.uniform(-1, 1, n_train), rng.uniform(-1, 1, n_val)
    return (x_train, np.sin(np.pi * x_train) + noise * rng.normal(size=n_train),
            x_val, np.sin(np.pi * x_val) + noise * rng.normal(size=n_val))


def ridge_fit(x, y, degree, lam):
    """The minimiser of ½·mean((Φw − y)²) + (λ/2)‖w‖², Φ = [1, x, …, x^degree]:
    w = (ΦᵀΦ/m + λI)⁻¹ Φᵀy/m, every coefficient penalised as nnbook's weight_decay does.
    Shapes: x, y (m,) → w (degree + 1,)."""
    Phi = np.vander(np.asarray(x, dtype=np.float64), degree + 1, increasing=True)
    m = len(x)
    return np.linalg.solve(Phi.T @ Phi / m + lam * np.eye(degree + 1), Phi.T @ np.asarray(y) / m)


def _mse(w, x, y):
    return float(np.mean((np.vander(x, len(w), increasing=True) @ w - y) ** 2))


def l2_polynomial_figure(log10_lambda=-6.0, degree=9, *, seed=0):
    """A degree-``degree`` polynomial fitted to 12 noisy points with the L2 penalty
    λ = 10^log10_lambda (left), and the training and validation errors over λ, the
    chosen λ marked (right): the U-curve. Chapter 12."""
    x_tr, y_tr, x_va, y_va = polynomial_data(seed=seed)
    lam = 10.0 ** log10_lambda
    grid = np.linspace(-8, 1, 46)
    errors = np.array([[_mse(ridge_fit(x_tr, y_tr, degree, 10.0 ** g), x, y) for x, y in
                        ((x_tr, y_tr), (x_va, y_va))] for g in grid])
    w = ridge_fit(x_tr, y_tr, degree, lam)
    fig, (a, b) = plt.subplots(1, 2, figsize=(9.5, 4.2), layout="constrained")
    xs = np.linspace(-1, 1, 300)
    a.plot(xs, np.sin(np.pi * xs), color="gray", ls="--", lw=1, label="sin(πx), the truth")
    a.plot(x_va, y_va, ".", color="#ff7f0e", ms=4, label="validation points")
    a.plot(x_tr, y_tr, "o", color="#1f77b4", ms=5, label="training points")
    a.plot(xs, np.vander(xs, degree + 1, increasing=True) @ w, color="#d62728", lw=1.8, label="fit")
    a.set(ylim=(-2, 2))
    a.set_xlabel("x", fontsize=FONT)
    a.set_ylabel("y", fontsize=FONT)
    a.set_title(f"degree {degree}, λ = {lam:.0e}: ‖w‖ = {np.linalg.norm(w):.3g}", fontsize=FONT + 1)
    a.legend(fontsize=FONT - 1, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False)
    b.semilogy(grid, errors[:, 0], color="#1f77b4", label="training")
    b.semilogy(grid, errors[:, 1], color="#ff7f0e", label="validation")
    best = grid[np.argmin(errors[:, 1])]
    b.axvline(best, color="#ff7f0e", ls=":", lw=1, label=f"lowest validation: λ = {10.0 ** best:.0e}")
    b.axvline(log10_lambda, color="#d62728", lw=1.5, label="this λ")
    b.set_xlabel("log₁₀ λ", fontsize=FONT)
    b.set_ylabel("mean squared error (log)", fontsize=FONT)
    b.set_title(f"training {_mse(w, x_tr, y_tr):.3f}, validation {_mse(w, x_va, y_va):.3f}",
                fontsize=FONT + 1)
    b.legend(fontsize=FONT - 1, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False)
    for ax in (a, b):
        _style(ax)
    return fig
