"""Line plots and the plane (chapters 00, 05, 06 and 09): loss curves per epoch,
gradient norms per layer, and the decision boundary of a 2-D classifier.
Reached as ``nb.plot.loss_curve``, ``nb.plot.gradient_norms``, ``nb.plot.decision_boundary``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.ticker import MaxNLocator

from ..data.labels import class_labels as _labels
from .style import _axis, legend

__all__ = ["loss_curve", "gradient_norms", "decision_boundary"]

_COLORS = plt.get_cmap("tab10").colors   # class c is drawn in _COLORS[c % 10]
# History keys as the legend says them: val_loss is the loss on data fit never trains on,
# "held-out" in Part III's text and "validation" in Part II's
_SERIES = {"loss": "training", "val_loss": "held-out (validation)"}


# --------------------------------------------------------------------------
# Loss curves

def loss_curve(history, ax=None, *, title="Training loss", logy=False, label=None):
    """Loss per epoch, with epochs counted from 1.

    Args:
        history: what ``fit`` returned (a ``History``: draws ``"loss"`` and,
            if present, ``"val_loss"``), a dict of lists (one line per key), or
            a list/array of losses (one line).
        logy: a logarithmic loss axis (for losses that span decades).
        label: the legend name of the line; with a History or a dict it
            prefixes each key, so several runs can share one axis.
    Shapes:
        each series: (epochs,)
    """
    series = history
    if isinstance(getattr(history, "history", None), dict):            # a History from fit
        series = {k: v for k, v in history.history.items() if k in ("loss", "val_loss") and len(v)}
    if isinstance(series, dict):
        names = [_SERIES.get(k, k) for k in series]
        items = [(n if label is None else f"{label} {n}", v) for n, v in zip(names, series.values())]
    else:
        items = [("training" if label is None else label, series)]
    ax = _axis(ax, (5, 3.5))
    for name, values in items:
        v = np.asarray(values, dtype=np.float64)
        if v.ndim != 1 or v.size == 0:
            raise ValueError(
                f"loss_curve: expected a non-empty 1-D sequence of losses for {name!r}, got "
                f"shape {v.shape}. Pass model.fit(...)'s History, a dict of lists, or a list."
            )
        ax.plot(np.arange(1, v.size + 1), v, label=name)
    if logy:
        ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title(title)
    if len(ax.get_lines()) > 1:
        legend(ax)
    return ax


# --------------------------------------------------------------------------
# Gradient norms per layer (chapter 06)

def gradient_norms(norms_by_label, ax=None, *, title="Gradient norm per layer", logy=True):
    """One line per setting: the gradient norm of each layer, from the input side.

    Args:
        norms_by_label: ``{label: norms}``, e.g. the results of
            ``nnbook.diagnostics.gradient_norms`` for several activations or
            initialisations.
        logy: a logarithmic norm axis (the default: norms span decades).
    Shapes:
        each norms: (n_layers,), layer 1 is the one next to the input
    """
    if not isinstance(norms_by_label, dict) or not norms_by_label:
        raise ValueError(
            f"plot.gradient_norms: expected a non-empty dict {{label: norms per layer}}, got "
            f"{type(norms_by_label).__name__}. Wrap one result as {{'my net': norms}}."
        )
    ax = _axis(ax, (6, 4))
    for label, norms in norms_by_label.items():
        v = np.asarray(norms, dtype=np.float64)
        if v.ndim != 1 or v.size == 0:
            raise ValueError(
                f"plot.gradient_norms: expected a non-empty 1-D array of norms for {label!r}, "
                f"got shape {v.shape}."
            )
        ax.plot(np.arange(1, v.size + 1), v, marker="o", markersize=3, label=str(label))
    if logy:
        ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("layer (1 = next to the input)")
    ax.set_ylabel("‖∂E/∂W‖")
    ax.set_title(title)
    legend(ax)
    return ax


# --------------------------------------------------------------------------
# Decision boundaries

def decision_boundary(model, X, y, ax=None, *, resolution=200, title="Decision boundary",
                      padding=0.25):
    """The class a 2-D classifier predicts at every point, with the data on top.

    Args:
        model: a ``Sequential`` (its ``predict`` is used) or any callable
            mapping points (n, 2) to scores (n, k) (argmax) or (n, 1)
            (class 1 where > 0.5).
        X: the points; y: their classes, as labels, one-hot rows or 0/1 targets.
        resolution: grid points per axis; padding: margin around the data.
    Shapes:
        X: (m, 2);  y: (m,), (m, k) or (m, 1)
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(
            f"decision_boundary: expected X of shape (m, 2) (points in the plane), got "
            f"{X.shape}. Only 2-D inputs can be drawn."
        )
    labels, k_y = _labels("decision_boundary", "y", y)
    if len(labels) != len(X):
        raise ValueError(f"decision_boundary: X has {len(X)} points but y has {len(labels)} "
                         f"labels; expected one label per point.")
    predict = getattr(model, "predict", model)
    if not callable(predict):
        raise ValueError(f"decision_boundary: expected a model with predict() or a callable, "
                         f"got {type(model).__name__}.")
    lo, hi = X.min(axis=0) - padding, X.max(axis=0) + padding
    g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.column_stack([g1.ravel(), g2.ravel()])                    # (resolution², 2)
    scores = np.asarray(predict(grid))
    if scores.ndim == 1:
        scores = scores.reshape(-1, 1)
    if scores.ndim != 2 or len(scores) != len(grid):
        raise ValueError(
            f"decision_boundary: the model mapped {grid.shape} points to shape {scores.shape}; "
            f"expected scores of shape ({len(grid)}, k) or ({len(grid)}, 1)."
        )
    zone, k_s = _labels("decision_boundary", "the model's output", scores)
    k = max(k_s, k_y or 0, int(labels.max()) + 1)
    colors = [_COLORS[c % 10] for c in range(k)]
    size = float(np.clip(3000 / len(X), 10, 60))                       # big dots for few points
    ax = _axis(ax, (5, 4.5))
    ax.contourf(g1, g2, zone.reshape(g1.shape), levels=np.arange(k + 1) - 0.5,
                cmap=ListedColormap(colors), norm=BoundaryNorm(np.arange(k + 1) - 0.5, k),
                alpha=0.3)
    for c in range(k):
        on = labels == c
        if on.any():
            ax.scatter(X[on, 0], X[on, 1], s=size, color=colors[c], edgecolors="black",
                       linewidths=0.4, label=f"class {c}")
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_title(title)
    if k <= 10:
        legend(ax)
    return ax
