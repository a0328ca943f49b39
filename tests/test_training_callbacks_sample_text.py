"""Tests for ``nb.callbacks.SampleText`` (nnbook/inference/text.py, chapters 17–18): it
prints at the chosen epochs only, with the steps and the held-out loss, and watching does
not change what is trained."""

import numpy as np
import pytest

import nnbook as nb


def _train(capsys, watch):
    corpus = nb.data.language_corpus(2_000, rng=np.random.default_rng(0))
    x, y = nb.data.char_windows(corpus.ids, 16)
    V = len(corpus.vocab)
    r = np.random.default_rng(1)
    model = nb.Sequential([nb.Embedding(V, V, rng=r)])
    model.compile(optimizer=nb.Adam(lr=0.1), loss=nb.CrossEntropy(from_logits=True))
    callbacks = [nb.callbacks.SampleText(corpus, {1, 3}, n_chars=20)] if watch else []
    history = model.fit(x, y, epochs=3, batch_size=32, verbose=0, rng=r,
                        validation_data=(x[:8], y[:8]), callbacks=callbacks)
    return model, history, capsys.readouterr().out


def test_prints_at_the_chosen_epochs_and_changes_nothing(capsys):
    watched, history, out = _train(capsys, True)
    plain, _, quiet = _train(capsys, False)
    lines = out.splitlines()
    steps = -(-len(nb.data.char_windows(
        nb.data.language_corpus(2_000, rng=np.random.default_rng(0)).ids, 16)[0]) // 32)
    assert len(lines) == 2 and quiet == ""
    assert lines[0].startswith(f"step {steps:4}, held-out {history.history['val_loss'][0]:.2f}: ")
    assert lines[1].startswith(f"step {3 * steps:4}, held-out ")
    assert len(lines[0].split(": ", 1)[1]) == 20               # the sample, prompt left out
    for a, b in zip(watched.get_weights(), plain.get_weights()):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("epochs", [3, set(), {0, 2}, {1.5}, "12"])
def test_bad_epochs(epochs):
    corpus = nb.data.language_corpus(200, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="SampleText: expected epochs"):
        nb.callbacks.SampleText(corpus, epochs)
