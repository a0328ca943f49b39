"""The machinery and look every explorable of nnbook/explore/ shares: the controls, the
caption and the figure as a PNG, redrawn when a control moves, and the curves' colours."""

from __future__ import annotations

import html
from io import BytesIO

import matplotlib.pyplot as plt

DPI = 96               # an explorable's figure; animation.py passes its own
LINE = "#1f77b4"       # curves
PATH = "#d62728"       # iterates, markers


def _png(fig, dpi=DPI):
    """The figure as PNG bytes; the figure is closed."""
    buf = BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


def _explorable(controls, figure, caption, *, dpi=DPI, width=None):
    """A VBox of the controls, a caption (HTML) and the figure (a PNG in an Image, so no
    output messages while a cell runs); every change of a control redraws both. The box's
    text/plain repr depends only on the controls' values, so a stored notebook passes nbval
    at the defaults. ``box.redraws`` counts the redraws (for tests). ``dpi`` is the PNG's
    resolution; ``width`` (CSS, e.g. "420px") fixes the image's shown width, its height
    following the PNG's aspect, so that a PNG drawn at a high dpi is shown sharp and not
    stretched to the box's width."""
    import ipywidgets as w

    image = w.Image(format="png", layout=w.Layout(width="auto") if width is None else
                    w.Layout(width=width, height="auto", align_self="flex-start",
                             object_fit="contain"))
    text = w.HTML()
    box = w.VBox([w.HBox(list(controls.values()), layout=w.Layout(flex_flow="row wrap")), text, image])
    box.redraws = 0

    def redraw(_change=None):
        params = {k: c.value for k, c in controls.items()}
        try:
            image.value = _png(figure(**params), dpi=dpi)
            text.value = html.escape(caption(**params))
        except ValueError as exc:                     # e.g. a window larger than the input
            text.value = f"<span style='color:#c0392b'>{html.escape(str(exc))}</span>"
        box.redraws += 1

    for c in controls.values():
        c.observe(redraw, names="value")
    redraw()
    return box


def _int(w, description, value, low, high, step=1):
    return w.IntSlider(value=value, min=low, max=high, step=step, description=description,
                       continuous_update=False)


def _float(w, description, value, low, high, step):
    return w.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                         continuous_update=False, readout_format=".2f")
