"""What the diagram tests share: read an Axes' texts and font sizes, and close every
figure after each test (``from figure_helpers import close_figures, texts, min_fontsize``;
importing the fixture into a test module makes it apply there)."""

import matplotlib.pyplot as plt
import pytest


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(ax):
    return [t.get_text() for t in ax.texts]


def min_fontsize(ax):
    return min(t.get_fontsize() for t in ax.texts + [ax.title])
