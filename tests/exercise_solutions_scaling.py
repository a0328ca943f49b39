"""Worked solutions (RIGHT) and typical wrong answers with their hints (WRONG) of the
exercises of chapter 32; exercise_solutions.py merges them into its own."""

RIGHT = {}
WRONG = []          # (exercise id, wrong answer, text the feedback must contain)


# 32.1 · Tokens per parameter at fixed compute ----------------------------------------------
def tokens_per_parameter(A, alpha, B, beta, C):
    # at the optimum the two terms' derivatives balance: alpha·A/N^alpha = beta·B/D^beta,
    # with N·D = C/6; solve for N, then D = C/(6N)
    G = (alpha * A / (beta * B)) ** (1 / (alpha + beta))
    N = G * (C / 6) ** (beta / (alpha + beta))
    return C / (6 * N) / N


def _split(A, alpha, B, beta, C, six=6.0):
    G = (alpha * A / (beta * B)) ** (1 / (alpha + beta))
    N = G * (C / six) ** (beta / (alpha + beta))
    return N, C / (six * N)


RIGHT["32.1"] = tokens_per_parameter
WRONG += [
    ("32.1", lambda A, a, B, b, C: (lambda n, d: n / d)(*_split(A, a, B, b, C)), "turn the ratio"),
    ("32.1", lambda A, a, B, b, C: (lambda n, d: d / n)(*_split(A, a, B, b, C, 1.0)), "C = 6"),
    # A, alpha swapped with B, beta swaps N* and D*: the same answer as the ratio turned over
    ("32.1", lambda A, a, B, b, C: (lambda n, d: d / n)(*_split(B, b, A, a, C)), "swapped"),
]
