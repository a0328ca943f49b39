"""Tied embeddings (chapter 20): Unembedding's logits are x Wᵀ, the shared gradient is the
sum of both uses (finite differences, and either backward order), the optimizer moves W
once, the count and the file keep one W and the tie, and the errors."""

import numpy as np
import pytest

import nnbook as nb


def tied_model(rng, V=7, d=4):
    emb = nb.Embedding(V, d, rng=rng)
    return nb.Sequential([emb, nb.TransformerBlock(d, 2, 8, rng=rng), nb.Unembedding(emb)])


def test_logits_are_x_times_w_transposed():
    rng = np.random.default_rng(0)
    emb = nb.Embedding(5, 3, rng=rng)
    out = nb.Unembedding(emb)
    x = rng.standard_normal((2, 4, 3))
    np.testing.assert_allclose(out.forward(x), x @ emb.params["W"].T, rtol=1e-14)
    assert out.output_shape((4, 3)) == (4, 5) and out.params == {}
    emb.params["W"][...] = 2 * emb.params["W"]              # the live matrix is read each time
    np.testing.assert_allclose(out.forward(x), x @ emb.params["W"].T, rtol=1e-14)


def test_the_shared_gradient_is_the_sum_of_both_uses_by_finite_differences():
    rng = np.random.default_rng(1)
    model = tied_model(rng)
    ids, y = rng.integers(0, 7, (3, 5)), rng.integers(0, 7, (3, 5))
    errors = nb.check_gradients(model, ids, loss=nb.CrossEntropy(from_logits=True), y=y)
    assert "0.W" in errors and "2.W" not in errors
    errors.pop("1.attn.b_k")                                # exactly 0 (chapter 17)
    assert max(errors.values()) < 1e-7, errors


def test_either_backward_order_gives_the_sum():
    rng = np.random.default_rng(2)
    emb = nb.Embedding(6, 3, rng=rng)
    out = nb.Unembedding(emb)
    ids = rng.integers(0, 6, (2, 4))
    x = emb.forward(ids)
    out.forward(x)
    dy = rng.standard_normal((2, 4, 6))
    own = np.zeros((6, 3))
    dx = out.backward(dy)
    np.add.at(own, ids.ravel(), dx.reshape(-1, 3))          # the lookup's part
    want = own + dy.reshape(-1, 6).T @ x.reshape(-1, 3)     # + the output layer's part
    emb.backward(dx)                                        # the usual order: output first
    np.testing.assert_allclose(emb.grads["W"], want, rtol=1e-13)
    emb.forward(ids), out.forward(x)
    emb.backward(dx)                                        # the other order
    out.backward(dy)
    np.testing.assert_allclose(emb.grads["W"], want, rtol=1e-13)
    emb.forward(ids)                                        # no Unembedding backward since
    out.forward(x)
    emb.backward(dx)
    np.testing.assert_allclose(emb.grads["W"], own, rtol=1e-13)


def test_an_old_unembedding_of_the_same_embedding_adds_nothing():
    # a notebook cell run twice builds a second Unembedding on the same Embedding
    rng = np.random.default_rng(12)
    emb = nb.Embedding(6, 3, rng=rng)
    ids, dy = rng.integers(0, 6, (2, 4)), rng.standard_normal((2, 4, 6))
    for _ in range(2):
        model = nb.Sequential([emb, nb.Unembedding(emb)])
        model.forward(ids)
        model.backward(dy)
    fresh = nb.Embedding(6, 3, rng=rng)
    fresh.params["W"][...] = emb.params["W"]
    once = nb.Sequential([fresh, nb.Unembedding(fresh)])
    once.forward(ids)
    once.backward(dy)
    np.testing.assert_allclose(emb.grads["W"], fresh.grads["W"], rtol=1e-14)
    import copy
    twin = copy.deepcopy(model)
    assert twin.layers[1].embedding is twin.layers[0] and list(twin.layers[0]._tied)
    twin.forward(ids)
    twin.backward(dy)
    np.testing.assert_allclose(twin.layers[0].grads["W"], fresh.grads["W"], rtol=1e-14)


def test_the_optimizer_moves_the_shared_matrix_once():
    rng = np.random.default_rng(3)
    model = tied_model(rng)
    model.compile(nb.SGD(lr=0.1), nb.CrossEntropy(from_logits=True))
    ids, y = rng.integers(0, 7, (3, 5)), rng.integers(0, 7, (3, 5))
    before = model.layers[0].params["W"].copy()
    model.backward(model.loss.grad(y, model.forward(ids, training=True)))
    grad = model.layers[0].grads["W"].copy()
    assert sum(p is model.layers[0].params["W"] for p, _ in model.gradient_pairs()) == 1
    model.optimizer.step(model.gradient_pairs())
    np.testing.assert_allclose(model.layers[0].params["W"], before - 0.1 * grad, rtol=1e-14)
    assert model.count_params() == 7 * 4 + sum(p.size for p in model.layers[1].params.values())


def test_save_and_load_keep_the_tie(tmp_path):
    rng = np.random.default_rng(4)
    model = tied_model(rng)
    model.compile(nb.AdamW(lr=0.01), nb.CrossEntropy(from_logits=True))
    ids, y = rng.integers(0, 7, (4, 5)), rng.integers(0, 7, (4, 5))
    model.fit(ids, y, epochs=2, batch_size=2, verbose=0, rng=np.random.default_rng(0))
    path = model.save(tmp_path / "tied")
    with np.load(path) as data:
        assert sorted(k for k in data.files if k.endswith(".W")) == ["0.W"]
    back = nb.load_model(path)
    assert back.layers[2].embedding is back.layers[0]
    np.testing.assert_array_equal(back.predict(ids), model.predict(ids))
    for m in (model, back):
        m.fit(ids, y, epochs=1, batch_size=2, verbose=0, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(back.layers[0].params["W"], model.layers[0].params["W"])


def test_an_unembedding_whose_embedding_is_not_in_the_model_is_refused_at_build():
    """Its head would never move: the optimizer trains the model's params, and W is not
    among them. Refused by add (so by the constructor) and by fit after a direct change."""
    rng = np.random.default_rng(5)
    emb, other = nb.Embedding(5, 3, rng=rng), nb.Embedding(5, 3, rng=rng)
    with pytest.raises(ValueError, match=r"Sequential: layer 1 \(Unembedding\(3 → 5, tied\)\) "
                                         r"is tied to Embedding\(5 → 3\) \(embedding=\), which "
                                         r"is not an earlier layer of this model.*never train.*"
                                         r"nb.Unembedding\(model.layers\[0\]\)"):
        nb.Sequential([other, nb.Unembedding(emb)])
    with pytest.raises(ValueError, match=r"layer 1 \(Unembedding.*not an earlier layer"):
        nb.Sequential([nb.Dense(2, 3, rng=rng), nb.Unembedding(emb)])
    model = nb.Sequential([emb, nb.Unembedding(emb)])
    model.layers[0] = other                              # changed directly: fit checks again
    model.compile("sgd", nb.CrossEntropy(from_logits=True))
    ids = rng.integers(0, 5, (2, 3))
    with pytest.raises(ValueError, match=r"not an earlier layer of this model.*model.layers "
                                         r"was changed directly"):
        model.fit(ids, ids, verbose=0)


def test_saving_an_unembedding_whose_embedding_is_not_in_the_model_is_refused(tmp_path):
    emb = nb.Embedding(5, 3, rng=np.random.default_rng(5))
    model = nb.Sequential([emb, nb.Unembedding(emb)])
    model.layers[0] = nb.Embedding(5, 3, rng=np.random.default_rng(6))   # unchecked change
    with pytest.raises(ValueError, match=r"Sequential.save: layer 1 \(Unembedding\(3 → 5, tied\)\) "
                                         r"uses Embedding\(5 → 3\) \(embedding=\), which is not "
                                         r"an earlier layer of this model"):
        model.save(tmp_path / "x")


def test_errors_are_named():
    with pytest.raises(ValueError, match=r"Unembedding: expected the model's Embedding layer, got "
                                         r"Dense\(3 → 2\)\. Build it from that layer"):
        nb.Unembedding(nb.Dense(3, 2, rng=np.random.default_rng(0)))
    with pytest.raises(ValueError, match="got the class Embedding"):
        nb.Unembedding(nb.Embedding)
    out = nb.Unembedding(nb.Embedding(5, 3, rng=np.random.default_rng(0)))
    with pytest.raises(ValueError, match=r"backward\(\) was called before forward"):
        out.backward(np.ones((1, 2, 5)))
    with pytest.raises(ValueError, match=r"Unembedding\(3 → 5, tied\): expected input of shape "
                                         r"\(m, T, 3\) \(the embedding's dim\), got \(1, 2, 4\)"):
        out.forward(np.ones((1, 2, 4)))
    out.forward(np.ones((1, 2, 3)))
    with pytest.raises(ValueError, match=r"expected dy of shape \(1, 2, 5\)"):
        out.backward(np.ones((1, 2, 3)))
