"""nnbook/explore/inference.py: the decoding rules on a model's next token beside the
grammar's exact distribution, the sentence written with them and the grammar's verdict, and
the explorable."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)


@pytest.fixture(scope="module")
def lm():
    """An untrained RoPE model on the language without clauses, and its corpus."""
    r = np.random.default_rng(3)
    corpus = nb.data.language_corpus(200, rng=r, language=nb.data.Language(max_depth=0))
    V = len(corpus.vocab)
    model = nb.Sequential([nb.Embedding(V, 8, rng=r),
                           nb.TransformerBlock(8, 2, 16, norm="rmsnorm", rope=True, rng=r),
                           nb.Dense(8, V, rng=r)])
    return model, corpus


def test_decoding_probs_are_the_rules_on_the_models_logits(lm):
    model, corpus = lm
    before, after, truth = nb.explore.decoding_probs(model, corpus, "the big ", 0.5, 3, 0.9)
    z = model.predict(corpus.encode("the big ")[None])[0, -1]
    assert np.allclose(before, nb.layers.activations.softmax(z), atol=1e-12)
    assert np.allclose(after, nb.inference.next_token_probs(z, temperature=0.5, top_k=3,
                                                            top_p=0.9), atol=1e-12)
    assert (after > 0).sum() <= 3 and np.isclose(after.sum(), 1.0)
    # the grammar: after "the big " only a noun (cat, dog, bird, frog) may come
    allowed = {corpus.vocab[i] for i in np.flatnonzero(truth)}
    assert allowed == set("cdbf") and np.isclose(truth.sum(), 1.0)


def test_the_sliders_off_values_keep_every_token(lm):
    model, corpus = lm
    before, after, _ = nb.explore.decoding_probs(model, corpus, "the ", 1.0, 0, 1.0)
    assert np.allclose(before, after, atol=1e-12)
    with pytest.raises(ValueError, match="temperature must be a number ≥ 0"):
        nb.explore.decoding_probs(model, corpus, "the ", -1.0)


def test_decoding_sample_gives_the_grammar_s_verdict(lm):
    model, corpus = lm
    sentence, where = nb.explore.decoding_sample(model, corpus, "the big ", 1.0, seed=4,
                                                 n_chars=60)
    assert sentence.startswith("the big ")
    if where is None:
        assert corpus.language.accepts(sentence)
    elif where >= 0:                 # the grammar follows `where` characters, not one more
        corpus.language.nll_chars(sentence[:where])
        with pytest.raises(ValueError):
            corpus.language.nll_chars(sentence[:where + 1])
    # the same seed writes the same sentence
    assert nb.explore.decoding_sample(model, corpus, "the big ", 1.0, seed=4,
                                      n_chars=60) == (sentence, where)


def test_decoding_sample_of_a_grammar_sentence_is_accepted():
    class Writer:                    # "writes" a fixed accepted sentence, as logits
        layers = []

        def __init__(self, corpus, text):
            self.corpus, self.ids = corpus, corpus.encode(text)

        def forward(self, x, training=False):
            V = len(self.corpus.vocab)
            z = np.full(x.shape + (V,), -30.0)
            for t in range(x.shape[1]):
                if t + 1 < len(self.ids):
                    z[:, t, self.ids[t + 1]] = 30.0
            return z

        predict = forward

    corpus = nb.data.language_corpus(50, rng=np.random.default_rng(0),
                                     language=nb.data.Language(max_depth=0))
    good = Writer(corpus, "the cat runs. ")
    good.layers = [None]
    assert nb.explore.decoding_sample(good, corpus, "the ", 0, n_chars=10) == (
        "the cat runs.", None)
    bad = Writer(corpus, "the cat run. ")
    bad.layers = [None]
    assert nb.explore.decoding_sample(bad, corpus, "the ", 0, n_chars=10) == (
        "the cat run.", 11)


def test_decoding_figure_shows_the_kept_tokens(lm):
    model, corpus = lm
    fig = nb.explore.decoding_figure(model, corpus, "the big ", 1.0, top_k=2)
    ax = fig.axes[0]
    V = len(corpus.vocab)
    after = [b.get_height() for b in ax.patches[:V]]
    assert sum(h > 0 for h in after) == 2
    assert "top-k 2" in ax.get_title() and "2 tokens possible" in ax.get_title()


def test_decoding_widget_caption_follows_the_controls(lm):
    pytest.importorskip("ipywidgets")
    model, corpus = lm
    box = nb.explore.decoding(model, corpus, "the big ", temperature=1.0)
    caption = box.children[1]
    controls = {c.description: c for c in box.children[0].children}
    assert caption.value.startswith("τ = 1, top-k off, top-p off: writes")
    controls["top-k"].value = 1
    assert caption.value.startswith("τ = 1, top-k 1, top-p off: writes")
    controls["τ"].value = 0.0
    assert caption.value.startswith("τ = 0, top-k 1, top-p off")
    assert box.redraws == 3
    a, b = (nb.explore.decoding(model, corpus, "the ")._repr_mimebundle_()
            for _ in range(2))
    assert a["text/plain"] == b["text/plain"]
