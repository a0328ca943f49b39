"""The rules every figure of the course follows (from chapter 00 on; README, "Figures"):
images in ``IMAGE_CMAP``, text never below 9 pt, labels at ``FONT``, legends off the
data. The plots, the diagrams and the explorables all draw with these.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

__all__ = ["IMAGE_CMAP", "FONT", "legend", "plain_axes"]

IMAGE_CMAP = "gray_r"                    # every image of the course: 0 = white paper, high = ink
FONT = 10                                 # points: the labels of diagrams and explorables

_TEXT = 9                                 # points: the smallest text a figure shows


def legend(ax, **kwargs):
    """The axis' legend outside it, to the right, so that it never covers the data (9 pt)."""
    kwargs = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "borderaxespad": 0.0,
              "fontsize": _TEXT, **kwargs}
    return ax.legend(**kwargs)


def plain_axes(ax):
    """Tick labels at ``FONT`` and no top or right spine: the look of every plot that a
    diagram or an explorable draws."""
    ax.tick_params(labelsize=FONT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _axis(ax, figsize):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax
