"""Exercises of chapter 12: one gradient-descent step with L2 weight decay, the
forward pass of inverted dropout with a given mask, and a shift of an image by
whole pixels with zeros coming in at the edge.
"""

from __future__ import annotations

import numpy as np

from ._core import Mistake, Runner, as_array, compare, exercise


# 12.1 --------------------------------------------------------------------------------------
@exercise("12.1", "One gradient step with L2 weight decay",
          "function l2_step(W, dE_dW, lr, lam) -> array (the new W)")
def l2_step(fn):
    run = Runner(fn, "l2_step")
    rng = np.random.default_rng(121)
    cases = [(rng.normal(size=(3, 4)), rng.normal(size=(3, 4)) * 0.5, 0.1, 0.01),
             (rng.normal(size=(5,)) * 2, rng.normal(size=(5,)), 0.05, 0.2),
             (rng.normal(size=(2, 2)), np.zeros((2, 2)), 0.5, 0.1)]           # no data gradient: pure decay
    for W, g, lr, lam in cases:
        where = f"l2_step(W, dE_dW, lr={lr:g}, lam={lam:g}) with W of shape {W.shape}"
        right = W - lr * (g + lam * W)
        compare(where, run(W, g, lr, lam), right, [
            (W - lr * g, "the decay term is missing: the gradient of E + (λ/2)‖W‖² is ∂E/∂W + λW."),
            (W - lr * (g + 2 * lam * W), "the derivative of (λ/2)‖W‖² is λW, not 2λW: the 1/2 cancels "
                                         "the 2 of the square."),
            (W - lr * (g - lam * W), "the sign of λW: the penalty grows with ‖W‖, so its gradient +λW "
                                     "pulls W towards 0 when you step against it."),
            (W - lr * g - lam * W, "λW is part of the gradient, so it is multiplied by the learning rate "
                                   "too: W − lr·(∂E/∂W + λW)."),
            (W - lr * (g + lam), "the penalty's gradient is λ·W (one entry per weight), not λ."),
            (W - lr * (g + lam * W ** 2), "the gradient of (λ/2)Σ w² is λw, not λw²."),
            (W - lr * (g + 0.5 * lam * W), "the gradient of (λ/2)‖W‖² is λW: the 2 of the square cancels "
                                           "the 1/2."),
        ])
    return "right: W ← W − lr·(∂E/∂W + λW) = (1 − lr·λ)·W − lr·∂E/∂W: each step shrinks W a little."


# 12.2 --------------------------------------------------------------------------------------
@exercise("12.2", "Inverted dropout with a given mask, in training and in inference",
          "function dropout_forward(a, keep, rate, training) -> array")
def dropout_forward(fn):
    run = Runner(fn, "dropout_forward")
    rng = np.random.default_rng(122)
    for rate, shape in [(0.5, (4, 6)), (0.2, (3, 5)), (0.75, (2, 8))]:
        a = rng.normal(size=shape)
        keep = rng.random(shape) >= rate                      # True: the entry is kept
        for training in (True, False):
            where = f"dropout_forward(a, keep, rate={rate:g}, training={training})"
            got = run(a, keep.copy(), rate, training)
            if training:
                compare(where, got, a * keep / (1 - rate), [
                    (a * keep, "the kept entries must be scaled by 1/(1 − rate), so that the expected "
                               "value of each entry stays a."),
                    (a * keep * (1 - rate), "divide by 1 − rate, the probability of keeping, don't multiply."),
                    (a * keep / rate, "scale by 1/(1 − rate), the probability of KEEPING; rate is the "
                                      "probability of dropping."),
                    (a * ~keep / (1 - rate), "keep is True where the entry is KEPT: multiply by keep, "
                                             "not by its opposite."),
                    (a * ~keep / rate, "keep is True where the entry is kept, and the scale is 1/(1 − rate)."),
                    (a, "in training the mask zeroes the dropped entries: a · keep / (1 − rate)."),
                ])
            else:
                compare(where, got, a, [
                    (a * keep / (1 - rate), "at inference (training=False) there is no mask: return a "
                                            "unchanged."),
                    (a * keep, "at inference (training=False) there is no mask: return a unchanged."),
                    (a * (1 - rate), "that is the old, not inverted, dropout: there the test time scales "
                                     "by 1 − rate. Inverted dropout scales in training, so inference "
                                     "returns a unchanged."),
                    (a / (1 - rate), "at inference (training=False) nothing is scaled: return a unchanged."),
                ])
    return "right: a·keep/(1 − rate) in training, a itself at inference: E[output] = a in both."


# 12.3 --------------------------------------------------------------------------------------
def _shift(image, dr, dc):
    h, w = image.shape
    out = np.zeros_like(image)
    out[max(dr, 0):h + min(dr, 0), max(dc, 0):w + min(dc, 0)] = \
        image[max(-dr, 0):h + min(-dr, 0), max(-dc, 0):w + min(-dc, 0)]
    return out


@exercise("12.3", "Shift an image by whole pixels",
          "function shift_image(image, dr, dc) -> array of the image's shape")
def shift_image(fn):
    run = Runner(fn, "shift_image")
    rng = np.random.default_rng(123)
    image = rng.random((8, 8))                               # no zero edges: np.roll is told apart
    tall = rng.random((6, 4))
    for img, dr, dc in [(image, 1, 0), (image, 0, -1), (image, -1, 1), (tall, 2, -1), (image, 0, 0)]:
        where = f"shift_image(image of shape {img.shape}, dr={dr}, dc={dc})"
        got = as_array(run(img, dr, dc), where)
        wrongs = [(np.roll(img, (dr, dc), axis=(0, 1)),
                   "np.roll wraps the pixels that leave at one edge around to the other; "
                   "they should be lost, and zeros come in (a blank border).")]
        if (dr, dc) != (0, 0):
            wrongs.append((_shift(img, -dr, -dc), "the shift goes the other way: pixel (r, c) moves "
                                                  "to (r + dr, c + dc), so dr = 1 moves the digit down."))
        if dr != dc and img.shape[0] == img.shape[1]:
            wrongs.append((_shift(img, dc, dr), "dr is the row shift (down), dc the column shift "
                                                "(right): they are swapped."))
        if got.shape != img.shape:
            raise Mistake(f"{where} has shape {got.shape}, expected {img.shape}: a shifted image keeps "
                          f"its size (pixels leave at one edge, zeros come in at the other).")
        compare(where, got, _shift(img, dr, dc), wrongs)
    return "right: out[r + dr, c + dc] = image[r, c] where both are inside, zeros elsewhere."
