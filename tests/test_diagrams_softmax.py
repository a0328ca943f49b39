"""nnbook/diagrams/softmax.py: the bars' heights are the logits and softmax(z / T)."""


import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures, texts  # noqa: E402,F401  (the fixture applies here)



# --- softmax bars -----------------------------------------------------------------------------
def test_softmax_bars_heights_and_labels():
    z = [2.0, 1.0, 0.1]
    a, b = nb.diagrams.softmax_bars(z, ["dog", "cat", "horse"], temperature=2.0)
    p = nb.softmax(np.array(z) / 2.0)
    assert np.allclose([r.get_height() for r in a.patches], z)
    assert np.allclose([r.get_height() for r in b.patches], p)
    assert [f"{v:.2f}" for v in p] == texts(b)
    assert [t.get_text() for t in b.get_xticklabels()] == ["dog", "cat", "horse"]
    assert "/ 2" in b.get_title()
    with pytest.raises(ValueError, match="softmax_bars: expected temperature > 0"):
        nb.diagrams.softmax_bars(z, temperature=0)


# --- the gallery: each diagram of nnbook/diagrams/softmax.py as the chapters draw it
# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
GALLERY = {
    "softmax_bars": [lambda: nb.diagrams.softmax_bars([2.0, 1.0, 0.1])[0]],
}
