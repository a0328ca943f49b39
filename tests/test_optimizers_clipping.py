"""``nb.clip_grad_norm`` (nnbook/optimizers/clipping.py): the joint norm by hand, arrays scaled
in place only above the bound, the same step as an optimizer's ``global_clipnorm``, PyTorch's
``clip_grad_norm_`` when installed, and every message."""

import math

import numpy as np
import pytest

import nnbook as nb


def test_by_hand_in_place_and_only_above_the_bound():
    a, b = np.array([3.0, 0.0]), np.array([[0.0], [4.0]])
    assert nb.clip_grad_norm([a, b], 10.0) == 5.0                 # √(9 + 16): below, kept
    assert np.array_equal(a, [3.0, 0.0]) and np.array_equal(b, [[0.0], [4.0]])
    grads = {"0.W": a, "0.b": b}
    assert nb.clip_grad_norm(grads, 1.0) == 5.0
    np.testing.assert_allclose(a, [0.6, 0.0], rtol=1e-15)
    np.testing.assert_allclose(b, [[0.0], [0.8]], rtol=1e-15)
    assert grads["0.W"] is a
    assert math.isclose(nb.clip_grad_norm([a, b], 1.0), 1.0, rel_tol=1e-15)


def test_the_same_step_as_global_clipnorm():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 4)), rng.standard_normal((16, 2))
    models = []
    for clip_by_hand in (False, True):
        model = nb.Sequential([nb.Dense(4, 8, rng=np.random.default_rng(1)), nb.Tanh(),
                               nb.Dense(8, 2, rng=np.random.default_rng(2))])
        model.compile(nb.SGD(0.1) if clip_by_hand else nb.SGD(0.1, global_clipnorm=0.05), "mse")
        model.compute_gradients(x, y)
        if clip_by_hand:
            assert nb.clip_grad_norm(model.grads, 0.05) > 0.05
        model.optimizer.step(model.gradient_pairs())
        models.append(model)
    for p, q in zip(models[0].get_weights(), models[1].get_weights()):
        np.testing.assert_allclose(p, q, rtol=0, atol=1e-15)


def test_pytorchs_clip_grad_norm_agrees():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    grads = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    params = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = torch.tensor(g)
    expected = float(torch.nn.utils.clip_grad_norm_(params, 0.5))
    assert math.isclose(nb.clip_grad_norm(grads, 0.5), expected, rel_tol=1e-14)
    for p, g in zip(params, grads):          # PyTorch divides by ‖g‖ + 1e-6
        np.testing.assert_allclose(g, p.grad.numpy(), rtol=1e-5)


@pytest.mark.parametrize("grads, max_norm, message", [
    (np.ones(3), 1.0, r"clip_grad_norm: expected a list \(or dict\) of float gradient arrays, "
                      r"got ndarray"),
    ([np.ones(3, dtype=int)], 1.0, r"expected a list \(or dict\) of float gradient arrays"),
    ([np.ones(3)], 0.0, r"clip_grad_norm: expected max_norm > 0, got 0\.0"),
    ([np.ones(3)], float("inf"), r"expected max_norm > 0"),
    ([np.array([1.0, np.nan])], 1.0, r"clip_grad_norm: the gradients' norm is nan"),
])
def test_bad_arguments_are_refused(grads, max_norm, message):
    with pytest.raises(ValueError, match=message):
        nb.clip_grad_norm(grads, max_norm)
