"""Tests of nnbook/optimizers/ as a whole: SGD (sgd.py), momentum, Nesterov, RMSProp
(rmsprop.py), Adam (adam.py) and weight decay step by step against hand-written loops (and
against torch.optim where torch is installed), clipping, in-place updates,
get_state/set_state, validation, ``get_optimizer``, and the package's names, which
``nb`` and ``nb.training`` show too (issue 77 moved it out of training/). Muon (muon.py)
joins the shared checks here; its own tests are test_optimizers_muon.py."""

import math

import numpy as np
import pytest

import nnbook as nb
from nnbook import optimizers
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
                                 nb.Adam(clipnorm=0.1, clipvalue=0.1),
                                 nb.SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
                                 nb.RMSProp(), nb.RMSProp(momentum=0.9, clipvalue=0.1, weight_decay=0.1),
                                 nb.Adam(weight_decay=0.1, clipnorm=0.1), nb.Muon(weight_decay=0.1)])
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


@pytest.mark.parametrize("opt", [nb.SGD(lr=0.1, momentum=0.5), nb.Adam(),
                                 nb.SGD(lr=0.1, momentum=0.5, nesterov=True, weight_decay=0.1),
                                 nb.RMSProp(momentum=0.5, weight_decay=0.1)])
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
@pytest.mark.parametrize("cls", [nb.SGD, nb.RMSProp, nb.Adam, nb.Muon])
@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), float("inf"), True, "0.1"])
def test_bad_learning_rate(cls, lr):
    with pytest.raises(ValueError, match=rf"{cls.__name__}: expected a learning rate lr > 0, got"):
        cls(lr=lr)


def test_other_hyperparameter_errors():
    with pytest.raises(ValueError, match=r"SGD: expected 0 ≤ momentum < 1, got 1"):
        nb.SGD(momentum=1)
    with pytest.raises(ValueError, match=r"SGD: expected 0 ≤ momentum < 1, got -0.5"):
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
    assert isinstance(get_optimizer("rmsprop"), nb.RMSProp)
    assert isinstance(get_optimizer("muon"), nb.Muon)
    with pytest.raises(ValueError, match=r"unknown optimizer 'adagrad'"):
        get_optimizer("adagrad")
    assert repr(nb.SGD(lr=0.1, momentum=0.9)) == "SGD(lr=0.1, momentum=0.9)"
    assert repr(nb.Adam()) == "Adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08)"


# chapter 11: every optimizer against a hand-written loop, step for step ---------------------------
def run(opt, w0, grads):
    """Weights after each step of ``opt`` on the gradients ``grads(t, w)``."""
    w, out = np.array(w0, dtype=float), []
    for t in range(5):
        opt.step([(w, grads(t, w))])
        out.append(w.copy())
    return np.array(out)


def grad_of_quadratic(t, w):
    """g = A w − c + a step-dependent nudge: every step sees another gradient."""
    return np.array([[3.0, 0.5], [0.5, 1.0]]) @ w - np.array([1.0, -2.0]) + 0.1 * t


W0 = [1.0, -0.5]


def test_momentum_and_nesterov_match_pytorchs_form_by_hand():
    lr, mu = 0.1, 0.9
    for nesterov in (False, True):
        w, b, by_hand = np.array(W0), np.zeros(2), []
        for t in range(5):                     # PyTorch: b ← μb + g;  w ← w − lr·(g + μb) or lr·b
            g = grad_of_quadratic(t, w)
            b = mu * b + g
            w = w - lr * ((g + mu * b) if nesterov else b)
            by_hand.append(w)
        got = run(nb.SGD(lr=lr, momentum=mu, nesterov=nesterov), W0, grad_of_quadratic)
        np.testing.assert_allclose(got, by_hand, rtol=1e-13, atol=1e-15)


def test_nesterov_two_steps_by_hand():
    # v = −0.1·1 = −0.1;  w = 0 + 0.9·(−0.1) − 0.1 = −0.19;  then g = 2: v = −0.09 − 0.2 = −0.29,
    # w = −0.19 + 0.9·(−0.29) − 0.2 = −0.651
    opt, w = nb.SGD(lr=0.1, momentum=0.9, nesterov=True), np.zeros(1)
    opt.step([(w, np.array([1.0]))])
    np.testing.assert_allclose(w, [-0.19])
    opt.step([(w, np.array([2.0]))])
    np.testing.assert_allclose(w, [-0.651])


@pytest.mark.parametrize("momentum", [0.0, 0.8])
def test_rmsprop_matches_a_hand_written_loop(momentum):
    lr, rho, eps = 0.01, 0.9, 1e-8
    w, v, b, by_hand = np.array(W0), np.zeros(2), np.zeros(2), []
    for t in range(5):
        g = grad_of_quadratic(t, w)
        v = rho * v + (1 - rho) * g ** 2
        step = g / (np.sqrt(v) + eps)
        if momentum:
            b = momentum * b + step
            step = b
        w = w - lr * step
        by_hand.append(w)
    got = run(nb.RMSProp(lr=lr, rho=rho, eps=eps, momentum=momentum), W0, grad_of_quadratic)
    np.testing.assert_allclose(got, by_hand, rtol=1e-13)


@pytest.mark.parametrize("momentum", [0.0, 0.8])
def test_centered_rmsprop_matches_a_hand_written_loop(momentum):
    """PyTorch's and Keras' centered=True: divide by √(v − ḡ²), ḡ the running mean of g.
    (tools/compare_keras.py checks it against Keras 3.15's RMSprop(centered=True) too.)"""
    lr, rho, eps = 0.01, 0.9, 1e-8
    w, v, a, b, by_hand = np.array(W0), np.zeros(2), np.zeros(2), np.zeros(2), []
    for t in range(5):
        g = grad_of_quadratic(t, w)
        v = rho * v + (1 - rho) * g ** 2
        a = rho * a + (1 - rho) * g
        step = g / (np.sqrt(v - a ** 2) + eps)
        if momentum:
            b = momentum * b + step
            step = b
        w = w - lr * step
        by_hand.append(w)
    opt = nb.RMSProp(lr=lr, rho=rho, eps=eps, momentum=momentum, centered=True)
    got = run(opt, W0, grad_of_quadratic)
    np.testing.assert_allclose(got, by_hand, rtol=1e-12)
    assert opt.get_config()["centered"] is True and "centered" not in nb.RMSProp().get_config()


def test_centered_rmsprop_first_step():
    # v = 0.1·g², ḡ = 0.1·g: v − ḡ² = 0.09·g², so the first step is lr/0.3 for any g ≠ 0
    np.testing.assert_allclose(one_step(nb.RMSProp(lr=0.03, centered=True, eps=1e-12), [0.0], [2.0]),
                               [-0.1], rtol=1e-10)
    with pytest.raises(ValueError, match=r"RMSProp: expected centered True or False, got 'yes'"):
        nb.RMSProp(centered="yes")


def test_centered_rmsprop_with_momentum_matches_numbers_recorded_from_keras():
    """Recorded from Keras 3.15.1 (torch backend, float64 matmuls kept in float64):
    w = keras.Variable([1.0, -0.5]); RMSprop(learning_rate=0.01, rho=0.9, momentum=0.5,
    centered=True, epsilon=1e-30).apply_gradients([(g, w)]) for the three g below, printing w
    after each step. (ε ≈ 0 on both sides: Keras puts ε under the root, nnbook after it.)"""
    keras_w = [[0.9666666666666667, -0.5333333333333333],
               [0.9167050617648383, -0.5270523869726161],
               [0.9072489376658504, -0.5559874633441844]]
    opt, w = nb.RMSProp(lr=0.01, rho=0.9, momentum=0.5, centered=True, eps=1e-30), np.array([1.0, -0.5])
    for g, expected in zip(([0.3, 0.1], [1.3, -0.1], [-0.7, 0.5]), keras_w):
        opt.step([(w, np.array(g))])
        np.testing.assert_allclose(w, expected, rtol=1e-14)


def test_rmsprop_first_step_and_eps_outside_the_root():
    # v = 0.1·g², so the first step is lr·g/(√0.1·|g| + ε) = lr/√0.1 for g = 2
    np.testing.assert_allclose(one_step(nb.RMSProp(lr=0.01), [0.0], [2.0]), [-0.01 / math.sqrt(0.1)])
    # g = 1e-8·√10: √v = 1e-8 = ε, so the step is lr·√10/2 (ε under the root: ≈ lr·√10·1e-4·…)
    w = one_step(nb.RMSProp(lr=1.0, eps=1e-8), [0.0], [1e-8 * math.sqrt(10)])
    np.testing.assert_allclose(w, [-math.sqrt(10) / 2], rtol=1e-6)


@pytest.mark.parametrize("make", [lambda wd: nb.SGD(lr=0.1, weight_decay=wd),
                                  lambda wd: nb.SGD(lr=0.1, momentum=0.9, nesterov=True,
                                                    weight_decay=wd),
                                  lambda wd: nb.RMSProp(lr=0.01, momentum=0.5, weight_decay=wd),
                                  lambda wd: nb.Adam(lr=0.1, weight_decay=wd)],
                         ids=["SGD", "SGD-Nesterov", "RMSProp", "Adam"])
def test_weight_decay_adds_lambda_w_to_the_gradient(make):
    lam = 0.3
    got = run(make(lam), W0, grad_of_quadratic)
    coupled = run(make(0.0), W0, lambda t, w: grad_of_quadratic(t, w) + lam * w)
    np.testing.assert_allclose(got, coupled, rtol=1e-13)
    assert not np.allclose(got, run(make(0.0), W0, grad_of_quadratic))


def test_weight_decay_one_sgd_step_by_hand_and_after_clipping():
    # w ← w − lr (g + λw) = 2 − 0.1 (1 + 0.5·2) = 1.8
    np.testing.assert_allclose(one_step(nb.SGD(lr=0.1, weight_decay=0.5), [2.0], [1.0]), [1.8])
    # clipping acts on g only (as clip_grad_* before a PyTorch step): g = 10 → 1, then + λw
    w = one_step(nb.SGD(lr=0.1, weight_decay=0.5, clipvalue=1.0), [2.0], [10.0])
    np.testing.assert_allclose(w, [1.8])


# get_state / set_state: a fresh optimizer continues exactly ------------------------------------
CONFIGS = [nb.SGD(lr=0.1), nb.SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
           nb.RMSProp(lr=0.01, momentum=0.5, clipnorm=1.0), nb.RMSProp(weight_decay=0.1),
           nb.Adam(lr=0.01, beta1=0.8, weight_decay=0.001, global_clipnorm=2.0),
           nb.Muon(lr=0.01, weight_decay=0.1, fallback=nb.Adam(beta1=0.8))]


@pytest.mark.parametrize("opt", CONFIGS, ids=repr)
def test_state_round_trip_continues_identically(opt):
    rng = np.random.default_rng(3)
    opt.reset()
    params = [rng.standard_normal((3, 2)), rng.standard_normal(2), rng.standard_normal(4)]
    grads = [rng.standard_normal(p.shape) for p in params]
    for _ in range(3):
        opt.step(zip(params[:2], grads[:2]))            # the third parameter is never stepped
    state = opt.get_state(params)
    assert int(state["iterations"]) == 3
    assert not any(k.startswith("param2.") for k in state)
    twin = type(opt)(**opt.get_config())
    assert twin.get_config() == opt.get_config() and repr(twin) == repr(opt)
    copies = [p.copy() for p in params]
    twin.set_state(copies, state)
    opt.step(zip(params, grads))
    twin.step(zip(copies, grads))
    for _ in range(2):
        opt.step(zip(params, grads))
        twin.step(zip(copies, grads))
    for a, b in zip(params, copies):
        np.testing.assert_array_equal(a, b)
    assert twin.iterations == opt.iterations == 6
    for k, v in twin.get_state(copies).items():
        np.testing.assert_array_equal(v, opt.get_state(params)[k])


def test_get_state_is_a_copy_and_has_the_buffers():
    opt, w = nb.Adam(), np.zeros(2)
    opt.step([(w, np.ones(2))])
    state = opt.get_state([w])
    assert sorted(state) == ["iterations", "param0.m", "param0.t", "param0.v"]
    m = state["param0.m"].copy()
    opt.step([(w, np.ones(2))])
    np.testing.assert_array_equal(state["param0.m"], m)
    assert sorted(nb.SGD(momentum=0.5).get_state([w])) == ["iterations"]


def test_set_state_errors():
    opt, w = nb.SGD(momentum=0.9), np.zeros(2)
    opt.step([(w, np.ones(2))])
    state = opt.get_state([w])
    with pytest.raises(ValueError, match=r"SGD.set_state: the state has no 'iterations'"):
        nb.SGD(momentum=0.9).set_state([w], {"param0.v": np.zeros(2)})
    with pytest.raises(ValueError, match=r"SGD.set_state: buffer param0.v has shape \(2,\), "
                                         r"expected \(3,\)"):
        nb.SGD(momentum=0.9).set_state([np.zeros(3)], state)
    with pytest.raises(ValueError, match=r"unexpected key 'param0.v' for 0 parameters"):
        nb.SGD(momentum=0.9).set_state([], state)
    with pytest.raises(ValueError, match=r"Adam.set_state: parameter 0 has buffers \['v'\], "
                                         r"expected \['m', 't', 'v'\]"):
        nb.Adam().set_state([w], state)


def test_a_refused_state_leaves_the_optimizer_as_it_was():
    """set_state reads every value before it touches the state: a bad buffer or count is a
    ValueError naming its key, and the next step is the step it would have been."""
    rng = np.random.default_rng(5)
    w, g = rng.standard_normal(3), rng.standard_normal(3)
    opt = nb.Adam(lr=0.1)
    for _ in range(2):
        opt.step([(w, g)])
    good = opt.get_state([w])
    twin_w, twin = w.copy(), nb.Adam(lr=0.1)
    twin.set_state([twin_w], good)
    for key, bad, msg in (("param0.m", np.array(["a", "b", "c"]), r"param0\.m is .*not numbers"),
                          ("param0.t", np.array([1, 2]), r"param0\.t has shape \(2,\)"),
                          ("iterations", "many", r"iterations is 'many'")):
        with pytest.raises(ValueError, match=r"Adam\.set_state: " + msg):
            opt.set_state([w], {**good, key: bad})
        assert opt.iterations == 2 and opt.get_state([w]).keys() == good.keys()
    opt.step([(w, g)])
    twin.step([(twin_w, g)])
    np.testing.assert_array_equal(w, twin_w)
    for k, v in twin.get_state([twin_w]).items():
        np.testing.assert_array_equal(v, opt.get_state([w])[k])


def test_other_spellings_name_nnbooks():
    # learning_rate= is accepted (tests/test_optimizers_base.py); Keras' other names are not
    with pytest.raises(ValueError, match=r"Adam: got beta_1=0\.8 \(Keras' spelling\); nnbook writes beta1=0\.8\."):
        nb.Adam(beta_1=0.8)
    with pytest.raises(ValueError, match=r"RMSProp: got alpha=0\.99 \(PyTorch's spelling\); nnbook writes rho=0\.99\."):
        nb.RMSProp(alpha=0.99)
    with pytest.raises(ValueError, match=r"RMSProp: got epsilon=1e-07 \(Keras' spelling\); nnbook writes eps=1e-07\."):
        nb.RMSProp(epsilon=1e-7)
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'decay'"):
        nb.SGD(decay=0.1)


def test_new_hyperparameter_errors():
    with pytest.raises(ValueError, match=r"SGD: nesterov=True needs a momentum > 0"):
        nb.SGD(nesterov=True)
    with pytest.raises(ValueError, match=r"SGD: expected nesterov True or False, got 'yes'"):
        nb.SGD(momentum=0.9, nesterov="yes")
    with pytest.raises(ValueError, match=r"RMSProp: expected 0 ≤ rho < 1, got 1"):
        nb.RMSProp(rho=1)
    with pytest.raises(ValueError, match=r"RMSProp: expected 0 ≤ momentum < 1, got -0.1"):
        nb.RMSProp(momentum=-0.1)
    with pytest.raises(ValueError, match=r"Adam: expected weight_decay ≥ 0, got -0.01"):
        nb.Adam(weight_decay=-0.01)
    assert repr(nb.RMSProp()) == "RMSProp(lr=0.001, rho=0.9, eps=1e-08)"
    assert repr(nb.SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)) == \
        "SGD(lr=0.1, weight_decay=0.01, momentum=0.9, nesterov=True)"


# the same steps as torch.optim on the same weights (skipped without torch) ------------------------
TORCH_PAIRS = [
    (lambda: nb.SGD(lr=0.05, momentum=0.9), dict(cls="SGD", lr=0.05, momentum=0.9)),
    (lambda: nb.SGD(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
     dict(cls="SGD", lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    (lambda: nb.RMSProp(lr=0.01, rho=0.9), dict(cls="RMSprop", lr=0.01, alpha=0.9, eps=1e-8)),
    (lambda: nb.RMSProp(lr=0.01, rho=0.99, momentum=0.5, weight_decay=0.1),
     dict(cls="RMSprop", lr=0.01, alpha=0.99, eps=1e-8, momentum=0.5, weight_decay=0.1)),
    (lambda: nb.Adam(lr=0.01, weight_decay=0.1), dict(cls="Adam", lr=0.01, weight_decay=0.1)),
]


@pytest.mark.parametrize("make, torch_args", TORCH_PAIRS, ids=[str(t) for _, t in TORCH_PAIRS])
def test_same_steps_as_torch_optim(make, torch_args):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    A = rng.standard_normal((4, 4))
    A = A @ A.T + np.eye(4)                     # a convex quadratic ½ wᵀAw − cᵀw
    c = rng.standard_normal(4)
    w0 = rng.standard_normal(4)
    args = dict(torch_args)
    tw = torch.tensor(w0, requires_grad=True)
    topt = getattr(torch.optim, args.pop("cls"))([tw], **args)
    opt, w = make(), w0.copy()
    for _ in range(20):
        topt.zero_grad()
        loss = 0.5 * tw @ torch.from_numpy(A) @ tw - torch.from_numpy(c) @ tw
        loss.backward()
        topt.step()
        opt.step([(w, A @ w - c)])
    np.testing.assert_allclose(w, tw.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_weight_decay_is_the_gradient_of_half_lambda_w_squared():
    # chapter 12: E + (λ/2)‖w‖² has gradient ∂E/∂w + λw (checked by finite differences), and
    # one SGD(weight_decay=λ) step on ∂E/∂w is one plain SGD step on that gradient
    lam, lr = 0.3, 0.1
    A = np.array([[3.0, 0.5], [0.5, 1.0]])
    w = np.array([1.0, -0.5])

    def penalised(v):
        return 0.5 * v @ A @ v + 0.5 * lam * v @ v
    np.testing.assert_allclose(nb.numerical_gradient(penalised, w.copy()), A @ w + lam * w, rtol=1e-8)
    decayed = one_step(nb.SGD(lr=lr, weight_decay=lam), w, A @ w)
    np.testing.assert_allclose(decayed, w - lr * (A @ w + lam * w), rtol=1e-15)


@pytest.mark.parametrize("key, bad, msg", [
    ("param0.m", np.array([0.1, np.nan, 0.0]), r"param0\.m holds nan at index \(1,\), expected "
                                               r"finite numbers; the next step would make"),
    ("param0.v", np.array([0.1, 0.2, np.inf]), r"param0\.v holds inf at index \(2,\)"),
    ("param0.v", np.array([0.1, -0.2, 0.3]), r"param0\.v holds -0\.2 at index \(1,\), expected "
                                             r"finite numbers ≥ 0 \(a mean of squared"),
    ("param0.t", np.array(2.7), r"param0\.t is array\(2\.7\), expected one integer ≥ 0"),
    ("param0.t", -3, r"param0\.t is -3, expected one integer ≥ 0 \(a step count\)"),
    ("iterations", 2.5, r"iterations is 2\.5, expected one integer ≥ 0"),
    ("iterations", np.array(-1), r"iterations is array\(-1\)"),
    ("iterations", True, r"iterations is True"),
])
def test_set_state_refuses_what_would_break_the_next_step(key, bad, msg):
    """NaN/inf buffers and a negative Adam v were installed (the next step made the weights
    NaN), a step count of 2.7 became 2 and −3 was accepted."""
    w = np.zeros(3)
    opt = nb.Adam(lr=0.1)
    opt.step([(w, np.ones(3))])
    good = opt.get_state([w])
    with pytest.raises(ValueError, match=r"Adam\.set_state: " + msg):
        nb.Adam(lr=0.1).set_state([w], {**good, key: bad})
    fresh = nb.Adam(lr=0.1)
    fresh.set_state([w], {**good, "iterations": 1.0, "param0.t": np.int32(1)})   # integral
    assert fresh.iterations == 1


def test_set_state_refuses_a_negative_rmsprop_v():
    w = np.zeros(2)
    opt = nb.RMSProp(centered=True)
    opt.step([(w, np.ones(2))])
    state = opt.get_state([w])
    with pytest.raises(ValueError, match=r"RMSProp\.set_state: param0\.v holds -1\.0"):
        nb.RMSProp(centered=True).set_state([w], {**state, "param0.v": -np.ones(2)})
    nb.RMSProp(centered=True).set_state([w], {**state, "param0.g_avg": -np.ones(2)})  # may be < 0


# the package: its names, where nb and nb.training show them -------------------------------------
def test_every_public_name_is_the_packages_and_shown_where_it_was():
    import pkgutil

    from nnbook.registry import lookup

    modules = {info.name for info in pkgutil.iter_modules(optimizers.__path__)}
    assert modules == {"base", "sgd", "rmsprop", "adam", "adamw", "muon", "polar", "clipping",
                       "hyperparams"}
    polar = ["polar_factor", "newton_schulz", "newton_schulz_band", "QUINTIC", "CUBIC",
             "SHAPE_SCALES"]                        # Muon's step (chapter 34)
    assert sorted(optimizers.__all__) == sorted(["Optimizer", "SGD", "RMSProp", "Adam", "AdamW",
                                                 "Muon", "get_optimizer", "clip_grad_norm",
                                                 *polar])
    for name in optimizers.__all__:
        if name != "get_optimizer" and name not in polar:   # compile's helper; Muon's math
            assert getattr(nb, name) is getattr(nb.training, name) is getattr(optimizers, name)
            assert name in nb.__all__ and name in nb.training.__all__, name
    taught = {"newton_schulz", "newton_schulz_band", "polar_factor"}   # chapter 34's row
    for name in polar:                              # the functions chapter 34 teaches at the top
        assert getattr(optimizers.polar, name) is getattr(optimizers, name)
        assert (name in nb.__all__) == (name in taught) and name not in nb.training.__all__
    for name in taught:
        assert getattr(nb, name) is getattr(optimizers, name)
    for name in ("SGD", "RMSProp", "Adam", "AdamW", "Muon"):   # a model file names them so
        assert lookup(name) is getattr(optimizers, name)


@pytest.mark.parametrize("make, buffer", [(lambda m: nb.SGD(lr=0.05, momentum=m), "v"),
                                          (lambda m: nb.RMSProp(lr=0.01, momentum=m), "b")])
def test_momentum_set_between_steps_is_checked_and_starts_from_zero(make, buffer):
    """``opt.momentum`` set after some steps: a value the constructor refuses is refused
    (it was taken, and 1.5 diverged); turned on, the velocity starts at zero, so the next
    steps are a fresh optimizer's with that momentum from the same weights and moments
    (before, the missing buffer was a KeyError); turned off, the buffer is dropped, so the
    saved state loads into a fresh optimizer without momentum."""
    rng = np.random.default_rng(3)
    w, gs = rng.standard_normal((3, 2)), [rng.standard_normal((3, 2)) for _ in range(3)]
    opt = make(0.0)
    opt.step([(w, gs[0])])
    for bad in (1.5, -0.1, float("nan"), True, "0.9"):
        with pytest.raises(ValueError, match=r"expected 0 ≤ momentum < 1"):
            opt.momentum = bad
    assert opt.momentum == 0.0
    twin, w_twin = make(0.9), w.copy()
    twin.set_state([w_twin], {**opt.get_state([w]), f"param0.{buffer}": np.zeros_like(w)})
    opt.momentum = 0.9
    for g in gs[1:]:
        opt.step([(w, g)])
        twin.step([(w_twin, g)])
    np.testing.assert_array_equal(w, w_twin)
    assert np.any(opt.get_state([w])[f"param0.{buffer}"] != 0)
    opt.momentum = 0.0
    make(0.0).set_state([w], opt.get_state([w]))       # no velocity saved, none expected
    with pytest.raises(ValueError, match="nesterov=True needs a momentum > 0"):
        nb.SGD(lr=0.1, momentum=0.9, nesterov=True).momentum = 0.0
