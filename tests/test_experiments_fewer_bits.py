"""Two measures behind chapter 24's claims over seeds (nnbook/experiments/fewer_bits.py):
the share of the digits MLP's weights that a batch gives no gradient, and the share of
held-out positions where a quantised model keeps float64's most likely character."""

import numpy as np

import nnbook as nb
from nnbook.experiments import fewer_bits as ch24

N_WEIGHTS = 64 * 64 + 64 + 64 * 10 + 10        # the 64-64-10 MLP's weights and biases


def test_a_batch_of_every_image_leaves_only_the_pixels_zero_in_all():
    pixels = nb.data.digits_split(flat=True).x_train
    always_zero = int((pixels == 0).all(axis=0).sum())     # the digits' empty columns
    share = ch24.no_gradient_share(np.random.default_rng(0), batch=len(pixels),
                                   n_batches=2)
    assert always_zero > 0 and share == 64 * always_zero / N_WEIGHTS


def test_one_image_per_batch_leaves_its_zero_pixels_and_the_rng_draws_the_batches():
    pixels = nb.data.digits_split(flat=True).x_train
    rng = np.random.default_rng(5)
    firsts = [rng.permutation(len(pixels))[0] for _ in range(7)]   # the same draws
    by_hand = np.mean([64 * (pixels[i] == 0).sum() for i in firsts]) / N_WEIGHTS
    share = ch24.no_gradient_share(np.random.default_rng(5), batch=1, n_batches=7)
    assert np.isclose(share, by_hand, rtol=1e-12, atol=0)
    # more images in a batch: fewer pixels are 0 in all of them
    rng = np.random.default_rng(5)
    assert ch24.no_gradient_share(rng, batch=32, n_batches=7) < share


def test_int8_keeps_more_top_characters_than_int4_and_counts_positions():
    """Seed 24 (the notebook's model), 10 windows: a count out of 160 positions."""
    int8, int4 = (ch24.top_char_agreement(24, bits=b, n_windows=10) for b in (8, 4))
    assert 0.9 < int8 <= 1 and int4 < int8
    for share in (int8, int4):
        assert np.isclose(share * 160, round(share * 160), atol=1e-9)
