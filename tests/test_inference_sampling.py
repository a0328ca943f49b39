"""The decoding rules of chapter 21 (nb.inference): greedy, temperature, top-k and top-p on
distributions the test controls, hand-computed; ties at the cuts; sampling frequencies and
reproducibility; every message."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.inference import (apply_temperature, next_token_probs, sample_next, top_k_filter,
                              top_p_filter)

P = np.array([0.1, 0.4, 0.2, 0.3])


def test_temperature_one_is_the_softmax_and_zero_is_greedy():
    z = np.log(P)
    assert np.allclose(apply_temperature(z, 1.0), P, atol=1e-15)
    assert np.array_equal(apply_temperature(z, 0), [0.0, 1.0, 0.0, 0.0])
    # ties under greedy: the first arg-max
    assert np.array_equal(apply_temperature(np.array([[1.0, 3.0, 3.0]]), 0), [[0, 1, 0]])


def test_temperature_sharpens_and_flattens_by_hand():
    z = np.log(P)
    half = P ** 2 / (P ** 2).sum()                       # T = 1/2 squares the probabilities
    assert np.allclose(apply_temperature(z, 0.5), half, atol=1e-15)
    assert np.allclose(apply_temperature(z, 1e6), np.full(4, 0.25), atol=1e-6)
    assert np.isclose(apply_temperature(z, 0.5)[1], 0.16 / 0.30, atol=1e-15)


def test_top_k_keeps_the_k_most_probable_renormalised():
    assert np.allclose(top_k_filter(P, 2), [0, 0.4 / 0.7, 0, 0.3 / 0.7], atol=1e-15)
    assert np.array_equal(top_k_filter(P, 1), [0.0, 1.0, 0.0, 0.0])
    assert np.allclose(top_k_filter(P, 10), P, atol=1e-15)
    # a batch: each row its own cut
    rows = top_k_filter(np.array([P, P[::-1]]), 1)
    assert np.array_equal(rows, [[0, 1, 0, 0], [0, 0, 1, 0]])


def test_top_k_ties_keep_the_lower_ids():
    # 0.4 first, then the three 0.2 tie: id 0 is kept, ids 2 and 3 are cut
    assert np.allclose(top_k_filter(np.array([0.2, 0.4, 0.2, 0.2]), 2), [1 / 3, 2 / 3, 0, 0],
                       atol=1e-15)


def test_top_p_keeps_the_smallest_set_reaching_p():
    # sorted: 0.4 (id 1), 0.3 (id 3), 0.2 (id 2), 0.1 (id 0)
    assert np.array_equal(top_p_filter(P, 0.4), [0, 1, 0, 0])            # 0.4 reaches 0.4
    assert np.allclose(top_p_filter(P, 0.41), [0, 4 / 7, 0, 3 / 7], atol=1e-15)
    assert np.allclose(top_p_filter(P, 0.7), [0, 4 / 7, 0, 3 / 7], atol=1e-15)   # 0.4 + 0.3
    assert np.allclose(top_p_filter(P, 0.9), [0, 4 / 9, 2 / 9, 3 / 9], atol=1e-15)
    assert np.allclose(top_p_filter(P, 1.0), P, atol=1e-15)
    assert np.array_equal(top_p_filter(P, 1e-9), [0, 1, 0, 0])           # always one token


def test_top_p_ties_at_the_cut_keep_the_lower_ids_and_stop():
    q = np.array([0.25, 0.25, 0.25, 0.25])
    assert np.array_equal(top_p_filter(q, 0.5), [0.5, 0.5, 0, 0])
    assert np.allclose(top_p_filter(q, 0.6), [1 / 3, 1 / 3, 1 / 3, 0], atol=1e-15)


def test_next_token_probs_applies_temperature_then_top_k_then_top_p():
    z = np.log(P)
    p = next_token_probs(z, temperature=0.5, top_k=3, top_p=0.8)
    # T = 1/2: 0.16, 0.09, 0.04 (÷ 0.30) for ids 1, 3, 2; top 3 keeps them (÷ 0.29);
    # top-p 0.8: 16/29 = 0.55 < 0.8, + 9/29 = 0.86 ≥ 0.8: ids 1 and 3, renormalised
    assert np.allclose(p, [0, 16 / 25, 0, 9 / 25], atol=1e-15)
    assert np.array_equal(next_token_probs(z, temperature=0, top_p=0.5), [0, 1, 0, 0])


def test_sample_next_matches_the_distribution_and_is_reproducible():
    rng = np.random.default_rng(0)
    z = np.tile(np.log(P), (20000, 1))
    ids = sample_next(z, rng, top_k=3)
    freq = np.bincount(ids, minlength=4) / len(ids)
    assert freq[0] == 0.0
    assert np.allclose(freq, [0, 4 / 9, 2 / 9, 3 / 9], atol=0.015)
    again = sample_next(z, np.random.default_rng(0), top_k=3)
    assert np.array_equal(ids, again)


def test_sample_next_never_draws_a_zero_probability_token():
    # a draw at the very top of [0, 1) must still land on a possible token
    class Top(np.random.Generator):
        def random(self, size=None):
            return np.full(size, 1 - 2 ** -53)
    rng = Top(np.random.PCG64(0))
    assert sample_next(np.log([0.5, 0.5, 1e-300])[None] + [[0, 0, -np.inf]], rng)[0] == 1


def test_greedy_sampling_draws_nothing():
    rng = np.random.default_rng(1)
    state = rng.bit_generator.state
    assert np.array_equal(sample_next(np.array([[0.0, 2.0, 1.0], [5.0, 0.0, 0.0]]), rng,
                                      temperature=0), [1, 0])
    assert rng.bit_generator.state == state


def test_the_names_are_in_nb_inference():
    assert nb.inference.top_p_filter is top_p_filter


@pytest.mark.parametrize("kwargs, message", [
    ({"temperature": -0.5}, r"next_token_probs: temperature must be a number ≥ 0, got -0.5\. "
                            r"Use temperature=0 for greedy"),
    ({"temperature": float("inf")}, r"temperature must be a number ≥ 0"),
    ({"temperature": "hot"}, r"temperature must be a number ≥ 0"),
    ({"top_k": 0}, r"next_token_probs: top_k must be an integer ≥ 1 or None, got 0\. Pass e\.g\."),
    ({"top_k": 2.5}, r"top_k must be an integer ≥ 1"),
    ({"top_k": True}, r"top_k must be an integer ≥ 1"),
    ({"top_p": 0}, r"next_token_probs: top_p must be a number in \(0, 1\] or None, got 0\. "),
    ({"top_p": 1.5}, r"top_p must be a number in \(0, 1\]"),
    ({"top_p": -0.1}, r"top_p must be a number in \(0, 1\]"),
])
def test_bad_arguments_name_the_fix(kwargs, message):
    with pytest.raises(ValueError, match=message):
        next_token_probs(np.zeros(3), **kwargs)


def test_bad_arrays_and_rng_name_the_fix():
    with pytest.raises(ValueError, match=r"apply_temperature: expected logits as a numeric "
                                         r"array \(V,\) or \(m, V\).*logits\[:, -1\]"):
        apply_temperature(np.float64(1.0), 1.0)
    with pytest.raises(ValueError, match=r"apply_temperature: logits contain NaN"):
        apply_temperature(np.array([0.0, np.nan]), 1.0)
    with pytest.raises(ValueError, match=r"top_k_filter: expected probabilities.*"
                                         r"next_token_probs\(logits\) for logits"):
        top_k_filter(np.array([1.0, 2.0]), 1)
    with pytest.raises(ValueError, match=r"top_p_filter: expected probabilities"):
        top_p_filter(np.array([0.5, -0.5, 1.0]), 0.5)
    with pytest.raises(ValueError, match=r"sample_next: rng must be a np\.random\.Generator.*"
                                         r"default_rng"):
        sample_next(np.zeros(3), 0)


@pytest.mark.parametrize("rules", [dict(), dict(temperature=0.5), dict(temperature=3.0),
                                   dict(top_k=2), dict(top_p=0.9), dict(temperature=0)])
def test_an_infinite_logit_is_the_limit_it_stands_for(rules):
    """+inf against finite logits is the limit z → ∞: all the mass on that token (shared
    equally by several +inf); −inf is a token of probability 0. It used to give NaN
    probabilities and draw token 0."""
    z = np.array([[0.0, np.inf, 1.0, -np.inf], [2.0, 1.0, -np.inf, 0.0]])
    p = next_token_probs(z, **rules)
    assert np.array_equal(p[0], [0.0, 1.0, 0.0, 0.0]) and p[1, 2] == 0.0
    assert np.isfinite(p).all() and np.allclose(p.sum(-1), 1.0)
    rng = np.random.default_rng(0)
    drawn = np.array([sample_next(z, rng, **rules) for _ in range(50)])
    assert (drawn[:, 0] == 1).all() and (drawn[:, 1] != 2).all()
    two = np.array([np.inf, 0.0, np.inf])
    if rules.get("temperature") != 0:
        assert np.array_equal(next_token_probs(two, **rules), [0.5, 0.0, 0.5])
        assert set(sample_next(np.tile(two, (200, 1)), rng, **rules)) == {0, 2}


def test_a_row_of_only_minus_infinite_logits_is_refused():
    """No token is possible: there is no distribution to draw from (it drew token 0)."""
    z = np.array([[0.0, 1.0], [-np.inf, -np.inf]])
    for call in (lambda: next_token_probs(z), lambda: next_token_probs(z, temperature=0),
                 lambda: sample_next(z, np.random.default_rng(0))):
        with pytest.raises(ValueError, match=r"row 1 of the logits is −inf everywhere.*no "
                                             r"token"):
            call()


def test_the_function_generate_does_not_hide_its_module():
    """``nnbook.inference.generate`` is the function (as ``nb.generate``); its module has a
    name of its own, so both are reachable."""
    import importlib
    import inspect
    assert nb.inference.generate is nb.generate and inspect.isfunction(nb.generate)
    module = importlib.import_module("nnbook.inference.generation")
    assert module.generate is nb.generate
