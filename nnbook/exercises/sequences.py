"""Exercises of chapters 15 (recurrent networks: one step of BPTT, BPTT over a sequence,
how fast the gradient through time vanishes) and 16 (gated cells: one LSTM step, the
gradient through the cell-state update and its forget gate, the forget bias)."""

from __future__ import annotations

import numpy as np

from ._core import Runner, check_value, compare, exercise, unpack


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


# --- chapter 15 ---------------------------------------------------------------------------------

def _step_cases(seed):
    rng = np.random.default_rng(seed)
    for m, d, h in [(3, 2, 4), (2, 5, 3), (4, 3, 3)]:
        x, h_prev = rng.normal(size=(m, d)), np.tanh(rng.normal(size=(m, h)))
        W_x, W_h, b = rng.normal(scale=0.6, size=(d, h)), rng.normal(scale=0.6, size=(h, h)), rng.normal(size=h)
        yield x, h_prev, W_x, W_h, b, rng.normal(size=(m, h))


@exercise("15.1", "One step of BPTT", "function rnn_step_backward(dh, x, h_prev, h, W_x, W_h) -> (dx, dh_prev, dW_x, dW_h, db)")
def rnn_step_backward(fn):
    run = Runner(fn, "rnn_step_backward")
    for x, h_prev, W_x, W_h, b, dh in _step_cases(151):
        h = np.tanh(x @ W_x + h_prev @ W_h + b)
        dz = dh * (1 - h ** 2)
        got = unpack(run(dh, x, h_prev, h, W_x, W_h), ("dx", "dh_prev", "dW_x", "dW_h", "db"), "rnn_step_backward")
        where = f"for x of shape {x.shape}, h of shape {h.shape}"
        no_tanh = "the tanh is missing: first δz = dh ⊙ (1 − h²), then the Dense formulas with δz."
        compare(f"db {where}", got[4], dz.sum(axis=0), [
            (dh.sum(axis=0), no_tanh),
            (dz.mean(axis=0), "∂E/∂b sums δz over the batch (axis=0), it does not average."),
            ((dh * (1 - h)).sum(axis=0), "tanh'(z) = 1 − h², not 1 − h."),
            ((dh * (1 - np.tanh(h) ** 2)).sum(axis=0), "h is already tanh(z): tanh'(z) = 1 − h², not 1 − tanh(h)².")])
        compare(f"dW_x {where}", got[2], x.T @ dz, [
            (x.T @ dh, no_tanh), (dz.T @ x, "∂E/∂W_x = xᵀ δz has W_x's shape (d, h): x transposed on the left.")])
        compare(f"dW_h {where}", got[3], h_prev.T @ dz, [
            (h.T @ dz, "W_h multiplies the previous state: ∂E/∂W_h = h_prevᵀ δz, not hᵀ δz."),
            (h_prev.T @ dh, no_tanh), (dz.T @ h_prev, "∂E/∂W_h = h_prevᵀ δz: h_prev transposed on the left.")])
        compare(f"dh_prev {where}", got[1], dz @ W_h.T, [
            (dz @ W_h, "W_h is not symmetric: the gradient goes back through its transpose, δz W_hᵀ."),
            (dh @ W_h.T, no_tanh), (dh, "h_prev reaches h only through W_h and the tanh: δz W_hᵀ.")])
        compare(f"dx {where}", got[0], dz @ W_x.T, [
            (dh @ W_x.T, no_tanh), (dz @ W_h.T, "x enters through W_x: ∂E/∂x = δz W_xᵀ.")])
    return "right: δz = dh ⊙ (1 − h²), then dx = δz W_xᵀ, dh_prev = δz W_hᵀ, dW_x = xᵀδz, dW_h = h_prevᵀδz, db = Σ δz."


def _bptt(x, W_x, W_h, b, G, *, through_time=True, tanh_grad=True, h_for_wh="prev"):
    """BPTT with knobs for the typical mistakes; returns (dW_x, dW_h, db)."""
    m, T, _ = x.shape
    H = np.zeros((m, T + 1, W_h.shape[0]))
    for t in range(T):
        H[:, t + 1] = np.tanh(x[:, t] @ W_x + H[:, t] @ W_h + b)
    dW_x, dW_h, db = np.zeros_like(W_x), np.zeros_like(W_h), np.zeros_like(b)
    dz_next = np.zeros((m, W_h.shape[0]))
    for t in range(T - 1, -1, -1):
        dh = G[:, t] + (dz_next @ W_h.T if through_time else 0)
        dz = dh * (1 - H[:, t + 1] ** 2) if tanh_grad else dh
        dW_x += x[:, t].T @ dz
        dW_h += (H[:, t] if h_for_wh == "prev" else H[:, t + 1]).T @ dz
        db += dz.sum(axis=0)
        dz_next = dz
    return dW_x, dW_h, db


@exercise("15.2", "Backpropagation through time", "function bptt(x, W_x, W_h, b, G) -> (dW_x, dW_h, db)")
def bptt(fn):
    run = Runner(fn, "bptt")
    rng = np.random.default_rng(152)
    for m, T, d, h in [(2, 4, 3, 3), (3, 6, 2, 4), (1, 3, 2, 2)]:
        x = rng.normal(size=(m, T, d))
        W_x, W_h, b = rng.normal(scale=0.7, size=(d, h)), rng.normal(scale=0.7, size=(h, h)), rng.normal(size=h)
        G = rng.normal(size=(m, T, h))
        right = _bptt(x, W_x, W_h, b, G)
        alone = _bptt(x, W_x, W_h, b, G, through_time=False)
        no_tanh = _bptt(x, W_x, W_h, b, G, tanh_grad=False)
        own = _bptt(x, W_x, W_h, b, G, h_for_wh="own")
        last = np.zeros_like(G)
        last[:, -1] = G[:, -1]
        only_last = _bptt(x, W_x, W_h, b, last)
        got = unpack(run(x, W_x, W_h, b, G), ("dW_x", "dW_h", "db"), "bptt")
        where = f"for x of shape ({m}, {T}, {d}) and h = {h}"
        for k, name in enumerate(("dW_x", "dW_h", "db")):
            wrongs = [(alone[k], "each step also gets δz_{t+1} W_hᵀ from the step after it: "
                                 "δh_t = G_t + δz_{t+1} W_hᵀ (h_t feeds h_{t+1})."),
                      (no_tanh[k], "the tanh is missing: δz_t = δh_t ⊙ (1 − h_t²)."),
                      (only_last[k], "G holds a gradient for every step (many-to-many): add G_t at each t, "
                                     "not only at the last.")]
            if name == "dW_h":
                wrongs.append((own[k], "W_h multiplies the previous state: Σ_t h_{t−1}ᵀ δz_t, with h_0 = 0."))
            compare(f"{name} {where}", got[k], right[k], wrongs)
    return "right: δh_t = G_t + δz_{t+1} W_hᵀ, δz_t = δh_t ⊙ (1 − h_t²), and every weight gradient sums over t."


@exercise("15.3", "How many steps until the gradient is gone?", "a number: answer = ...")
def vanishing_steps(answer):
    check_value(answer, 66, [
        (65, "0.9⁶⁵ ≈ 1.05·10⁻³ is not below 10⁻³ yet. Round up."),
        (65.56, "a number of steps is a whole number: round ln(10⁻³)/ln(0.9) ≈ 65.6 up."),
        (3, "each step multiplies by σ_max = 0.9, not by 0.1: solve 0.9^k < 10⁻³."),
        (4, "each step multiplies by σ_max = 0.9, not by 0.1: solve 0.9^k < 10⁻³.")], rtol=1e-9)
    return "right: 0.9^k < 10⁻³ needs k > ln(10⁻³)/ln 0.9 ≈ 65.6, so 66 steps."


# --- chapter 16 ---------------------------------------------------------------------------------

def _lstm_step(x, h_prev, c_prev, W_x, W_h, b, order="ifgo", h_tanh=True, use_i=True):
    z = x @ W_x + h_prev @ W_h + b
    blocks = dict(zip(order, np.split(z, 4, axis=1)))
    i, f, o = _sigmoid(blocks["i"]), _sigmoid(blocks["f"]), _sigmoid(blocks["o"])
    g = np.tanh(blocks["g"])
    c = f * c_prev + (i * g if use_i else g)
    return (o * np.tanh(c) if h_tanh else o * c), c


@exercise("16.1", "One LSTM step", "function lstm_step(x, h_prev, c_prev, W_x, W_h, b) -> (h, c)")
def lstm_step(fn):
    run = Runner(fn, "lstm_step")
    rng = np.random.default_rng(161)
    for m, d, h in [(2, 3, 2), (3, 2, 4), (1, 4, 3)]:
        x, h_prev, c_prev = rng.normal(size=(m, d)), np.tanh(rng.normal(size=(m, h))), rng.normal(size=(m, h))
        W_x, W_h, b = rng.normal(size=(d, 4 * h)), rng.normal(size=(h, 4 * h)), rng.normal(size=4 * h)
        args = (x, h_prev, c_prev, W_x, W_h, b)
        h_right, c_right = _lstm_step(*args)
        got_h, got_c = unpack(run(*args), ("h", "c"), "lstm_step")
        where = f"for x of shape ({m}, {d}) and h = {h}"
        order = "the blocks of W_x, W_h and b are in PyTorch's order i, f, g, o: the candidate g is the third."
        compare(f"c {where}", got_c, c_right, [
            (_lstm_step(*args, order="ifog")[1], order), (_lstm_step(*args, order="figo")[1], order),
            (_lstm_step(*args, use_i=False)[1], "the input gate is missing: c = f ⊙ c_prev + i ⊙ g."),
            (h_right, "that is h; c is f ⊙ c_prev + i ⊙ g.")])
        compare(f"h {where}", got_h, h_right, [
            (_lstm_step(*args, h_tanh=False)[0], "h = o ⊙ tanh(c): the tanh of the new cell state is missing."),
            (c_right, "that is c; h = o ⊙ tanh(c).")])
    return "right: [i, f, g, o] = [σ, σ, tanh, σ](x W_x + h_prev W_h + b), c = f ⊙ c_prev + i ⊙ g, h = o ⊙ tanh(c)."


@exercise("16.2", "The gradient through the forget gate",
          "function cell_update_backward(dc, c_prev, i, f, g) -> (dc_prev, dz_i, dz_f, dz_g)")
def cell_update_backward(fn):
    run = Runner(fn, "cell_update_backward")
    rng = np.random.default_rng(162)
    for m, h in [(2, 3), (4, 2), (1, 5)]:
        c_prev, dc = rng.normal(size=(m, h)), rng.normal(size=(m, h))
        i, f, g = _sigmoid(rng.normal(size=(m, h))), _sigmoid(rng.normal(size=(m, h))), np.tanh(rng.normal(size=(m, h)))
        got = unpack(run(dc, c_prev, i, f, g), ("dc_prev", "dz_i", "dz_f", "dz_g"), "cell_update_backward")
        where = f"for arrays of shape ({m}, {h})"
        compare(f"dc_prev {where}", got[0], dc * f, [
            (dc, "c_prev reaches c through f: ∂c/∂c_prev = f, so dc_prev = dc ⊙ f."),
            (dc * c_prev, "∂c/∂c_prev is f (the forget gate's value), not c_prev."),
            (dc * f * (1 - f), "dc_prev = dc ⊙ f: σ' belongs to the gate's pre-activation, not to c_prev.")])
        compare(f"dz_f {where}", got[2], dc * c_prev * f * (1 - f), [
            (dc * c_prev, "σ' is missing: dz_f = dc ⊙ c_prev ⊙ f(1 − f), since f = σ(z_f)."),
            (dc * f * (1 - f), "∂c/∂f = c_prev: dz_f = dc ⊙ c_prev ⊙ f(1 − f)."),
            (dc * f, "that is dc_prev; the forget gate's own gradient is dc ⊙ c_prev ⊙ f(1 − f).")])
        compare(f"dz_i {where}", got[1], dc * g * i * (1 - i), [
            (dc * g, "σ' is missing: dz_i = dc ⊙ g ⊙ i(1 − i)."),
            (dc * g * (1 - g ** 2), "i is a sigmoid: its slope is i(1 − i), not 1 − i².")])
        compare(f"dz_g {where}", got[3], dc * i * (1 - g ** 2), [
            (dc * i, "tanh' is missing: dz_g = dc ⊙ i ⊙ (1 − g²)."),
            (dc * i * g * (1 - g), "g is a tanh: its slope is 1 − g², not g(1 − g).")])
    return "right: dc_prev = dc ⊙ f (the direct path), dz_f = dc ⊙ c_prev ⊙ f(1 − f), dz_i = dc ⊙ g ⊙ i(1 − i), dz_g = dc ⊙ i ⊙ (1 − g²)."


@exercise("16.3", "A forget bias for a long memory", "a number: answer = ...")
def forget_bias(answer):
    f = 0.1 ** (1 / 50)
    check_value(answer, np.log(f / (1 - f)), [
        (f, "that is the forget gate's value f = 0.1^(1/50) ≈ 0.955; the bias is the z that gives it, "
            "σ⁻¹(f) = ln(f/(1 − f))."),
        (np.log(f), "σ⁻¹(f) is ln(f/(1 − f)), not ln f."),
        (np.log(0.1 / 0.9), "the 10 % is for the product over 50 steps: f itself is 0.1^(1/50)."),
        (1.0, "1 is the usual forget bias: σ(1)⁵⁰ ≈ 1.6·10⁻⁷, far below 10 %.")], rtol=1e-3)
    return "right: f = 0.1^(1/50) ≈ 0.955, and b_f = ln(f/(1 − f)) ≈ 3.05."
