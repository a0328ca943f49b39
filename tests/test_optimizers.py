"""Tests of nnbook/optimizers.py: SGD, momentum, clipping and Adam steps by
hand, in-place updates, validation."""

import math

import numpy as np
import pytest

import nnbook as nb
from nnbook.optimizers import get_optimizer


def one_step(opt, w, g):
    w, g = np.array(w, dtype=float), np.array(g, dtype=float)
    opt.step([(w, g)])
    return w


# SGD ---------------------------------------------------------------------------------------------
def test_sgd_one_step_by_hand():
    # w ← w − lr g = [1, 2] − 0.1 [0.5, −1]
    np.testing.assert_allclose(one_step(nb.SGD(lr=0.1), [1.0, 2.0], [0.5, -1.0]), [0.95, 2.1])


def test_sgd_momentum_two_steps_by_hand():
    opt = nb.SGD(lr=0.1, momentum=0.9)
    w = np.array([1.0, 2.0])
    g = np.array([0.5, -1.0])
    opt.step([(w, g)])             # v = −0.1 g = [−0.05, 0.1];  w = [0.95, 2.1]
    np.testing.assert_allclose(w, [0.95, 2.1])
    g[...] = [1.0, 1.0]            # v = 0.9 v − 0.1 g = [−0.145, −0.01]
    opt.step([(w, g)])
    np.testing.assert_allclose(w, [0.95 - 0.145, 2.1 - 0.01])


def test_sgd_clipvalue():
    opt = nb.SGD(lr=1.0, clipvalue=0.5)
    np.testing.assert_allclose(one_step(opt, [0.0, 0.0, 0.0], [2.0, -3.0, 0.1]), [-0.5, 0.5, -0.1])


def test_sgd_clipnorm_is_per_tensor():
    opt = nb.SGD(lr=1.0, clipnorm=1.0)
    w1, g1 = np.zeros(2), np.array([3.0, 4.0])       # norm 5 → rescaled to norm 1
    w2, g2 = np.zeros(2), np.array([0.3, 0.4])       # norm 0.5 → unchanged
    opt.step([(w1, g1), (w2, g2)])
    np.testing.assert_allclose(w1, [-0.6, -0.8])
    np.testing.assert_allclose(w2, [-0.3, -0.4])


def test_sgd_global_clipnorm_scales_all_tensors_together():
    opt = nb.SGD(lr=1.0, global_clipnorm=1.0)
    w1, g1 = np.zeros(2), np.array([3.0, 4.0])
    w2, g2 = np.zeros(3), np.array([0.0, 0.0, 12.0])    # joint norm √(25 + 144) = 13
    opt.step([(w1, g1), (w2, g2)])
    np.testing.assert_allclose(w1, [-3 / 13, -4 / 13])
    np.testing.assert_allclose(w2, [0.0, 0.0, -12 / 13])
    # below the threshold nothing changes
    w3 = one_step(nb.SGD(lr=1.0, global_clipnorm=10.0), [0.0, 0.0], [3.0, 4.0])
    np.testing.assert_allclose(w3, [-3.0, -4.0])


def test_clipping_applies_to_adam_too():
    # Adam's first step is ≈ lr·sign(g) whatever the scale, so check the gradient it saw:
    # with clipvalue the moments see the clipped value.
    opt = nb.Adam(lr=0.1, clipvalue=0.5)
    w, g = np.zeros(1), np.array([5.0])
    opt.step([(w, g)])
    state = next(iter(opt._state.values()))
    np.testing.assert_allclose(state["m"], [0.1 * 0.5])


# Adam ---------------------------------------------------------------------------------------------
def test_adam_first_two_steps_by_hand():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    opt = nb.Adam(lr=lr, beta1=b1, beta2=b2, eps=eps)
    w, g = np.array([1.0]), np.array([2.0])
    opt.step([(w, g)])
    # m = 0.2, v = 0.004;  m̂ = 2, v̂ = 4;  w = 1 − 0.1 · 2 / (2 + 1e-8)
    w1 = 1.0 - 0.1 * 2.0 / (2.0 + eps)
    np.testing.assert_allclose(w, [w1], rtol=1e-14)
    g[...] = -1.0
    opt.step([(w, g)])
    # m = 0.9·0.2 − 0.1 = 0.08, v = 0.999·0.004 + 0.001 = 0.004996
    m_hat = 0.08 / (1 - 0.9 ** 2)             # 0.42105…
    v_hat = 0.004996 / (1 - 0.999 ** 2)       # 2.49925…
    assert m_hat == pytest.approx(0.4210526, rel=1e-6)
    assert math.sqrt(v_hat) == pytest.approx(1.580901, rel=1e-6)
    np.testing.assert_allclose(w, [w1 - 0.1 * m_hat / (math.sqrt(v_hat) + eps)], rtol=1e-12)


def test_adam_eps_is_outside_the_square_root():
    # g = 1e-8: √v̂ = 1e-8 = eps, so the step is lr/2 (eps inside the root would give ~lr·1e-4)
    w = one_step(nb.Adam(lr=1.0, eps=1e-8), [0.0], [1e-8])
    np.testing.assert_allclose(w, [-0.5], rtol=1e-6)


def test_adam_keeps_separate_moments_per_parameter():
    opt = nb.Adam(lr=0.1)
    a, b = np.zeros(1), np.zeros(1)
    opt.step([(a, np.array([1.0])), (b, np.array([-100.0]))])
    np.testing.assert_allclose(a, [-0.1], rtol=1e-6)      # first step ≈ lr·sign(g)
    np.testing.assert_allclose(b, [0.1], rtol=1e-6)


# in place, grads untouched, dtype ------------------------------------------------------------------
@pytest.mark.parametrize("opt", [nb.SGD(lr=0.1), nb.SGD(lr=0.1, momentum=0.9, clipnorm=0.5),
                                 nb.SGD(lr=0.1, clipvalue=0.1, global_clipnorm=0.1), nb.Adam(),
                                 nb.Adam(clipnorm=0.1, clipvalue=0.1)])
def test_updates_in_place_and_leaves_grads_alone(opt):
    rng = np.random.default_rng(0)
    w = rng.standard_normal((3, 2))
    g = rng.standard_normal((3, 2))
    w_before, g_before, w_id = w.copy(), g.copy(), id(w)
    for _ in range(2):
        opt.step(iter([(w, g)]))                    # any iterable of pairs
    assert id(w) == w_id
    assert not np.array_equal(w, w_before)
    np.testing.assert_array_equal(g, g_before)


@pytest.mark.parametrize("opt", [nb.SGD(lr=0.1, momentum=0.5), nb.Adam()])
def test_float32_parameters_stay_float32(opt):
    w = np.ones(3, dtype=np.float32)
    opt.step([(w, np.ones(3, dtype=np.float32))])
    assert w.dtype == np.float32
    assert np.all(w < 1)


def test_reset_forgets_momentum():
    opt = nb.SGD(lr=0.1, momentum=0.9)
    w, g = np.zeros(1), np.ones(1)
    opt.step([(w, g)])
    assert opt.iterations == 1
    opt.reset()
    assert opt.iterations == 0
    w[...] = 0.0
    opt.step([(w, g)])
    np.testing.assert_allclose(w, [-0.1])            # as a first step again


# validation ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [nb.SGD, nb.Adam])
@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), float("inf"), True, "0.1"])
def test_bad_learning_rate(cls, lr):
    with pytest.raises(ValueError, match=rf"{cls.__name__}: expected a learning rate lr > 0, got"):
        cls(lr=lr)


def test_other_hyperparameter_errors():
    with pytest.raises(ValueError, match=r"SGD: expected 0 ≤ momentum < 1, got 1"):
        nb.SGD(momentum=1)
    with pytest.raises(ValueError, match=r"SGD: expected momentum ≥ 0, got -0.5"):
        nb.SGD(momentum=-0.5)
    with pytest.raises(ValueError, match=r"SGD: expected clipnorm > 0, got 0"):
        nb.SGD(clipnorm=0)
    with pytest.raises(ValueError, match=r"SGD: expected clipvalue > 0"):
        nb.SGD(clipvalue=-1.0)
    with pytest.raises(ValueError, match=r"SGD: expected global_clipnorm > 0"):
        nb.SGD(global_clipnorm=0.0)
    with pytest.raises(ValueError, match=r"Adam: expected 0 ≤ beta1 < 1, got 1.0"):
        nb.Adam(beta1=1.0)
    with pytest.raises(ValueError, match=r"Adam: expected 0 ≤ beta2 < 1, got -0.1"):
        nb.Adam(beta2=-0.1)
    with pytest.raises(ValueError, match=r"Adam: expected 0 ≤ beta1 < 1, got False"):
        nb.Adam(beta1=False)
    with pytest.raises(ValueError, match=r"Adam: expected eps > 0, got 0"):
        nb.Adam(eps=0)


def test_numpy_scalars_are_accepted_as_hyperparameters():
    opt = nb.Adam(lr=np.float32(0.01), beta1=np.float32(0.9), beta2=np.float64(0.99))
    assert opt.beta1 == pytest.approx(0.9) and type(opt.beta1) is float
    assert nb.SGD(lr=np.float64(0.1), momentum=np.float32(0.5)).momentum == 0.5


def test_get_optimizer_and_repr():
    assert isinstance(get_optimizer("sgd"), nb.SGD)
    assert isinstance(get_optimizer("adam"), nb.Adam)
    assert isinstance(get_optimizer("Adam"), nb.Adam)
    opt = nb.SGD(lr=0.5)
    assert get_optimizer(opt) is opt
    with pytest.raises(ValueError, match=r"unknown optimizer 'rmsprop'"):
        get_optimizer("rmsprop")
    assert repr(nb.SGD(lr=0.1, momentum=0.9)) == "SGD(lr=0.1, momentum=0.9)"
    assert repr(nb.Adam()) == "Adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08)"
