"""Chapter 23's conclusion over seeds, re-run with a seed the notebook and the stored table
do not use (nnbook/experiments/ch23_serving.py): past the training window, the sliding
window keeps more sentences than the full context and fewer than inside the window."""

from nnbook.experiments import ch21_decoding as ch21
from nnbook.experiments import ch23_serving as ch23

FRESH = 31


def test_the_window_sits_between_the_full_context_and_the_inside():
    model, corpus, _ = ch21.train_model(FRESH)
    w = ch23.window_acceptance(FRESH, model, corpus)
    assert w["past, full"] < w["past, window"] < w["inside"]
