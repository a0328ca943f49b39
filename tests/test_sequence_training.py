"""Training on sequences (chapters 17–18): CrossEntropy over predictions (m, T, V) with integer
targets (m, T) or one-hot (m, T, V), the mean over m·T positions, its gradient (with logits,
and through a final Softmax), per-position accuracy, and a small character model that starts
with an Embedding, trains on integer ids, saves and loads."""

import math

import numpy as np
import pytest

import nnbook as nb

P = np.array([[[0.5, 0.25, 0.25], [0.1, 0.8, 0.1]],
              [[0.2, 0.2, 0.6], [1 / 3, 1 / 3, 1 / 3]]])        # (m, T, V) = (2, 2, 3)
LABELS = np.array([[0, 1], [2, 0]])


def test_the_loss_is_the_mean_over_all_positions():
    expected = -(math.log(0.5) + math.log(0.8) + math.log(0.6) + math.log(1 / 3)) / 4
    ce = nb.CrossEntropy()
    assert ce(LABELS, P) == pytest.approx(expected, rel=1e-12)
    assert ce(nb.data.one_hot(LABELS.ravel(), 3).reshape(2, 2, 3), P) == pytest.approx(expected)
    assert ce(LABELS[..., None], P) == pytest.approx(expected)                # (m, T, 1) labels
    z = np.log(P) + 1.5                                                      # logits of P
    assert nb.CrossEntropy(from_logits=True)(LABELS, z) == pytest.approx(expected, rel=1e-12)


def test_gradients_over_positions():
    rng = np.random.default_rng(0)
    z, y = rng.standard_normal((3, 4, 5)), rng.integers(0, 5, (3, 4))
    Y = nb.data.one_hot(y.ravel(), 5).reshape(3, 4, 5)
    logits = nb.CrossEntropy(from_logits=True)
    np.testing.assert_allclose(logits.grad(y, z), (nb.softmax(z) - Y) / 12, rtol=1e-12)
    numeric = nb.numerical_gradient(lambda v: logits(y, v), z.copy())
    np.testing.assert_allclose(logits.grad(y, z), numeric, rtol=1e-6, atol=1e-10)
    softmax = nb.Softmax()                                   # the chain through a final Softmax
    p = softmax.forward(z)
    chain = softmax.backward(nb.CrossEntropy().grad(y, p))   # ∂L/∂p = −y/(p·m·T), then Jacobian
    np.testing.assert_allclose(chain, (p - Y) / 12, rtol=1e-9, atol=1e-15)


def char_model(seed, softmax=False, V=6, T=5, d=8):
    rng = np.random.default_rng(seed)
    layers = [nb.Embedding(V, d, rng=rng), nb.PositionalEmbedding(T, d, rng=rng),
              nb.TransformerBlock(d, 2, 16, rng=rng), nb.Dense(d, V, rng=rng)]
    return nb.Sequential(layers + [nb.Softmax()] * softmax)


def test_a_final_softmax_gives_the_gradient_of_the_logits_model():
    rng = np.random.default_rng(1)
    ids, y = rng.integers(0, 6, (4, 5)), rng.integers(0, 6, (4, 5))
    probs, logits = char_model(2, softmax=True), char_model(2)
    probs.compile("sgd", nb.CrossEntropy())
    logits.compile("sgd", nb.CrossEntropy(from_logits=True))
    yt = probs.loss.targets("test", y, (5, 6), np.float64)
    lp, _ = probs.compute_gradients(ids, yt)
    ll, _ = logits.compute_gradients(ids, yt)
    assert lp == pytest.approx(ll, rel=1e-12)
    for k in logits.grads:
        np.testing.assert_allclose(probs.grads[k], logits.grads[k], rtol=1e-9, atol=1e-14)
    # the fused gradient (p − y)/n averages over the m·T positions, as the loss does,
    # and the loss decides that from what it declares, not from the layer's state
    assert probs.loss.fuses(probs.layers[-1]) and nb.CrossEntropy().fuses(nb.Softmax())
    p = probs.forward(ids)
    np.testing.assert_allclose(probs.loss.fused_gradient(yt, p), (p - yt) / (4 * 5))


def test_accuracy_is_per_position():
    model = nb.Sequential([nb.Embedding(3, 3)])
    model.layers[0].params["W"][...] = np.eye(3)                     # predicts its input
    model.compile("sgd", nb.CrossEntropy(from_logits=True), metrics=["accuracy"])
    ids = np.array([[0, 1, 2], [2, 2, 1]])
    loss, acc = model.evaluate(ids, np.array([[0, 1, 0], [2, 1, 1]]))
    assert acc == pytest.approx(4 / 6)


def test_a_character_model_trains_on_ids_and_saves(tmp_path):
    rng = np.random.default_rng(3)
    x = rng.integers(0, 6, (96, 5))
    y = (x + np.arange(5)) % 6                                       # depends on the position
    model = char_model(4)
    model.compile(nb.Adam(lr=0.01), nb.CrossEntropy(from_logits=True), metrics=["accuracy"])
    history = model.fit(x, y, epochs=25, batch_size=16, verbose=0, rng=rng)
    losses = history.history["loss"]
    assert losses[-1] < losses[0] / 5 and history.history["accuracy"][-1] > 0.9
    assert model.predict(x[:3]).shape == (3, 5, 6)
    one_hot = nb.data.one_hot(y.ravel(), 6).reshape(96, 5, 6)
    assert model.evaluate(x, one_hot)[0] == pytest.approx(model.evaluate(x, y)[0], rel=1e-12)
    back = nb.load_model(model.save(tmp_path / "chars"))
    assert "2.attn.W_q" in back.params and back.layers[2].causal
    np.testing.assert_array_equal(back.predict(x), model.predict(x))
    before = model.get_weights()
    back.fit(x, y, epochs=1, batch_size=16, verbose=0, rng=np.random.default_rng(5))
    model.fit(x, y, epochs=1, batch_size=16, verbose=0, rng=np.random.default_rng(5))
    for a, b in zip(back.get_weights(), model.get_weights()):       # the optimizer state too
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_sequence_target_errors():
    ce = nb.CrossEntropy()
    with pytest.raises(ValueError, match=r"got integer labels of shape \(2, 3\) for predictions "
                                         r"of shape \(2, 2, 3\); expected \(2, 2\)"):
        ce(np.zeros((2, 3), int), P)
    with pytest.raises(ValueError, match=r"label 3 is outside \[0, 3\)"):
        ce(np.array([[0, 1], [3, 0]]), P)
    with pytest.raises(ValueError, match=r"y has shape \(2, 2, 4\) but the predictions have shape "
                                         r"\(2, 2, 3\); expected one-hot \(2, 2, 3\) or integer "
                                         r"labels \(2, 2\)\. Pass one-hot targets \(m, T, V\)"):
        ce(np.zeros((2, 2, 4)), P)
    bad = nb.data.one_hot(LABELS.ravel(), 3).reshape(2, 2, 3)
    bad[1, 0] = [0.5, 0.0, 0.0]
    with pytest.raises(ValueError, match=r"but position \(1, 0\) is \[0\.5 0\.  0\. \]"):
        ce(bad, P)
    with pytest.raises(ValueError, match=r"expected y_pred of shape \(m, k\).*or \(m, T, k\) for "
                                         r"sequences, got \(3,\)"):
        ce(np.zeros(3), np.ones(3))
    model = char_model(6)
    model.compile("sgd", nb.CrossEntropy(from_logits=True))
    with pytest.raises(ValueError, match=r"Sequential.fit: got integer labels of shape \(4, 4\)"):
        model.fit(np.zeros((4, 5), int), np.zeros((4, 4), int), verbose=0)
