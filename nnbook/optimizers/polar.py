"""The steepest step under the spectral norm (chapter 34): the polar factor UVᵀ of a matrix by
its SVD, the Newton–Schulz iteration that Muon uses instead (the cubic converges to UVᵀ, the
quintic maps the singular values into a band) and that band computed exactly by iterating the
scalar polynomial on an interval.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["QUINTIC", "CUBIC", "SHAPE_SCALES", "polar_factor", "newton_schulz",
           "newton_schulz_band"]

QUINTIC = (3.4445, -4.7750, 2.0315)   # Keller Jordan's coefficients, as torch.optim.Muon's
CUBIC = (1.5, -0.5, 0.0)              # X ← 1.5X − 0.5XXᵀX: converges to UVᵀ

# Muon's shape scale s(fan_in, fan_out) of an orthogonalised update of W, read as nnbook's
# (fan_in, fan_out) (x @ W; torch's (out, in) weight is Wᵀ). "original": Keller Jordan's and
# torch.optim.Muon's default √max(1, fan_out/fan_in) (torch: max(1, A/B)**0.5 on (A, B) =
# (out, in)): the update's RMS→RMS operator norm √(fan_in/fan_out)·s is then 1 where
# fan_out ≥ fan_in, and s never goes below 1; "match_rms_adamw": Moonlight's
# 0.2·√max(fan_in, fan_out), an update whose RMS is about AdamW's.
SHAPE_SCALES = {"original": lambda n_in, n_out: math.sqrt(max(1.0, n_out / n_in)),
                "match_rms_adamw": lambda n_in, n_out: 0.2 * math.sqrt(max(n_in, n_out))}


# The argument checks, public (not in __all__) so that chapter 34's diagram of the same
# iteration (nnbook/diagrams/polar.py) refuses bad input with the same messages.
def checked_matrix(owner, G):
    """``G`` as a 2-D float array (float32 kept, integers as float64), or a ValueError."""
    G = np.asarray(G)
    if G.ndim != 2 or G.size == 0 or G.dtype.kind not in "iuf":
        raise ValueError(f"{owner}: expected a non-empty 2-D array of numbers (a weight "
                         f"matrix or its gradient), got shape {G.shape} of {G.dtype}. Pass "
                         f"one matrix, e.g. layer.grads['W'].")
    return G.astype(np.result_type(G.dtype, np.float32), copy=False)


def checked_coefficients(owner, coefficients):
    ok = isinstance(coefficients, (tuple, list)) and len(coefficients) == 3 and all(
        isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)
        and math.isfinite(x) for x in coefficients)
    if not ok:
        raise ValueError(f"{owner}: expected coefficients (a, b, c), three finite numbers of "
                         f"p(σ) = aσ + bσ³ + cσ⁵, got {coefficients!r}. Pass e.g. "
                         f"{QUINTIC} (the quintic) or {CUBIC} (the cubic).")
    return tuple(float(x) for x in coefficients)


def checked_steps(owner, steps):
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"{owner}: expected steps an integer ≥ 1, got {steps!r}. Pass e.g. "
                         f"steps=5 (Muon's count).")
    return int(steps)


def polar_factor(G) -> np.ndarray:
    """The polar factor ``U @ Vt`` of ``G = U diag(s) Vt`` (the thin SVD), in ``G``'s dtype:
    the matrix O of spectral norm 1 that maximises ⟨G, O⟩ = Σ G∘O, where the maximum is the
    nuclear norm Σs. Unique for ``G`` of full rank; for a rank-deficient ``G`` it is one of
    the maximisers (Newton–Schulz sends zero singular values to 0 instead).

    Shapes:
        G: (n, k); returns (n, k)
    """
    G = checked_matrix("polar_factor", G)
    U, _, Vt = np.linalg.svd(G, full_matrices=False)
    return U @ Vt


def newton_schulz(G, steps=5, coefficients=QUINTIC, eps=1e-7) -> np.ndarray:
    """Muon's orthogonalisation: ``G`` divided by its Frobenius norm (so that every singular
    value is ≤ 1; by ``max(‖G‖_F, eps)``, as ``torch.optim.Muon``, so a zero matrix stays 0),
    then ``steps`` times X ← aX + (bA + cA²)X with A = XXᵀ, which applies the odd polynomial
    p(σ) = aσ + bσ³ + cσ⁵ to every singular value and keeps the singular vectors. The wide
    orientation is iterated (a tall ``G`` is transposed and the result transposed back), so
    A is the smaller Gram matrix. ``coefficients`` (a, b, c): ``QUINTIC`` (the default,
    Keller Jordan's (3.4445, −4.7750, 2.0315), fast but into a band:
    ``newton_schulz_band``) or ``CUBIC`` (1.5, −0.5, 0), which converges to the polar
    factor UVᵀ. float32 stays float32; integers are computed in float64.

    Shapes:
        G: (n, k); returns (n, k)
    """
    owner = "newton_schulz"
    X = checked_matrix(owner, G)
    a, b, c = checked_coefficients(owner, coefficients)
    steps = checked_steps(owner, steps)
    if not (isinstance(eps, (int, float, np.floating)) and math.isfinite(eps) and eps > 0):
        raise ValueError(f"{owner}: expected eps > 0, got {eps!r}. Pass e.g. eps=1e-7.")
    return _newton_schulz(owner, G, X, steps, a, b, c, eps)


def _newton_schulz(owner, G, X, steps, a, b, c, eps) -> np.ndarray:
    """``newton_schulz`` on its checked arguments (Muon, whose settings were checked once,
    calls it directly): X, G's float array; a, b, c Python floats; steps ≥ 1; eps > 0."""
    tall = X.shape[0] > X.shape[1]
    if tall:
        X = X.T
    with np.errstate(over="ignore"):
        norm = float(np.linalg.norm(X))
    if not math.isfinite(norm):
        bad = ~np.isfinite(X)
        if bad.any():
            i = tuple(int(j) for j in np.argwhere(bad.T if tall else bad)[0])
            raise ValueError(f"{owner}: the matrix holds {float(np.asarray(G)[i])} at index "
                             f"{i}; expected finite numbers (an update of a NaN is NaN).")
        X = X / np.abs(X).max()                   # finite, but ‖X‖² overflowed: rescale first
        norm = float(np.linalg.norm(X))
    X = X / max(norm, eps)
    # Each step is X ← aX + (bA + cA²)X, A = XXᵀ, with the scalings and sums done in place
    # on the products (fewer temporaries; IEEE products and sums commute, so the bits are
    # those of the formula). The products see the same operands in the same memory layout
    # as the formula's (X @ X.T on a transposed X still goes to syrk), so BLAS computes them
    # the same way.
    for _ in range(steps):
        A = X @ X.T                               # (n, n) with n ≤ k
        if c:
            B = A @ A
            B *= c
            A *= b
            B += A                                # bA + cA²
        else:
            B = A
            B *= b
        Y = B @ X
        X *= a                                    # X is this function's own array
        Y += X                                    # aX + BX, C-ordered as the formula's sum
        X = Y
    return X.T if tall else X


def _image(a, b, c, lo, hi):
    """The exact image [min, max] of p(σ) = aσ + bσ³ + cσ⁵ on [lo, hi]: p is continuous, so
    the image is an interval, and its ends are values of p at lo, hi or a critical point
    inside, where p'(σ) = a + 3bσ² + 5cσ⁴ = 0 (a quadratic in u = σ², solved in closed form)."""
    if c:
        roots = np.roots([5 * c, 3 * b, a])
    else:
        roots = np.array([-a / (3 * b)]) if b else np.array([])
    roots = roots.real[np.abs(roots.imag) <= 1e-12 * np.maximum(1, np.abs(roots))]
    sigma = np.sqrt(roots[roots >= 0])
    points = np.concatenate([[lo, hi], sigma, -sigma])
    points = points[(points >= lo) & (points <= hi)]
    values = a * points + b * points ** 3 + c * points ** 5
    return float(values.min()), float(values.max())


def newton_schulz_band(steps=5, coefficients=QUINTIC, *, smallest) -> tuple:
    """(low, high): where ``newton_schulz(G, steps, coefficients)`` puts the singular values
    of a matrix whose singular values, divided by its Frobenius norm, lie in [smallest, 1]:
    the image of [smallest, 1] under p applied ``steps`` times, p(σ) = aσ + bσ³ + cσ⁵.

    Computed exactly, not from the ends' images (the quintic's largest image lies inside the
    interval) nor from a grid: the image of an interval under a continuous p is the interval
    between p's least and largest value on it, attained at an end or at a critical point of
    p (the real roots of p', in closed form), and the image under p∘p is p's image of that
    interval, so ``steps`` such maps give the iterated image. The only error is float64's
    rounding of p at those few points per step. With the quintic, 5 steps and smallest =
    0.01 the band is about (0.68, 1.13): not 1, and no value below 0.68 or above 1.21.
    """
    owner = "newton_schulz_band"
    a, b, c = checked_coefficients(owner, coefficients)
    steps = checked_steps(owner, steps)
    if not (isinstance(smallest, (int, float, np.floating)) and 0 < smallest <= 1):
        raise ValueError(f"{owner}: expected 0 < smallest ≤ 1 (the smallest singular value "
                         f"over the Frobenius norm), got {smallest!r}. Pass e.g. "
                         f"smallest=s[-1] / np.linalg.norm(s) from s = np.linalg.svd(G)[1].")
    lo, hi = float(smallest), 1.0
    for _ in range(steps):
        lo, hi = _image(a, b, c, lo, hi)
    return lo, hi
