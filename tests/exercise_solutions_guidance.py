"""Worked solutions (RIGHT) and typical wrong answers with their hints (WRONG) of the
exercises of chapter 27; exercise_solutions.py merges them into its own."""

RIGHT = {}
WRONG = []          # (exercise id, wrong answer, text the feedback must contain)


# 27.1 · The tilted target's variance ---------------------------------------------------------
def tilted_variance(a2, b2, w):
    # log p(x | c)^w p(x)^(1−w) = −x²·(w/a2 + (1 − w)/b2)/2 + (linear in x): add precisions
    return 1.0 / (w / a2 + (1.0 - w) / b2)


RIGHT["27.1"] = tilted_variance
WRONG += [
    ("27.1", lambda a2, b2, w: w * a2 + (1 - w) * b2, "PRECISIONS"),
    ("27.1", lambda a2, b2, w: a2 ** w * b2 ** (1 - w), "guided ODE"),
    ("27.1", lambda a2, b2, w: w / a2 + (1 - w) / b2, "its inverse"),
    ("27.1", lambda a2, b2, w: 1.0 / (w / a2 + w / b2), "1 − w"),
]


# 27.2 · Where the guided ODE ends ------------------------------------------------------------
def ode_end_variance(a2, b2, w, S):
    # dV/ds = k(s)·V with k = w/(a2 + s) + (1 − w)/(b2 + s): V(0) = V(S)/G(S)², and
    # G(S)² = exp ∫₀ˢ k = ((a2 + S)/a2)^w · ((b2 + S)/b2)^(1 − w); V(S) = b2 + S
    return (b2 + S) / (((a2 + S) / a2) ** w * ((b2 + S) / b2) ** (1.0 - w))


RIGHT["27.2"] = ode_end_variance
WRONG += [
    ("27.2", lambda a2, b2, w, S: b2 / (((a2 + S) / a2) ** w * ((b2 + S) / b2) ** (1 - w)),
     "b² + S"),
    ("27.2", lambda a2, b2, w, S: a2 ** w * b2 ** (1 - w), "limit"),
    ("27.2", lambda a2, b2, w, S: (b2 + S) / (((a2 + S) / a2) ** w
                                              * ((b2 + S) / b2) ** (1 - w)) ** 2, "G(S)⁴"),
]
