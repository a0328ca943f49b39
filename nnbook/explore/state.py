"""How many key–value pairs a d × d state recalls (chapter 31): the share of the values lost
against the pairs written, for the best state (``1 − d/N``), the Hebbian sum (``(N − 1)/d``),
the Hebbian sum rescaled at its best (``(N − 1)/(N + d − 1)``) and one pass of the delta rule
with β = 1 (measured on fixed random draws); ``recall_capacity`` is the explorable,
``recall_capacity_figure`` its static figure and ``recall_capacity_numbers`` the numbers.
"""

from __future__ import annotations

import functools

import matplotlib.pyplot as plt
import numpy as np

from ..plot.style import FONT, plain_axes
from ._widgets import LINE, PATH, _explorable, _int

__all__ = ["recall_capacity", "recall_capacity_figure", "recall_capacity_numbers"]

N_MAX, DRAWS = 32, 200        # the figure's range of N; the delta rule's random draws
HEBBIAN = "#7f7f7f"


def _checked(owner, N, d):
    for name, v, low, high in (("N", N, 1, N_MAX), ("d", d, 2, 16)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not low <= v <= high:
            raise ValueError(f"{owner}: expected {name} an integer from {low} to {high}, "
                             f"got {v!r}.")
    return int(N), int(d)


@functools.lru_cache(maxsize=16)
def _delta_shares(d, seed=0):
    """The delta rule's mean share lost after writing n = 1 … N_MAX pairs (β = 1, unit keys
    in random directions, N(0, 1) values), over ``DRAWS`` draws of ``default_rng(seed)``:
    the first n pairs of each draw are a draw of n pairs. Shapes: (N_MAX,)."""
    rng = np.random.default_rng(seed)
    keys = rng.normal(size=(DRAWS, N_MAX, d))
    keys /= np.linalg.norm(keys, axis=-1, keepdims=True)
    values = rng.normal(size=(DRAWS, N_MAX, d))
    S, shares = np.zeros((DRAWS, d, d)), np.zeros(N_MAX)
    for n in range(N_MAX):
        k, v = keys[:, n], values[:, n]                              # (DRAWS, d)
        error = v - (S @ k[:, :, None])[:, :, 0]                     # v − S k
        S = S + error[:, :, None] * k[:, None, :]                    # S + (v − S k) kᵀ
        read = keys[:, :n + 1] @ S.transpose(0, 2, 1)                # (S k_i)ᵀ, i ≤ n
        lost = np.sum((read - values[:, :n + 1]) ** 2, axis=(1, 2))
        shares[n] = np.mean(lost / np.sum(values[:, :n + 1] ** 2, axis=(1, 2)))
    shares.flags.writeable = False
    return shares


def recall_capacity_numbers(N=12, d=8):
    """The mean share of the values lost after N pairs in a d × d state: "best state"
    (``max(0, 1 − d/N)``, exact), "Hebbian" (``(N − 1)/d``: each other pair adds its value
    times k_i·k_j, of mean square 1/d), "Hebbian, rescaled" (the sum times d/(N + d − 1),
    which minimises that loss: ``(N − 1)/(N + d − 1)``) and "delta rule" (β = 1, one pass,
    measured on 200 fixed draws). Returns a dict of floats."""
    N, d = _checked("recall_capacity_numbers", N, d)
    return {"best state": max(0.0, 1 - d / N), "Hebbian": (N - 1) / d,
            "Hebbian, rescaled": (N - 1) / (N + d - 1),
            "delta rule": float(_delta_shares(d)[N - 1])}


def _caption(N, d):
    s = recall_capacity_numbers(N, d)
    return (f"N = {N} pairs, state {d} × {d}, share of the values lost: best state "
            f"{s['best state']:.3f}, delta rule (β = 1) {s['delta rule']:.3f}, Hebbian "
            f"{s['Hebbian']:.3f}, rescaled Hebbian {s['Hebbian, rescaled']:.3f}")


def recall_capacity_figure(N=12, d=8):
    """The share of the values lost against the pairs written N = 1 … 32 in a d × d state:
    the best state, the delta rule (β = 1), the Hebbian sum and its best rescaling; N = d
    and the chosen N marked. Chapter 31."""
    N, d = _checked("recall_capacity_figure", N, d)
    Ns = np.arange(1, N_MAX + 1)
    curves = {"best state (ceiling)": (np.maximum(0.0, 1 - d / Ns), "0.1", "--"),
              "delta rule, β = 1": (_delta_shares(d), PATH, "-"),
              "Hebbian sum": ((Ns - 1) / d, HEBBIAN, "-"),
              "Hebbian, best rescaling": ((Ns - 1) / (Ns + d - 1), LINE, "-")}
    fig, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
    for label, (y, colour, style) in curves.items():
        ax.plot(Ns, y, style, color=colour, lw=1.6, label=label)
        ax.plot([N], [y[N - 1]], "o", color=colour, ms=5)
    ax.axvline(d, color="0.6", lw=0.8, ls=":")
    ax.set_ylim(0, 1.5)
    ax.set_xlim(1, N_MAX)
    ax.set_xlabel(f"pairs written N (the dotted line: N = d = {d})", fontsize=FONT)
    ax.set_ylabel("share of the values lost", fontsize=FONT)
    ax.set_title(f"Recall from a state of {d} × {d} numbers", fontsize=FONT + 1)
    ax.legend(fontsize=FONT - 1, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    plain_axes(ax)
    return fig


def recall_capacity(N=12, d=8):
    """Move the pairs written N and the state's size d: the caption gives the share of the
    values each write loses. Figure: ``recall_capacity_figure``. Chapter 31."""
    import ipywidgets as w
    N, d = _checked("recall_capacity", N, d)
    controls = {"N": _int(w, "N", N, 1, N_MAX), "d": _int(w, "d", d, 2, 16)}
    return _explorable(controls, recall_capacity_figure, _caption)
