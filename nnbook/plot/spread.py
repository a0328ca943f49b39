"""Results over seeds as a picture (from chapter 05 on): every seed's value as a
point, one column of points per result, the mean as a short bar, so a reader sees
the spread a comparison rests on. Reached as ``nb.plot.seeds``.
"""

from __future__ import annotations

import numpy as np

from .style import _axis

__all__ = ["seeds"]


def seeds(table, columns=None, ax=None, *, title="Over seeds", ylabel="value", labels=None,
          connect=False):
    """Each seed's value as a point above its column's name, and the mean as a bar.

    Args:
        table: a ``SeedTable`` (``nb.over_seeds``'s result).
        columns: which columns to draw, in order (all by default).
        labels: the names written under the columns (the column names by default).
        connect: join each seed's points with a thin line, for paired comparisons
            (the same seed across columns).
    Shapes:
        each column: (n_seeds,)
    """
    columns = list(table.columns if columns is None else columns)
    labels = list(columns if labels is None else labels)
    if len(labels) != len(columns):
        raise ValueError(f"plot.seeds: {len(labels)} labels for {len(columns)} columns; give one "
                         f"label per column.")
    values = np.stack([table[c] for c in columns], axis=1)            # (n_seeds, n_columns)
    n = values.shape[0]
    offsets = np.linspace(-0.12, 0.12, n) if n > 1 else np.zeros(1)   # fixed spread, no jitter draw
    ax = _axis(ax, (max(3.0, 1.2 * len(columns) + 1.5), 3.2))
    x = np.arange(len(columns))
    if connect and len(columns) > 1:
        for i in range(n):
            ax.plot(x + offsets[i], values[i], color="0.75", lw=0.8, zorder=1)
    for j in range(len(columns)):
        ax.scatter(x[j] + offsets, values[:, j], s=22, color=f"C{j % 10}", zorder=2)
        ax.hlines(values[:, j].mean(), x[j] - 0.25, x[j] + 0.25, color="black", lw=2, zorder=3)
    ax.set_xticks(x, labels)
    ax.set_xlim(-0.6, len(columns) - 0.4)
    ax.set_ylabel(ylabel)
    ax.set_title(f"{title} ({n} seeds; bar = mean)")
    return ax
