"""nnbook/explore/sampling.py (chapter 18): the next character's probabilities beside
the grammar's, and the temperature slider."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import attention_model, close_figures  # noqa: E402,F401  (the fixture applies here)

@pytest.fixture(scope="module")
def setup():
    return attention_model()


def test_next_char_against_the_grammar(setup):
    model, corpus = setup
    p, truth = nb.explore.next_char_probs(model, corpus, "the cats ", 0.5)
    assert np.isclose(p.sum(), 1) and np.isclose(truth.sum(), 1)
    allowed = {corpus.vocab[i] for i in np.flatnonzero(truth)}
    assert allowed == {"(", "t", "c", "h", "j", "l", "r", "s"}      # a clause, or a plural verb
    p_hot, _ = nb.explore.next_char_probs(model, corpus, "the cats ", 0.1)
    assert p_hot.max() > p.max()                                      # colder: sharper
    fig = nb.explore.next_char_figure(model, corpus, "the cats ", 0.5)
    assert fig.axes[0].get_title() == "after 'the cats '"
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["model, τ = 0.5", "the grammar (exact)"]
    plt.close(fig)
    with pytest.raises(ValueError, match="expected a temperature > 0, got 0"):
        nb.explore.next_char_probs(model, corpus, "the ", 0)


def test_the_temperature_slider_redraws(setup):
    pytest.importorskip("ipywidgets")
    model, corpus = setup
    box = nb.explore.next_char(model, corpus, "a dog ")
    slider = box.children[0].children[0]
    assert slider.description == "τ" and box.redraws == 1 and "τ = 1:" in box.children[1].value
    slider.value = 0.3
    assert box.redraws == 2 and "τ = 0.3:" in box.children[1].value and not plt.get_fignums()
