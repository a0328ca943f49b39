"""Exercises of chapter 34 (Muon): the shape scale of Muon's update read as the largest
change of a layer's outputs' root-mean-square per unit of its inputs'.
"""

from __future__ import annotations

import math

from ._core import Runner, compare, exercise

_SHAPES = [(32, 85), (85, 32), (10, 1000), (1000, 10), (48, 192)]


# 34.1 ----------------------------------------------------------------------------------------
@exercise("34.1", "Muon's shape scale as a gain",
          "function rms_gain(n_in, n_out) -> number: for W of shape (n_in, n_out) and Muon's "
          "step ΔW = lr·s·O with ‖O‖₂ = 1 and s = √max(1, n_out/n_in), the largest ratio of "
          "the RMS of x @ ΔW to the RMS of x, divided by lr")
def rms_gain(fn):
    run = Runner(fn, "rms_gain")
    for n_in, n_out in _SHAPES:
        s = math.sqrt(max(1.0, n_out / n_in))
        inverted = math.sqrt(max(1.0, n_in / n_out))
        right = math.sqrt(n_in / n_out) * s
        compare(f"rms_gain({n_in}, {n_out})", run(n_in, n_out), right, [
            (math.sqrt(n_in / n_out) * inverted,
             "that is the scale √max(1, n_in/n_out), inverted: Muon's scale grows with the "
             "outputs per input, √max(1, n_out/n_in) for W of shape (n_in, n_out)."),
            (s, "that is ‖ΔW‖₂/lr, the step's spectral norm alone: an input of RMS 1 has "
                "length √n_in and an output of RMS r has length r·√n_out, so the gain is "
                "√(n_in/n_out)·‖ΔW‖₂/lr."),
            (math.sqrt(n_out / n_in) * s,
             "turned over: RMS = length/√size, so the gain is ‖ΔW‖₂·√n_in/√n_out per lr."),
        ], rtol=1e-9)
    return ("right: the gain is √(n_in/n_out)·s, 1 wherever n_out ≥ n_in (the scale cancels "
            "it) and √(n_in/n_out) > 1 for a tall W, where Muon's scale stays 1.")
