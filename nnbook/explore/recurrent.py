"""The gradient through time (chapters 15–16): ‖∂h_T/∂x_t‖ against T − t as the
recurrent weights' scale moves, for the plain RNN, the LSTM and the GRU.
``gradient_through_time`` is the explorable, ``gradient_through_time_figure`` its
static figure, ``input_gradient_norms`` the numbers.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..layers.recurrent.gru import GRU
from ..layers.recurrent.lstm import LSTM
from ..layers.recurrent.rnn import RNN
from ..plot.style import FONT, plain_axes
from ._widgets import _explorable, _float, _int

__all__ = ["gradient_through_time", "gradient_through_time_figure", "input_gradient_norms"]

CELLS = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}
COLOURS = {"RNN": "#1f77b4", "LSTM": "#2e8b57", "GRU": "#9467bd"}


def input_gradient_norms(layer, x) -> np.ndarray:
    """‖∂h_T/∂x_t‖ for every step t of each sequence: how much the last state still
    depends on the input of step t. Chapters 15–16.

    The Jacobian ∂h_T/∂x_t (h × n_in) comes from the layer's own backward pass: h copies
    of each sequence, started from the rows of the identity as ∂E/∂h_T, give one row of
    every step's Jacobian each. Its norm is the largest singular value (the spectral norm).
    The layer's ``grads`` are overwritten; ``return_sequences`` is left as it was.

    Shapes:
        x: (T, n_in) one sequence, or (m, T, n_in)
        returns: (T,) or (m, T); entry t is ‖∂h_T/∂x_{t+1}‖ (index T − 1: the last step)
    """
    x = np.asarray(x, dtype=float)
    single = x.ndim == 2
    xs = x[None] if single else x
    if xs.ndim != 3:
        raise ValueError(f"input_gradient_norms: expected one sequence (T, n_in) or a batch (m, T, n_in), "
                         f"got shape {x.shape}.")
    h, seq = layer.n_hidden, layer.return_sequences
    m, T, n = xs.shape
    layer.return_sequences = False
    try:
        layer.forward(np.repeat(xs, h, axis=0))                       # (m·h, T, n): h copies of each
        dx = layer.backward(np.tile(np.eye(h), (m, 1)))               # row j: ∂h_T[j]/∂x
    finally:
        layer.return_sequences = seq
    J = dx.reshape(m, h, T, n).transpose(0, 2, 1, 3)                  # (m, T, h, n_in)
    norms = np.linalg.svd(J, compute_uv=False)[..., 0]                # (m, T)
    return norms[0] if single else norms


def _norms(cell, radius, T, n_in, n_hidden, input_scale, seed, n_seq=4):
    rng = np.random.default_rng(seed)
    layer = CELLS[cell](n_in, n_hidden, rng=rng)
    layer.params["W_h"] *= radius                                     # every block orthogonal × radius
    x = input_scale * rng.standard_normal((n_seq, T, n_in))
    g = input_gradient_norms(layer, x)                                # (n_seq, T)
    return np.exp(np.log(g / g[:, -1:]).mean(axis=0))                # geometric mean of g_t / g_T


def gradient_through_time_figure(radius=1.0, T=50, cell="RNN", *, n_in=4, n_hidden=16, input_scale=1.0,
                                 seed=0):
    """‖∂h_T/∂x_t‖ / ‖∂h_T/∂x_T‖ against T − t (log scale) for a fresh ``cell`` (RNN, LSTM
    or GRU) whose recurrent weights W_h are ``radius`` × the layer's orthogonal blocks, so
    every singular value of each block is ``radius``; inputs N(0, input_scale²), the
    geometric mean over 4 sequences. The dashed line is radius^(T−t): the plain RNN can
    never do better than that, since tanh' ≤ 1. The plain RNN is drawn in gray beside
    another cell. Chapters 15–16.
    """
    if cell not in CELLS:
        raise ValueError(f"gradient_through_time_figure: unknown cell {cell!r}; expected one of {list(CELLS)}.")
    if not (isinstance(T, (int, np.integer)) and T >= 2):
        raise ValueError(f"gradient_through_time_figure: expected T ≥ 2 steps, got {T!r}.")
    if not radius > 0:
        raise ValueError(f"gradient_through_time_figure: expected radius > 0, got {radius!r}.")
    lag = np.arange(T)[::-1]                                          # T − t for t = 1 … T
    fig, ax = plt.subplots(figsize=(6.8, 3.6), layout="constrained")
    curves = {c: _norms(c, radius, T, n_in, n_hidden, input_scale, seed) for c in dict.fromkeys(["RNN", cell])}
    for c, g in curves.items():
        faint = c != cell
        ax.semilogy(lag, g, "o-", ms=2.5, lw=1.2 if faint else 1.8, color="#999999" if faint else COLOURS[c],
                    label=f"{c}{' (for comparison)' if faint else ''}", zorder=2 if faint else 3)
    ax.semilogy(lag, float(radius) ** lag, "--", color="black", lw=1,
                label=f"{radius:g}^(T−t): the RNN's bound on ‖∂h_T/∂h_t‖")
    low = min(float(v.min()) for v in curves.values())
    ax.set_ylim(max(min(low, float(radius) ** (T - 1)) / 3, 1e-30), max(10.0, float(radius) ** (T - 1) * 3))
    ax.set_xlabel("T − t (steps back from the last one)", fontsize=FONT)
    ax.set_ylabel("‖∂h_T/∂x_t‖ / ‖∂h_T/∂x_T‖", fontsize=FONT)
    ax.set_title(f"{cell}({n_in} → {n_hidden}), W_h = {radius:g} × orthogonal, inputs × {input_scale:g}: "
                 f"{curves[cell][0]:.1e} after {T - 1} steps", fontsize=FONT + 1)
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=3,
               fontsize=FONT - 1, frameon=False)      # below the axes: no setting hides a curve
    plain_axes(ax)
    return fig


def gradient_through_time(radius=1.0, T=50, cell="RNN", input_scale=1.0):
    """How far back the gradient reaches: ‖∂h_T/∂x_t‖ against T − t as the recurrent
    weights' scale (every singular value of W_h) moves below and above 1, for the plain
    RNN, the LSTM or the GRU, with small inputs (tanh' ≈ 1) or large ones (saturated).
    Figure: ``gradient_through_time_figure``. Chapters 15–16."""
    import ipywidgets as w
    controls = {"radius": _float(w, "radius", radius, 0.5, 1.5, 0.05), "T": _int(w, "T", T, 5, 100, 5),
                "cell": w.Dropdown(options=list(CELLS), value=cell, description="cell"),
                "input_scale": _float(w, "inputs", input_scale, 0.05, 2.0, 0.05)}

    def caption(radius, T, cell, input_scale):
        g = _norms(cell, radius, T, 4, 16, input_scale, 0)
        return (f"{cell} with W_h = {radius:g} × orthogonal: the input {T - 1} steps back moves h_T "
                f"{g[0]:.1e} times as much as the last input (the RNN's bound {radius:g}^{T - 1} = "
                f"{float(radius) ** (T - 1):.1e})")
    def figure(radius, T, cell, input_scale):
        return gradient_through_time_figure(radius, T, cell, input_scale=input_scale)
    return _explorable(controls, figure, caption)
