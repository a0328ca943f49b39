"""The epoch loop behind ``Sequential.fit``: validation split, shuffling,
``train_step`` per batch, metrics, callbacks (Keras order) and the progress
display. Chapter 00 (``fit``), chapter 10 (validation, callbacks).
"""

from __future__ import annotations

import math

import numpy as np

from ..validate import all_finite, positive_int
from .inputs import batch_targets, check_fit_arguments
from .protocol import loss_value
from .callback_base import Callback, CallbackList
from .loss_base import Loss
from .progress import ProgressLogger
from .batches import Batches, FreshBatches, ShuffledEpochs, objective_step

__all__ = ["History", "accuracy_of", "metric_names", "fit_loop", "fit_fresh", "mean_logs",
           "BatchMeans", "Batches", "ShuffledEpochs", "FreshBatches", "objective_step"]


class History:
    """What ``fit`` returns: ``history["loss"]`` (and ``"val_loss"``, metrics such as
    ``"accuracy"``, ``"learning_rate"`` under a callback that changes it), one value
    per epoch; ``epoch`` lists the epochs run, from 0; ``params`` is
    ``{"verbose", "epochs", "steps"}`` of the ``fit`` call (Keras 3's keys)."""

    def __init__(self, params=None):
        self.history: dict[str, list[float]] = {"loss": []}
        self.epoch: list[int] = []
        self.params: dict = dict(params or {})

    def __repr__(self):
        last = {k: round(v[-1], 6) for k, v in self.history.items() if v}
        return f"History(epochs={len(self.epoch)}, last={last})"


def metric_names(metrics) -> list[str]:
    """``compile(metrics=...)`` as a list: ``["accuracy"]`` or ``[]``."""
    names = [] if metrics is None else ([metrics] if isinstance(metrics, str) else list(metrics))
    for name in names:
        if name not in ("accuracy", "acc"):
            raise ValueError(f"Sequential.compile: unknown metric {name!r}; nnbook knows "
                             f"metrics=['accuracy'].")
    return ["accuracy" for _ in names[:1]]


def accuracy_of(yt, out, from_logits=False) -> float:
    """Keras' "accuracy" for checked targets, chosen by the output's shape as in Keras 3:
    one output unit → a 0/1 prediction cut at 0.5; several → argmax of targets and
    outputs (one-hot or integer labels, also several sigmoid units). After a
    ``from_logits=True`` loss nnbook cuts a single logit at 0, i.e. σ(z) > 0.5; Keras'
    binary accuracy cuts the logit itself at 0.5, a deliberate difference.

    Positions whose target row is all zeros (``CrossEntropy(ignore_index=)``'s skipped
    ones) are left out; a batch of nothing else scores NaN.

    Shapes: yt, out: (m, k)."""
    if out.shape[-1] == 1:
        cut = 0.0 if from_logits else 0.5
        return float(np.mean((out > cut) == (yt > 0.5)))
    hits = out.argmax(axis=-1) == yt.argmax(axis=-1)
    kept = yt.any(axis=-1)
    return float(np.mean(hits if kept.all() else hits[kept]) if kept.any() else np.nan)


def _overrides(callback, hook) -> bool:
    """Whether ``callback`` defines ``hook`` itself (the base Callback's hooks do nothing)."""
    return getattr(type(callback), hook) is not getattr(Callback, hook)


class BatchMeans:
    """The mean of per-batch logs over everything seen, each batch weighted by
    ``loss.weight(targets)``: its samples, or the positions a loss with ``ignore_index``
    keeps. A batch of weight 0 (every target ignored) adds nothing, not its NaN
    accuracy; with nothing kept at all, the logs of the batches, weighted by samples."""

    def __init__(self, loss):
        self.loss = loss
        self.sums: dict[str, float] = {}
        self.plain: dict[str, float] = {}
        self.weight = self.samples = 0
        self.by_samples = type(loss).weight is Loss.weight      # every batch weighs m > 0

    def add(self, logs, yb) -> None:
        n = len(yb)
        sums = self.sums
        if self.by_samples:                   # the weight is n: the plain means are the means
            self.samples += n
            self.weight += n
            for k, v in logs.items():
                sums[k] = sums.get(k, 0.0) + v * n
            return
        w = self.loss.weight(yb)
        self.samples += n
        self.weight += w
        for k, v in logs.items():
            self.plain[k] = self.plain.get(k, 0.0) + v * n
            if w:
                sums[k] = sums.get(k, 0.0) + v * w

    def means(self) -> dict[str, float]:
        if self.weight:
            return {k: v / self.weight for k, v in self.sums.items()}
        return {k: v / self.samples for k, v in self.plain.items()}


def mean_logs(model, x, y, batch_size) -> dict[str, float]:
    """``model.test_step`` over checked arrays, ``batch_size`` samples at a time: the
    mean loss (and metrics) over the data (``BatchMeans``), as ``evaluate`` and
    validation report: the same whatever the batch size."""
    means = BatchMeans(model.loss)
    for s in range(0, len(x), batch_size):
        means.add(model.test_step(x[s:s + batch_size], y[s:s + batch_size]), y[s:s + batch_size])
    return means.means()


def lend_rng(layers, rng):
    """Layers that draw random numbers in training and have no generator of their own
    (``layer.rng is None``: a Dropout made without ``rng=`` or read by ``load_model``)
    get one drawn from fit's ``rng``; returns them, so that fit can take it back."""
    lent = []
    for layer in layers:
        if getattr(layer, "rng", False) is None:
            layer.rng = np.random.default_rng(rng.integers(2**63))
            lent.append(layer)
    return lent


def fit_loop(model, batches, *, epochs, val, verbose, rng, callbacks, initial_epoch=0,
             owner="Sequential.fit"):
    """Run epochs ``initial_epoch … epochs − 1`` of ``batches.step`` (``model.train_step``)
    on each batch a source gives (batches.py: a data set's shuffled epochs, or fresh pairs
    for every step), with checked arguments (``inputs.check_fit_arguments``); returns a
    ``History``. Every model nnbook trains walks this loop: ``Sequential.fit``, ``VAE.fit``,
    and through ``fit_fresh`` the denoisers' trainer and the experiments' own loops (RL, DPO,
    mixed precision). ``owner`` names the caller in its errors."""
    steps = batches.steps
    hist = History({"verbose": verbose, "epochs": epochs, "steps": steps})
    progress = [ProgressLogger(verbose)] if verbose else []       # verbose=0 prints nothing
    cbs = CallbackList([*progress, *callbacks], model=model,      # the progress display first
                       params={"epochs": epochs, "steps": steps, "verbose": verbose})
    scheduled = per_batch = False          # per_batch False: no batch hooks, no running means
    for cb in cbs.callbacks:
        scheduled = scheduled or cb.changes_learning_rate
        per_batch = per_batch or _overrides(cb, "on_batch_begin") or _overrides(cb, "on_batch_end")
    model.stop_training = False
    lent = lend_rng(getattr(model, "layers", ()), rng)
    cbs.on_train_begin({})
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            for epoch in range(initial_epoch, epochs):
                cbs.on_epoch_begin(epoch, {})
                means = (batches.Means or BatchMeans)(model.loss)
                train_step = batches.step or model.train_step
                for b, (xb, yb) in enumerate(batches.epoch(rng)):
                    if per_batch:
                        cbs.on_batch_begin(b, {})
                    try:
                        logs = train_step(xb, yb)
                    except ValueError as exc:
                        if len(xb) == 1 < steps and isinstance(batches, ShuffledEpochs):
                            _single_sample_batch(exc, len(batches.x), batches.batch_size)
                        raise
                    if not math.isfinite(logs["loss"]):
                        _diverged(model, owner, logs["loss"], epoch, batches.where(b),
                                  blame=batches.blame(model, xb))
                    means.add(logs, xb if yb is None else yb)
                    if per_batch:
                        cbs.on_batch_end(b, means.means())               # running means
                if not all_finite(*batches.weights(model)):
                    _diverged(model, owner, "finite, but the last step made a weight NaN or "
                              "inf", epoch, "last batch", blame=batches.blame(model, xb))
                logs = means.means()
                if val is not None:
                    for k, v in mean_logs(model, *val, 1024).items():
                        if k == "loss" and not math.isfinite(v):
                            _diverged(model, owner, v, epoch, "validation loss", what=f"val_{k}")
                        logs[f"val_{k}"] = v
                logs["learning_rate"] = float(getattr(model.optimizer, "lr", float("nan")))
                cbs.on_epoch_end(epoch, logs)
                hist.epoch.append(epoch)      # after the callbacks, as Keras' History callback
                for k, v in logs.items():     # the rate only when a schedule changes it, as in Keras
                    if k != "learning_rate" or scheduled:
                        hist.history.setdefault(k, []).append(v)
                if model.stop_training:
                    break
            if val is None and hist.epoch and batches.checks_final_step:
                _check_final_step(model, owner, xb, yb, hist.epoch[-1])  # no validation loss
        cbs.on_train_end({})                                           # saw the final weights
    finally:
        model.set_training(False)
        for layer in lent:
            layer.rng = None
    return hist


def fit_fresh(model, draw, steps, *, epochs=1, initial_epoch=0, step=None, batch_size=1,
              rng=None, callbacks=None, verbose=0, owner="fit_fresh"):
    """``fit``'s loop (``fit_loop``) on batches made as it runs: ``epochs`` epochs of ``steps``
    steps, each on the batch ``draw(rng)`` gives just before it (``FreshBatches``), run by
    ``model.train_step`` or by ``step`` (``FreshBatches``' own step, e.g. ``objective_step``).
    Returns the steps' losses, in order. ``callbacks``, ``verbose``, ``initial_epoch``
    (resuming) and the error when the loss stops being finite are ``fit``'s; ``batch_size``,
    the one ``draw`` uses, is checked here."""
    args = check_fit_arguments(model, epochs=epochs, batch_size=batch_size, rng=rng,
                               verbose=verbose, callbacks=callbacks,
                               initial_epoch=initial_epoch, owner=owner)
    del args["batch_size"]
    batches = FreshBatches(model, draw, positive_int(owner, "steps", steps), step)
    fit_loop(model, batches, val=None, owner=owner, **args)
    return np.array(batches.losses, dtype=float)


def _single_sample_batch(exc, m, batch_size):
    """A layer refused the one-sample last batch (BatchNorm over features needs two)."""
    better = next(b for b in range(batch_size + 1, m + 1) if m % b != 1)
    raise ValueError(
        f"{exc} This was the last batch of the epoch, which holds one sample: {m} samples "
        f"with batch_size={batch_size} leave {m} = {m // batch_size}·{batch_size} + 1. "
        f"Choose a batch_size that leaves at least two, e.g. batch_size={better}."
    ) from None


def _check_final_step(model, owner, xb, yb, epoch, n=8):
    """The last step's loss was finite, but the update after it may have diverged (a
    learning rate far too large multiplies the weights every step): the loss at the
    final weights must be finite too. Weights that became NaN or inf were caught by the
    epoch's check, so the forward pass and the loss on the last batch's first ``n``
    samples settle it (no metrics or output checks: fit's first step made them), with
    the loss times the batch size finite too: the batch's mean sums that many terms, and
    can overflow where a mean over a few does not."""
    out = model.forward(xb[:n], training=False)
    value = loss_value(model.loss, batch_targets(model, owner, yb[:n], out), out)
    total = value * len(xb)
    if not math.isfinite(total):
        _diverged(model, owner, value if not math.isfinite(value) else total, epoch,
                  "at the weights after the last step")


def _diverged(model, owner, value, epoch, where, what="loss", blame=None):
    """Stop ``owner`` (fit): the loss (or the weights) stopped being finite. ``blame``: which layer
    first produced the NaN or inf (protocol.first_non_finite), kept as the error's
    ``blame`` and shown under its message as a note (Python 3.11 on)."""
    err = FloatingPointError(
        f"{owner}: the {what} became {value} in epoch {epoch} (counting from 0, as "
        f"History.epoch; {where}); training "
        f"diverged. Try a smaller learning rate (now {getattr(model.optimizer, 'lr', '?')}), "
        f"gradient clipping (clipnorm=1.0), or scaled inputs."
    )
    err.blame = blame
    if blame and hasattr(err, "add_note"):
        err.add_note(f"Where the NaN or inf came from: {blame}.")
    raise err
