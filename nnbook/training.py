"""The epoch loop behind ``Sequential.fit``: validation split, shuffling,
``train_step`` per batch, metrics, callbacks (Keras order) and the progress
display. Chapter 00 (``fit``), chapter 10 (validation, callbacks).
"""

from __future__ import annotations

import math

import numpy as np

from ._validate import make_rng, positive_int

__all__ = ["History", "accuracy_of"]


class History:
    """What ``fit`` returns: ``history["loss"]`` (and ``"val_loss"``, metrics such as
    ``"accuracy"``), one value per epoch; ``epoch`` lists the epochs run, from 0."""

    def __init__(self):
        self.history: dict[str, list[float]] = {"loss": []}
        self.epoch: list[int] = []

    def __repr__(self):
        last = {k: round(v[-1], 6) for k, v in self.history.items() if v}
        return f"History(epochs={len(self.epoch)}, last={last})"


def accuracy_of(yt, out, from_logits=False) -> float:
    """Keras' "accuracy" for checked targets: one output unit → threshold 0.5 (0 for
    logits), several → argmax of targets and outputs.

    Shapes: yt, out: (m, k)."""
    if out.shape[-1] == 1:
        cut = 0.0 if from_logits else 0.5
        return float(np.mean((out > cut) == (yt > 0.5)))
    return float(np.mean(out.argmax(axis=-1) == yt.argmax(axis=-1)))


class _Hooks:
    """Stand-in for ``nb.callbacks.CallbackList`` while callbacks.py is missing:
    calls each hook that a callback has, in list order."""

    def __init__(self, callbacks, model, params):
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            for name, arg in (("set_model", model), ("set_params", params)):
                if hasattr(cb, name):
                    getattr(cb, name)(arg)

    def __getattr__(self, hook):
        def call(*args):
            for cb in self.callbacks:
                method = getattr(cb, hook, None)
                if method is not None:
                    method(*args)
        return call


class _PrintProgress:
    """The plain printed progress (used only when nnbook.progress is missing):
    ``verbose=1`` about ten lines, ``2`` one per epoch, ``0`` nothing."""

    def __init__(self, verbose, epochs):
        self.verbose, self.epochs = verbose, epochs
        self.every = 1 if verbose >= 2 or epochs <= 20 else max(1, epochs // 10)

    def on_epoch_end(self, epoch, logs=None):
        n = epoch + 1
        if self.verbose and (n % self.every == 0 or n in (1, self.epochs)):
            shown = " - ".join(f"{k}: {v:.4g}" for k, v in (logs or {}).items() if k != "lr")
            print(f"Epoch {n}/{self.epochs} - {shown}")


def make_callbacks(model, callbacks, verbose, epochs, steps):
    """The progress display first, then the user's callbacks, as one
    ``CallbackList`` given the model and ``params = {epochs, steps, verbose}``."""
    if verbose not in (0, 1, 2):
        raise ValueError(f"Sequential.fit: expected verbose 0, 1 or 2, got {verbose!r}.")
    params = {"epochs": epochs, "steps": steps, "verbose": verbose}
    if callbacks is not None and not isinstance(callbacks, (list, tuple)):
        raise ValueError(f"Sequential.fit: expected callbacks=[...] (a list), got "
                         f"{type(callbacks).__name__}. Wrap it in a list: callbacks=[callback].")
    try:
        from .callbacks import CallbackList
        from .progress import ProgressLogger
    except ImportError:
        return _Hooks([_PrintProgress(verbose, epochs), *(callbacks or [])], model, params)
    return CallbackList([ProgressLogger(verbose), *(callbacks or [])], model=model, params=params)


def split_validation(owner, x, y, validation_split):
    """Keras' rule: the LAST fraction of the samples (before any shuffling)."""
    if isinstance(validation_split, bool) or not isinstance(validation_split, (int, float)) \
            or not 0 <= validation_split < 1:
        raise ValueError(f"{owner}: expected validation_split in [0, 1), got {validation_split!r}.")
    cut = int(math.floor(len(x) * (1.0 - validation_split)))
    if cut == 0 or cut == len(x):
        raise ValueError(f"{owner}: validation_split={validation_split} of {len(x)} samples "
                         f"leaves {cut} for training and {len(x) - cut} for validation; "
                         f"both need at least one.")
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])


def fit_loop(model, x, y, *, epochs, batch_size, shuffle, val, verbose, rng, callbacks):
    """Run ``epochs`` epochs of ``model.train_step`` on checked arrays; returns a ``History``."""
    owner = "Sequential.fit"
    epochs = positive_int(owner, "epochs", epochs, minimum=0)
    batch_size = positive_int(owner, "batch_size", batch_size)
    rng = make_rng(rng) if shuffle else None
    m, hist = len(x), History()
    steps = -(-m // batch_size)
    cbs = make_callbacks(model, callbacks, verbose, epochs, steps)
    model.stop_training = False
    cbs.on_train_begin({})
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            for epoch in range(epochs):
                cbs.on_epoch_begin(epoch, {})
                if rng is None:
                    xs, ys = x, y
                else:
                    perm = rng.permutation(m)
                    xs, ys = x[perm], y[perm]
                sums: dict[str, float] = {}
                seen = 0
                model.set_training(True)
                for b, s in enumerate(range(0, m, batch_size)):
                    cbs.on_batch_begin(b, {})
                    xb, yb = xs[s:s + batch_size], ys[s:s + batch_size]
                    logs = model.train_step(xb, yb)
                    if not math.isfinite(logs["loss"]):
                        _diverged(model, logs["loss"], epoch, f"batch starting at sample {s}")
                    seen += len(xb)
                    for k, v in logs.items():
                        sums[k] = sums.get(k, 0.0) + v * len(xb)
                    cbs.on_batch_end(b, {k: v / seen for k, v in sums.items()})  # running means
                model.set_training(False)
                if not all(np.isfinite(p).all() for p in model.params.values()):
                    _diverged(model, "finite, but the last step made a weight NaN or inf",
                              epoch, "last batch")
                logs = {k: v / m for k, v in sums.items()}
                if val is not None:
                    for k, v in model._evaluate_logs(*val, 1024).items():
                        if not math.isfinite(v):
                            _diverged(model, v, epoch, "validation loss", what=f"val_{k}")
                        logs[f"val_{k}"] = v
                logs["lr"] = float(getattr(model.optimizer, "lr", float("nan")))
                hist.epoch.append(epoch)
                for k, v in logs.items():
                    if k != "lr":
                        hist.history.setdefault(k, []).append(v)
                cbs.on_epoch_end(epoch, logs)
                if model.stop_training:
                    break
        cbs.on_train_end({})
    finally:
        model.set_training(False)
    return hist


def _diverged(model, value, epoch, where, what="loss"):
    raise FloatingPointError(
        f"Sequential.fit: the {what} became {value} in epoch {epoch} ({where}); training "
        f"diverged. Try a smaller learning rate (now {getattr(model.optimizer, 'lr', '?')}), "
        f"gradient clipping (clipnorm=1.0), or scaled inputs."
    )
