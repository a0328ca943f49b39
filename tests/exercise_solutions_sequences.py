"""Worked solutions (RIGHT) and typical wrong answers with their hints (WRONG) of the
exercises of chapters 15–16; exercise_solutions.py merges them into its own."""

import math

import numpy as np

RIGHT = {}
WRONG = []          # (exercise id, wrong answer, text the feedback must contain)


# 15 · Recurrent networks ---------------------------------------------------------------------------
def rnn_step_backward(dh, x, h_prev, h, W_x, W_h):
    dz = dh * (1 - h ** 2)                       # through the tanh: h = tanh(z)
    return dz @ W_x.T, dz @ W_h.T, x.T @ dz, h_prev.T @ dz, dz.sum(axis=0)


def bptt(x, W_x, W_h, b, G):
    m, T, _ = x.shape
    H = [np.zeros((m, W_h.shape[0]))]            # h_0 = 0
    for t in range(T):
        H.append(np.tanh(x[:, t] @ W_x + H[-1] @ W_h + b))
    dW_x, dW_h, db = np.zeros_like(W_x), np.zeros_like(W_h), np.zeros_like(b)
    dz_next = np.zeros_like(H[0])
    for t in range(T - 1, -1, -1):
        dz = (G[:, t] + dz_next @ W_h.T) * (1 - H[t + 1] ** 2)
        dW_x += x[:, t].T @ dz
        dW_h += H[t].T @ dz                      # H[t] is h_{t−1} of step t + 1
        db += dz.sum(axis=0)
        dz_next = dz
    return dW_x, dW_h, db


def _bptt_variant(x, W_x, W_h, b, G, through_time=True, tanh_grad=True, own_h=False, last_only=False):
    m, T, _ = x.shape
    H = [np.zeros((m, W_h.shape[0]))]
    for t in range(T):
        H.append(np.tanh(x[:, t] @ W_x + H[-1] @ W_h + b))
    dW_x, dW_h, db = np.zeros_like(W_x), np.zeros_like(W_h), np.zeros_like(b)
    dz_next = np.zeros_like(H[0])
    for t in range(T - 1, -1, -1):
        g = G[:, t] if (not last_only or t == T - 1) else 0
        dh = g + (dz_next @ W_h.T if through_time else 0)
        dz = dh * (1 - H[t + 1] ** 2) if tanh_grad else dh
        dW_x += x[:, t].T @ dz
        dW_h += (H[t + 1] if own_h else H[t]).T @ dz
        db += dz.sum(axis=0)
        dz_next = dz
    return dW_x, dW_h, db


RIGHT["15.1"] = rnn_step_backward
RIGHT["15.2"] = bptt
RIGHT["15.3"] = 66
WRONG += [
    ("15.1", lambda dh, x, hp, h, Wx, Wh: (dh @ Wx.T, dh @ Wh.T, x.T @ dh, hp.T @ dh, dh.sum(axis=0)),
     "the tanh is missing"),
    ("15.1", lambda dh, x, hp, h, Wx, Wh: rnn_step_backward(dh, x, hp, h, Wx, Wh)[:4]
     + (rnn_step_backward(dh, x, hp, h, Wx, Wh)[4] / len(x),), "it does not average"),
    ("15.1", lambda dh, x, hp, h, Wx, Wh: rnn_step_backward(dh, x, hp, h, Wx, Wh)[:3]
     + (h.T @ (dh * (1 - h ** 2)), rnn_step_backward(dh, x, hp, h, Wx, Wh)[4]), "not hᵀ δz"),
    ("15.1", lambda dh, x, hp, h, Wx, Wh: (rnn_step_backward(dh, x, hp, h, Wx, Wh)[0], (dh * (1 - h ** 2)) @ Wh)
     + rnn_step_backward(dh, x, hp, h, Wx, Wh)[2:], "through its transpose"),
    ("15.1", lambda dh, x, hp, h, Wx, Wh: rnn_step_backward(dh * (1 - h) / (1 - h ** 2), x, hp, h, Wx, Wh),
     "not 1 − h."),
    ("15.1", lambda dh, x, hp, h, Wx, Wh: rnn_step_backward(dh, x, hp, h, Wx, Wh)[:2],
     "should return 5 results"),
    ("15.2", lambda *a: _bptt_variant(*a, through_time=False), "δh_t = G_t + δz_{t+1} W_hᵀ"),
    ("15.2", lambda *a: _bptt_variant(*a, tanh_grad=False), "the tanh is missing"),
    ("15.2", lambda *a: _bptt_variant(*a, own_h=True), "Σ_t h_{t−1}ᵀ δz_t"),
    ("15.2", lambda *a: _bptt_variant(*a, last_only=True), "not only at the last"),
    ("15.3", 65, "Round up"),
    ("15.3", 65.56, "whole number"),
    ("15.3", 4, "not by 0.1"),
    ("15.3", 100, "100 is not right, and no typical mistake gives it either"),
]


# 16 · Gated cells ----------------------------------------------------------------------------------
def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def lstm_step(x, h_prev, c_prev, W_x, W_h, b):
    z = x @ W_x + h_prev @ W_h + b
    n = z.shape[1] // 4
    i, f, o = sigmoid(z[:, :n]), sigmoid(z[:, n:2 * n]), sigmoid(z[:, 3 * n:])
    g = np.tanh(z[:, 2 * n:3 * n])               # blocks i, f, g, o
    c = f * c_prev + i * g
    return o * np.tanh(c), c


def lstm_step_ifog(x, h_prev, c_prev, W_x, W_h, b):
    """The order of cs231n's assignment (i, f, o, g): a typical mistake here."""
    z = x @ W_x + h_prev @ W_h + b
    n = z.shape[1] // 4
    i, f, o = sigmoid(z[:, :n]), sigmoid(z[:, n:2 * n]), sigmoid(z[:, 2 * n:3 * n])
    c = f * c_prev + i * np.tanh(z[:, 3 * n:])
    return o * np.tanh(c), c


def cell_update_backward(dc, c_prev, i, f, g):
    return dc * f, dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g ** 2)


RIGHT["16.1"] = lstm_step
RIGHT["16.2"] = cell_update_backward
RIGHT["16.3"] = math.log(0.1 ** (1 / 50) / (1 - 0.1 ** (1 / 50)))
WRONG += [
    ("16.1", lstm_step_ifog, "i, f, g, o"),
    ("16.1", lambda *a: (lstm_step(*a)[1] * 0 + lstm_step(*a)[0], lstm_step(*a)[0]), "that is h"),
    ("16.1", lambda x, hp, cp, Wx, Wh, b: (sigmoid((x @ Wx + hp @ Wh + b)[:, 3 * Wh.shape[0]:]) * lstm_step(x, hp, cp, Wx, Wh, b)[1],
                                           lstm_step(x, hp, cp, Wx, Wh, b)[1]), "the tanh of the new cell state"),
    ("16.2", lambda dc, cp, i, f, g: (dc,) + cell_update_backward(dc, cp, i, f, g)[1:], "dc_prev = dc ⊙ f"),
    ("16.2", lambda dc, cp, i, f, g: (dc * f, dc * g * i * (1 - i), dc * cp, dc * i * (1 - g ** 2)),
     "dz_f = dc ⊙ c_prev ⊙ f(1 − f)"),
    ("16.2", lambda dc, cp, i, f, g: (dc * f, dc * g * i * (1 - i), dc * f * (1 - f), dc * i * (1 - g ** 2)),
     "∂c/∂f = c_prev"),
    ("16.2", lambda dc, cp, i, f, g: cell_update_backward(dc, cp, i, f, g)[:3] + (dc * i,), "tanh' is missing"),
    ("16.2", lambda dc, cp, i, f, g: (dc * f, dc * g, dc * cp * f * (1 - f), dc * i * (1 - g ** 2)),
     "σ' is missing: dz_i"),
    ("16.3", 0.1 ** (1 / 50), "that is the forget gate's value"),
    ("16.3", 1, "the usual forget bias"),
    ("16.3", math.log(0.1 / 0.9), "the product over 50 steps"),
    ("16.3", 5, "5 is not right, and no typical mistake gives it either"),
]
