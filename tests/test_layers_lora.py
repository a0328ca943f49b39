"""``LoRA`` (chapter 22): y = x W + b + (α/r)·x A B around a Dense, hand-computed; the
output equals the Dense's at the start; ``fit`` trains A and B only; ``merge`` gives a plain
Dense with the same outputs; counts, saving and every message. Finite differences of its
backward are rows of tests/test_gradients.py."""

import numpy as np
import pytest

import nnbook as nb


def small_lora(alpha=None):
    dense = nb.Dense(2, 3, rng=np.random.default_rng(0))
    dense.params["W"][...] = [[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]]
    dense.params["b"][...] = [0.5, 0.0, -0.5]
    lora = nb.LoRA(dense, 1, alpha=alpha, rng=np.random.default_rng(1))
    lora.params["A"][...] = [[1.0], [2.0]]
    lora.params["B"][...] = [[1.0, -1.0, 0.5]]
    return lora


def test_forward_by_hand():
    x = np.array([[1.0, 1.0], [2.0, 0.0]])
    # x W + b = [[1.5, 1, 0.5], [2.5, 0, 3.5]]; x A = [[3], [2]]; (x A) B = [[3,-3,1.5],[2,-2,1]]
    assert np.allclose(small_lora().forward(x), [[4.5, -2.0, 2.0], [4.5, -2.0, 4.5]], atol=0)
    # alpha = 2 with r = 1: the correction counts twice
    assert np.allclose(small_lora(alpha=2).forward(x), [[7.5, -5.0, 3.5], [6.5, -4.0, 5.5]],
                       atol=0)


def test_backward_by_hand():
    lora, x = small_lora(), np.array([[1.0, 1.0]])
    lora.forward(x)
    dx = lora.backward(np.array([[1.0, 0.0, 0.0]]))
    # dh = dy Bᵀ = 1; dA = xᵀ dh = [[1], [1]]; dB = hᵀ dy = 3·[1, 0, 0]; dx = dy Wᵀ + dh Aᵀ
    assert np.allclose(lora.grads["A"], [[1.0], [1.0]], atol=0)
    assert np.allclose(lora.grads["B"], [[3.0, 0.0, 0.0]], atol=0)
    assert np.allclose(dx, [[1.0 + 1.0, 0.0 + 2.0]], atol=0)


@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4)])
def test_output_equals_the_dense_at_the_start(shape):
    rng = np.random.default_rng(2)
    dense = nb.Dense(4, 3, rng=rng)
    x = rng.standard_normal(shape)
    lora = nb.LoRA(dense, 2, rng=rng)
    assert np.array_equal(lora.forward(x), dense.forward(x))
    assert lora.params["A"].shape == (4, 2) and np.array_equal(lora.params["B"], np.zeros((2, 3)))
    assert lora.params["W"] is dense.params["W"]      # wrapped, not copied


@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4)])
def test_merge_gives_a_plain_dense_with_the_same_outputs(shape):
    rng = np.random.default_rng(3)
    lora = nb.LoRA(nb.Dense(4, 3, rng=rng), 2, alpha=6.0, rng=rng)
    lora.params["B"][...] = rng.standard_normal((2, 3))
    merged = lora.merge()
    x = rng.standard_normal(shape)
    assert type(merged) is nb.Dense
    assert np.abs(merged.forward(x) - lora.forward(x)).max() < 1e-12
    assert np.abs(merged.forward(x) - lora.dense.forward(x)).max() > 0.1


def test_fit_trains_a_and_b_only_and_the_counts_say_so(capsys):
    rng = np.random.default_rng(4)
    base = nb.Dense(6, 5, rng=rng)
    W, b = np.array(base.params["W"]), np.array(base.params["b"])
    model = nb.Sequential([nb.LoRA(base, 2, rng=rng), nb.Tanh(), nb.Dense(5, 1, rng=rng)])
    assert model.count_params(trainable=False) == 6 * 5 + 5
    assert model.count_params(trainable=True) == 2 * (6 + 5) + 5 + 1
    model.compile(nb.Adam(0.01), "mse")
    model.fit(rng.standard_normal((32, 6)), rng.standard_normal((32, 1)), epochs=2, verbose=0)
    lora = model.layers[0]
    assert np.array_equal(lora.params["W"], W) and np.array_equal(lora.params["b"], b)
    assert np.abs(lora.params["B"]).max() > 0
    model.summary()
    assert "Frozen params: 35" in capsys.readouterr().out


def test_a_frozen_lora_trains_nothing():
    rng = np.random.default_rng(5)
    model = nb.Sequential([nb.LoRA(nb.Dense(3, 2, rng=rng), 1, rng=rng)])
    model.layers[0].trainable = False
    assert model.count_params(trainable=True) == 0
    model.compile("sgd", "mse")
    model.compute_gradients(np.ones((2, 3)), np.ones((2, 2)))
    assert model.gradient_pairs() == []


def test_saved_and_loaded_with_the_same_outputs(tmp_path):
    rng = np.random.default_rng(6)
    lora = nb.LoRA(nb.Dense(3, 4, rng=rng), 2, alpha=1.0, rng=rng)
    lora.params["B"][...] = rng.standard_normal((2, 4))
    model = nb.Sequential([lora])
    loaded = nb.load_model(model.save(tmp_path / "lora"))
    got = loaded.layers[0]
    assert type(got) is nb.LoRA and got.rank == 2 and got.alpha == 1.0
    x = rng.standard_normal((4, 3))
    assert np.array_equal(got.forward(x), lora.forward(x))
    assert got.frozen_params == ("W", "b")


def test_float32_dense_gives_a_float32_lora():
    rng = np.random.default_rng(7)
    lora = nb.LoRA(nb.Dense(3, 2, dtype=np.float32, rng=rng), 2, rng=rng)
    assert {p.dtype for p in lora.params.values()} == {np.dtype(np.float32)}
    assert lora.merge().params["W"].dtype == np.float32


def test_repr_and_config():
    lora = small_lora(alpha=2)
    assert repr(lora) == "LoRA(2 → 3, rank=1, alpha=2)"
    assert lora.get_config() == {"dense": {"n_in": 2, "n_out": 3}, "rank": 1, "alpha": 2.0}
    assert lora.scale == 2.0 and small_lora().scale == 1.0


@pytest.mark.parametrize("dense, rank, alpha, message", [
    (nb.ReLU(), 2, None, r"LoRA: expected a Dense layer to wrap, got ReLU\(\).*LoRA\(model"),
    (nb.Dense(2, 2), 0, None, r"LoRA.*rank"),
    (nb.Dense(2, 2), 1.5, None, r"LoRA.*rank"),
    (nb.Dense(2, 2), 1, 0.0, r"LoRA: alpha must be a positive number or None"),
    (nb.Dense(2, 2), 1, float("nan"), r"LoRA: alpha must be a positive number"),
    (nb.Dense(2, 2), 1, True, r"LoRA: alpha must be a positive number"),
])
def test_bad_arguments_are_refused_naming_the_fix(dense, rank, alpha, message):
    with pytest.raises(ValueError, match=message):
        nb.LoRA(dense, rank, alpha=alpha)


def test_dtype_other_than_the_dense_is_refused():
    with pytest.raises(ValueError, match=r"LoRA: dtype float32 differs from the Dense's "
                                         r"float64; leave dtype out"):
        nb.LoRA(nb.Dense(2, 2), 1, dtype=np.float32)


def test_bad_input_and_backward_before_forward():
    lora = small_lora()
    with pytest.raises(ValueError, match=r"LoRA\(2 → 3.*expected input of shape \(m, 2\)"):
        lora.forward(np.ones((3, 5)))
    with pytest.raises(ValueError, match="backward\\(\\) was called before forward"):
        small_lora().backward(np.ones((1, 3)))
    lora.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"expected dy of shape \(4, 3\)"):
        lora.backward(np.ones((4, 2)))


def test_float32_lora_saves_and_loads_as_float32(tmp_path):
    rng = np.random.default_rng(8)
    model = nb.Sequential([nb.LoRA(nb.Dense(3, 2, dtype=np.float32, rng=rng), 2, rng=rng)])
    model.layers[0].params["B"][...] = 1.0
    loaded = nb.load_model(model.save(tmp_path / "f32"))
    x = rng.standard_normal((4, 3)).astype(np.float32)
    assert loaded.layers[0].params["A"].dtype == np.float32
    assert np.array_equal(loaded.predict(x), model.predict(x))
