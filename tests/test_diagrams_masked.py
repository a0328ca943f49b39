"""The diagram of chapter 28: a masked window and, under each hidden position, its most
likely characters from the conditionals given, the true one marked; and its errors."""

import numpy as np
import pytest
from figure_helpers import boxes, close_figures, texts  # noqa: F401

import nnbook as nb

VOCAB = list(" abc.")


def bars(ax, label):
    return [p for p in ax.patches if p.get_label() == label]


def test_masked_positions_get_their_top_characters_to_scale():
    window, mask = "ab c.", np.array([False, True, False, True, False])
    q = np.array([[0.1, 0.2, 0.6, 0.1, 0.0],       # position 1 (truth 'b', 0.6)
                  [0.0, 0.05, 0.05, 0.5, 0.4]])    # position 3 (truth 'c', 0.5)
    ax = nb.diagrams.masked_window(window, mask, q, VOCAB, top=2)
    assert len(boxes(ax, "masked")) == 2 and len(boxes(ax, "visible")) == 3
    truth = sorted(b.get_width() for b in bars(ax, "truth"))
    other = sorted(b.get_width() for b in bars(ax, "bar"))
    assert np.allclose(truth, [0.5 * 1.2, 0.6 * 1.2]) and np.allclose(other, [0.2 * 1.2, 0.4 * 1.2])
    shown = texts(ax)
    assert shown.count("■") == 2 and "␣" in shown and "0.60" in shown and "0.40" in shown


def test_characters_of_probability_0_are_left_out():
    q = np.array([[0.0, 0.0, 1.0, 0.0, 0.0]])
    ax = nb.diagrams.masked_window("abc", np.array([False, True, False]), q, VOCAB, top=3)
    assert len(bars(ax, "truth")) == 1 and bars(ax, "bar") == [] and "0.00" not in texts(ax)


def test_the_oracle_on_a_window_of_the_language():
    lang = nb.data.Language(max_depth=0)
    vocab = list(lang.vocab)
    window = "the big bi"
    ids = np.array([vocab.index(ch) for ch in window])
    mask = np.zeros(len(window), bool)
    mask[[1, 4, 5, 8]] = True
    q = nb.data.masked_conditionals(lang, ids, mask)
    ax = nb.diagrams.masked_window(window, mask, q, vocab, top=3)
    shown = [(q[i] > 0).sum() for i in range(4)]
    assert len(bars(ax, "truth")) == 4 and len(bars(ax, "bar")) == sum(min(n, 3) for n in shown) - 4


def test_bad_input():
    q = np.full((1, 5), 0.2)
    with pytest.raises(ValueError, match="masked_window: expected window to be a non-empty string"):
        nb.diagrams.masked_window("", np.array([], bool), q, VOCAB)
    with pytest.raises(ValueError, match="masked_window: expected mask, a boolean array"):
        nb.diagrams.masked_window("abc", np.array([0, 1, 0]), q, VOCAB)
    with pytest.raises(ValueError, match=r"masked_window: expected conditionals of shape \(1, 5\)"):
        nb.diagrams.masked_window("abc", np.array([False, True, False]), q[:, :4], VOCAB)
    with pytest.raises(ValueError, match="pass probabilities, not logits"):
        nb.diagrams.masked_window("abc", np.array([False, True, False]), q * 3, VOCAB)
    with pytest.raises(ValueError, match="masked_window: expected top"):
        nb.diagrams.masked_window("abc", np.array([False, True, False]), q, VOCAB, top=0)


# --- the gallery: each diagram of nnbook/diagrams/masked.py as the chapters draw it
# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
GALLERY = {
    "masked_window": [lambda: nb.diagrams.masked_window(
        "ab c.ab c.ab", np.arange(12) % 3 == 1, np.full((4, 5), 0.2), list(" abc."))],
}
