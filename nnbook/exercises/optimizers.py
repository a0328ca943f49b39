"""Exercises of chapter 11: one momentum step in nnbook's (Keras') form, one
bias-corrected Adam step, and the best learning rate of gradient descent on a
quadratic.
"""

from __future__ import annotations

import numpy as np

from ._core import Runner, check_number_function, compare, exercise, unpack


# 11.1 --------------------------------------------------------------------------------------
@exercise("11.1", "One momentum step by hand", "function momentum_step(w, u, g, lr, mu) -> (w, u)")
def momentum_step(fn):
    run = Runner(fn, "momentum_step")
    rng = np.random.default_rng(111)
    cases = [(rng.normal(size=3), rng.normal(size=3), rng.normal(size=3), 0.1, 0.9),
             (rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), 0.05, 0.5),
             (np.array([1.0, -2.0]), np.array([0.3, 0.1]), np.array([0.5, 4.0]), 0.2, 0.8)]
    for w, u, g, lr, mu in cases:
        where = f"momentum_step(w, u, g, lr={lr:g}, mu={mu:g})"
        w_new, u_new = unpack(run(w, u, g, lr, mu), ("w", "u"), "momentum_step")
        u_right = mu * u - lr * g
        compare(f"the new u of {where}", u_new, u_right, [
            (mu * u + g, "that is Polyak's (and PyTorch's) buffer v ← μv + g; nb.SGD keeps u = −lr·v: "
                         "u ← μu − lr·g."),
            (mu * u + lr * g, "the sign of the gradient term: the gradient points uphill, so u ← μu − lr·g."),
            (u - lr * g, "μ is missing: the old velocity is multiplied by μ, u ← μu − lr·g."),
            (mu * u - (1 - mu) * lr * g, "the factor (1 − μ) belongs to the running-average form; nb.SGD's "
                                          "form is u ← μu − lr·g."),
            (-lr * g, "the old velocity is missing: u ← μu − lr·g."),
        ])
        compare(f"the new w of {where}", w_new, w + u_right, [
            (w + u, "w moves by the NEW velocity: first u ← μu − lr·g, then w ← w + u."),
            (w - u_right, "w ← w + u: the velocity already holds the minus sign of −lr·g."),
            (w + mu * u_right - lr * g, "that is Nesterov's step (nesterov=True); plain momentum is w ← w + u."),
            (w - lr * g, "that is a plain SGD step; with momentum w ← w + u, the new velocity."),
        ])
    return "right: u ← μu − lr·g, then w ← w + u (Polyak's heavy ball with u = −lr·v)."


# 11.2 --------------------------------------------------------------------------------------
def _adam(w, m, v, g, t, lr, b1, b2, eps, *, variant=None):
    """nb.Adam's step (the paper's Algorithm 1), or one of the typical mistakes."""
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g ** 2
    m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
    if variant == "uncorrected":
        return w - lr * m / (np.sqrt(v) + eps)
    if variant == "m only":
        return w - lr * m_hat / (np.sqrt(v) + eps)
    if variant == "v only":
        return w - lr * m / (np.sqrt(v_hat) + eps)
    if variant == "eps inside":
        return w - lr * m_hat / np.sqrt(v_hat + eps)
    if variant == "keras":
        return w - lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t) * m / (np.sqrt(v) + eps)
    if variant in ("t-1", "t+1"):
        s = t - 1 if variant == "t-1" else t + 1
        with np.errstate(all="ignore"):                       # t − 1 = 0 divides by zero: never matches
            return w - lr * (m / (1 - b1 ** s)) / (np.sqrt(v / (1 - b2 ** s)) + eps)
    if variant == "no sqrt":
        return w - lr * m_hat / (v_hat + eps)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps)


@exercise("11.2", "One Adam step, bias-corrected",
          "function adam_step(w, m, v, g, t, lr, beta1, beta2, eps) -> (w, m, v)")
def adam_step(fn):
    run = Runner(fn, "adam_step")
    rng = np.random.default_rng(112)
    cases = [(rng.normal(size=4), 0.1 * rng.normal(size=4), 0.01 * rng.random(4), rng.normal(size=4),
              3, 0.01, 0.9, 0.999, 1e-8),
             (rng.normal(size=(2, 2)), np.zeros((2, 2)), np.zeros((2, 2)), rng.normal(size=(2, 2)),
              1, 0.001, 0.9, 0.999, 1e-8),
             (rng.normal(size=3), 0.2 * rng.normal(size=3), 0.05 * rng.random(3), 0.3 * rng.normal(size=3),
              5, 0.1, 0.8, 0.99, 0.05)]                 # a large ε: where it goes shows
    for w, m, v, g, t, lr, b1, b2, eps in cases:
        where = f"adam_step(…, t={t}, lr={lr:g}, beta1={b1:g}, beta2={b2:g}, eps={eps:g})"
        w_new, m_new, v_new = unpack(run(w, m, v, g, t, lr, b1, b2, eps), ("w", "m", "v"), "adam_step")
        m_right, v_right = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g ** 2
        compare(f"the new m of {where}", m_new, m_right, [
            (m_right / (1 - b1 ** t), "return the uncorrected m = β₁m + (1−β₁)g: the next step needs it; "
                                      "m̂ = m/(1 − β₁ᵗ) is used only for this step's update."),
            (b1 * m + g, "the factor (1 − β₁) on g is missing: m ← β₁m + (1−β₁)g."),
            (b1 * m + (1 - b1) * g ** 2, "m averages g itself; g² goes into v."),
        ])
        compare(f"the new v of {where}", v_new, v_right, [
            (v_right / (1 - b2 ** t), "return the uncorrected v = β₂v + (1−β₂)g²: the next step needs it; "
                                      "v̂ = v/(1 − β₂ᵗ) is used only for this step's update."),
            (b2 * v + (1 - b2) * g, "v averages the squared gradient: v ← β₂v + (1−β₂)g²."),
            (b2 * v + g ** 2, "the factor (1 − β₂) on g² is missing: v ← β₂v + (1−β₂)g²."),
        ])
        args = (w, m, v, g, t, lr, b1, b2, eps)
        compare(f"the new w of {where}", w_new, _adam(*args), [
            (_adam(*args, variant="uncorrected"), "no bias correction: divide m by 1 − β₁ᵗ and v by 1 − β₂ᵗ "
                                                  "before the step."),
            (_adam(*args, variant="m only"), "v needs its bias correction too: v̂ = v/(1 − β₂ᵗ)."),
            (_adam(*args, variant="v only"), "m needs its bias correction too: m̂ = m/(1 − β₁ᵗ)."),
            (_adam(*args, variant="eps inside"), "ε goes after the square root: m̂/(√v̂ + ε), not m̂/√(v̂ + ε)."),
            (_adam(*args, variant="keras"), "that is Keras' placement of ε (on the uncorrected √v); nb.Adam "
                                            "adds ε to the corrected root: m̂/(√v̂ + ε)."),
            (_adam(*args, variant="t-1"), "the step count t is this step's, counted from 1: use β₁ᵗ and β₂ᵗ, "
                                          "not β^(t−1)."),
            (_adam(*args, variant="t+1"), "the step count t is this step's, counted from 1: use β₁ᵗ and β₂ᵗ, "
                                          "not β^(t+1)."),
            (_adam(*args, variant="no sqrt"), "divide by the square ROOT of v̂: m̂/(√v̂ + ε)."),
            (2 * w - _adam(*args), "the sign: w ← w − lr·m̂/(√v̂ + ε)."),
        ])
    return "right: m, v updated, m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ), w ← w − lr·m̂/(√v̂ + ε)."


# 11.3 --------------------------------------------------------------------------------------
def _spd(rng, n, low, high):
    """A symmetric positive definite (n, n) matrix with eigenvalues spread over [low, high]."""
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    lam = np.concatenate([[low, high], rng.uniform(low, high, size=n - 2)])
    return q @ np.diag(lam) @ q.T


@exercise("11.3", "The best learning rate for a quadratic", "function best_learning_rate(A) -> float")
def best_learning_rate(fn):
    run = Runner(fn, "best_learning_rate")
    rng = np.random.default_rng(113)
    cases = [(np.diag([1.0, 10.0]),), (_spd(rng, 2, 0.5, 8.0),), (_spd(rng, 4, 0.2, 30.0),),
             (_spd(rng, 3, 2.0, 5.0),)]

    def eig(A):
        lam = np.linalg.eigvalsh(A)
        return lam[0], lam[-1]

    def on_diagonal(A):
        d = np.diag(A)
        return 2 / (d.min() + d.max())

    check_number_function(run, cases, lambda A: 2 / sum(eig(A)), [
        (lambda A: 1 / eig(A)[1], "1/λ_max is safe but not the best: the best rate balances the two extreme "
                                  "axes, |1 − αλ_min| = |1 − αλ_max|."),
        (lambda A: 2 / eig(A)[1], "2/λ_max is the edge of divergence: there the steep axis stops shrinking. "
                                  "Balance |1 − αλ_min| = |1 − αλ_max| instead."),
        (lambda A: 1 / eig(A)[0], "1/λ_min makes the steep axis diverge (α must stay below 2/λ_max). Balance "
                                  "|1 − αλ_min| = |1 − αλ_max|."),
        (lambda A: 1 / sum(eig(A)), "half the right value: solve 1 − αλ_min = −(1 − αλ_max) for α."),
        (on_diagonal, "the curvatures are the EIGENVALUES of A, not its diagonal entries (A need not be "
                      "diagonal): use np.linalg.eigvalsh(A)."),
        (lambda A: 2 / np.trace(A), "use only the smallest and the largest eigenvalue, not their sum over all "
                                    "axes (the trace)."),
    ], lambda case: f"(A of shape {case[0].shape})", rtol=1e-6)
    return "right: α* = 2/(λ_min + λ_max), where both extreme axes shrink by (κ−1)/(κ+1) per step."
