"""Tests of nnbook/optimizers/muon.py: Muon's step against a transcription of Keller Jordan's
reference (torch layout, Wᵀ), the shape scale, the fallback for what is not a matrix, training
with ``fit``, get_state/set_state and save/load, config, and its errors. Each test names in a
comment the mistake it catches."""

import math

import numpy as np
import pytest

import nnbook as nb
from nnbook.optimizers import QUINTIC, get_optimizer


def reference_step(W_torch, G_torch, buf, lr, beta=0.95, nesterov=True, wd=0.0, steps=5):
    """Keller Jordan's muon_update (github.com/KellerJordan/Muon, muon.py) in NumPy, on
    torch's (out, in) layout: buf.lerp_(g, 1−β); u = g.lerp(buf, β) or buf; NS5 on the wide
    side; u *= max(1, A/B)**0.5; p.mul_(1 − lr·wd); p.add_(u, −lr). The normalisation is
    torch.optim.Muon's X / max(‖X‖, 1e-7) (Keller Jordan's adds: X / (‖X‖ + 1e-7))."""
    buf[...] = buf + (1 - beta) * (G_torch - buf)
    u = G_torch + beta * (buf - G_torch) if nesterov else buf.copy()
    a, b, c = QUINTIC
    X = u.T if u.shape[0] > u.shape[1] else u
    X = X / max(np.linalg.norm(X), 1e-7)
    for _ in range(steps):
        A = X @ X.T
        X = a * X + (b * A + c * A @ A) @ X
    X = X.T if u.shape[0] > u.shape[1] else X
    X *= max(1, u.shape[0] / u.shape[1]) ** 0.5
    W_torch *= 1 - lr * wd
    W_torch -= lr * X


@pytest.mark.parametrize("shape", [(3, 7), (7, 3), (4, 4)])
@pytest.mark.parametrize("nesterov", [True, False])
def test_steps_match_the_reference_on_the_transposed_weight(shape, nesterov):
    # Mistakes caught: the shape scale inverted (max(1, fan_in/fan_out): nnbook's W is
    # (fan_in, fan_out), torch's is Wᵀ), Nesterov's lerp the wrong way round, the momentum
    # not an average (m ← μm + g), the decay after the update or coupled into u.
    rng = np.random.default_rng(0)
    W = rng.standard_normal(shape)
    ref_W, ref_buf = W.T.copy(), np.zeros(shape[::-1])
    opt = nb.Muon(lr=0.05, nesterov=nesterov, weight_decay=0.1)
    for _ in range(4):
        G = rng.standard_normal(shape)
        opt.step([(W, G)])
        reference_step(ref_W, G.T.copy(), ref_buf, 0.05, nesterov=nesterov, wd=0.1)
    np.testing.assert_allclose(W, ref_W.T, rtol=0, atol=1e-12)


def test_the_shape_scale_is_fan_out_over_fan_in():
    # Mistake caught: the scale inverted or symmetric. W (2, 8): fan_in 2, fan_out 8, so the
    # first step (u = g·(1 − μ + μ(1 − μ)), NS of it) has spectral norm lr·√(8/2) times the
    # NS output's; a (8, 2) W is not scaled up.
    rng = np.random.default_rng(1)
    for shape, scale in (((2, 8), 2.0), ((8, 2), 1.0)):
        W = np.zeros(shape)
        G = rng.standard_normal(shape)
        nb.Muon(lr=0.1).step([(W, G)])
        np.testing.assert_allclose(-W, 0.1 * scale * nb.newton_schulz(G), atol=1e-12)
    W = np.zeros((2, 8))
    nb.Muon(lr=0.1, shape_scale="match_rms_adamw").step([(W, np.ones((2, 8)))])
    np.testing.assert_allclose(-W, 0.1 * 0.2 * math.sqrt(8) * nb.newton_schulz(np.ones((2, 8))))


def test_what_is_not_a_matrix_goes_to_the_fallback():
    # Mistakes caught: a bias orthogonalised as a (1, n) matrix, or left untrained; the
    # fallback's rate not lr × fallback_lr_ratio after a schedule changed lr.
    rng = np.random.default_rng(2)
    W, b, g_W, g_b = rng.standard_normal((4, 3)), rng.standard_normal(3), \
        rng.standard_normal((4, 3)), rng.standard_normal(3)
    opt = nb.Muon(lr=0.02, fallback=nb.Adam())
    opt.lr = 0.04                                        # as a schedule would
    twin_b, twin = b.copy(), nb.Adam(lr=0.04 * 0.05)
    for _ in range(3):
        opt.step([(W, g_W), (b, g_b)])
        twin.step([(twin_b, g_b)])
    np.testing.assert_array_equal(b, twin_b)
    assert opt.fallback.lr == pytest.approx(0.002)
    state = opt.get_state([W, b])
    assert sorted(state) == ["iterations", "param0.m", "param1.m", "param1.t", "param1.v"]
    W2, mid, out = (rng.standard_normal(s) for s in ((5, 4), (4, 4), (4, 2)))
    hidden = nb.Muon(hidden_only=True)
    hidden.step([(W2, W2), (mid, mid), (out, out)])
    assert sorted(hidden.get_state([W2, mid, out])) == [
        "iterations", "param0.m", "param0.t", "param0.v", "param1.m",
        "param2.m", "param2.t", "param2.v"]


def small_model(rng):
    return nb.Sequential([nb.Dense(4, 16, rng=rng), nb.Tanh(), nb.Dense(16, 1, rng=rng)])


def test_trains_a_small_model_with_fit_and_by_name():
    # Mistakes caught: a step that ascends, or an update that ignores the gradient; compile's
    # name "muon" not registered.
    rng = np.random.default_rng(3)
    x = rng.standard_normal((128, 4))
    y = np.sin(x[:, :1]) + 0.5 * x[:, 1:2]
    model = small_model(rng)
    model.compile(optimizer="muon", loss="mse")
    assert isinstance(model.optimizer, nb.Muon)
    history = model.fit(x, y, epochs=30, batch_size=32, verbose=0, rng=np.random.default_rng(0))
    loss = history.history["loss"]
    assert loss[-1] < 0.25 * loss[0]


def test_state_round_trips_through_set_state_and_save_load(tmp_path):
    # Mistakes caught: momentum or the fallback's moments lost on loading (the continued
    # runs would differ), the fallback's config not saved, iterations not restored.
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((32, 4)), rng.standard_normal((32, 1))
    model = small_model(rng)
    model.compile(nb.Muon(lr=0.03, weight_decay=0.01, fallback=nb.AdamW(weight_decay=0.2)),
                  "mse")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, rng=np.random.default_rng(0))
    back = nb.load_model(model.save(tmp_path / "muon"))
    assert back.optimizer.get_config() == model.optimizer.get_config()
    assert back.optimizer.fallback.weight_decay == 0.2 and back.optimizer.iterations == 8
    params = list(model.params.values())
    twin = nb.Muon.from_config(model.optimizer.get_config())
    copies = [p.copy() for p in params]
    twin.set_state(copies, model.optimizer.get_state(params))
    grads = [rng.standard_normal(p.shape) for p in params]
    model.optimizer.step(list(zip(params, grads)))
    twin.step(list(zip(copies, grads)))
    for p, q in zip(params, copies):
        np.testing.assert_array_equal(p, q)
    for m in (model, back):
        m.fit(x, y, epochs=1, batch_size=8, verbose=0, rng=np.random.default_rng(1))
    model2 = nb.load_model(model.save(tmp_path / "again"))
    for p, q in zip(model.get_weights(), model2.get_weights()):
        np.testing.assert_array_equal(p, q)
    assert not all(np.array_equal(p, q) for p, q in zip(model.get_weights(), back.get_weights()))


def test_a_refused_state_changes_neither_optimizer():
    # Mistake caught: Muon's momenta installed before the fallback refused its part.
    rng = np.random.default_rng(5)
    W, b = rng.standard_normal((3, 2)), rng.standard_normal(2)
    opt = nb.Muon()
    opt.step([(W, np.ones((3, 2))), (b, np.ones(2))])
    good = opt.get_state([W, b])
    other = nb.Muon()
    other.step([(W.copy(), -np.ones((3, 2))), (b.copy(), -np.ones(2))])
    before = other.get_state([W, b])
    with pytest.raises(ValueError, match=r"AdamW\.set_state: .*param1\.v holds nan"):
        other.set_state([W, b], {**good, "param1.v": np.array([np.nan, 1.0])})
    after = other.get_state([W, b])
    assert after.keys() == before.keys()
    for k in before:
        np.testing.assert_array_equal(after[k], before[k])
    with pytest.raises(ValueError, match=r"Muon\.set_state: .*param0\.m holds inf"):
        other.set_state([W, b], {**good, "param0.m": np.full((3, 2), np.inf)})


def test_a_non_finite_gradient_is_a_valueerror_and_changes_nothing():
    # Mistake caught: a NaN gradient normalised into a NaN model (or the bias stepped first).
    W, b = np.ones((3, 2)), np.ones(2)
    opt = nb.Muon()
    for bad in (np.array([[1.0, np.nan], [0, 0], [0, 0]]), np.full((3, 2), np.inf)):
        with pytest.raises(ValueError, match=r"Muon: the gradient of parameter 1 \(shape "
                                             r"\(3, 2\).*not finite; no weight was changed"):
            opt.step([(b, np.ones(2)), (W, bad)])
        assert (W == 1).all() and (b == 1).all() and opt.iterations == 0


def test_config_round_trip_and_repr():
    # Mistakes caught: a setting missing from get_config (the loaded optimizer differs).
    opt = nb.Muon(lr=0.01, momentum=0.9, nesterov=False, ns_steps=3, ns_coefficients=(2, -1.5, 0.5),
                  weight_decay=0.1, shape_scale="match_rms_adamw", hidden_only=True,
                  fallback=nb.SGD(lr=0.1, momentum=0.5), fallback_lr_ratio=0.5)
    cfg = opt.get_config()
    twin = nb.Muon.from_config(cfg)
    assert twin.get_config() == cfg and repr(twin) == repr(opt)
    assert isinstance(twin.fallback, nb.SGD) and twin.fallback.momentum == 0.5
    assert isinstance(get_optimizer("Muon"), nb.Muon)


@pytest.mark.parametrize("name", ["sgd", "rmsprop", "adam", "AdamW", "ADAM"])
def test_a_fallback_by_name_is_get_optimizers(name):
    # Mistake caught: muon.py resolves a name through the registry (get_optimizer is the
    # package's __init__, which imports muon.py), so it could drift from compile's names.
    fallback = nb.Muon(fallback=name).fallback
    assert type(fallback) is type(get_optimizer(name))
    assert fallback.get_config() == {**get_optimizer(name).get_config(), "lr": fallback.lr}


@pytest.mark.parametrize("kwargs, message", [
    ({"lr": -0.1}, r"Muon: expected a learning rate lr > 0, got -0.1\. .*Muon\(lr=0\.02"),
    ({"momentum": 1.0}, r"Muon: expected 0 ≤ momentum < 1, got 1\.0\. .*momentum=0\.95"),
    ({"momentum": -0.1}, r"expected 0 ≤ momentum < 1, got -0\.1"),
    ({"ns_steps": 0}, r"expected steps an integer ≥ 1, got 0.*ns_steps=5"),
    ({"ns_coefficients": (1, 2)}, r"expected coefficients \(a, b, c\)"),
    ({"eps": 0}, r"Muon: expected eps > 0"),
    ({"nesterov": 1}, r"Muon: expected nesterov one of \(True, False\), got 1"),
    ({"shape_scale": "moonlight"}, r"expected shape_scale one of \('original', "),
    ({"fallback": "muon"}, r"Muon: expected fallback an optimizer"),
    ({"fallback": {"class": "Nope", "config": {}}}, r"Muon: expected fallback"),
    ({"fallback": "dense"}, r"Muon: expected fallback an optimizer .*got 'dense'"),
    ({"fallback_lr_ratio": 0}, r"expected fallback_lr_ratio > 0"),
])
def test_bad_settings_name_the_argument_and_the_fix(kwargs, message):
    with pytest.raises(ValueError, match=message):
        nb.Muon(**kwargs)
