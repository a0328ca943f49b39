"""Exercises of chapter 06: clipping a gradient by its norm, how many sigmoid
layers it takes to shrink a gradient a million times, and the gain of a layer.
"""

from __future__ import annotations

import numpy as np

from ._core import Runner, check_number_function, check_value, compare, exercise


def _scaled(g, c, norm):
    """g rescaled to length c (in the given norm) when that norm exceeds c."""
    return g * (c / norm) if norm > c else g


@exercise("06.1", "Clip a gradient by its norm", "function clip_by_norm(g, c) -> array")
def clip_by_norm(fn):
    run = Runner(fn, "clip_by_norm")
    rng = np.random.default_rng(61)
    cases = [(rng.normal(size=(2, 3)) * 4, 1.0), (rng.normal(size=5) * 3, 2.0), (np.array([0.3, -0.4]), 1.0),
             (rng.normal(size=(3, 2)) * 0.1, 5.0)]               # the last two are short: left alone
    for g, c in cases:
        l2 = np.sqrt(np.sum(g ** 2))
        where = f"clip_by_norm(g, c={c:g}) with ‖g‖ = {l2:.3g}"
        wrongs = [
            (np.clip(g, -c, c), "that is clipping by value, entry by entry, which changes the direction; "
                                "rescale the whole g by c/‖g‖ instead."),
            (g * (c / l2), "a gradient whose norm is already at most c must be left alone: rescale only when ‖g‖ > c."),
            (_scaled(g, c, np.sum(np.abs(g))), "that uses the sum of |g_i|; the norm is √(Σ g_i²)."),
            (_scaled(g, c, np.max(np.abs(g))), "that uses the largest |g_i|; the norm is √(Σ g_i²)."),
            (_scaled(g, c, np.sum(g ** 2)), "that uses Σ g_i², the squared norm: take its square root.")]
        if c != 1:
            wrongs.append((_scaled(g, 1.0, l2), "the result has length 1: scale to length c, g·c/‖g‖."))
        compare(where, run(g, c), _scaled(g, c, l2), wrongs)
    return "right: g·c/‖g‖ when ‖g‖ > c, g itself otherwise: the direction is kept."


@exercise("06.2", "How many sigmoid layers shrink a gradient 10⁶ times?", "a number: answer = ...")
def sigmoid_depth(answer):
    check_value(answer, 10, [
        (9, "(1/4)⁹ ≈ 3.8·10⁻⁶ is not small enough yet: 4⁹ ≈ 262 000 < 10⁶. Round up."),
        (9.97, "a number of layers is a whole number: round 6/log₁₀ 4 ≈ 9.97 up."),
        (20, "each sigmoid layer gives at most σ'(0) = 1/4, not 1/2."),
        (6, "each layer gives at most 1/4, not 1/10."),
        (5, "each layer gives at most 1/4, not 1/10 (and round up).")], rtol=1e-9)
    return "right: (1/4)^L ≤ 10⁻⁶ needs L ≥ 6/log₁₀ 4 ≈ 9.97, so 10 layers."


@exercise("06.3", "The gain of one layer", "function signal_gain(n_in, std, activation) -> float")
def signal_gain(fn):
    run = Runner(fn, "signal_gain")
    cases = [(64, 0.1, "linear"), (64, 0.1, "relu"), (100, 0.01, "linear"), (32, 0.25, "relu"), (50, 0.3, "relu")]
    right = lambda n, s, act: np.sqrt(n) * s / (np.sqrt(2) if act == "relu" else 1)  # noqa: E731
    check_number_function(run, cases, right, [
        (lambda n, s, act: np.sqrt(n) * s, "ReLU zeroes the negative half of z: E[a²] = Var(z)/2, so its "
                                           "gain has a further factor 1/√2."),
        (lambda n, s, act: np.sqrt(n) * s / (2 if act == "relu" else 1),
         "ReLU halves the second moment, so the RMS shrinks by √2, not by 2."),
        (lambda n, s, act: right(n, s, act) ** 2, "that is the gain of the variance (second moment); the "
                                                  "RMS gain is its square root."),
        (lambda n, s, act: n * s / (np.sqrt(2) if act == "relu" else 1),
         "√n, not n: the variances of the n terms w_i a_i add up, so the RMS grows like √n."),
        (lambda n, s, act: n * s / (2 if act == "relu" else 1),
         "√n, not n: the variances of the n terms add up, so the RMS grows like √n.")],
        lambda c: f"{c}", rtol=1e-4)
    return "right: Var(z) = n σ² E[a²], so the RMS gain is √n·σ, and √(n/2)·σ after a ReLU."
