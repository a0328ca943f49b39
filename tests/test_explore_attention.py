"""nnbook/explore/attention.py (chapter 17): ``attention_of`` reads the model's weights,
the static figure marks the query, a control moves the query (and the layer), the
caption names where each head looks, and bad arguments are errors that say what exists."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import attention_model, close_figures  # noqa: E402,F401  (the fixture applies here)

TEXT = "the cats (that run) sleep."


@pytest.fixture(scope="module")
def setup():
    return attention_model()


def test_attention_of_gives_each_layers_weights(setup):
    model, corpus = setup
    weights = nb.explore.attention_of(model, corpus, TEXT)
    T = len(TEXT)
    assert [w.shape for w in weights] == [(2, T, T), (2, T, T)]
    assert np.allclose(weights[1].sum(axis=-1), 1.0) and not np.triu(weights[1], 1).any()
    with pytest.raises(ValueError, match="the model has no attention layer"):
        nb.explore.attention_of(nb.Sequential([nb.Embedding(len(corpus.vocab), 4)]), corpus, TEXT)


def test_the_static_figure_marks_the_query(setup):
    model, corpus = setup
    fig = nb.explore.attention_query_figure(model, corpus, TEXT, query=9, block=1)
    ax = fig.axes[0]
    assert "layer 2: where position 9 ('(') looks" in ax.get_title()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["head 1", "head 2"]
    assert len(ax.get_xticklabels()) == len(TEXT) and ax.get_xticklabels()[3].get_text() == "␣"
    data = ax.images[0].get_array()
    assert data.mask[:, 10:].all() and not data.mask[:, :10].any()       # later positions gray
    plt.close(fig)
    with pytest.raises(ValueError, match=r"query 40 is outside the text's 26 positions, 0 … 25"):
        nb.explore.attention_query_figure(model, corpus, TEXT, query=40)
    with pytest.raises(ValueError, match=r"block 2 does not exist; the model has 2 attention layer\(s\), 0 … 1"):
        nb.explore.attention_query_figure(model, corpus, TEXT, block=2)


def test_moving_the_query_redraws(setup):
    pytest.importorskip("ipywidgets")
    model, corpus = setup
    box = nb.explore.attention_query(model, corpus, TEXT, query=5)
    controls = {c.description: c for c in box.children[0].children}
    assert set(controls) == {"query", "layer"} and controls["query"].max == len(TEXT) - 1
    caption, image = box.children[1], box.children[2]
    before = bytes(image.value)
    assert box.redraws == 1 and "query 5 (&#x27;a&#x27;), layer 1: head 1 → " in caption.value
    controls["query"].value = 12
    controls["layer"].value = 1
    assert box.redraws == 3 and bytes(image.value) != before and "query 12" in caption.value
    assert "layer 2" in caption.value and not plt.get_fignums()
    a = nb.explore.attention_query(model, corpus, TEXT)._repr_mimebundle_()["text/plain"]
    b = nb.explore.attention_query(model, corpus, TEXT)._repr_mimebundle_()["text/plain"]
    assert a == b and a.startswith("VBox(children=(HBox(children=(")
