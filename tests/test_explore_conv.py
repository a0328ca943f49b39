"""nnbook/explore/conv.py: the figure is the diagram's, and an impossible setting
shows the error instead of crashing the widget."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)

def test_conv_window_figure_has_the_formula():
    assert nb.explore.conv_window_figure(44, 3, 0, 4).axes[0].get_title().endswith("= 11")


def test_invalid_conv_settings_show_the_error_not_a_crash():
    pytest.importorskip("ipywidgets")
    box = nb.explore.conv_window(n=4, f=3)
    png = bytes(box.children[2].value)
    controls = {c.description: c for c in box.children[0].children}
    controls["f"].value = 7                                          # 7 > 4 + 2·0
    assert "output_size: the window f=7 is larger" in box.children[1].value
    assert bytes(box.children[2].value) == png                       # the last good figure stays
