"""nnbook/experiments/experts.py (chapter 33): the mutual information and its plug-in bias,
the multiplications counted, the labels aligned with the held-out inputs. Each check names,
in a comment, the mistake it catches."""

import math

import numpy as np

from nnbook.experiments import experts as ex


def test_mutual_information_of_copies_independence_and_its_bias():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 4, 20_000)
    mi, h, bias = ex.mutual_information(a, a)
    # a copy: I = H(a) ≈ 2 bits (a formula in nats, or H(a, b) counted wrong, fails)
    assert abs(mi - h) < 1e-9 and abs(h - 2) < 0.01
    b = rng.integers(0, 5, 20_000)
    mi, _, bias = ex.mutual_information(a, b)
    # independent: the plug-in is small and positive, about Miller–Madow's (|a|−1)(|b|−1)
    # / (2 N ln 2); a bias formula without the ln 2 or the 2 is off by a factor above 1.4
    assert bias == 3 * 4 / (2 * 20_000 * math.log(2))
    assert 0 < mi < 4 * bias


def test_multiplications_are_the_weights_a_token_uses():
    # catches counting all E experts as active, or the router left out
    d, f = ex.D_MODEL, ex.D_FF
    assert ex.multiplications("dense 85") == 2 * 3 * d * f
    assert ex.multiplications("MoE, bias") == 2 * (3 * d * f + d * ex.N_EXPERTS)


def test_the_labels_describe_the_character_each_input_reads():
    data = ex.setup(0)
    labels = ex.labels(data)
    vocab = list(data["val"].language.vocab)
    x = data["x_val"]
    # catches labels shifted by one (describing the target instead of the input)
    assert np.array_equal(labels["class"] == 2, x == vocab.index("("))
    assert np.array_equal(labels["class"] == 3, x == vocab.index(")"))
    assert labels["depth"].shape == x.shape
    assert np.all(labels["depth"][x == vocab.index("(")] >= 1)
