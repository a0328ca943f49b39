"""RMSNorm (chapter 20): hand-computed values, LayerNorm on zero-mean input, every error
message, float32, and saving."""

import numpy as np
import pytest

import nnbook as nb


def test_a_hand_computed_vector():
    layer = nb.RMSNorm(2, eps=0.0 + 1e-12)
    y = layer.forward(np.array([[3.0, 4.0]]))               # mean square (9 + 16)/2 = 12.5
    np.testing.assert_allclose(y, [[3 / np.sqrt(12.5), 4 / np.sqrt(12.5)]], rtol=1e-12)
    layer.params["gamma"][...] = [2.0, -1.0]
    np.testing.assert_allclose(layer.forward(np.array([[3.0, 4.0]])),
                               [[6 / np.sqrt(12.5), -4 / np.sqrt(12.5)]], rtol=1e-12)


def test_it_equals_layernorm_without_beta_on_zero_mean_inputs():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5, 6))
    x -= x.mean(axis=-1, keepdims=True)                     # every vector has mean 0
    rms, ln = nb.RMSNorm(6, eps=1e-5), nb.LayerNorm(6, eps=1e-5)
    gamma = rng.uniform(0.5, 2.0, 6)
    rms.params["gamma"][...] = ln.params["gamma"][...] = gamma
    np.testing.assert_allclose(rms.forward(x), ln.forward(x), rtol=1e-12, atol=1e-14)
    dy = rng.standard_normal(x.shape)
    rms.backward(dy)
    ln.backward(dy)
    np.testing.assert_allclose(rms.grads["gamma"], ln.grads["gamma"], rtol=1e-12)
    # on a vector with a mean the two differ: LayerNorm removes it, RMSNorm keeps it
    assert not np.allclose(rms.forward(x + 1.0), ln.forward(x + 1.0))


def test_the_backward_of_a_scaled_input_is_the_same_direction():
    # y(c·x) = y(x) for c > 0 (ε aside), so ∂E/∂x is orthogonal to x: Σ x ⊙ ∂E/∂x = 0
    rng = np.random.default_rng(1)
    layer = nb.RMSNorm(5, eps=1e-300)
    x = rng.standard_normal((4, 5))
    layer.forward(x)
    dx = layer.backward(rng.standard_normal((4, 5)))
    np.testing.assert_allclose((x * dx).sum(axis=1), 0, atol=1e-12)


def test_float32_in_float32_out():
    layer = nb.RMSNorm(3, dtype=np.float32)
    y = layer.forward(np.ones((2, 3)))
    assert y.dtype == np.float32 and layer.backward(np.ones((2, 3))).dtype == np.float32


@pytest.mark.parametrize("args, kwargs, message", [
    ((0,), {}, "RMSNorm: expected n_features to be an integer ≥ 1, got 0."),
    ((2.5,), {}, "RMSNorm: expected n_features to be an integer ≥ 1, got 2.5."),
    ((4,), {"eps": 0}, "RMSNorm: expected eps > 0 (a small number such as 1e-6, added to the "
                       "mean square), got 0."),
    ((4,), {"eps": True}, "got True"),
    ((4,), {"dtype": np.int32}, "expected a floating dtype"),
])
def test_bad_arguments_are_named(args, kwargs, message):
    with pytest.raises(ValueError) as err:
        nb.RMSNorm(*args, **kwargs)
    assert message in str(err.value)


def test_bad_inputs_and_gradients_are_named():
    layer = nb.RMSNorm(4)
    with pytest.raises(ValueError, match=r"RMSNorm\(4\): backward\(\) was called before forward"):
        layer.backward(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"RMSNorm\(4\): expected input of shape \(m, 4\) or "
                                         r"\(m, …, 4\) \(features on the last axis\), got \(2, 3\)"):
        layer.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"got \(4,\)"):
        layer.forward(np.ones(4))
    layer.forward(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"expected dy of shape \(2, 4\)"):
        layer.backward(np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"expected samples of shape \(…, 4\)"):
        layer.output_shape((5, 3))


def test_save_and_load_keep_gamma_and_eps(tmp_path):
    rng = np.random.default_rng(2)
    layer = nb.RMSNorm(4, eps=1e-3)
    layer.params["gamma"][...] = rng.standard_normal(4)
    model = nb.Sequential([nb.Dense(3, 4, rng=rng), layer])
    back = nb.load_model(model.save(tmp_path / "m"))
    assert back.layers[1].get_config() == {"n_features": 4, "eps": 1e-3}
    x = rng.standard_normal((2, 3))
    np.testing.assert_array_equal(back.predict(x), model.predict(x))


def test_other_libraries_spellings_name_nnbooks():
    with pytest.raises(ValueError, match=r"RMSNorm.*epsilon.*eps="):
        nb.RMSNorm(4, epsilon=1e-5)
    with pytest.raises(ValueError, match=r"TransformerBlock.*norm_first.*prenorm="):
        nb.TransformerBlock(8, 2, 16, norm_first=False)
    with pytest.raises(ValueError, match=r"MultiHeadAttention.*num_key_value_heads.*n_kv_heads="):
        nb.MultiHeadAttention(8, 2, num_key_value_heads=1)
    with pytest.raises(ValueError, match=r"AdamW.*beta_1.*beta1="):
        nb.AdamW(beta_1=0.8)
