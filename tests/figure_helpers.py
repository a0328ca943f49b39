"""What the figure tests share: close every figure after each test, and read an Axes'
texts, font sizes, circles, labelled patches and arrows (``from figure_helpers import
close_figures, texts, …``; importing the fixture into a test module makes it apply there)."""

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_rgba
from matplotlib.patches import Circle
from matplotlib.text import Annotation


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(ax):
    return [t.get_text() for t in ax.texts]


def min_fontsize(ax):
    return min(t.get_fontsize() for t in ax.texts + [ax.title])


def circles(ax):
    return [p for p in ax.patches if isinstance(p, Circle)]


def boxes(ax, label="box"):
    """The patches drawn with this label (``_box``'s ``tag``)."""
    return [p for p in ax.patches if p.get_label() == label]


def arrows(ax, color=None):
    """The arrows (annotations) of ``ax``, or those drawn in ``color``."""
    found = [c for c in ax.get_children() if isinstance(c, Annotation)]
    if color is None:
        return found
    return [a for a in found if to_rgba(a.arrow_patch.get_edgecolor()) == to_rgba(color)]


def attention_model():
    """An untrained model with two attention layers on the generated language, and its
    corpus: ``(model, corpus)`` for the explorables of chapters 17–18."""
    import numpy as np

    import nnbook as nb

    rng = np.random.default_rng(0)
    corpus = nb.data.language_corpus(200, rng=rng)
    V = len(corpus.vocab)
    model = nb.Sequential([nb.Embedding(V, 8, rng=rng), nb.PositionalEmbedding(32, 8, rng=rng),
                           nb.TransformerBlock(8, 2, 16, rng=rng),
                           nb.MultiHeadAttention(8, 2, causal=True, rng=rng), nb.Dense(8, V, rng=rng)])
    return model, corpus
