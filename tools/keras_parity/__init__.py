"""The checks of tools/compare_keras.py, by part: common (set-up, rows, verdicts), layers
(layers, BatchNorm, losses), training (fit, metrics, validation) and callbacks (callbacks,
initialisers, a CNN trained side by side, weight order)."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")     # before any submodule imports keras
