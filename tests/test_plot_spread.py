"""nnbook/plot/spread.py: nb.plot.seeds draws every seed's value and the mean."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import nnbook as nb
from nnbook.experiments.seeds import SeedTable


def test_plot_draws_a_point_per_seed_and_a_mean_bar():
    table = SeedTable([0, 1, 2], ["x", "y"], [[1, 2], [2, 3], [3, 7]])
    ax = nb.plot.seeds(table, connect=True, ylabel="loss")
    points = [c.get_offsets() for c in ax.collections if c.get_offsets().shape[0] == 3]
    assert len(points) == 2
    np.testing.assert_allclose(points[1][:, 1], [2, 3, 7])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x", "y"]
    assert "3 seeds" in ax.get_title() and ax.get_ylabel() == "loss"
    with pytest.raises(ValueError, match="1 labels for 2 columns"):
        nb.plot.seeds(table, labels=["only"])
    plt.close("all")
