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


def test_a_training_forward_drops_the_last_steps_part_and_an_inference_forward_does_not():
    """The Unembedding's part of ∂E/∂W from one step must not leak into the next: its
    training forward drops it, even with no embedding forward in between (without that,
    the embedding's backward below would add the stale part). An inference forward (one per
    generated token) leaves the parts alone: between the two backwards of a step it used
    to drop the Unembedding's part, so the step trained W on the lookup's part alone."""
    rng = np.random.default_rng(5)
    emb = nb.Embedding(6, 3, rng=rng)
    out = nb.Unembedding(emb)
    ids, dy = rng.integers(0, 6, (2, 4)), rng.standard_normal((2, 4, 6))
    x = emb.forward(ids)
    own = np.zeros((6, 3))
    np.add.at(own, ids.ravel(), dy[..., :3].reshape(-1, 3))   # the lookup's part for dx below
    both = own + dy.reshape(-1, 6).T @ x.reshape(-1, 3)
    out.training = True
    out.forward(x)
    out.backward(dy)                                        # step 1: the Unembedding's part
    out.forward(x)                                          # step 2 starts: that part is stale
    emb.backward(dy[..., :3])
    np.testing.assert_allclose(emb.grads["W"], own, rtol=1e-13)
    emb.forward(ids)
    out.forward(x)
    out.backward(dy)
    out.training = False
    out.forward(x)                                          # an inference forward in between
    emb.backward(dy[..., :3])
    np.testing.assert_allclose(emb.grads["W"], both, rtol=1e-13)


def test_a_tied_gradient_does_not_leak_from_one_step_into_the_next():
    rng = np.random.default_rng(6)
    model, twin = tied_model(np.random.default_rng(7)), tied_model(np.random.default_rng(7))
    loss = nb.CrossEntropy(from_logits=True)
    a, b = rng.integers(0, 7, (3, 5)), rng.integers(0, 7, (3, 5))

    def step(m, ids):                                       # forward, loss, backward
        m.backward(loss.grad(ids, m.forward(ids, training=True)))

    step(model, a)
    model.predict(a)                                        # inference between the steps
    step(model, b)
    step(twin, b)                                           # the second batch alone
    np.testing.assert_array_equal(model.layers[0].grads["W"], twin.layers[0].grads["W"])


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


# ---- the tied start (issue 42, item 1): a tied model starts near ln V ----

def readme_lm(rng, V=400, d=64, n_blocks=2):
    """README's Part IV model, spelled with the block's keywords (TransformerBlock.modern's)."""
    emb = nb.Embedding(V, d, rng=rng)
    blocks = [nb.TransformerBlock(d, 4, 8 * d // 3, norm="rmsnorm", ffn="swiglu", rope=True,
                                  n_kv_heads=2, bias=False, rng=rng) for _ in range(n_blocks)]
    return nb.Sequential([emb, *blocks, nb.RMSNorm(d), nb.Unembedding(emb)])


@pytest.mark.parametrize("seed", range(3))
def test_a_tied_model_starts_within_a_tenth_of_a_nat_of_ln_v(seed):
    # N(0, 1) rows as the output layer gave logits of std ≈ √d after the norm: 47–63 nats
    rng = np.random.default_rng(seed)
    V = 400
    model = readme_lm(rng, V=V)
    model.compile(optimizer=nb.AdamW(), loss=nb.CrossEntropy(from_logits=True))
    x, y = rng.integers(0, V, (8, 32)), rng.integers(0, V, (8, 32))
    assert abs(model.evaluate(x, y, verbose=0) - np.log(V)) < 0.1
    assert np.std(model.layers[0].params["W"]) == pytest.approx(nb.Embedding.TIED_STD, rel=0.05)


def test_the_modern_preset_is_the_five_keywords():
    a = nb.TransformerBlock.modern(64, 4, rng=np.random.default_rng(0))
    b = readme_lm(np.random.default_rng(0), n_blocks=1).layers[1]
    assert a.get_config() == b.get_config()
    assert nb.TransformerBlock.modern(48, 3).n_kv_heads == 3          # odd: no grouping
    assert nb.TransformerBlock.modern(64, 4, n_kv_heads=4, bias=True).bias


def test_only_a_fresh_default_embedding_is_rescaled_when_tied():
    rng = np.random.default_rng(3)
    plain = nb.Embedding(50, 16, rng=np.random.default_rng(3))
    emb = nb.Embedding(50, 16, rng=rng)
    W = emb.params["W"]
    nb.Unembedding(emb)
    assert emb.params["W"] is W                                      # in place
    np.testing.assert_allclose(W, 0.02 * plain.params["W"], rtol=1e-15)
    nb.Unembedding(emb)                                              # once only
    np.testing.assert_allclose(W, 0.02 * plain.params["W"], rtol=1e-15)
    untied = nb.Embedding(50, 16, rng=np.random.default_rng(3))      # untied: N(0, 1)
    np.testing.assert_array_equal(untied.params["W"], plain.params["W"])
    chosen = nb.Embedding(50, 16, std=0.5, rng=np.random.default_rng(3))
    nb.Unembedding(chosen)                                           # a chosen std stays
    np.testing.assert_allclose(chosen.params["W"], 0.5 * plain.params["W"], rtol=1e-15)
    assert chosen.std == 0.5 and plain.std is None and "std" not in chosen.get_config()
    edited = nb.Embedding(50, 16, rng=rng)
    edited.params["W"][...] = plain.params["W"]                      # a user's own matrix
    nb.Unembedding(edited)
    np.testing.assert_array_equal(edited.params["W"], plain.params["W"])
    with pytest.raises(ValueError, match=r"Embedding: std must be a positive number.*got 0"):
        nb.Embedding(5, 2, std=0)


def test_a_loaded_tied_model_keeps_its_trained_matrix(tmp_path):
    rng = np.random.default_rng(4)
    model = readme_lm(rng, V=30, d=16, n_blocks=1)
    model.compile(optimizer=nb.AdamW(lr=0.01), loss=nb.CrossEntropy(from_logits=True))
    x = rng.integers(0, 30, (4, 8))
    model.fit(x, np.roll(x, -1, axis=1), epochs=2, batch_size=4, verbose=0, rng=rng)
    model.save(tmp_path / "lm.npz")
    loaded = nb.load_model(tmp_path / "lm.npz")
    np.testing.assert_array_equal(loaded.layers[0].params["W"], model.layers[0].params["W"])
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
