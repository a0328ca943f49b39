"""The callbacks that watch one number of the logs (chapter 10): ``EarlyStopping`` stops
training when it stops improving, ``ModelCheckpoint`` saves the model after an epoch
(or only after one that improved it), both with Keras' rules.
"""

from __future__ import annotations

import math
import numbers
import os

from ..validate import positive_int
from .callback_base import Callback

__all__ = ["EarlyStopping", "ModelCheckpoint"]

_MAX_NAMES = ("accuracy", "acc", "auc", "precision", "recall")


def _direction(owner: str, monitor: str, mode: str) -> str:
    """``"min"`` or ``"max"``: whether a smaller or a larger ``monitor`` is better."""
    if mode in ("min", "max"):
        return mode
    if mode != "auto":
        raise ValueError(f"{owner}: expected mode 'auto', 'min' or 'max', got {mode!r}.")
    name = monitor[4:] if monitor.startswith("val_") else monitor
    if name in _MAX_NAMES or name.endswith("accuracy"):
        return "max"
    if "loss" in name or name in ("mse", "mae", "error"):
        return "min"
    raise ValueError(
        f"{owner}: cannot tell whether monitor={monitor!r} should go up or down. "
        f"Pass mode='min' (smaller is better) or mode='max' (larger is better)."
    )


def _monitor_value(owner: str, monitor: str, logs) -> float:
    """``logs[monitor]`` as a float; a missing key is an error naming the keys there are."""
    logs = logs or {}
    if monitor not in logs:
        have = ", ".join(repr(k) for k in logs) or "none"
        hint = (" To get validation values, pass validation_data=(x_val, y_val) or "
                "validation_split=0.2 to fit." if monitor.startswith("val_") else "")
        raise ValueError(
            f"{owner}: monitor={monitor!r} is not in the logs of this epoch; the logs hold "
            f"{have}.{hint} Or monitor one of the keys there are, e.g. monitor='loss'."
        )
    return float(logs[monitor])


def _real(owner, name, value, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
        raise ValueError(f"{owner}: expected {name} to be a number, got {value!r}.")
    return float(value)


class EarlyStopping(Callback):
    """Stop training when ``monitor`` has not improved for ``patience`` epochs (Keras' rule).

    After each epoch: an epoch *improves* when its value beats the best so far
    by more than ``min_delta`` (smaller for ``mode="min"``, larger for
    ``"max"``; ``"auto"`` picks max for accuracy-like names, min for losses).
    ``wait`` counts the epochs since the last improvement; when
    ``wait >= patience`` (and the epoch is not the first) it sets
    ``model.stop_training = True`` and records ``stopped_epoch``. With a
    ``baseline``, an improvement resets ``wait`` only if it also beats the
    baseline. With ``restore_best_weights=True`` the weights of ``best_epoch``
    are put back at the end of training, whether or not it stopped early.
    Epochs before ``start_from_epoch`` are not watched.

    A ``monitor`` key missing from the logs is a ``ValueError`` that names the
    keys there are (Keras only warns, and then never stops; here a typo or a
    missing ``validation_data`` is caught after the first epoch). Chapter 10.

    Attributes:
        wait, best, best_epoch, stopped_epoch (0 if it never stopped), best_weights.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        owner = "EarlyStopping"
        self.monitor = str(monitor)
        self.min_delta = abs(_real(owner, "min_delta", min_delta))
        self.patience = positive_int(owner, "patience", patience, minimum=0)
        self.verbose = verbose
        self.mode = _direction(owner, self.monitor, mode)
        self.baseline = _real(owner, "baseline", baseline, allow_none=True)
        self.restore_best_weights = bool(restore_best_weights)
        self.start_from_epoch = positive_int(owner, "start_from_epoch", start_from_epoch, minimum=0)
        self.on_train_begin()

    def _improves(self, value, reference) -> bool:
        if reference is None:
            return True
        if self.mode == "min":
            return value + self.min_delta < reference
        return value - self.min_delta > reference

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best, self.best_weights = None, None          # so one object can serve two fits

    def on_epoch_end(self, epoch, logs=None):
        value = _monitor_value("EarlyStopping", self.monitor, logs)
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self._improves(value, self.best):
            self.best, self.best_epoch = value, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._improves(value, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose:
                print(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(Callback):
    """Save the model with ``model.save`` after every epoch, or only when
    ``monitor`` improves (``save_best_only=True``), as Keras does.

    ``filepath`` may hold ``{epoch}`` and any key of the logs, filled in with
    ``str.format``; ``epoch`` is 1-based there, as in Keras: at the end of epoch 0,
    ``"ckpt-{epoch:02d}-{val_loss:.2f}"`` becomes ``"ckpt-01-0.35"``. ``model.save``
    adds ``.npz`` if the name has no extension; ``nb.load_model`` reads the file.
    ``mode`` is as in ``EarlyStopping``; a missing ``monitor`` key is a
    ``ValueError`` (Keras warns and skips the save). A folder in ``filepath`` that
    does not exist yet is made, as Keras does. Chapter 10.

    Attributes:
        best: the best monitored value so far (±inf before the first save).
        last_path: the path of the last file written, or ``None``.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 mode="auto"):
        super().__init__()
        self.filepath = os.fspath(filepath)
        self.monitor = str(monitor)
        self.verbose = verbose
        self.save_best_only = bool(save_best_only)
        self.mode = _direction("ModelCheckpoint", self.monitor, mode)
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        self.best = math.inf if self.mode == "min" else -math.inf
        self.last_path = None

    def _path(self, epoch, logs) -> str:
        try:
            return self.filepath.format(**{**logs, "epoch": epoch + 1})
        except (KeyError, IndexError) as exc:
            have = ", ".join(repr(k) for k in ("epoch", *logs))
            raise ValueError(
                f"ModelCheckpoint: filepath {self.filepath!r} names {exc}, which is not a key "
                f"of this epoch's logs; the keys are {have}. Use only those in braces."
            ) from None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        path = self._path(epoch, logs)
        if self.save_best_only:
            value = _monitor_value("ModelCheckpoint", self.monitor, logs)
            better = value < self.best if self.mode == "min" else value > self.best
            if not better:
                if self.verbose:
                    print(f"Epoch {epoch + 1}: {self.monitor} did not improve from {self.best:.4g}")
                return
            if self.verbose:
                print(f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.4g} to "
                      f"{value:.4g}, saving model to {path}")
            self.best = value
        elif self.verbose:
            print(f"Epoch {epoch + 1}: saving model to {path}")
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        written = self.model.save(path)
        self.last_path = path if written is None else written
