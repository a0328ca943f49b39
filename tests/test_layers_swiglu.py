"""SiLU and SwiGLU (chapter 20): values by hand, the parameter count matched to a ReLU
network, the errors, float32 and saving."""

import math

import numpy as np
import pytest

import nnbook as nb


def test_silu_by_hand():
    y = nb.SiLU().forward(np.array([0.0, 1.0, -1.0, 20.0]))
    s = 1 / (1 + math.exp(-1))
    np.testing.assert_allclose(y, [0.0, s, -(1 - s), 20 / (1 + math.exp(-20))], rtol=1e-12)
    layer = nb.SiLU()
    layer.forward(np.array([0.0, 1.0]))
    np.testing.assert_allclose(layer.backward(np.ones(2)), [0.5, s + s * (1 - s)], rtol=1e-12)
    assert nb.SiLU().forward(np.array([-1.2784645])) == pytest.approx(-0.2784645, abs=1e-7)


def test_silu_takes_no_arguments():
    with pytest.raises(ValueError, match=r"SiLU: takes no arguments, got SiLU\(1.0\)"):
        nb.SiLU(1.0)


def test_swiglu_by_hand():
    layer = nb.SwiGLU(1, 1, rng=np.random.default_rng(0))
    layer.params["W_1"][...], layer.params["W_3"][...], layer.params["W_2"][...] = 2.0, 3.0, -0.5
    x = np.array([[0.5], [-1.0]])
    silu = lambda z: z / (1 + np.exp(-z))                   # noqa: E731
    np.testing.assert_allclose(layer.forward(x), silu(2 * x) * (3 * x) * -0.5, rtol=1e-12)


def test_swiglu_with_two_thirds_the_width_has_a_relu_networks_weights():
    d = 12
    relu = nb.TransformerBlock(d, 2, 4 * d, rng=np.random.default_rng(0))
    swiglu = nb.TransformerBlock(d, 2, 4 * d * 2 // 3, ffn="swiglu", rng=np.random.default_rng(0))
    relu_weights = relu.params["W_1"].size + relu.params["W_2"].size
    assert nb.SwiGLU(d, 4 * d * 2 // 3).params.keys() == {"W_1", "W_3", "W_2"}
    assert sum(p.size for p in nb.SwiGLU(d, 32).params.values()) == 3 * d * 32 == relu_weights
    ff = {k for k in swiglu.params if not k.startswith(("ln", "attn"))}
    assert ff == {"W_1", "W_3", "W_2"}
    assert sum(swiglu.params[k].size for k in ff) == relu_weights


def test_shapes_on_sequences_and_float32():
    layer = nb.SwiGLU(4, 6, dtype=np.float32, rng=np.random.default_rng(1))
    assert {k: v.shape for k, v in layer.params.items()} == {"W_1": (4, 6), "W_3": (4, 6),
                                                              "W_2": (6, 4)}
    y = layer.forward(np.ones((2, 3, 4)))
    assert y.shape == (2, 3, 4) and y.dtype == np.float32
    assert layer.backward(np.ones((2, 3, 4))).dtype == np.float32
    assert layer.output_shape((3, 4)) == (3, 4)


def test_swiglu_errors_are_named():
    with pytest.raises(ValueError, match="SwiGLU: expected d_ff to be an integer ≥ 1, got 0"):
        nb.SwiGLU(4, 0)
    layer = nb.SwiGLU(4, 6, rng=np.random.default_rng(2))
    with pytest.raises(ValueError, match=r"SwiGLU\(4, d_ff=6\): backward\(\) was called before"):
        layer.backward(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"SwiGLU\(4, d_ff=6\): expected input of shape \(m, 4\) "
                                         r"or \(m, …, 4\) .*got \(2, 5\)"):
        layer.forward(np.ones((2, 5)))
    layer.forward(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"expected dy of shape \(2, 4\)"):
        layer.backward(np.ones((2, 6)))
    with pytest.raises(ValueError, match=r"expected samples of shape \(…, 4\)"):
        layer.output_shape((3, 5))


def test_swiglu_saves_and_loads(tmp_path):
    rng = np.random.default_rng(3)
    model = nb.Sequential([nb.SwiGLU(4, 6, rng=rng), nb.SiLU()])
    back = nb.load_model(model.save(tmp_path / "s"))
    x = rng.standard_normal((2, 4))
    np.testing.assert_array_equal(back.predict(x), model.predict(x))
    assert back.layers[0].get_config() == {"d_model": 4, "d_ff": 6}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_swiglu_inference_forward_is_the_training_forward_and_backward_still_works(dtype):
    """Catches an inference forward (``training`` False: a and u written into σ(h₁)'s array,
    only x kept) that computes other numbers than the training forward, and a backward
    after it that reads stale or missing state: the same output bit for bit, and the same
    ∂E/∂x and gradients as after a training forward."""
    rng = np.random.default_rng(3)
    layer = nb.SwiGLU(6, 16, rng=rng, dtype=dtype)
    x = rng.standard_normal((2, 5, 6)).astype(dtype)
    dy = rng.standard_normal((2, 5, 6)).astype(dtype)
    got = {}
    for training in (True, False):
        layer.training = training
        y = layer.forward(x)
        dx = layer.backward(dy)
        got[training] = (y, dx, {k: g.copy() for k, g in layer.grads.items()})
    (y1, dx1, g1), (y0, dx0, g0) = got[True], got[False]
    assert y0.dtype == dx0.dtype == dtype
    np.testing.assert_array_equal(y0, y1)
    np.testing.assert_array_equal(dx0, dx1)
    for k in g1:
        np.testing.assert_array_equal(g0[k], g1[k])
    layer.forward(x[:1])                     # the last forward's state, not an earlier one
    assert layer.backward(dy[:1]).shape == (1, 5, 6)


def test_transformer_block_passes_training_on_to_its_parts():
    """Catches a block that keeps its parts in one mode whatever the model runs: fit's
    forwards would take SwiGLU's inference path (and its backward would compute the
    forward again), predict's the training one."""
    block = nb.TransformerBlock.modern(8, 2, rng=np.random.default_rng(0))
    relu = nb.TransformerBlock(8, 2, 16, rng=np.random.default_rng(0))
    for training in (True, False):
        block.training = relu.training = training
        assert block.training is relu.training is training
        assert block.ffn.training is block.attn.training is block.ln1.training is training
        assert relu.ff1.training is relu.relu.training is relu.ff2.training is training
    model = nb.Sequential([nb.Embedding(5, 8, rng=np.random.default_rng(0)), block])
    model.forward(np.zeros((1, 3), dtype=int), training=True)
    assert block.ffn.training is True
    model.predict(np.zeros((1, 3), dtype=int))
    assert block.ffn.training is False
