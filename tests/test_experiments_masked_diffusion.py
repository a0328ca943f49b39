"""Chapter 28's left-to-right score, ``md.left_to_right_nll``: the masked denoiser read in
one order only, each character scored with the ones before it visible and itself and the
ones after it hidden."""

import math

import numpy as np

import nnbook as nb
from nnbook.experiments import masked_diffusion as md


def test_with_the_oracle_it_is_minus_log_p_of_the_window():
    """The chain rule in one order: exact to round-off, on windows of a new text."""
    ids = nb.data.language_corpus(400, rng=np.random.default_rng(2801)).ids
    windows = np.stack([ids[s:s + md.T] for s in range(10, 330, 16)])      # (20, 8)
    got = md.left_to_right_nll(md.oracle, windows)
    assert got.shape == (20,)
    assert np.abs(got + nb.data.window_log_prob(md.LANGUAGE, windows)).max() < 1e-12


def test_each_character_is_scored_with_exactly_the_ones_before_it_visible():
    """A denoiser that gives character 0 the probability (j + 1) / (T + 1) when j
    characters of the window are visible: the score is Σ_t −log((t + 1) / (T + 1)), by
    hand. A mask one position off, or the scored character left visible, moves every j."""
    T = 5

    def counting(ids, mask):                   # (n_masked, V), rows in ids[mask] order
        visible = (~mask).sum(axis=1)
        p0 = (np.repeat(visible, mask.sum(axis=1)) + 1) / (T + 1)
        return np.stack([p0, (1 - p0) / 2, (1 - p0) / 2], axis=1)

    got = md.left_to_right_nll(counting, np.zeros((2, T), dtype=np.int64))
    by_hand = sum(-math.log((t + 1) / (T + 1)) for t in range(T))
    assert np.allclose(got, by_hand, rtol=0, atol=1e-12)
