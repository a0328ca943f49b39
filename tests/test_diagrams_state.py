"""nnbook/diagrams/state.py: the three maps are S, the write and S after, on one scale, and
the read-back errors below are those of the delta rule (0 with β = 1 and a unit key)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures, texts  # noqa: E402,F401  (the fixture applies here)


def test_the_maps_are_the_state_the_write_and_the_result():
    S = np.array([[0.5, 0.2], [0.0, -0.4]])
    k, v = np.array([0.6, 0.8]), np.array([1.0, -1.0])
    axes = nb.diagrams.state_write(S, k, v, beta=1.0)
    maps = [ax.images[0].get_array() for ax in axes]
    write = np.outer(v - S @ k, k)
    assert np.allclose(maps[0], S) and np.allclose(maps[1], write)
    assert np.allclose(maps[2], S + write)
    assert len({ax.images[0].get_clim() for ax in axes}) == 1           # one colour scale
    assert "0.00 after" in axes[1].get_xlabel()                # v written exactly
    hebb = nb.diagrams.state_write(S, k, v, rule="hebbian")
    assert np.allclose(hebb[1].images[0].get_array(), np.outer(v, k))
    assert "Hebbian" in hebb[1].get_title()


def test_errors():
    with pytest.raises(ValueError, match=r"state_write: expected S \(d_v, d_k\)"):
        nb.diagrams.state_write(np.eye(2), [1.0, 0.0, 0.0], [1.0, 0.0])
    with pytest.raises(ValueError, match="rule='delta' or 'hebbian'"):
        nb.diagrams.state_write(np.eye(2), [1.0, 0.0], [1.0, 0.0], rule="oja")


# --- the gallery: each diagram of nnbook/diagrams/state.py as the chapters draw it
# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
GALLERY = {
    "state_write": [lambda: nb.diagrams.state_write(np.eye(3) * 0.5, [1.0, 0, 0], [0, 1.0, 0])[0],
                    lambda: nb.diagrams.state_write(np.zeros((8, 8)), np.ones(8) / 8 ** 0.5,
                                                    np.arange(8.0), rule="hebbian")[0]],
}
