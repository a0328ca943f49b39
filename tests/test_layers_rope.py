"""Rotary position embeddings (chapter 20): the angles by hand, a pair turned as a point in
the plane, the score depending on t − s only (to 1e-12), inside MultiHeadAttention too,
and the errors."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.layers import apply_rope, rope_angles
from nnbook.layers.attention.rope import rope_tables


def test_the_angles_by_hand():
    theta = rope_angles(3, 4, base=100.0)                   # frequencies 100^0 = 1, 100^(-1/2)
    np.testing.assert_allclose(theta, [[0, 0], [1, 0.1], [2, 0.2]], rtol=1e-15)
    np.testing.assert_allclose(rope_angles(2, 4, base=100.0, start=5), [[5, 0.5], [6, 0.6]])


def test_a_pair_turns_as_a_point_in_the_plane():
    cos, sin = rope_tables(2, 2, 10000.0, np.float64)       # positions 0 and 1: angles 0 and 1
    x = np.array([[1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_allclose(apply_rope(x, cos, sin), [[1, 0], [np.cos(1), np.sin(1)]],
                               atol=1e-15)
    y = np.array([[0.0, 2.0], [0.0, 2.0]])
    np.testing.assert_allclose(apply_rope(y, cos, sin), [[0, 2], [-2 * np.sin(1), 2 * np.cos(1)]],
                               atol=1e-15)
    z = np.random.default_rng(0).standard_normal((3, 5, 8))
    c, s = rope_tables(5, 8, 10000.0, np.float64)
    back = apply_rope(apply_rope(z, c, s), c, s, inverse=True)
    np.testing.assert_allclose(back, z, atol=1e-14)          # −θ undoes θ
    np.testing.assert_allclose(np.linalg.norm(apply_rope(z, c, s), axis=-1),
                               np.linalg.norm(z, axis=-1), rtol=1e-13)   # lengths kept


def test_the_score_depends_only_on_the_offset():
    rng = np.random.default_rng(1)
    d_head, T = 16, 40
    q, k = rng.standard_normal(d_head), rng.standard_normal(d_head)
    c, s = rope_tables(T, d_head, 10000.0, np.float64)
    Q, K = apply_rope(np.tile(q, (T, 1)), c, s), apply_rope(np.tile(k, (T, 1)), c, s)
    S = Q @ K.T                                             # S[t, s] = R_t q · R_s k
    for t, u, shift in [(5, 2, 7), (30, 1, 9), (3, 3, 36), (0, 12, 20)]:
        assert abs(S[t, u] - S[t + shift, u + shift]) < 1e-12
    assert abs(S[5, 2] - S[5, 3]) > 1e-3                    # a different offset: another score


def test_attention_with_rope_sees_only_offsets_when_every_position_holds_the_same_vector():
    # x[t] = v for every t: then S[t, s] = f(t − s), and log A[t, s] − log A[t, t] =
    # f(t − s) − f(0) is the same along every diagonal
    rng = np.random.default_rng(2)
    layer = nb.MultiHeadAttention(8, 2, rope=True, rng=rng)
    x = np.tile(rng.standard_normal(8), (1, 12, 1))
    layer.forward(x)
    L = np.log(layer.attention_weights[0])                  # (heads, T, T)
    rel = L - np.diagonal(L, axis1=1, axis2=2)[..., None]
    for off in range(-11, 12):
        diag = np.diagonal(rel, offset=off, axis1=1, axis2=2)
        assert np.abs(diag - diag[:, :1]).max() < 1e-12
    plain = nb.MultiHeadAttention(8, 2, rng=np.random.default_rng(2))
    plain.forward(x)                                        # without RoPE: every weight 1/T
    np.testing.assert_allclose(plain.attention_weights, 1 / 12, rtol=1e-12)


def test_rope_keeps_outputs_at_t0_and_leaves_v_alone():
    rng = np.random.default_rng(3)
    a = nb.MultiHeadAttention(8, 2, rope=True, causal=True, rng=np.random.default_rng(4))
    b = nb.MultiHeadAttention(8, 2, causal=True, rng=np.random.default_rng(4))
    x = rng.standard_normal((2, 6, 8))
    # position 0 attends to itself only, and its rotation is by angle 0
    np.testing.assert_allclose(a.forward(x)[:, 0], b.forward(x)[:, 0], rtol=1e-12)


@pytest.mark.parametrize("kwargs, message", [
    ({"rope": True, "n_heads": 4, "d_model": 12},
     "MultiHeadAttention: rope=True rotates pairs of features in each head, so the head size "
     "d_model / n_heads must be even, got 3."),
    ({"rope": 1}, "MultiHeadAttention: expected rope=True or False, got 1."),
    ({"rope": True, "rope_base": 0}, "MultiHeadAttention: expected rope_base > 0"),
    ({"rope": True, "rope_base": float("nan")}, "expected rope_base > 0"),
])
def test_bad_rope_settings_are_named(kwargs, message):
    kwargs = {"d_model": 8, "n_heads": 2, **kwargs}
    with pytest.raises(ValueError) as err:
        nb.MultiHeadAttention(kwargs.pop("d_model"), kwargs.pop("n_heads"), **kwargs)
    assert message in str(err.value)


def test_rope_angles_refuses_an_odd_head():
    with pytest.raises(ValueError, match="rope_angles: RoPE rotates pairs of features, so "
                                         "d_head must be even, got d_head=5"):
        rope_angles(3, 5)


def test_changing_rope_base_after_a_forward_is_honoured(tmp_path):
    """The rotation tables were kept per length and ignored a new ``rope_base``, while
    ``save`` stored the new value: the layer computed one thing and saved another."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 5, 8))
    for make in (lambda r: nb.MultiHeadAttention(8, 2, rope=True, causal=True, rng=r),
                 lambda r: nb.TransformerBlock(8, 2, 16, rope=True, rng=r)):
        layer, fresh = make(np.random.default_rng(1)), make(np.random.default_rng(1))
        layer.forward(x)
        layer.rope_base = 500.0
        other = (nb.MultiHeadAttention(8, 2, rope=True, causal=True, rope_base=500.0,
                                       rng=np.random.default_rng(1))
                 if isinstance(layer, nb.MultiHeadAttention) else None)
        if other is not None:
            np.testing.assert_allclose(layer.forward(x), other.forward(x), atol=1e-14)
        assert np.abs(layer.forward(x) - fresh.forward(x)).max() > 1e-6
        model = nb.Sequential([layer])
        back = nb.load_model(model.save(tmp_path / "rope.npz"))
        np.testing.assert_allclose(back.predict(x), model.predict(x), atol=1e-14)
    with pytest.raises(ValueError, match=r"rope_base > 0"):
        layer.rope_base = -1.0
