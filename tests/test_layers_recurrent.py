"""Tests of the recurrent layers (nnbook/layers/recurrent/: rnn.py, lstm.py, gru.py): a
one-unit RNN, LSTM and GRU worked by hand, the forward against a plain loop of
the API description's equations, h_0 = 0, the forget bias, return_sequences, the initial
weights, dtypes, need_dx, every error message, saving and loading, and a tiny
model that learns. Gradients: tests/test_gradients.py; PyTorch:
tests/test_torch_parity_recurrent.py."""

import math

import numpy as np
import pytest

import nnbook as nb

KINDS = [nb.RNN, nb.LSTM, nb.GRU]
GATES = {nb.RNN: 1, nb.LSTM: 4, nb.GRU: 3}


def sigma(z):
    return 1 / (1 + math.exp(-z))


def randomised(layer, rng, scale=0.5):
    """The layer with random weights and biases (a fresh layer's biases are 0, or 1)."""
    for p in layer.params.values():
        p[...] = rng.normal(scale=scale, size=p.shape)
    return layer


# --- by hand ----------------------------------------------------------------------------------------

def one_unit_rnn():
    layer = nb.RNN(1, 1)
    layer.params["W_x"][...] = 0.5
    layer.params["W_h"][...] = -1.0
    layer.params["b"][...] = 0.1
    return layer


def test_one_unit_rnn_over_three_steps_by_hand():
    x = np.array([1.0, 2.0, -1.0]).reshape(1, 3, 1)              # one sequence, T = 3
    h1 = math.tanh(0.5 * 1 + 0.1)                                  # h_0 = 0: no W_h term
    h2 = math.tanh(0.5 * 2 - 1.0 * h1 + 0.1)
    h3 = math.tanh(0.5 * -1 - 1.0 * h2 + 0.1)
    assert (round(h1, 6), round(h2, 6), round(h3, 6)) == (0.53705, 0.510163, -0.721211)
    layer = one_unit_rnn()
    layer.return_sequences = True
    np.testing.assert_allclose(layer.forward(x).ravel(), [h1, h2, h3], rtol=1e-15)

    # BPTT for E = h_3 (return_sequences=False, dy = 1)
    layer = one_unit_rnn()
    assert layer.forward(x).item() == pytest.approx(h3, rel=1e-15)
    dx = layer.backward(np.ones((1, 1)))
    dz3 = 1 - h3 ** 2                                              # ∂E/∂z_3
    dz2 = dz3 * -1.0 * (1 - h2 ** 2)                               # through W_h, then tanh'
    dz1 = dz2 * -1.0 * (1 - h1 ** 2)
    np.testing.assert_allclose(dx.ravel(), [0.5 * dz1, 0.5 * dz2, 0.5 * dz3], rtol=1e-14)
    assert layer.grads["W_x"].item() == pytest.approx(1 * dz1 + 2 * dz2 - 1 * dz3, rel=1e-14)
    assert layer.grads["W_h"].item() == pytest.approx(0 * dz1 + h1 * dz2 + h2 * dz3, rel=1e-14)
    assert layer.grads["b"].item() == pytest.approx(dz1 + dz2 + dz3, rel=1e-14)


def test_one_unit_lstm_over_two_steps_by_hand():
    layer = nb.LSTM(1, 1, return_sequences=True)
    assert layer.params["b"].tolist() == [0.0, 1.0, 0.0, 0.0]     # i, f, g, o: forget bias 1
    layer.params["W_x"][...] = [[0.1, 0.2, 0.3, 0.4]]
    layer.params["W_h"][...] = [[-0.1, 0.5, 0.2, -0.3]]
    h, c, hs = 0.0, 0.0, []
    for x in (1.0, -2.0):
        i = sigma(0.1 * x - 0.1 * h)
        f = sigma(0.2 * x + 0.5 * h + 1.0)
        g = math.tanh(0.3 * x + 0.2 * h)
        o = sigma(0.4 * x - 0.3 * h)
        c = f * c + i * g
        h = o * math.tanh(c)
        hs.append(h)
    y = layer.forward(np.array([1.0, -2.0]).reshape(1, 2, 1))
    np.testing.assert_allclose(y.ravel(), hs, rtol=1e-14)


def test_one_unit_gru_over_two_steps_by_hand():
    layer = nb.GRU(1, 1, return_sequences=True)
    layer.params["W_x"][...] = [[0.1, 0.2, 0.3]]
    layer.params["W_h"][...] = [[-0.4, 0.5, 0.6]]
    layer.params["b_x"][...] = [0.01, 0.02, 0.03]
    layer.params["b_h"][...] = [0.04, 0.05, 0.06]
    h, hs = 0.0, []
    for x in (1.0, -2.0):
        r = sigma(0.1 * x + 0.01 - 0.4 * h + 0.04)
        z = sigma(0.2 * x + 0.02 + 0.5 * h + 0.05)
        n = math.tanh(0.3 * x + 0.03 + r * (0.6 * h + 0.06))     # r after the product, as PyTorch
        h = (1 - z) * n + z * h
        hs.append(h)
    y = layer.forward(np.array([1.0, -2.0]).reshape(1, 2, 1))
    np.testing.assert_allclose(y.ravel(), hs, rtol=1e-14)


# --- against a plain loop of the API description's equations ----------------------------------

def plain_loop(layer, x):
    """Every h_t, computed one step at a time with the API description's formulas."""
    p, h = layer.params, layer.n_hidden
    m, T, _ = x.shape
    sig = lambda z: 1 / (1 + np.exp(-z))                            # noqa: E731
    state, cell, out = np.zeros((m, h)), np.zeros((m, h)), []
    for t in range(T):
        xt = x[:, t]
        if isinstance(layer, nb.GRU):
            gx = xt @ p["W_x"] + p["b_x"]
            gh = state @ p["W_h"] + p["b_h"]
            r, z = sig(gx[:, :h] + gh[:, :h]), sig(gx[:, h:2 * h] + gh[:, h:2 * h])
            n = np.tanh(gx[:, 2 * h:] + r * gh[:, 2 * h:])
            state = (1 - z) * n + z * state
        else:
            a = xt @ p["W_x"] + state @ p["W_h"] + p["b"]
            if isinstance(layer, nb.RNN):
                state = np.tanh(a)
            else:
                i, f, g, o = (a[:, k * h:(k + 1) * h] for k in range(4))
                cell = sig(f) * cell + sig(i) * np.tanh(g)
                state = sig(o) * np.tanh(cell)
        out.append(state)
    return np.stack(out, axis=1)                                     # (m, T, h)


@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
def test_forward_matches_a_plain_loop_and_return_sequences_picks_the_last_step(cls):
    rng = np.random.default_rng(0)
    layer = randomised(cls(3, 5, return_sequences=True, rng=rng), rng)
    x = rng.normal(size=(4, 6, 3))
    every = plain_loop(layer, x)
    y = layer.forward(x)
    assert y.shape == (4, 6, 5)
    np.testing.assert_allclose(y, every, rtol=0, atol=1e-14)
    layer.return_sequences = False
    last = layer.forward(x)
    assert last.shape == (4, 5)
    np.testing.assert_array_equal(last, y[:, -1])
    assert layer.output_shape((6, 3)) == (5,)
    layer.return_sequences = True
    assert layer.output_shape((6, 3)) == (6, 5) and layer.output_shape((None, 3)) == (None, 5)


@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
def test_h0_is_zero(cls):
    """With x = 0 and zero biases every state stays 0 (h_0 = 0, c_0 = 0), and a sequence
    of one step is the cell applied once with no W_h term."""
    rng = np.random.default_rng(1)
    layer = randomised(cls(2, 3, return_sequences=True, rng=rng), rng)
    for k in layer.params:
        if k.startswith("b"):
            layer.params[k][...] = 0
    assert not layer.forward(np.zeros((2, 4, 2))).any()
    x = rng.normal(size=(2, 1, 2))
    W_h = layer.params["W_h"].copy()
    first = layer.forward(x)
    layer.params["W_h"][...] = 1e3 * rng.normal(size=W_h.shape)   # W_h does not matter at t = 1
    np.testing.assert_array_equal(layer.forward(x), first)


def test_the_forget_bias_keeps_the_cell_state():
    """Only the forget bias: f = σ(1) at every step, i = o = ½ and g = 0 after the first
    step, so c_t = σ(1)^(t−1) · c_1."""
    layer = nb.LSTM(1, 1, return_sequences=True)
    layer.params["W_x"][...] = [[0.0, 0.0, 10.0, 0.0]]              # g = tanh(10 x)
    layer.params["W_h"][...] = 0.0
    x = np.zeros((1, 6, 1))
    x[0, 0, 0] = 1.0                                                # one input, at t = 1
    h = layer.forward(x).ravel()
    c = 0.5 * math.tanh(10.0) * sigma(1.0) ** np.arange(6)
    np.testing.assert_allclose(h, 0.5 * np.tanh(c), rtol=1e-14)


# --- initial weights ----------------------------------------------------------------------------------

@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
def test_initial_weights(cls):
    k = GATES[cls]
    layer = cls(6, 4, rng=np.random.default_rng(2))
    P = layer.params
    assert P["W_x"].shape == (6, 4 * k) and P["W_h"].shape == (4, 4 * k)
    assert np.abs(P["W_x"]).max() <= math.sqrt(6 / (6 + 4 * k))       # Xavier uniform, as Dense
    for block in np.split(P["W_h"], k, axis=1):                      # orthogonal per gate
        np.testing.assert_allclose(block.T @ block, np.eye(4), atol=1e-12)
    biases = {key: v for key, v in P.items() if key.startswith("b")}
    assert set(biases) == ({"b_x", "b_h"} if cls is nb.GRU else {"b"})
    expected_b = np.r_[np.zeros(4), np.ones(4), np.zeros(8)] if cls is nb.LSTM else 0
    for v in biases.values():
        assert v.shape == (4 * k,)
        np.testing.assert_array_equal(v, expected_b)
    again = cls(6, 4, rng=np.random.default_rng(2))                  # the rng decides everything
    assert all(np.array_equal(P[key], again.params[key]) for key in P)
    assert set(layer.grads) == set(P) and all(layer.grads[key].shape == P[key].shape for key in P)


# --- dtypes, need_dx, what backward fills ------------------------------------------------------------

@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
def test_float32_computes_in_float32(cls):
    rng = np.random.default_rng(3)
    layer64 = randomised(cls(3, 4, return_sequences=True, rng=rng), rng)
    layer32 = cls(3, 4, return_sequences=True, dtype=np.float32, rng=rng)
    for k, p in layer64.params.items():
        layer32.params[k][...] = p
    assert all(p.dtype == np.float32 for p in layer32.params.values())
    x = rng.normal(size=(2, 5, 3))                                  # float64 data
    y = layer32.forward(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, layer64.forward(x), atol=1e-5)
    dy = rng.normal(size=y.shape)                                   # float64 ∂E/∂y
    dx = layer32.backward(dy)
    assert dx.dtype == np.float32 and all(g.dtype == np.float32 for g in layer32.grads.values())
    np.testing.assert_allclose(dx, layer64.backward(dy), atol=1e-5)


@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
def test_need_dx_false_skips_dx_only(cls):
    rng = np.random.default_rng(4)
    layer = randomised(cls(3, 4, rng=rng), rng)
    x, dy = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 4))
    layer.forward(x)
    dx = layer.backward(dy)
    grads = {k: g.copy() for k, g in layer.grads.items()}
    layer.forward(x)
    assert layer.backward(dy, need_dx=False) is None
    assert all(np.array_equal(layer.grads[k], g) for k, g in grads.items())
    assert dx.shape == x.shape


@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
def test_forward_reads_a_read_only_input_without_changing_it(cls):
    x = np.random.default_rng(5).normal(size=(2, 3, 2))
    kept = x.copy()
    x.flags.writeable = False
    cls(2, 3, return_sequences=True).forward(x)
    np.testing.assert_array_equal(x, kept)


# --- errors -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("make, match", [
    (lambda: nb.LSTM(0, 4), r"^LSTM: expected n_in to be an integer ≥ 1, got 0\.$"),
    (lambda: nb.GRU(3, 2.5), r"^GRU: expected n_hidden to be an integer ≥ 1, got 2\.5\.$"),
    (lambda: nb.RNN(3, 4, return_sequences="yes"),
     r"^RNN\(3 → 4\): expected return_sequences to be True \(every h_t, output \(m, T, 4\)\) "
     r"or False \(the last h_T, output \(m, 4\)\), got 'yes'\.$"),
    (lambda: nb.RNN(3, 4, dtype=np.int32), r"RNN\(3 → 4\): expected a floating dtype"),
    (lambda: nb.LSTM(3, 4, rng=7), r"LSTM\(3 → 4\): expected rng to be a np.random.Generator.*"
                                   r"rng=np.random.default_rng\(7\)"),
])
def test_constructor_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


EXPECTED = r"^LSTM\(3 → 4\): expected input of shape \(m, T, 3\) \(samples, time steps, features\), "


@pytest.mark.parametrize("x, layer, match", [
    (np.zeros((5, 3)), nb.LSTM(3, 4),
     EXPECTED + r"got \(5, 3\)\. A 2-D input \(m, n_in\) is not a batch of sequences\. If the layer "
                r"before this one is an RNN, LSTM or GRU, give it return_sequences=True: .* For "
                r"data: use x\[None\] for one sequence of 5 steps, or x\[:, None, :\] for 5 "
                r"sequences of one step\.$"),
    (np.zeros((5, 7)), nb.LSTM(1, 4),
     r"expected input of shape \(m, T, 1\).*got \(5, 7\)\. A 2-D input \(m, T\) with one feature per "
     r"step needs its feature axis: x\[:, :, None\]\.$"),
    (np.zeros((5, 7), dtype=int), nb.LSTM(3, 4),
     EXPECTED + r"got \(5, 7\)\. A 2-D array of integers looks like token ids \(m, T\): put an "
                r"Embedding\(vocab_size, 3\) before this layer\.$"),
    (np.zeros((5, 7)), nb.LSTM(3, 4), EXPECTED + r"got \(5, 7\)\. A 2-D input \(m, d\) is not a batch"),
    (np.zeros((2, 8, 8, 1)), nb.LSTM(3, 4),
     EXPECTED + r"got \(2, 8, 8, 1\)\. Images \(m, h, w, c\) read row by row are sequences of h steps: "
                r"x\.reshape\(m, h, w \* c\), with LSTM\(w \* c, 4\)\.$"),
    (np.zeros((2, 5, 2)), nb.LSTM(3, 4),
     EXPECTED + r"got \(2, 5, 2\)\. Each step has 2 features: check the previous layer's output size "
                r"\(or the data\), or build LSTM\(2, 4\)\.$"),
    (np.zeros((2, 0, 3)), nb.LSTM(3, 4), EXPECTED + r"got \(2, 0, 3\)\. The sequences have no time steps"),
    (np.zeros(3), nb.LSTM(3, 4), EXPECTED + r"got \(3,\)\. A batch of sequences is \(samples, time"),
    (np.full((1, 2, 3), "a"), nb.LSTM(3, 4), EXPECTED + r"got \(1, 2, 3\)\. Got dtype <U1: pass numbers"),
])
def test_forward_errors(x, layer, match):
    with pytest.raises(ValueError, match=match):
        layer.forward(x)


@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
def test_backward_errors(cls):
    layer = cls(3, 4)
    with pytest.raises(ValueError, match=rf"^{cls.__name__}\(3 → 4\): backward\(\) was called before "
                                         r"forward\(\)"):
        layer.backward(np.zeros((2, 4)))
    layer.forward(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match=r"expected dy of shape \(2, 4\) \(the shape of the last forward "
                                         r"output\), got \(2, 5, 4\)"):
        layer.backward(np.zeros((2, 5, 4)))          # every step, but return_sequences=False
    layer.return_sequences = True
    layer.forward(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match=r"expected dy of shape \(2, 5, 4\).*got \(2, 4\)"):
        layer.backward(np.zeros((2, 4)))


def test_output_shape_errors_and_a_model_that_does_not_fit():
    layer = nb.GRU(3, 4)
    with pytest.raises(ValueError, match=r"^GRU\(3 → 4\): expected samples of shape \(T, 3\) \(time "
                                         r"steps, features\), got \(7, 2\)\. The previous layer \(or the "
                                         r"data\) gives 2 features per step: use GRU\(2, 4\)\.$"):
        layer.output_shape((7, 2))
    with pytest.raises(ValueError, match=r"got \(3,\)\. Each sample must be a sequence of vectors"):
        layer.output_shape((3,))
    with pytest.raises(ValueError, match=r"got \(8, 8, 1\)\. Images \(h, w, c\) read row by row"):
        layer.output_shape((8, 8, 1))
    with pytest.raises(ValueError, match=r"layer 1 does not fit.*RNN\(5 → 2\): expected samples of "
                                         r"shape \(T, 5\).*got \(7, 4\)"):
        nb.Sequential([nb.LSTM(3, 4, return_sequences=True), nb.RNN(5, 2)], input_shape=(7, 3))


# --- models: config, saving, training --------------------------------------------------------------

def test_config_repr_and_registry():
    layer = nb.LSTM(8, 16, return_sequences=True)
    assert repr(layer) == "LSTM(8 → 16)"
    assert layer.get_config() == {"n_in": 8, "n_hidden": 16, "return_sequences": True}
    for cls in KINDS:
        assert nb.registry.lookup(cls.__name__) is cls


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_save_and_load_give_the_same_predictions(tmp_path, dtype):
    rng = np.random.default_rng(6)
    model = nb.Sequential([nb.GRU(3, 6, return_sequences=True, rng=rng, dtype=dtype),
                           nb.LSTM(6, 5, return_sequences=True, rng=rng, dtype=dtype),
                           nb.RNN(5, 4, rng=rng, dtype=dtype), nb.Dense(4, 2, rng=rng, dtype=dtype)])
    for layer in model.layers:
        randomised(layer, rng)
    model.compile("adam", "mse")
    x = rng.normal(size=(5, 7, 3))
    model.fit(x, rng.normal(size=(5, 2)), epochs=2, verbose=0, rng=rng)   # optimizer state too
    model.save(tmp_path / "m.npz")
    back = nb.load_model(tmp_path / "m.npz")
    assert [repr(layer) for layer in back.layers] == [repr(layer) for layer in model.layers]
    assert [layer.get_config() for layer in back.layers] == [layer.get_config() for layer in model.layers]
    assert back.dtype == dtype
    np.testing.assert_array_equal(back.predict(x), model.predict(x))


@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
def test_fit_lowers_the_loss_of_a_tiny_sequence_model(cls):
    """One step ahead on sine waves: the next value from the last 10."""
    rng = np.random.default_rng(7)
    freq, phase = rng.uniform(0.3, 0.6, (128, 1)), rng.uniform(0, 2 * np.pi, (128, 1))
    wave = np.sin(freq * np.arange(11) + phase)
    x, y = wave[:, :10, None], wave[:, 10:]
    model = nb.Sequential([cls(1, 8, rng=rng), nb.Dense(8, 1, rng=rng)], input_shape=(10, 1))
    model.compile(nb.Adam(lr=0.01), "mse")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=30, batch_size=32, verbose=0, rng=rng)
    after = model.evaluate(x, y, verbose=0)
    assert after < 0.1 * before, (before, after)


@pytest.mark.parametrize("first, second", [(nb.LSTM, nb.GRU), (nb.GRU, nb.RNN), (nb.RNN, nb.LSTM),
                                           (nb.LSTM, nb.LSTM)])
def test_stacking_without_return_sequences_names_it(first, second):
    x = np.random.default_rng(0).normal(size=(3, 6, 4))
    model = nb.Sequential([first(4, 5), second(5, 2)])
    with pytest.raises(ValueError, match=rf"{second.__name__}\(5 → 2\): expected input of shape "
                                         r"\(m, T, 5\).*got \(3, 5\)\..*give it return_sequences=True"):
        model.predict(x)
    with pytest.raises(ValueError, match=r"layer 1 does not fit.*got \(5,\)\..*return_sequences=True"):
        nb.Sequential([first(4, 5), second(5, 2)], input_shape=(6, 4))
    stacked = nb.Sequential([first(4, 5, return_sequences=True), second(5, 2)])
    assert stacked.predict(x).shape == (3, 2)                          # the fix works


def test_embedded_ids_with_a_feature_axis_are_not_called_images():
    model = nb.Sequential([nb.Embedding(10, 4), nb.LSTM(4, 3)])
    ids = np.zeros((2, 6, 1), int)
    with pytest.raises(ValueError, match=r"LSTM\(4 → 3\): .*got \(2, 6, 1, 4\)\. If these are an "
                                         r"Embedding's vectors of token ids shaped \(m, T, 1\), pass "
                                         r"the ids as \(m, T\): ids\[\.\.\., 0\]"):
        model.forward(ids)


def test_an_input_shape_with_a_feature_axis_for_token_ids_is_named():
    with pytest.raises(ValueError, match=r"LSTM\(4 → 3\): expected samples of shape \(T, 4\).*got "
                                         r"\(6, 1, 4\)\. If an Embedding comes before this one, give "
                                         r"the model input_shape=\(T,\)"):
        nb.Sequential([nb.Embedding(10, 4), nb.LSTM(4, 3)], input_shape=(6, 1))
    assert nb.Sequential([nb.Embedding(10, 4), nb.LSTM(4, 3)],
                         input_shape=(6,)).output_shapes()[-1] == (3,)


@pytest.mark.parametrize("cls", [nb.RNN, nb.LSTM, nb.GRU])
def test_a_third_positional_argument_is_refused_by_name(cls):
    name = cls.__name__
    with pytest.raises(ValueError, match=rf"^{name}: got 3 positional arguments \(1, 2, 3\), "
                                         rf"expected two, {name}\(n_in, n_hidden\); pass the "
                                         rf"others by keyword, e\.g\. {name}\(1, 2, "
                                         rf"return_sequences=True\)\.$"):
        cls(1, 2, 3)
