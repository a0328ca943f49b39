"""Exercises of chapter 31 (linear attention's state): DeltaNet's write as chapter 01's
delta rule, and the share of the values the best d × d state loses beyond d pairs.
"""

from __future__ import annotations

import numpy as np

from ._core import Runner, compare, exercise

_RNG = np.random.default_rng(3100)
_WRITES = [(_RNG.normal(size=(3, 4)), _RNG.normal(size=4), _RNG.normal(size=3), b)
           for b in (0.3, 1.0, 0.75)]


# 31.1 ----------------------------------------------------------------------------------------
@exercise("31.1", "The delta rule's write",
          "function delta_write(S, k, v, beta) -> array (d_v, d_k): the state after one "
          "step of the delta rule on ½‖S k − v‖² with learning rate beta")
def delta_write(fn):
    run = Runner(fn, "delta_write")
    for S, k, v, b in _WRITES:
        where = f"delta_write(S {S.shape}, k {k.shape}, v {v.shape}, beta={b})"
        right = S + b * np.outer(v - S @ k, k)
        compare(where, run(S.copy(), k.copy(), v.copy(), b), right, [
            (S + b * np.outer(v, k), "that is linear attention's Hebbian write: the delta "
                                     "rule writes the error v − S k, not v."),
            (S - b * np.outer(v - S @ k, k), "the step goes down the gradient: −∇_S J = "
                                             "(v − S k) kᵀ, so add β (v − S k) kᵀ."),
            (S + b * np.outer(S @ k - v, k), "the error is v − S k (target minus output, "
                                             "chapter 01's e = y − ŷ)."),
            (S + np.outer(v - S @ k, k), "β is the learning rate: multiply the write by it."),
        ])
    return ("right: S + β (v − S k) kᵀ, chapter 01's Δw = α a e with S as the weights, the "
            "key as the input and v − S k as the error.")


# 31.2 ----------------------------------------------------------------------------------------
@exercise("31.2", "What the best state loses",
          "function share_lost(d, N) -> number: the mean share of the values' energy "
          "that the best d × d state loses when N pairs with random keys and N(0, 1) "
          "values are written (0 when N ≤ d)")
def share_lost(fn):
    run = Runner(fn, "share_lost")
    for d, N in ((8, 4), (8, 8), (8, 12), (4, 32), (16, 17)):
        right = max(0.0, 1 - d / N)
        compare(f"share_lost({d}, {N})", run(d, N), right, [
            (d / N, "d/N is the share the projection KEEPS: the best state loses 1 − d/N."),
            ((N - d) / d, "divide by N, the number of pairs (each pair's value has the "
                          "same expected energy): (N − d)/N."),
            (1 - d / N, "for N ≤ d the keys are independent and the best state recalls every "
                        "value: the share lost is 0, not negative."),
        ])
    return ("right: the values' energy splits into the part in the keys' d-dimensional row "
            "space (kept, d/N of it on average) and the rest (lost, 1 − d/N).")
