"""nnbook/diagrams/regularisation.py: the dropout picture shows the units the masks
switched off, sample by sample."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures, min_fontsize, texts  # noqa: E402,F401  (the fixture applies here)


def test_dropout_network_draws_the_layers_masks():
    rng = np.random.default_rng(0)
    drops = [nb.Dropout(0.5, rng=rng), nb.Dropout(0.5, rng=rng)]
    net = nb.Sequential([nb.Dense(4, 6, rng=rng), nb.ReLU(), drops[0], nb.Dense(6, 5, rng=rng), nb.ReLU(),
                         drops[1], nb.Dense(5, 3, rng=rng)])
    net.set_training(True)
    net.forward(rng.normal(size=(3, 4)))
    masks = [d.mask for d in drops]
    ax = nb.diagrams.dropout_network([4, 6, 5, 3], masks)
    for i in range(3):
        gone = {(k + 1, j) for k, mk in enumerate(masks) for j in np.flatnonzero(mk[i] == 0)}
        assert set(ax.dropped[i]) == gone
        kept = sum(int((mk[i] != 0).sum()) for mk in masks)
        assert f"sample {i + 1}: {kept} of 11 hidden kept" in texts(ax)
    assert len([p for p in ax.patches if isinstance(p, Circle)]) == 3 * (4 + 6 + 5 + 3)
    edges = sum(int(a.sum() * b.sum()) for i in range(3)
                for a, b in zip([np.ones(4)] + [mk[i] != 0 for mk in masks],
                                [mk[i] != 0 for mk in masks] + [np.ones(3)]))
    crosses = sum(len(g) for g in ax.dropped)
    assert len(ax.lines) == edges + crosses                   # a connection only between kept units
    assert "kept units ×2" in ax.get_title() and min_fontsize(ax) >= 9


def test_dropout_network_checks_its_masks():
    with pytest.raises(ValueError, match="2 hidden layers in sizes .* but 1 masks"):
        nb.diagrams.dropout_network([3, 4, 4, 2], [np.ones((2, 4))])
    with pytest.raises(ValueError, match=r"mask 1 has shape \(2, 3\), expected \(2, 4\)"):
        nb.diagrams.dropout_network([3, 4, 4, 2], [np.ones((2, 4)), np.ones((2, 3))])
    with pytest.raises(ValueError, match="readable up to 10 units"):
        nb.diagrams.dropout_network([3, 40, 2], [np.ones((1, 40))])


# --- the gallery: each diagram of nnbook/diagrams/regularisation.py as the chapters draw it
# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
GALLERY = {
    "dropout_network": [lambda: nb.diagrams.dropout_network(
        [3, 4, 2], [np.array([[2.0, 0, 2, 0], [0, 2, 2, 2]])])],
}
