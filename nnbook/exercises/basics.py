"""Exercises of chapters 00–02: counting parameters, the gradient of the mean
squared error, the learning-rate limit, σ'(0), the delta rule, logistic
regression, the chain rule and backpropagation through a chain of neurons.
"""

from __future__ import annotations

import numpy as np

from ..layers.activations import sigmoid
from ._core import Runner, check_number_function, check_value, compare, exercise, unpack


def _sizes_text(case):
    return f"({list(case[0])})"


# 00 · The big picture ------------------------------------------------------------
@exercise("00.1", "Count the parameters of a dense network", "function count_params(sizes) -> int")
def count_params(fn):
    run = Runner(fn, "count_params")
    cases = [([5, 6, 3, 1],), ([4, 5, 3],), ([784, 128, 64, 10],), ([2, 1],), ([3, 7, 7, 2],)]
    pairs = lambda s: zip(s[:-1], s[1:])                                   # noqa: E731
    check_number_function(
        run, cases, lambda s: sum(a * b + b for a, b in pairs(s)),
        [(lambda s: sum(a * b for a, b in pairs(s)),
          "only the weights are counted: every neuron also has a bias, n_in·n_out + n_out per layer."),
         (lambda s: sum(a * b + a for a, b in pairs(s)),
          "one bias per neuron of the layer (n_out), not one per input (n_in)."),
         (lambda s: sum(a * b for a, b in pairs(s)) + sum(s),
          "the input is not a layer: it has no biases (count n_out biases per layer, not every size)."),
         (lambda s: sum(a * b + b for a, b in pairs(s)) + s[0],
          "the input is not a layer: it has no biases.")],
        _sizes_text)
    return "right: Σ (n_in·n_out + n_out) over the layers, 61 for the notes' 5→6→3→1."


@exercise("00.2", "Gradient of the MSE of one neuron", "function mse_gradients(w, b, x, y) -> (dJ_dw, dJ_db)")
def mse_gradients(fn):
    run = Runner(fn, "mse_gradients")
    rng = np.random.default_rng(2)
    for m in (5, 8):
        w, b = rng.normal(), rng.normal()
        x, y = rng.normal(size=m), rng.normal(size=m)
        r = w * x + b - y                                                   # ŷ − y, (m,)
        dw, db = 2 / m * np.sum(r * x), 2 / m * np.sum(r)
        got = unpack(run(w, b, x, y), ("dJ_dw", "dJ_db"), "mse_gradients")
        for k, (name, right, other) in enumerate((("dJ_dw", dw, db), ("dJ_db", db, dw))):
            compare(name, got[k], right, [
                (-right, "the sign is flipped: ∂J/∂ŷ_i = 2(ŷ_i − y_i)/m, with ŷ − y, not y − ŷ."),
                (right / 2, "half the right size: the derivative of (ŷ − y)² is 2(ŷ − y)."),
                (right * m, "m times too large: J is the mean over the m examples, keep the 1/m."),
                (right * m / 2, "the factor 2/m is missing (2 from the square, 1/m from the mean)."),
                (other, "dJ/dw needs the factor x_i (∂ŷ_i/∂w = x_i) and dJ/db does not (∂ŷ_i/∂b = 1); "
                        "are the two swapped?")])
    return "right: ∂J/∂w = (2/m) Σ (ŷ − y) x and ∂J/∂b = (2/m) Σ (ŷ − y)."


@exercise("00.3", "The largest learning rate for J(w) = 5(w − 1)²", "a number: answer = ...")
def largest_learning_rate(answer):
    check_value(answer, 0.2, [
        (0.1, "α = 0.1 is the *best* rate (one step lands on the minimum); the largest that still "
              "converges is twice as big."),
        (0.4, "J'(w) = 10(w − 1): did you drop the 2 of the square?"),
        (1.0, "α < 1 was for J = (w − 3)², whose slope is 2(w − 3); here the slope is 10(w − 1)."),
        (2.0, "2/λ is right with λ = J'' = 10, the curvature, not 1.")])
    return "right: one step multiplies w − 1 by 1 − 10α, which shrinks only when 0 < α < 0.2."


# 01 · The delta rule ----------------------------------------------------------------
@exercise("01.1", "σ'(0), the sigmoid's steepest slope", "a number: answer = ...")
def sigmoid_slope(answer):
    check_value(answer, 0.25, [
        (0.5, "0.5 is σ(0) itself (or the notes' erratum e^(−z)/(1 + e^(−z)), which lost a square); "
              "σ'(0) = σ(0)(1 − σ(0))."),
        (1.0, "1 is tanh'(0); for the sigmoid σ' = σ(1 − σ)."),
        (0.0, "σ' is largest, not zero, at z = 0: σ'(0) = σ(0)(1 − σ(0)).")])
    return "right: σ'(0) = ½·½ = ¼, the largest slope the sigmoid has."


@exercise("01.2", "One step of the delta rule (sigmoid neuron)", "function delta_rule_step(w, a, y, alpha) -> new w")
def delta_rule_step(fn):
    run = Runner(fn, "delta_rule_step")
    rng = np.random.default_rng(12)
    for y in (1.0, 0.0, 1.0):
        w, a, alpha = rng.normal(size=3), rng.normal(size=3), 0.5
        z = w @ a
        y_hat = sigmoid(z)
        e, g1 = y - y_hat, y_hat * (1 - y_hat)
        right = w + alpha * g1 * a * e
        compare("the new w", run(w, a, y, alpha), right, [
            (w + alpha * a * e, "the factor g'(z) = σ(z)(1 − σ(z)) is missing (that is the linear neuron's rule)."),
            (w - alpha * g1 * a * e, "the step goes the wrong way: Δw = g'(z) a e is −∂J/∂w, so w ← w + αΔw."),
            (w + alpha * sigmoid(y_hat) * (1 - sigmoid(y_hat)) * a * e,
             "g' is evaluated at ŷ instead of at z: σ'(z) = σ(z)(1 − σ(z)) = ŷ(1 − ŷ)."),
            (w + alpha * g1 ** 2 * a * e, "g'(z) is applied twice."),
            (alpha * g1 * a * e, "this is the change αΔw: return the new weights w + αΔw."),
            (g1 * a * e, "this is Δw: return the new weights w + αΔw.")])
    return "right: w ← w + α σ'(z) a e, with e = y − ŷ."


@exercise("01.3", "Gradient of logistic regression (a batch)", "function logistic_gradients(X, y, w, b) -> (dw, db)")
def logistic_gradients(fn):
    run = Runner(fn, "logistic_gradients")
    rng = np.random.default_rng(13)
    for m, n in ((6, 3), (4, 2)):
        X, w, b = rng.normal(size=(m, n)), rng.normal(size=n), rng.normal()
        y = rng.integers(0, 2, size=m).astype(float)
        y_hat = sigmoid(X @ w + b)
        d = y_hat - y                                                        # ∂L/∂z per example
        dw, db = X.T @ d / m, d.mean()
        dw_out, db_out = unpack(run(X, y, w, b), ("dw", "db"), "logistic_gradients")
        s = y_hat * (1 - y_hat)
        compare("dw", dw_out, dw, [
            (X.T @ d, "m times too large: the cost is the mean over the batch, divide by m."),
            (X.T @ (d * s) / m, "σ'(z) cancels with the cross-entropy: ∂L/∂z = ŷ − y, no extra ŷ(1 − ŷ)."),
            (-dw, "the sign is flipped: ∂L/∂z = ŷ − y."),
            (X * d[:, None] / m, "one row per sample: sum (X.T @ (ŷ − y)) / m over the batch."),
            (X * d[:, None], "one row per sample: sum over the batch and divide by m, X.T @ (ŷ − y) / m.")])
        compare("db", db_out, db, [
            (d.sum(), "m times too large: db = mean(ŷ − y)."),
            (np.mean(d * s), "σ'(z) cancels with the cross-entropy: db = mean(ŷ − y)."),
            (-db, "the sign is flipped: ∂L/∂b = ŷ − y."),
            (d / m, "db must be one number: sum over the batch, mean(ŷ − y)."),
            (d, "db must be one number, averaged over the batch: mean(ŷ − y).")])
    return "right: dw = Xᵀ(ŷ − y)/m and db = mean(ŷ − y); σ' cancelled."


# 02 · A chain of single neurons ------------------------------------------------------
@exercise("02.1", "The chain rule: d/dx sin(x² + 1)", "function dy_dx(x) -> array")
def chain_rule(fn):
    run = Runner(fn, "dy_dx")
    x = np.linspace(-2.0, 2.0, 9)
    compare("dy_dx(x)", run(x), 2 * x * np.cos(x ** 2 + 1), [
        (np.cos(x ** 2 + 1), "the inner derivative 2x is missing."),
        (2 * x * np.cos(x), "cos must be evaluated at the inner value x² + 1, not at x."),
        (2 * x * np.sin(x ** 2 + 1), "the derivative of sin is cos."),
        (-2 * x * np.cos(x ** 2 + 1), "the sign: the derivative of sin is +cos."),
        (2 * x, "the outer derivative cos(x² + 1) is missing.")])
    return "right: dy/dx = cos(x² + 1) · 2x, outer derivative at the inner value times the inner derivative."


def _chain(x, w, g_prime_at="z", start=None, use_weight=True, input_of="previous"):
    """∂J/∂w_k for the sigmoid chain with J = (y − ŷ)²/2, and some wrong ways to get it."""
    q, z = [x], []
    for w_k in w:
        z.append(w_k * q[-1])
        q.append(sigmoid(z[-1]))
    grads, e = np.zeros(len(w)), start(q[-1])
    for k in reversed(range(len(w))):
        at = z[k] if g_prime_at == "z" else q[k + 1]
        delta = e * (sigmoid(at) * (1 - sigmoid(at)) if g_prime_at != "none" else 1.0)
        grads[k] = delta * (q[k] if input_of == "previous" else q[k + 1])
        e = (w[k] if use_weight else 1.0) * delta
    return grads


@exercise("02.2", "Backpropagation through a chain of neurons", "function chain_gradients(x, y, w) -> array of ∂J/∂w_k")
def chain_gradients(fn):
    run = Runner(fn, "chain_gradients")
    rng = np.random.default_rng(22)
    for L in (3, 4):
        x, y, w = rng.uniform(0.5, 2.0), rng.uniform(0.1, 0.9), rng.uniform(-2.0, 2.0, size=L)
        right = lambda **kw: _chain(x, w, start=kw.pop("start", lambda yh: yh - y), **kw)  # noqa: E731
        compare("chain_gradients", run(x, y, w), right(), [
            (right(start=lambda yh: y - yh), "the sign is flipped: ∂J/∂ŷ = ŷ − y (the notes' e = y − ŷ "
                                             "gives Δw = −∂J/∂w)."),
            (right(start=lambda yh: 2 * (yh - y)), "twice too large: J = e²/2, so ∂J/∂ŷ = ŷ − y (no factor 2)."),
            (right(g_prime_at="none"), "g'(z_k) is missing at each neuron: δ_k = g'(z_k) e_k."),
            (right(g_prime_at="q"), "g' is evaluated at the output q_k instead of at z_k."),
            (right(input_of="own"), "∂J/∂w_k = δ_k q_(k−1): use the neuron's input, not its own output q_k."),
            (right(use_weight=False), "the weight is missing on the way back: e_(k−1) = w_k δ_k."),
            (right()[::-1], "the gradients are in reverse order: return [∂J/∂w_1, …, ∂J/∂w_L].")])
    return "right: δ_k = g'(z_k) e_k, ∂J/∂w_k = δ_k q_(k−1), e_(k−1) = w_k δ_k, from e_L = ŷ − y."


@exercise("02.3", "Forward passes for a finite-difference gradient", "a number: answer = ...")
def finite_difference_passes(answer):
    n = 784 * 100 + 100 + 100 * 10 + 10
    check_value(answer, 2 * n, [
        (n + 1, "that is the one-sided formula (n + 1 passes); central differences evaluate J(w + ε) and "
                "J(w − ε) for every parameter."),
        (n, "one pass per parameter is not enough for central differences: two per parameter."),
        (2 * (784 * 100 + 100 * 10), "the biases are parameters too (the count has n_in·n_out + n_out per layer)."),
        (2, "2 is backpropagation's cost (one forward and one backward pass), not finite differences'.")],
        rtol=1e-9)
    return f"right: 2n = 2 × {n:,} = {2 * n:,} forward passes, against 1 forward + 1 backward for backprop."
