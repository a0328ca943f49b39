"""Worked solutions (RIGHT) and typical wrong answers with their hints (WRONG) of the
exercises of chapter 34; exercise_solutions.py merges them into its own."""

import math

RIGHT = {}
WRONG = []          # (exercise id, wrong answer, text the feedback must contain)


# 34.1 · Muon's shape scale as a gain -------------------------------------------------------
def rms_gain(n_in, n_out):
    # ‖x @ ΔW‖ ≤ ‖ΔW‖₂·‖x‖, with ‖x‖ = √n_in·RMS(x) and ‖x @ ΔW‖ = √n_out·RMS(x @ ΔW), and
    # ‖ΔW‖₂ = lr·s since ‖O‖₂ = 1 (equality for x along its top left-singular vector)
    s = math.sqrt(max(1.0, n_out / n_in))
    return math.sqrt(n_in / n_out) * s


RIGHT["34.1"] = rms_gain
WRONG += [
    ("34.1", lambda n_in, n_out: math.sqrt(n_in / n_out) * math.sqrt(max(1.0, n_in / n_out)),
     "inverted"),
    ("34.1", lambda n_in, n_out: math.sqrt(max(1.0, n_out / n_in)), "spectral norm alone"),
    ("34.1", lambda n_in, n_out: math.sqrt(n_out / n_in) * math.sqrt(max(1.0, n_out / n_in)),
     "turned over"),
]
