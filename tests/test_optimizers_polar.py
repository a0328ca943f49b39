"""Tests of nnbook/optimizers/polar.py: the polar factor against the SVD and as the steepest
step under the spectral norm, the cubic Newton–Schulz converging to UVᵀ, the quintic's
singular values inside the exact band, the wide/tall orientation, dtypes and errors. Each
test names in a comment the mistake it catches."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.optimizers import CUBIC, QUINTIC, newton_schulz_band, polar_factor

newton_schulz = nb.newton_schulz


def with_singular_values(s, n, k, rng):
    """An (n, k) matrix with the singular values s (len min(n, k)) and random vectors."""
    U, _ = np.linalg.qr(rng.standard_normal((n, len(s))))
    V, _ = np.linalg.qr(rng.standard_normal((k, len(s))))
    return (U * s) @ V.T


def p_iterated(sigma, steps, coefficients):
    a, b, c = coefficients
    for _ in range(steps):
        sigma = a * sigma + b * sigma ** 3 + c * sigma ** 5
    return sigma


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4)])
def test_polar_factor_is_u_vt_and_beats_every_matrix_of_spectral_norm_one(shape):
    # Mistakes caught: U @ diag(s) @ Vt (G itself) or U @ Vt from full_matrices=True shapes;
    # a factor that is not the maximiser (e.g. G / ‖G‖_2) loses to ⟨G, O⟩ = ‖G‖_*.
    rng = np.random.default_rng(0)
    G = rng.standard_normal(shape)
    O = polar_factor(G)
    U, s, Vt = np.linalg.svd(G, full_matrices=False)
    np.testing.assert_allclose(O, U @ Vt, atol=1e-12)
    np.testing.assert_allclose(np.linalg.svd(O, compute_uv=False), 1.0, atol=1e-12)
    nuclear = s.sum()
    assert np.vdot(G, O) == pytest.approx(nuclear, rel=1e-12)
    assert np.vdot(G, G / s[0]) < nuclear - 1e-3          # the normalised gradient does worse
    for _ in range(500):                                  # random matrices of spectral norm 1
        R = rng.standard_normal(shape)
        R /= np.linalg.norm(R, 2)
        assert np.vdot(G, R) <= nuclear + 1e-12


@pytest.mark.parametrize("smallest, steps", [(0.5, 6), (0.1, 9), (0.01, 15)])
def test_cubic_converges_to_the_polar_factor_to_1e12(smallest, steps):
    # Mistakes caught: a sign in 1.5X − 0.5XXᵀX, XᵀX on the wrong side (shape error or
    # another matrix), no normalisation (σ > √3 diverges: here the largest σ is 2).
    # Counted: the steps the scalar iteration needs from smallest/‖G‖_F to 1 within 1e-13.
    rng = np.random.default_rng(1)
    s = np.linspace(2.0, 2.0 * smallest, 4)
    G = with_singular_values(s, 6, 4, rng)
    start = s[-1] / np.linalg.norm(s)
    needed = next(k for k in range(1, 100) if abs(p_iterated(start, k, CUBIC) - 1) < 1e-13)
    assert steps - 1 <= needed <= steps + 4          # the count grows as log(1/σ_min)
    X = newton_schulz(G, steps=needed + 1, coefficients=CUBIC)
    np.testing.assert_allclose(X, polar_factor(G), atol=1e-12, rtol=0)
    fewer = newton_schulz(G, steps=needed - 3, coefficients=CUBIC)
    assert np.abs(fewer - polar_factor(G)).max() > 1e-12  # not there yet: the count matters


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 2e-5)])
@pytest.mark.parametrize("shape", [(8, 20), (20, 8)])
def test_quintic_singular_values_lie_in_the_exact_band(dtype, tol, shape):
    # Mistakes caught: no Frobenius normalisation (σ > 1 leave the band: the largest here is
    # 30), A = XᵀX on the wide side, b and c swapped, the band from the ends' images only
    # (it would miss the quintic's peak 1.2024 at σ ≈ 0.55).
    rng = np.random.default_rng(2)
    s = np.geomspace(30.0, 0.05, min(shape))
    G = with_singular_values(s, *shape, rng).astype(dtype)
    out = newton_schulz(G)
    assert out.dtype == dtype and out.shape == shape
    got = np.sort(np.linalg.svd(out.astype(np.float64), compute_uv=False))
    fro = np.linalg.norm(s)
    want = np.sort(p_iterated(s / fro, 5, QUINTIC))      # each σ through p five times
    np.testing.assert_allclose(got, want, atol=tol * 10, rtol=0)
    low, high = newton_schulz_band(5, QUINTIC, smallest=s[-1] / fro)
    assert low - tol <= got.min() and got.max() <= high + tol
    assert high - low > 0.3 and low < 0.75 and high > 1.1     # a band, not the value 1


def test_the_band_is_exact_not_the_ends_images():
    # Mistake caught: the band computed as [p(lo), p(hi)] per step: the quintic's image of
    # [0.01, 1] peaks inside (1.2024 at σ ≈ 0.55), above both ends' images.
    low, high = newton_schulz_band(1, QUINTIC, smallest=0.01)
    grid = p_iterated(np.linspace(0.01, 1, 200001), 1, QUINTIC)
    assert high == pytest.approx(grid.max(), abs=1e-9) and high > p_iterated(1.0, 1, QUINTIC)
    assert low == pytest.approx(grid.min(), abs=1e-12)
    low5, high5 = newton_schulz_band(5, QUINTIC, smallest=0.01)
    grid5 = p_iterated(np.linspace(0.01, 1, 200001), 5, QUINTIC)
    assert grid5.min() >= low5 - 1e-12 and grid5.max() <= high5 + 1e-12
    assert low5 == pytest.approx(grid5.min(), abs=1e-6)
    assert high5 == pytest.approx(grid5.max(), abs=1e-6)
    assert newton_schulz_band(40, CUBIC, smallest=0.01) == pytest.approx((1.0, 1.0), abs=1e-12)


def test_wide_and_tall_are_the_same_iteration_transposed():
    # Mistake caught: a tall matrix iterated as XXᵀ of its long side without transposing
    # back (shape), or transposed and not transposed back (another matrix).
    rng = np.random.default_rng(3)
    G = rng.standard_normal((9, 4))
    np.testing.assert_allclose(newton_schulz(G), newton_schulz(G.T).T, atol=1e-14)
    np.testing.assert_allclose(newton_schulz(G, 30, CUBIC), polar_factor(G), atol=1e-12)


def test_zero_integer_and_float32_inputs():
    # Mistakes caught: 0/0 for a zero gradient; float32 promoted to float64.
    assert not newton_schulz(np.zeros((3, 2))).any()
    assert newton_schulz(np.ones((3, 2), np.float32)).dtype == np.float32
    assert newton_schulz(np.arange(6).reshape(2, 3)).dtype == np.float64
    huge = np.full((2, 2), 1e30, np.float32) * np.eye(2, dtype=np.float32)  # ‖·‖² overflows
    assert np.isfinite(newton_schulz(huge)).all()


@pytest.mark.parametrize("call, message", [
    (lambda: newton_schulz(np.ones(3)), r"newton_schulz: expected a non-empty 2-D array"),
    (lambda: newton_schulz(np.ones((2, 2)), steps=0), r"expected steps an integer ≥ 1, got 0"),
    (lambda: newton_schulz(np.ones((2, 2)), coefficients=(1, 2)), r"expected coefficients"),
    (lambda: newton_schulz(np.ones((2, 2)), eps=0), r"expected eps > 0"),
    (lambda: newton_schulz(np.array([[1.0, np.nan]])), r"holds nan at index \(0, 1\)"),
    (lambda: newton_schulz(np.array([[1.0], [np.inf]])), r"holds inf at index \(1, 0\)"),
    (lambda: newton_schulz_band(5, smallest=0), r"expected 0 < smallest ≤ 1"),
    (lambda: newton_schulz_band(0, smallest=0.1), r"expected steps an integer ≥ 1"),
])
def test_errors_name_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()
