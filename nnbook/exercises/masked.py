"""Exercises of chapter 28 (masked diffusion of text): the bound per character from the
loss per masked character at each number k of masked characters.
"""

from __future__ import annotations

import numpy as np

from ._core import Runner, compare, exercise

_CASES = [(0.3, 0.5, 1.2), (2.0,), (0.1, 0.2, 0.4, 0.8, 1.6, 3.2), (1.0, 1.0, 4.0, 0.5),
          (0.05, 0.9, 0.7, 1.3, 2.8)]


# 28.1 ----------------------------------------------------------------------------------------
@exercise("28.1", "The bound from the loss at each rate",
          "function bound_from_rates(losses) -> number: the masked-diffusion bound in nats "
          "per character of a window of T = len(losses) characters, where losses[k − 1] is "
          "the mean loss per masked character when k of the T are masked (k drawn from 1…T)")
def bound_from_rates(fn):
    run = Runner(fn, "bound_from_rates")
    for losses in _CASES:
        L = np.array(losses)
        T, k = len(L), np.arange(1, len(L) + 1)
        where = f"bound_from_rates({list(losses)})"
        compare(where, run(list(losses)), L.mean(), [
            ((k * L).sum() / k.sum(), "that is the mean over every masked character, as an "
                                      "unweighted loss gives it: the weight T/k makes each "
                                      "k count equally, so the bound is the plain mean of "
                                      "the losses over k."),
            (L.sum(), "that is the bound on −log p(window), in nats per WINDOW; divide by T "
                      "for the bound per character."),
            ((L / k).sum() / T, "the weight T/k already cancels the k masked characters' "
                                "sum: loss per masked character times k times T/k, over T."),
            ((k * L).sum() / T ** 2, "without the weight T/k, each k adds k/T times its loss "
                                     "per masked character: put the weight back."),
        ])
    return ("right: (1/T)·Σ_k (1/T)·(T/k)·k·L_k = the mean of L_k over k = 1…T: every "
            "masking rate counts the same.")
