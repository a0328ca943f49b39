"""The convolution window (chapter 07): sliders for n, f, p and s move the window
over the padded input, and the output size follows the formula. ``conv_window`` is the
explorable, ``conv_window_figure`` its static figure (``nb.diagrams.conv_window``).
"""

from __future__ import annotations

from ..conv_impl import output_size
from ..diagrams import conv as diagrams
from ._widgets import _explorable, _int

__all__ = ["conv_window", "conv_window_figure"]


def conv_window_figure(n=6, f=3, p=0, s=1):
    """``nb.diagrams.conv_window(n, f, p, s)`` as a Figure. Chapter 07."""
    return diagrams.conv_window(n, f, p, s).figure


def conv_window(n=6, f=3, p=0, s=1):
    """The convolution window with sliders n, f, p, s; the figure's title is the
    output-size formula with the numbers, the caption the output size. Figure:
    ``conv_window_figure``. Chapter 07."""
    import ipywidgets as w
    controls = {"n": _int(w, "n", n, 2, 48), "f": _int(w, "f", f, 1, 7), "p": _int(w, "p", p, 0, 3),
                "s": _int(w, "s", s, 1, 5)}

    def caption(n, f, p, s):                        # the formula is the figure's title
        n_o = output_size(n, f, p, s)
        return f"the output is {n_o}×{n_o}: {n_o * n_o} positions of the {f}×{f} window"
    return _explorable(controls, conv_window_figure, caption)
