"""Gradient checking: central finite differences, the oracle that every
``backward`` in the course is tested against (chapters 02 and 03).

``check_gradients`` follows the cs231n recipe: it contracts the layer's output
with a random upstream gradient ``dy``, so ``E = Σ y ⊙ dy`` is a scalar whose
exact gradients are what ``backward(dy)`` returns.
"""

from __future__ import annotations

import numpy as np

from .validate import make_rng

__all__ = ["numerical_gradient", "check_gradients", "relative_error"]


def numerical_gradient(f, x, eps: float = 1e-6) -> np.ndarray:
    """∂f/∂x by central differences, (f(x + ε) − f(x − ε)) / 2ε, one entry at a time.

    ``f`` takes ``x`` and returns a scalar. A float ``x`` is perturbed in place
    (and restored), so ``f`` may also read it through a closure, e.g. a
    layer's ``params["W"]``. Costs two calls of ``f`` per entry of ``x``.

    Shapes: x: any (contiguous)  →  ∂f/∂x: x's shape, float64.
    """
    if not (isinstance(x, np.ndarray) and x.dtype.kind == "f"):
        x = np.array(x, dtype=np.float64)
    grad = np.zeros(x.shape, dtype=np.float64)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("numerical_gradient: x must be a contiguous array (use np.ascontiguousarray).")
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        plus = _scalar(f(x))
        flat[i] = old - eps
        minus = _scalar(f(x))
        flat[i] = old
        gflat[i] = (plus - minus) / (2 * eps)
    return grad


def _scalar(value) -> float:
    """A function value as a float; a one-element array counts as a scalar."""
    arr = np.asarray(value)
    if arr.size != 1:
        raise ValueError(
            f"numerical_gradient: f must return a scalar, got an array of shape {arr.shape}. "
            f"Reduce it first, e.g. with np.sum(...) or loss(y_true, y_pred)."
        )
    return float(arr.reshape(()))


def relative_error(a, b) -> float:
    """‖a − b‖ / (‖a‖ + ‖b‖), and 0 when both are zero. Below ~1e-7 in float64
    means the two gradients agree."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error: shapes differ, {a.shape} vs {b.shape}.")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def check_gradients(layer, x, dy=None, *, loss=None, y=None, eps: float = 1e-6, rng=None) -> dict:
    """Compare ``layer.backward`` with finite differences; returns relative errors.

    Args:
        layer: a ``Layer`` or a ``Sequential`` (anything with forward, backward,
            params and grads).
        x: an input batch. The check always runs in float64: a float32 layer's
            parameters are swapped for float64 copies during the check and put
            back afterwards (float32 is too coarse for finite differences).
        dy: the upstream gradient; random (from ``rng``) when omitted.
        loss, y: check the gradient of ``loss(y, layer.forward(x))`` instead.
    Returns:
        ``{"x": err, "W": err, …}``: the relative error of ∂E/∂x and of every
        parameter gradient; 0 for a gradient that is exactly 0 where finite differences
        give only their round-off (attention's ∂E/∂b_k), not the 1 of two "zeros". A layer that takes integer token ids (``integer_input``,
        an ``Embedding``), or a model that starts with one, gets ``x`` as it is and
        has no ``"x"`` entry: ids have no gradient.
    """
    parts = getattr(layer, "layers", None) or [layer]
    for part in parts:
        for k, p in part.params.items():
            if not (isinstance(p, np.ndarray) and p.dtype.kind == "f"):
                raise ValueError(
                    f"check_gradients: {type(part).__name__}.params[{k!r}] is a "
                    f"{type(p).__name__ if not isinstance(p, np.ndarray) else p.dtype}, "
                    f"expected a float array; create it with np.array(..., dtype=float).")
    saved = [(part, dict(part.params), dict(part.grads)) for part in parts]
    try:
        for part, params, grads in saved:
            if any(p.dtype != np.float64 for p in params.values()):
                part.params.update({k: p.astype(np.float64) for k, p in params.items()})
                part.grads.update({k: np.zeros(p.shape) for k, p in params.items()})
        return _check(layer, x, dy, loss, y, eps, rng)
    finally:
        for part, params, grads in saved:
            part.params.update(params)
            part.grads.update(grads)


def _check(layer, x, dy, loss, y, eps, rng):
    ids = getattr((getattr(layer, "layers", None) or [layer])[0], "integer_input", False)
    x = np.array(x) if ids else np.array(x, dtype=np.float64)
    name = type(layer).__name__
    seen = x.view()
    seen.flags.writeable = False          # sees the perturbations; a forward cannot write into it

    def forward():
        try:
            return layer.forward(seen)
        except ValueError as exc:
            if "read-only" not in str(exc):
                raise
            raise ValueError(f"check_gradients: {name}.forward tried to change its input x in "
                             f"place (NumPy: {exc}), which would corrupt the finite differences "
                             f"(and, in fit, the data). Compute into a new array, e.g. "
                             f"np.maximum(x, 0) rather than x[x < 0] = 0.") from None

    out = forward()
    if loss is not None:
        if y is None:
            raise ValueError("check_gradients: with loss= also pass the targets y=.")

        def energy(_):
            return loss(y, forward())
        dy = loss.grad(y, out)
    else:
        if dy is None:
            dy = make_rng(rng, "check_gradients").standard_normal(out.shape)
        dy = np.asarray(dy, dtype=np.float64)

        def energy(_):
            return float(np.sum(forward() * dy))
    forward()
    dx = layer.backward(dy)
    if not ids and (dx is None or np.shape(dx) != x.shape):
        got = "None" if dx is None else f"shape {np.shape(dx)}"
        raise ValueError(f"check_gradients: {name}.backward returned {got}; expected ∂E/∂x of "
                         f"shape {x.shape}, the shape of x. Return dx from backward.")
    analytic = {} if ids else {"x": np.array(dx)}
    for k, p in layer.params.items():
        g = layer.grads.get(k)
        if g is None or np.shape(g) != p.shape:
            got = "missing" if g is None else f"of shape {np.shape(g)}"
            raise ValueError(f"check_gradients: {name}.grads[{k!r}] is {got} after backward; "
                             f"expected the shape of params[{k!r}], {p.shape}.")
        analytic[k] = np.array(g, dtype=np.float64)
    floor = _round_off(out, dy, energy(None), eps)
    errors = {} if ids else {"x": _error(analytic["x"], numerical_gradient(energy, x, eps), floor)}
    for k, p in layer.params.items():
        errors[k] = _error(analytic[k], numerical_gradient(energy, p, eps), floor)
    return errors


def _round_off(out, dy, value, eps) -> float:
    """How large a central difference of E can be from round-off alone: E's terms are
    known to about 1e-16 of their size, and the difference divides by 2ε (then a margin
    of 100, as round-off adds up over the terms)."""
    size = max(1.0, abs(float(value)), float(np.abs(np.asarray(out) * dy).sum()))
    return 100 * np.finfo(np.float64).eps * size / eps


def _error(analytic, numeric, floor) -> float:
    """``relative_error``, except that a gradient that is 0 beside finite differences
    within their round-off is agreement (their relative error would be 1: two "zeros")."""
    if np.abs(analytic).max(initial=0.0) <= floor and np.abs(numeric).max(initial=0.0) <= floor:
        return 0.0
    return relative_error(analytic, numeric)
