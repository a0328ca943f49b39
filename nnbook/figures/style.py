"""The rules every plot of the course follows (from chapter 00 on; README,
"Figures"): images in ``IMAGE_CMAP``, text never below 9 pt, legends off the data.
curves.py and images.py draw with them; ``nb.plot`` re-exports the public names.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

__all__ = ["IMAGE_CMAP", "legend"]

IMAGE_CMAP = "gray_r"                    # every image of the course: 0 = white paper, high = ink

_TEXT = 9                                 # points: the smallest text a figure shows


def legend(ax, **kwargs):
    """The axis' legend outside it, to the right, so that it never covers the data (9 pt)."""
    kwargs = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "borderaxespad": 0.0,
              "fontsize": _TEXT, **kwargs}
    return ax.legend(**kwargs)


def _axis(ax, figsize):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax
