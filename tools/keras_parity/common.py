"""Set-up shared by every check: Keras in float64 (its float64 products kept in float64), the
rows recorded by ``check``/``same`` and their verdicts."""

from __future__ import annotations

import math
import os
import re

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np                                          # noqa: E402
import torch                                                # noqa: E402
import keras                                                # noqa: E402
from keras.src.backend.common import dtypes as _kdtypes     # noqa: E402

torch.set_num_threads(1)
keras.config.set_floatx("float64")          # metrics and losses in float64 too (float32 rows say so)
# Keras 3 on the torch and JAX backends computes float64 matmuls in float32 ("aligned with
# JAX's default", keras/src/backend/common/dtypes.py). Turn that off, so that a float64 row
# compares float64 arithmetic and a difference of 1e-8 means something.
_kdtypes.BIT64_TO_BIT32_DTYPE["float64"] = "float64"
ROWS: list[tuple[str, float, float, str]] = []
TOL = {np.float32: 2e-5, np.float64: 1e-10}


def check(name, a, b, tol, kind="CHK"):
    """Record max |a − b| (arrays, numbers or lists of them) against ``tol``."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        ROWS.append((name, math.inf, tol, f"shape {a.shape} vs {b.shape}"))
        return
    diff = float(np.max(np.abs(a - b))) if a.size else 0.0
    ROWS.append((name, diff, tol, kind))


def same(name, a, b):
    """Record whether two non-numeric values are equal (0 or inf)."""
    ROWS.append((name, 0.0 if a == b else math.inf, 0.0, "CHK" if a == b else f"{a!r} vs {b!r}"))


def rel_tol(dtype, scale=1.0):
    return TOL[dtype] * max(1.0, scale)


def verdict(diff, tol, kind) -> str:
    if kind == "DOC":
        return "DOC"
    if kind == "DOC?":                               # a documented difference that may not show
        return "PASS" if diff <= tol else "DOC"
    if kind == "CHK":
        return "PASS" if diff <= tol else "FAIL"
    return "FAIL"                                    # kind holds what differed


def summary(rows) -> list[str]:
    """One line per group of rows (the name's first word): counts and the largest PASS difference."""
    groups: dict[str, list] = {}
    for name, diff, tol, kind in rows:
        group = re.match(r"\s*[A-Za-z_.+]*", name).group().strip() or name
        if "[float32]" in name or "float32" in name.split(":")[0]:
            group += " float32"
        groups.setdefault(group, []).append((diff, verdict(diff, tol, kind)))
    lines = []
    for group, items in groups.items():
        passed = [d for d, v in items if v == "PASS"]
        counts = {v: sum(1 for _, w in items if w == v) for v in ("PASS", "FAIL", "DOC")}
        lines.append(f"{group:<24} {len(items):4d} checks  {counts['PASS']:4d} PASS "
                     f"{counts['FAIL']:3d} FAIL {counts['DOC']:3d} DOC   largest PASS difference "
                     f"{max(passed, default=0.0):.2g}")
    return lines
