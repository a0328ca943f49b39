"""Exercises of chapters 07–08: the output-size formula, a cross-correlation by
hand, the shape of a convolution's output, parameter counts, and the backward
passes of max pooling and of a convolution.
"""

from __future__ import annotations

import math

import numpy as np

from ..conv_impl import backward_loops, forward_loops, output_size as _output_size
from ..layers.conv.pooling import MaxPool2D
from ._core import Mistake, Runner, as_array, check_number_function, compare, exercise, unpack

# Every padding and stride of the chapter, odd and even filters and sizes: 108 cases, on which
# each variant below differs from the formula (on 39 of them at least) and from every other
# variant. (It was every n from 5 to 12 and f from 1 to 5, 360 cases: the report calls a
# learner's function once per case over Jupyter's protocol, about 20 ms a call, so 7 s for
# one answer.)
_SIZE_GRID = [(n, f, p, s) for n in (5, 8, 12) for p in range(3) for f in (1, 2, 3, 5)
              for s in range(1, 4) if f <= n + 2 * p]

# Wrong output-size formulas, with what they forget (used by 07.1 and 07.3).
_SIZE_VARIANTS = [
    (lambda n, f, p, s: math.ceil((n + 2 * p - f) / s) + 1,
     "⌈⌉ instead of ⌊⌋: a window that does not fit completely is not counted, round down."),
    (lambda n, f, p, s: (n + 2 * p - f + 1) // s,
     "that is the notes' second formula ⌊(n + 2p − f + 1)/s⌋, one window short whenever s > 1 "
     "(n = 44, f = 3, s = 4 gives 10, but 11 windows fit)."),
    (lambda n, f, p, s: (n + 2 * p - f) // s,
     "the +1 is missing: the first window, at position 0, counts too."),
    (lambda n, f, p, s: (n + p - f) // s + 1,
     "padding is added on both sides: n + 2p."),
    (lambda n, f, p, s: n + 2 * p - f + 1,
     "the stride s is missing: the window jumps s pixels at a time."),
    (lambda n, f, p, s: (n + 2 * p - f) / s + 1,
     "the result must be a whole number: round (n + 2p − f)/s down, with //."),
]


# 07 · Convolution: filters, padding, stride -------------------------------------------
@exercise("07.1", "The output size of a convolution", "function output_size(n, f, p, s) -> int")
def output_size(fn):
    run = Runner(fn, "output_size")
    check_number_function(run, _SIZE_GRID, _output_size, _SIZE_VARIANTS,
                           lambda c: f"(n={c[0]}, f={c[1]}, p={c[2]}, s={c[3]})")
    return f"right on all {len(_SIZE_GRID)} cases: ⌊(n + 2p − f)/s⌋ + 1."


@exercise("07.2", "Cross-correlate an image with a filter", "function correlate2d(x, K) -> array")
def correlate2d(fn):
    run = Runner(fn, "correlate2d")
    rng = np.random.default_rng(72)
    for (h, w), f in (((6, 7), 3), ((5, 8), 2)):
        x, K = rng.integers(-5, 6, size=(h, w)).astype(float), rng.integers(-3, 4, size=(f, f)).astype(float)
        conv = lambda img, k: forward_loops(img[None, :, :, None], k[:, :, None, None], np.zeros(1))[0, :, :, 0]  # noqa: E731
        right = conv(x, K)
        got = as_array(run(x, K), "correlate2d(x, K)")
        if got.shape == (h - f, w - f):
            raise Mistake(f"correlate2d(x, K) has shape {got.shape}, expected {right.shape}: a window fits at "
                          f"positions 0 … n − f, that is n − f + 1 of them.")
        if got.shape == right.shape[::-1]:
            raise Mistake(f"correlate2d(x, K) has shape {got.shape}, expected {right.shape}: the output is "
                          f"transposed; Z[i, j] is the window that starts at row i, column j.")
        if got.shape == (h, w):
            raise Mistake(f"correlate2d(x, K) has shape {got.shape}, expected {right.shape}: no padding here, "
                          f"so the output is (n − f + 1) wide.")
        compare("correlate2d(x, K)", got, right, [
            (conv(x, K[::-1, ::-1]), "the filter is turned by 180° (a mathematician's convolution); deep "
                                     "learning's convolution is the cross-correlation, without the flip."),
            (conv(x, K.T), "the filter is transposed (or rows and columns swapped): K[a, b] multiplies "
                           "x[i + a, j + b], a the row offset, b the column offset.")])
    return "right: Z[i, j] = Σ_ab x[i + a, j + b] K[a, b], an (n − f + 1)-wide output."


@exercise("07.3", "The shape of a convolution's output",
          "function conv_output_shape(input_shape, n_filters, f, padding, stride) -> (h, w, c)")
def conv_output_shape(fn):
    run = Runner(fn, "conv_output_shape")
    cases = [((32, 24, 3), 8, 3, 1, 1), ((14, 10, 8), 16, 5, 0, 2), ((28, 28, 1), 6, 5, 2, 3),
             ((11, 9, 3), 4, 3, 1, 2), ((44, 44, 3), 10, 3, 0, 4)]
    for shape, k, f, p, s in cases:
        where = f"conv_output_shape({shape}, {k}, {f}, {p}, {s})"
        right = (_output_size(shape[0], f, p, s), _output_size(shape[1], f, p, s), k)
        got = as_array(run(shape, k, f, p, s), where)
        if got.shape != (3,):
            raise Mistake(f"{where} should be three numbers (h, w, c), got shape {got.shape}.")
        if tuple(got) == right:
            continue
        if tuple(got[:2]) == right[:2]:
            hint = {shape[2]: "the output has one channel per filter, not the input's channels.",
                    shape[2] * k: "each filter spans all input channels and gives one map: n_filters channels."}
            raise Mistake(f"{where}: " + hint.get(got[2], f"channel count {got[2]:g}, expected {k}."))
        if tuple(got[:2]) == right[1::-1]:
            raise Mistake(f"{where}: height and width are swapped; the input is (height, width, channels).")
        for variant, hint in _SIZE_VARIANTS:
            if all(got[i] == variant(shape[i], f, p, s) for i in (0, 1)):
                raise Mistake(f"{where}: {hint}")
        raise Mistake(f"{where} gave {tuple(float(v) for v in got)}, expected {right}.")
    return "right: ⌊(n + 2p − f)/s⌋ + 1 for height and width, and one channel per filter."


# 08 · Convolution layers and pooling ----------------------------------------------------
@exercise("08.1", "Count the parameters of a convolution layer", "function conv_params(input_shape, n_filters, f) -> int")
def conv_params(fn):
    run = Runner(fn, "conv_params")
    cases = [((100, 100, 3), 10, 3), ((200, 200, 3), 10, 3), ((28, 28, 1), 8, 5), ((32, 32, 16), 32, 3)]
    small, large = run(*cases[0]), run(*cases[1])
    if isinstance(small, (int, float, np.integer, np.floating)) and small != large:
        raise Mistake("your count changes with the image size (100×100×3 vs 200×200×3); a filter's "
                      "weights do not depend on it.")
    check_number_function(
        run, cases, lambda shape, k, f: f * f * shape[2] * k + k,
        [(lambda shape, k, f: f * f * shape[2] * k, "one bias per filter is missing."),
         (lambda shape, k, f: f * f * k + k, "each filter is f×f×c_in: it spans all input channels."),
         (lambda shape, k, f: f * f * shape[2] * k + shape[2], "one bias per filter (output channel), "
                                                                "not per input channel."),
         (lambda shape, k, f: f * f * shape[2] * k + f * f * shape[2] * k, "one bias per filter, not per weight.")],
        lambda c: f"({c[0]}, {c[1]}, {c[2]})")
    return "right: f·f·c_in weights and one bias per filter, 280 for ten 3×3×3 filters, whatever the image size."


@exercise("08.2", "Backward pass of 2×2 max pooling", "function maxpool_backward(x, dy) -> dx")
def maxpool_backward(fn):
    run = Runner(fn, "maxpool_backward")
    rng = np.random.default_rng(82)
    notes_x = np.array([[8, 4, 2, 1], [9, 3, 2, 8], [1, 5, 7, 1], [2, 0, 3, 7]], dtype=float)
    cases = [(rng.normal(size=(6, 4)), rng.normal(size=(3, 2))), (notes_x, np.array([[1.0, 2.0], [3.0, 4.0]]))]
    for x, dy in cases:                                  # the notes' map last: its bottom-right window has a tie
        pool = MaxPool2D(2)
        pool.forward(x[None, :, :, None])
        right = pool.backward(dy[None, :, :, None])[0, :, :, 0]
        spread = np.kron(dy, np.ones((2, 2)))
        windows = x.reshape(x.shape[0] // 2, 2, x.shape[1] // 2, 2).max(axis=(1, 3))
        is_max = x == np.kron(windows, np.ones((2, 2)))
        compare("dx", run(x, dy), right, [
            (spread / 4, "that is average pooling's backward; max pooling sends the whole gradient to the max."),
            (spread, "each window's gradient goes to its maximum only; the other entries get 0."),
            ((right != 0).astype(float), "this is where the maxima are: multiply by dy."),
            (is_max.astype(float), "this is where the maxima are: multiply by dy."),
            (spread * is_max, "a window holds its maximum twice (the notes' two 7s): only the first one "
                              "(in row order) gets the gradient, as in nnbook and PyTorch.")])
    return "right: each dy entry goes to the (first) maximum of its window, every other entry gets 0."


@exercise("08.3", "Backward pass of a convolution", "function conv_backward(x, K, G) -> (dx, dK, db)")
def conv_backward(fn):
    run = Runner(fn, "conv_backward")
    rng = np.random.default_rng(83)
    for (h, w), f in (((5, 6), 3), ((4, 4), 2)):
        x, K = rng.normal(size=(h, w)), rng.normal(size=(f, f))
        G = rng.normal(size=(h - f + 1, w - f + 1))
        back = lambda k: backward_loops(G[None, :, :, None], x[None, :, :, None], k[:, :, None, None])  # noqa: E731
        dx, dK, db = (a.reshape(s) for a, s in zip(back(K), ((h, w), (f, f), ())))
        got = unpack(run(x, K, G), ("dx", "dK", "db"), "conv_backward")
        compare("dx", got[0], dx, [
            (back(K[::-1, ::-1])[0].reshape(h, w), "dx uses the filter turned by 180°: scatter G[i, j]·K back "
                                                   "onto window (i, j) (or full-correlate G with the *turned* K, "
                                                   "which turns it back)."),
            (back(K.T)[0].reshape(h, w), "dx uses the transposed filter: K[a, b] goes back to x[i + a, j + b].")])
        compare("dK", got[1], dK, [
            (dK[::-1, ::-1], "dK is turned by 180°: dK[a, b] = Σ_ij x[i + a, j + b] G[i, j], a correlation of x with G."),
            (dK.T, "dK is transposed: dK[a, b] = Σ_ij x[i + a, j + b] G[i, j]."),
            (dK / G.size, "dK is averaged: the gradient sums over all output positions.")])
        compare("db", got[2], db, [
            (G, "db is one number: the sum of G over all positions."),
            (G.mean(), "db is the sum of G, not its mean: the bias is added at every position.")])
    return "right: db = ΣG, dK = x ⋆ G (a correlation), dx = G scattered back through K."
