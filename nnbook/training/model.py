"""``Sequential``: layers in a row, trained Keras-style (``compile``, ``fit``,
``predict``, ``evaluate``, ``summary``, ``save``, and ``load_model``; the file
format itself is saving.py).
One training step is public (``train_step``: forward → loss → backward →
optimizer step) and the epoch loop that repeats it lives in training.py.
Chapter 00 introduces it with the notes' four-line Keras program.
"""

from __future__ import annotations

import math

import numpy as np

from . import saving
from ..validate import finite, make_rng, positive_int
from .inputs import (as_shape, check_fit_arguments, checked_weights, prepare_validation,
                     prepare_x, prepare_xy)
from ..layers.base import Dense, Layer
from .losses import Loss, get_loss
from .optimizers import Optimizer, get_optimizer
from .loop import History, accuracy_of, fit_loop, split_validation
from .protocol import (backward_of, blame_declared_shape, check_new_layer, check_params,
                       checked_dx, checked_grad, checked_loss_grad, forward_of, loss_value,
                       run_backward, shape_after)

__all__ = ["Sequential", "History", "load_model"]


class Sequential:
    """A stack of layers applied in order: ``y = layers[-1](…layers[0](x))``.

    Args:
        layers: a list of ``Layer`` instances, each used once.
        input_shape: optional shape of one sample, e.g. ``(8, 8, 1)`` or ``3``;
            lets ``summary()`` show every output shape and checks the layer
            sizes fit together. Inferred from a first ``Dense`` layer when omitted.

    ``stop_training`` (set by a callback) ends ``fit`` after the current epoch.
    """

    def __init__(self, layers=None, input_shape=None):
        self.layers: list[Layer] = []
        self.input_shape = as_shape("Sequential", input_shape)
        self.optimizer: Optimizer | None = None
        self.loss: Loss | None = None
        self.metrics: list[str] = []
        self.stop_training = False
        self._added: list[int] = []                  # ids of the layers add() has checked
        if isinstance(layers, Layer):
            raise ValueError(
                f"Sequential: expected a list of layers, got the single layer {layers!r}. "
                f"Wrap it in a list: Sequential([layer])."
            )
        for layer in layers or []:
            self.add(layer)

    # building ------------------------------------------------------------
    def add(self, layer) -> None:
        """Append a layer, checking that its input size fits the previous output."""
        i = len(self.layers)
        check_new_layer(self.layers, layer)
        self.layers.append(layer)
        try:
            self.output_shapes()
        except ValueError as exc:
            self.layers.pop()
            raise ValueError(f"Sequential: layer {i} does not fit the one before it. {exc}") from None
        self._added.append(id(layer))

    def _recheck(self) -> None:
        """Run add's checks again if ``self.layers`` was changed directly (``layers.append``)."""
        if self._added == [id(layer) for layer in self.layers]:
            return
        layers, self.layers, self._added = list(self.layers), [], []
        try:
            for layer in layers:
                self.add(layer)
        except ValueError as exc:
            self.layers = layers
            raise ValueError(f"{exc} (model.layers was changed directly; model.add(layer) "
                             f"checks each layer as it comes.)") from None

    def _first_shape(self):
        if self.input_shape is not None:
            return self.input_shape
        first = self.layers[0] if self.layers else None
        if isinstance(first, Dense):
            return (first.n_in,)
        c_in = getattr(first, "c_in", None)          # Conv2D: channels known, size not
        return None if c_in is None else (None, None, c_in)

    def output_shapes(self, input_shape=None) -> list:
        """The shape of one sample after each layer (``None`` where unknown)."""
        shape = self._first_shape() if input_shape is None else tuple(input_shape)
        shapes = []
        for layer in self.layers:
            shape = None if shape is None else shape_after(layer, shape)
            shapes.append(shape)
        return shapes

    @property
    def params(self) -> dict[str, np.ndarray]:
        """Every live parameter, keyed ``"<layer index>.<name>"``, e.g. ``"0.W"``.

        The same keys name the arrays in a saved file and the optimizer state."""
        return {f"{i}.{k}": p for i, l in enumerate(self.layers) for k, p in l.params.items()}

    @property
    def grads(self) -> dict[str, np.ndarray]:
        """Every gradient, with the keys of ``params``."""
        return {f"{i}.{k}": l.grads[k] for i, l in enumerate(self.layers) for k in l.params}

    @property
    def buffers(self) -> dict[str, np.ndarray]:
        """Every layer buffer (saved, never trained), keyed like ``params``."""
        return {f"{i}.{k}": b for i, l in enumerate(self.layers)
                for k, b in getattr(l, "buffers", {}).items()}

    def count_params(self) -> int:
        return int(sum(p.size for p in self.params.values()))

    @property
    def dtype(self) -> np.dtype:
        """The dtype of the parameters (float64 unless the layers were made otherwise)."""
        for layer in self.layers:
            for p in layer.params.values():
                return p.dtype
        return np.dtype(np.float64)

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every layer's params (dict order, ``W`` before ``b``) then buffers."""
        return [np.array(a) for l in self.layers
                for a in (*l.params.values(), *getattr(l, "buffers", {}).values())]

    def set_weights(self, weights) -> None:
        """Copy arrays in the order of ``get_weights()`` into the layers (in place)."""
        targets = [a for l in self.layers
                   for a in (*l.params.values(), *getattr(l, "buffers", {}).values())]
        arrays = checked_weights("Sequential.set_weights", targets, weights)
        for t, w in zip(targets, arrays):
            t[...] = w

    def set_training(self, training: bool) -> None:
        """Set ``layer.training`` on every layer (``fit`` does this for you)."""
        for layer in self.layers:
            layer.training = bool(training)

    # running ---------------------------------------------------------------
    def forward(self, x):
        """The output for the batch ``x`` (cast to the model's dtype)."""
        x = np.asarray(x)
        if x.dtype != self.dtype:
            x = x.astype(self.dtype)
        m = len(x) if x.ndim else None               # a scalar passes unchecked
        self._seen = []                              # each layer's input shape, for backward
        for i, layer in enumerate(self.layers):
            self._seen.append(x.shape)
            try:
                x = layer.forward(x) if m is None else forward_of(i, layer, x, m)
            except ValueError as exc:
                blame_declared_shape(self.layers, i, self._seen, exc)
                raise
        return x

    __call__ = forward

    def backward(self, dy, need_dx: bool = True):
        """Backpropagate ∂E/∂output through every layer; returns ∂E/∂input.

        With ``need_dx=False`` the first layer skips ∂E/∂x when its backward
        accepts ``need_dx`` (returns ``None`` then)."""
        dy = np.asarray(dy, dtype=self.dtype)
        seen = getattr(self, "_seen", None)          # input shapes of the last forward
        if seen is None or len(seen) != len(self.layers) or seen[0][:1] != dy.shape[:1]:
            seen = None                              # not that batch: the layers check dy
        for i in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[i]
            dy = run_backward(layer, dy, need_dx=need_dx or i > 0)
            if (i > 0 or need_dx) and seen is not None:
                dy = checked_dx(i, layer, dy, seen[i])
        return dy

    def predict(self, x, batch_size: int = 1024, verbose=0) -> np.ndarray:
        """The model's output for array-like ``x`` (a batch; for a model whose
        first layer is ``Dense(1, …)`` a list or a scalar of inputs works too).

        Runs ``batch_size`` samples at a time, so a large data set never needs
        all its intermediate arrays (e.g. a conv layer's im2col matrix) at once.
        ``verbose`` is accepted for Keras code; predict prints nothing.
        """
        batch_size = positive_int("Sequential.predict", "batch_size", batch_size)
        self._recheck()
        x = prepare_x(self, x, "predict")
        finite("Sequential.predict", "x", x)
        self.set_training(False)
        if len(x) == 0:
            out = self.output_shapes(x.shape[1:])[-1]
            return np.zeros((0,) + tuple(out), dtype=self.dtype)
        return self._forward_batched(x, batch_size)

    def _forward_batched(self, x, batch_size):
        if len(x) <= batch_size:
            out = self.forward(x)
            return out if out.flags.writeable else out.copy()   # a view of the read-only x
        return np.concatenate([self.forward(x[s:s + batch_size])
                               for s in range(0, len(x), batch_size)])

    # training ----------------------------------------------------------------
    def compile(self, optimizer="sgd", loss="mse", metrics=None) -> None:
        """Choose the optimizer, the loss (objects or Keras-style names) and the
        metrics reported by ``fit``/``evaluate`` (only ``"accuracy"`` so far).

        ``"accuracy"`` is chosen by the output's shape, as in Keras 3: one output unit →
        a 0/1 prediction cut at 0.5; several → argmax (one-hot or integer labels, and
        also several sigmoid units). After a ``from_logits=True`` loss nnbook cuts a
        single logit at 0, i.e. σ(z) > 0.5; Keras' binary accuracy cuts the logit
        itself at 0.5, a deliberate difference."""
        names = [] if metrics is None else ([metrics] if isinstance(metrics, str) else list(metrics))
        for name in names:
            if name not in ("accuracy", "acc"):
                raise ValueError(f"Sequential.compile: unknown metric {name!r}; nnbook knows "
                                 f"metrics=['accuracy'].")
        self.optimizer = get_optimizer(optimizer)
        self.loss = get_loss(loss)
        self.metrics = ["accuracy" for _ in names[:1]]

    def compute_gradients(self, xb, yb, loss=None) -> tuple[float, np.ndarray]:
        """Forward → loss → backward on one batch: fills every ``layer.grads``.

        Returns ``(loss value, model output)``; the gradients are left alone
        when the loss is not finite. ``xb``, ``yb`` are checked arrays (as ``fit``
        prepares them: the model's dtype, ``yb`` the output's shape).
        Uses the declared speed-ups: ``loss.fuses(last layer)`` replaces the
        last activation's backward by ``loss.fused_gradient``, and the first
        layer skips ∂E/∂x when its backward accepts ``need_dx``.
        """
        loss = self.loss if loss is None else loss
        layers = self.layers
        out, seen = xb, []                           # xb already has the model's dtype
        for i, layer in enumerate(layers):           # forward, keeping each input's shape
            seen.append(out.shape)
            out = forward_of(i, layer, out, len(xb))
        value = loss_value(loss, yb, out)            # the loss
        if not math.isfinite(value):
            return value, out
        if loss.fuses(layers[-1]):                   # its gradient past the last activation
            d, top = loss.fused_gradient(yb, out), len(layers) - 2
        else:                                        # or at the output, ∂L/∂ŷ
            d, top = loss.gradient(yb, out), len(layers) - 1
            d = checked_loss_grad(loss, d, out.shape)
        for i in range(top, 0, -1):                  # backward, last layer first
            d = backward_of(i, layers[i], d, seen[i])
        if top >= 0:                                 # the first layer: no ∂E/∂x needed
            run_backward(layers[0], d, need_dx=False)
        self._seen = seen                            # for a backward() that follows
        return value, out

    def train_step(self, xb, yb) -> dict[str, float]:
        """One step of gradient descent on a batch: ``compute_gradients``, then
        ``optimizer.step`` on every (parameter, gradient) pair, read afresh.

        Returns ``{"loss": …}`` plus the compiled metrics (Keras' ``train_step``).
        """
        value, out = self.compute_gradients(xb, yb)
        logs = {"loss": value}
        if not math.isfinite(value):
            return logs
        try:                                         # read afresh: assigned grads count too
            pairs = [(p, layer.grads[k]) for layer in self.layers for k, p in layer.params.items()]
            for p, g in pairs:
                if g.shape != p.shape:
                    raise AttributeError
        except (KeyError, AttributeError):           # missing, None, a list, the wrong shape
            for i, layer in enumerate(self.layers):  # (or a param replaced by a list since)
                check_params("Sequential.train_step", i, layer)
            pairs = [(p, checked_grad(i, layer, k, layer.grads.get(k), p))
                     for i, layer in enumerate(self.layers) for k, p in layer.params.items()]
        self.optimizer.step(pairs)
        if self.metrics:
            logs["accuracy"] = accuracy_of(yb, out, getattr(self.loss, "from_logits", False))
        return logs

    def fit(self, x, y, epochs=1, batch_size=32, shuffle=True, validation_data=None,
            verbose=1, rng=None, validation_split=0.0, callbacks=None) -> History:
        """Train with mini-batch gradient descent; returns a ``History``.

        Each epoch shuffles the samples (with ``rng``, a ``np.random.Generator``),
        splits them into batches of ``batch_size`` and runs ``train_step`` on
        each. ``history["loss"]`` is the mean training loss over the epoch's
        batches (Keras' meaning, also for ``"accuracy"``). ``validation_split``
        holds out the LAST fraction of the samples, before shuffling, as Keras
        does; ``validation_data=(x_val, y_val)`` takes precedence. ``callbacks``
        receive the hooks of ``nb.callbacks.Callback`` in Keras' order; a callback
        that sets ``model.stop_training = True`` ends training after the epoch.
        ``verbose=1`` shows progress, ``2`` one line per epoch, ``0`` nothing.
        """
        check_fit_arguments(epochs, batch_size)
        if rng is not None:
            make_rng(rng, "Sequential.fit")          # an int seed is refused before any work
        if self.optimizer is None or self.loss is None:
            what = "loss" if self.loss is None else "optimizer"
            raise ValueError(f"Sequential.fit: the model has no {what} yet. Call "
                             f"model.compile(optimizer='sgd', loss='mse') (or another loss) first.")
        self._recheck()
        x, y = prepare_xy(self, x, y, "fit")
        val = None
        if validation_data is not None:
            val = prepare_validation(self, validation_data)
        elif validation_split:
            (x, y), val = split_validation("Sequential.fit", x, y, validation_split)
        return fit_loop(self, x, y, epochs=epochs, batch_size=batch_size, shuffle=shuffle,
                        val=val, verbose=verbose, rng=rng, callbacks=callbacks)

    def _evaluate_logs(self, x, y, batch_size) -> dict[str, float]:
        """Mean loss (and metrics) over checked arrays, ``batch_size`` samples at a time."""
        self.set_training(False)
        totals: dict[str, float] = {}
        for s in range(0, len(x), batch_size):
            xb, yb = x[s:s + batch_size], y[s:s + batch_size]
            out = self.forward(xb)
            if np.isfinite(out).all():
                self.loss.check_predictions("Sequential.evaluate", out)
            parts = {"loss": loss_value(self.loss, yb, out)}
            if self.metrics:
                parts["accuracy"] = accuracy_of(yb, out, getattr(self.loss, "from_logits", False))
            for k, v in parts.items():
                totals[k] = totals.get(k, 0.0) + v * len(xb)
        return {k: v / len(x) for k, v in totals.items()}   # every loss is a mean over samples

    def evaluate(self, x, y, batch_size: int = 1024, verbose=0):
        """The loss on (x, y) as a float, or ``[loss, accuracy]`` when compiled with
        ``metrics=["accuracy"]`` (as Keras). ``verbose=1`` also prints them."""
        batch_size = positive_int("Sequential.evaluate", "batch_size", batch_size)
        self._recheck()
        x, y = prepare_xy(self, x, y, "evaluate")
        logs = self._evaluate_logs(x, y, batch_size)
        if verbose:
            print(" - ".join(f"{k}: {v:.4g}" for k, v in logs.items()))
        return logs["loss"] if not self.metrics else [logs["loss"], logs["accuracy"]]

    # reporting and saving --------------------------------------------------
    def summary(self, print_fn=print) -> None:
        """Print a table of layers, output shapes (``None`` = batch) and parameter counts."""
        shapes = self.output_shapes()
        rows = [(f"{i}  {layer!r}",
                 "?" if s is None else str((None,) + tuple(s)),
                 str(sum(p.size for p in layer.params.values())))
                for i, (layer, s) in enumerate(zip(self.layers, shapes))]
        w0 = max([len("Layer")] + [len(r[0]) for r in rows]) + 2
        w1 = max([len("Output shape")] + [len(r[1]) for r in rows]) + 2
        w2 = max([len("Params")] + [len(r[2]) for r in rows])
        rule = "=" * (w0 + w1 + w2)
        lines = [f"Model: Sequential ({len(self.layers)} layers)",
                 f"{'Layer':<{w0}}{'Output shape':<{w1}}{'Params':>{w2}}", rule]
        lines += [f"{a:<{w0}}{b:<{w1}}{c:>{w2}}" for a, b, c in rows]
        lines += [rule, f"Total params: {self.count_params()}"]
        print_fn("\n".join(lines))

    def __repr__(self):
        return "Sequential([" + ", ".join(repr(layer) for layer in self.layers) + "])"

    def save(self, path) -> str:
        """Write the architecture, weights, buffers and optimizer state to one
        ``.npz`` file (no pickle); returns the path written (``.npz`` added if
        missing). ``nb.load_model(path)`` reads it back.

        The file is written to a temporary name and renamed, so a crash never
        leaves a half-written model.
        """
        return saving.save_model(self, path)


def load_model(path, custom_objects=None) -> Sequential:
    """Read a model written by ``Sequential.save``: identical predictions, and
    training continues exactly where it stopped (optimizer state included).

    Args:
        custom_objects: ``{"ClassName": cls}`` for your own layers (as in Keras).
    Never unpickles. A damaged or foreign file raises ``ValueError``.
    """
    spec = saving.read_model(path, custom_objects)
    model = Sequential(spec["layers"], input_shape=spec["input_shape"])
    model.loss, model.optimizer = spec["loss"], spec["optimizer"]
    model.metrics = spec["metrics"]
    if spec["optimizer_state"] is not None:
        model.optimizer.set_state(list(model.params.values()), spec["optimizer_state"])
    return model
