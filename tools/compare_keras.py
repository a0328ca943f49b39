"""Side-by-side run of nnbook against Keras 3 on the same weights and data.

Needs keras and torch (not nnbook dependencies): run it in a separate environment,
    KERAS_BACKEND=torch PYTHONPATH=. python tools/compare_keras.py [--summary]
Prints one row per check (max abs difference, tolerance, PASS/FAIL) and exits 1 if
any check fails. A "DOC" row is a difference that nnbook's docstrings state (PyTorch's
conventions, or a Keras quirk), shown for information; the comment next to it in this
file says why, and a row next to it usually checks the converted or by-hand numbers.
Weights go from nnbook to Keras with get_weights/set_weights (both keep kernels as
(f, f, c_in, c_out) and images as NHWC); training runs with shuffle=False.
The checks live in tools/keras_parity/ (layers and losses, training, callbacks).
Made with Keras 3.15.1 and torch 2.13.0 (CPU).
"""

from __future__ import annotations

import os
import sys

from keras_parity.common import ROWS, summary, verdict      # sets KERAS_BACKEND, then imports keras
from keras_parity.layers import layers_checks, losses_checks
from keras_parity.training import fit_checks, metric_checks, validation_checks
from keras_parity.callbacks import (callback_checks, conv_model_fit_checks, init_checks,
                                    weights_order_checks)

import keras
import numpy as np
import torch

import nnbook as nb


def main(argv) -> int:
    print(f"keras {keras.__version__} (backend {keras.backend.backend()}), torch "
          f"{torch.__version__}, numpy {np.__version__}, nnbook from {os.path.dirname(nb.__file__)}")
    for part in (lambda: layers_checks(np.float64), lambda: layers_checks(np.float32),
                 losses_checks, init_checks, fit_checks, lambda: conv_model_fit_checks(np.float64),
                 lambda: conv_model_fit_checks(np.float32), metric_checks,
                 validation_checks, callback_checks, weights_order_checks):
        part()
    width = max(len(r[0]) for r in ROWS)
    failed = 0
    for name, diff, tol, kind in ROWS:
        v = verdict(diff, tol, kind)
        failed += v == "FAIL"
        if "--summary" in argv and v == "PASS":
            continue
        extra = "" if kind in ("CHK", "DOC", "DOC?") else f"  ({kind})"
        print(f"{name:<{width}}  {diff:10.3g}  tol {tol:8.1g}  {v}{extra}")
    if "--summary" in argv:
        print("\n".join(["", "PASS rows by group (--summary leaves them out above):"]
                        + summary(ROWS)))
    print(f"{len(ROWS)} checks, {failed} failed "
          f"(DOC: a documented difference, shown for information)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
