"""Worked solutions (RIGHT) and typical wrong answers with their hints (WRONG) of the
exercises of chapters 17–18; exercise_solutions.py merges them into its own."""

import numpy as np  # noqa: F401

RIGHT = {}
WRONG = []          # (exercise id, wrong answer, text the feedback must contain)
