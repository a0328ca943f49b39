"""Exercises of chapters 09–10: a softmax that does not overflow, the gradient
of softmax followed by cross-entropy, and the loss of one prediction.
"""

from __future__ import annotations

import numpy as np

from ..layers.activations import softmax
from ._core import Mistake, Runner, as_array, check_number_function, check_value, compare, exercise


def _naive(Z, axis=1):
    e = np.exp(Z)
    return e / e.sum(axis=axis, keepdims=True)


# 09 · Softmax and multi-class outputs ---------------------------------------------------
@exercise("09.1", "A softmax that does not overflow", "function stable_softmax(Z) -> array")
def stable_softmax(fn):
    run = Runner(fn, "stable_softmax")
    rng = np.random.default_rng(91)
    cases = [("small scores", rng.normal(size=(4, 3))),
             ("large scores", np.array([[1000.0, 1001.0, 999.0], [5.0, -3.0, 800.0]])),
             ("very negative scores", np.array([[-1000.0, -1001.0], [-1002.0, -999.0]])),
             ("rows of very different sizes", np.array([[1000.0, 1001.0], [-1000.0, -999.0], [1.0, 2.0]]))]
    for what, Z in cases:
        right = softmax(Z, axis=1)
        with np.errstate(all="ignore"):
            wrongs = [(_naive(Z, axis=0), "each row (one sample) must sum to 1: normalise over axis=1, the classes."),
                      (np.exp(Z) / np.exp(Z).sum(), "that normalises over the whole batch: each row must sum to 1 "
                                                    "(axis=1, keepdims=True).")]
        got = as_array(run(Z), f"stable_softmax on {what}")
        if got.shape == Z.shape and not np.all(np.isfinite(got)):
            if what == "rows of very different sizes":
                raise Mistake(f"stable_softmax on {what} gives nan or inf: subtract each row's own max "
                              "(Z.max(axis=1, keepdims=True)); one max for the whole batch makes e^z underflow "
                              "to 0/0 in the rows far below it.")
            raise Mistake(f"stable_softmax on {what} gives nan or inf: e^z overflows (or underflows to 0/0). "
                          "Subtract the max of each row first; softmax does not change.")
        compare(f"stable_softmax on {what}", got, right, wrongs)
    return "right, even for scores of ±1000: e^(z − max) never overflows, and the rows sum to 1."


@exercise("09.2", "Gradient of softmax + cross-entropy", "function softmax_ce_grad(Z, Y) -> array")
def softmax_ce_grad(fn):
    run = Runner(fn, "softmax_ce_grad")
    rng = np.random.default_rng(92)
    for m, k, offset in ((6, 4, 0.0), (5, 3, 0.0), (3, 3, 800.0)):     # the last: scores around 800
        Z = rng.normal(size=(m, k)) * 3 + offset
        Y = np.eye(k)[rng.integers(0, k, size=m)]
        P = softmax(Z, axis=1)
        right = (P - Y) / m
        got = as_array(run(Z, Y), "softmax_ce_grad")
        if got.shape == right.shape and not np.all(np.isfinite(got)):
            raise Mistake("softmax_ce_grad gives nan or inf for large scores: compute the softmax stably "
                          "(subtract each row's max, exercise 09.1).")
        compare("softmax_ce_grad", got, right, [
            (P - Y, "m times too large: the loss is the mean over the m samples, divide by m."),
            ((Y - P) / m, "the sign is flipped: ∂L/∂z = ŷ − y."),
            ((P - Y) * P * (1 - P) / m, "the Jacobian cancels with the cross-entropy: no extra ŷ(1 − ŷ) factor."),
            ((Z - Y) / m, "use the probabilities ŷ = softmax(Z), not the scores Z."),
            (-Y / np.clip(P, 1e-300, None) / m, "that is ∂L/∂ŷ; through the softmax it becomes ∂L/∂z = ŷ − y."),
            ((P - Y) / (m * k), "divide by the number of samples m only, not by m·k: the loss sums over the classes.")])
    return "right: ∂L/∂Z = (softmax(Z) − Y)/m, the Jacobian cancelled."


@exercise("09.3", "The cross-entropy of one prediction", "a number: answer = ...")
def cat_loss(answer):
    check_value(answer, -np.log(0.1), [
        (-np.log(0.6), "that is −log 0.6, the dog's probability; the loss looks at the true class, the cat."),
        (0.1, "0.1 is ŷ_cat itself; the loss is −log ŷ_cat."),
        (-np.log10(0.1), "the cross-entropy uses the natural logarithm: −ln 0.1, not −log₁₀ 0.1."),
        (-np.log(0.6) - np.log(0.1) - np.log(0.3), "only the true class's term counts: y is one-hot."),
        (np.log(0.1), "a loss is never negative: L = −log ŷ_cat."),
        (0.9, "1 − ŷ_cat is not the cross-entropy: L = −log ŷ_cat.")])
    return "right: L = −log ŷ_cat = −ln 0.1 ≈ 2.303; only the true class's probability counts."


# 10 · Handwritten digits -------------------------------------------------------------------
def _digit_outputs(rng, m, k=10):
    """Softmax outputs for m samples and labels that the arg-max gets right about 70% of the time."""
    labels = rng.integers(0, k, size=m)
    scores = rng.normal(size=(m, k))
    sure = rng.random(m) < 0.7
    scores[sure, labels[sure]] += 4.0
    return softmax(scores, axis=1), labels


@exercise("10.1", "Accuracy from the softmax outputs", "function accuracy(P, labels) -> float")
def accuracy(fn):
    run = Runner(fn, "accuracy")
    rng = np.random.default_rng(101)
    cases = [_digit_outputs(rng, m) for m in (10, 50, 37)]          # m = 10 first: a square P
    right = lambda P, t: np.mean(P.argmax(axis=1) == t)             # noqa: E731
    P, t = cases[0]
    first = run(P, t)
    if (isinstance(first, (int, float, np.integer, np.floating)) and first != right(P, t)
            and np.isclose(first, np.mean(P.argmax(axis=0) == t))):
        raise Mistake("the arg-max runs over axis=1: each row is one sample, each column one class.")
    check_number_function(run, cases, right, [
        (lambda P, t: np.sum(P.argmax(axis=1) == t), "that is the number of right answers: divide by m."),
        (lambda P, t: 100 * right(P, t), "a fraction between 0 and 1 (as nb.metrics.accuracy), not a percentage."),
        (lambda P, t: 1 - right(P, t), "that is the error rate, the fraction of wrong answers.")],
        lambda c: f"(P of shape {c[0].shape}, labels)", rtol=1e-9)
    return "right: the predicted class is the arg-max of each row, and the accuracy the fraction that match."


@exercise("10.2", "The confusion matrix", "function confusion(y_true, y_pred, k) -> (k, k) array")
def confusion(fn):
    run = Runner(fn, "confusion")
    rng = np.random.default_rng(102)
    for m, k, missing in ((60, 4, None), (40, 5, 4)):             # in the second, class 4 never appears
        t, p = rng.integers(0, k - (missing is not None), size=(2, m))
        right = np.zeros((k, k))
        np.add.at(right, (t, p), 1)
        where = f"confusion(y_true, y_pred, k={k})" + (f" (class {missing} never appears)" if missing else "")
        got = as_array(run(t, p, k), where)
        if missing and got.shape == (k - 1, k - 1):
            raise Mistake(f"{where} has shape {got.shape}: the matrix is k × k = {(k, k)} even when a class "
                          "never appears (use k, not the largest label + 1).")
        compare(where, got, right, [
            (right.T, "rows are the true classes and columns the predictions: cm[i, j] counts the samples of "
                      "class i predicted as j."),
            (right / right.sum(axis=1, keepdims=True).clip(1), "counts, not fractions: leave the rows unnormalised."),
            (right / m, "counts, not fractions: don't divide by m."),
            ((right > 0).astype(float), "count every sample: cm[i, j] += 1 for each pair, not just mark it.")])
    return "right: cm[i, j] counts the samples of class i predicted as j; the diagonal holds the right answers."


@exercise("10.3", "What Flatten hands to the dense layer of an MNIST CNN", "a number: answer = ...")
def mnist_flatten_size(answer):
    check_value(answer, 14 * 14 * 32, [
        (13 * 13 * 32, "with padding=1 (\"same\") the 3×3 convolution keeps 28×28; 26×26 is the size without padding."),
        (28 * 28 * 32, "the 2×2 max pooling halves the height and the width: 28×28 → 14×14."),
        (14 * 14, "each of the 32 filters gives its own 14×14 map: multiply by the channels."),
        (4 * 4 * 32, "4·4·32 = 512 is the 8×8 digits' CNN; here the images are 28×28."),
        (7 * 7 * 32, "one 2×2 pooling halves the size once: 28 → 14, not 7."),
        (28 * 28, "784 is the size of the image itself; the conv layer makes 32 maps of it.")], rtol=1e-9)
    return "right: 28×28 stays 28×28 with same padding, pooling gives 14×14, times 32 maps: 6272 numbers."
