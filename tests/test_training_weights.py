"""What a model holds (nnbook/training/weights.py): live parameters and gradients under
file keys, copies in and out, and the (parameter, gradient) pairs the optimizer steps."""

import numpy as np
import pytest

import nnbook as nb


def model(dtype=np.float64):
    rng = np.random.default_rng(0)
    m = nb.Sequential([nb.Dense(3, 4, rng=rng, dtype=dtype), nb.ReLU(),
                       nb.Dense(4, 2, rng=rng, dtype=dtype)])
    m.compile(nb.SGD(lr=0.1), "mse")
    return m


def test_params_and_grads_are_the_layers_own_arrays_under_file_keys():
    m = model()
    assert list(m.params) == ["0.W", "0.b", "2.W", "2.b"] == list(m.grads)
    assert m.params["2.W"] is m.layers[2].params["W"]          # live, not copies
    assert m.grads["0.b"] is m.layers[0].grads["b"]
    assert m.count_params() == 3 * 4 + 4 + 4 * 2 + 2 == 26


def test_dtype_is_the_parameters_and_float64_without_any():
    assert model(np.float32).dtype == np.float32
    assert nb.Sequential([nb.ReLU()]).dtype == np.float64


def test_set_weights_copies_in_place_and_refuses_a_wrong_shape():
    m = model()
    W = m.layers[0].params["W"]
    new = [np.full_like(a, 0.5) for a in m.get_weights()]
    m.set_weights(new)
    assert m.layers[0].params["W"] is W and np.all(W == 0.5)   # same array, new values
    new[0] = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"set_weights"):
        m.set_weights(new)
    assert np.all(W == 0.5)


def test_gradient_pairs_skip_frozen_layers_and_frozen_params():
    m = model()
    m.train_step(np.ones((5, 3)), np.zeros((5, 2)))
    assert [p.shape for p, _ in m.gradient_pairs()] == [(3, 4), (4,), (4, 2), (2,)]
    m.layers[0].trainable = False
    pairs = m.gradient_pairs()
    assert [p is m.layers[2].params[k] for (p, _), k in zip(pairs, "Wb")] == [True, True]
    assert len(pairs) == 2


def test_gradient_pairs_read_a_gradient_assigned_anew_and_check_its_shape():
    m = model()
    m.train_step(np.ones((5, 3)), np.zeros((5, 2)))
    fresh = np.ones((4, 2))
    m.layers[2].grads["W"] = fresh                   # a backward may assign new arrays
    assert any(g is fresh for _, g in m.gradient_pairs())
    m.layers[2].grads["W"] = [[1.0, 2.0]] * 4        # a list of the right shape: an array
    g = dict((id(p), g) for p, g in m.gradient_pairs())[id(m.layers[2].params["W"])]
    assert isinstance(g, np.ndarray) and g.shape == (4, 2)
    m.layers[2].grads["W"] = np.ones((5, 4, 2))      # per sample, not summed
    with pytest.raises(ValueError, match=r"layer 2 \(Dense\): grads\['W'\] has shape "
                                         r"\(5, 4, 2\), expected \(4, 2\).*Sum over the batch"):
        m.gradient_pairs()
