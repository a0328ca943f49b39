"""nnbook/kernels/linear_attention.py: the masked and chunked forms of linear attention and
DeltaNet's chunked (WY/UT) form against loops over positions written here, every chunk
length (1, a divisor of T, not a divisor, longer than T), and the masked and chunked
backwards against finite differences."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.kernels.linear_attention import (chunked_delta, chunked_linear,
                                             chunked_linear_backward, masked_linear,
                                             masked_linear_backward)

rng = np.random.default_rng(31)
Q, K, V = (rng.standard_normal((2, 3, 7, 4)) for _ in range(3))
BETA = rng.uniform(0.1, 1.0, (2, 3, 7))


def loop(q, k, v, beta=None):
    """o_t = S_t q_t with S_t = S_{t−1} + v_t k_tᵀ, or the delta rule's write with β."""
    S = np.zeros(q.shape[:-2] + (v.shape[-1], k.shape[-1]))
    out = []
    for t in range(q.shape[-2]):
        k_t, v_t = k[..., t, :], v[..., t, :]
        if beta is None:
            S = S + v_t[..., :, None] * k_t[..., None, :]
        else:
            err = v_t - np.einsum("...ij,...j->...i", S, k_t)
            S = S + beta[..., t, None, None] * err[..., :, None] * k_t[..., None, :]
        out.append(np.einsum("...ij,...j->...i", S, q[..., t, :]))
    return np.stack(out, -2), S


def test_masked_form_is_the_loop():
    assert np.allclose(masked_linear(Q, K, V), loop(Q, K, V)[0], rtol=0, atol=1e-12)


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 10])
def test_chunked_forms_are_the_loops(chunk):
    O, S = chunked_linear(Q, K, V, chunk)
    O_loop, S_loop = loop(Q, K, V)
    assert np.allclose(O, O_loop, rtol=0, atol=1e-12) and np.allclose(S, S_loop, atol=1e-12)
    k_unit = K / np.linalg.norm(K, axis=-1, keepdims=True)
    O, S = chunked_delta(Q, k_unit, V, BETA, chunk)
    O_loop, S_loop = loop(Q, k_unit, V, BETA)
    assert np.allclose(O, O_loop, rtol=0, atol=1e-12) and np.allclose(S, S_loop, atol=1e-12)


def test_a_start_state_is_continued():
    S0 = rng.standard_normal((2, 3, 4, 4))
    whole = chunked_delta(Q, K / 3, V, BETA, 7)[0]
    first, S = chunked_delta(Q[..., :3, :], K[..., :3, :] / 3, V[..., :3, :], BETA[..., :3], 2)
    rest = chunked_delta(Q[..., 3:, :], K[..., 3:, :] / 3, V[..., 3:, :], BETA[..., 3:], 2, S)[0]
    assert np.allclose(np.concatenate([first, rest], -2), whole, rtol=0, atol=1e-12)
    assert not np.allclose(chunked_linear(Q, K, V, 3, S0)[0], chunked_linear(Q, K, V, 3)[0])


@pytest.mark.parametrize("backward", [masked_linear_backward,
                                      lambda q, k, v, d: chunked_linear_backward(q, k, v, d, 3)])
def test_backwards_match_finite_differences(backward):
    q, k, v = (a[:1, :1, :5].copy() for a in (Q, K, V))
    dO = rng.standard_normal(q.shape)
    grads = backward(q, k, v, dO)
    for a, g in zip((q, k, v), grads):
        num = nb.numerical_gradient(lambda _: (masked_linear(q, k, v) * dO).sum(), a)
        assert nb.relative_error(g, num) < 1e-7


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("where", ["q", "k", "v", "all"])
@pytest.mark.parametrize("form", ["masked", "chunked 3", "chunked 1", "delta 3", "delta 7"])
def test_a_non_finite_input_reaches_no_earlier_position(form, where, bad):
    """A NaN at position s spread to every earlier output of the masked and chunked forms
    (0 · NaN in (Q Kᵀ ⊙ M) V, and the chunk's triangular solves), where the recurrence keeps
    it at s and after: the positions before s are those of the inputs cut at s."""
    s = 4
    q, k, v = Q.copy(), K.copy(), V.copy()
    for name, a in (("q", q), ("k", k), ("v", v)):
        if where in (name, "all"):
            a[1, 2, s, 1] = bad

    def run(q, k, v):
        if form == "masked":
            return masked_linear(q, k, v)
        n = int(form.split()[1])
        return (chunked_linear(q, k, v, n) if form.startswith("chunked")
                else chunked_delta(q, k, v, BETA[..., :q.shape[-2]], n))[0]

    with np.errstate(invalid="ignore", over="ignore"):
        out, cut = run(q, k, v), run(q[..., :s, :], k[..., :s, :], v[..., :s, :])
        ref = loop(q, k, v, None if not form.startswith("delta") else BETA)[0]
    assert np.isfinite(out[..., :s, :]).all()
    np.testing.assert_allclose(out[..., :s, :], cut, rtol=0, atol=1e-12)
    assert np.array_equal(np.isfinite(out), np.isfinite(ref))        # the recurrence's pattern
    np.testing.assert_allclose(out[np.isfinite(ref)], ref[np.isfinite(ref)], atol=1e-10)
