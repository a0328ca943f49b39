"""``Sequential``: layers in a row, trained Keras-style (``compile``, ``fit``,
``predict``, ``evaluate``, ``summary``, ``save``; ``load_model`` is in saving.py).
Chapter 00 introduces it with the notes' four-line Keras program.
"""

from __future__ import annotations

import math

import numpy as np

from ._validate import as_float_array, finite, make_rng, positive_int
from .layers import Dense, Layer
from .losses import CrossEntropy, Loss, get_loss
from .optimizers import Optimizer, get_optimizer

__all__ = ["Sequential", "History"]


class History:
    """What ``fit`` returns: ``history["loss"]`` (and ``"val_loss"``), one value per epoch."""

    def __init__(self):
        self.history: dict[str, list[float]] = {"loss": []}
        self.epoch: list[int] = []

    def __repr__(self):
        last = {k: round(v[-1], 6) for k, v in self.history.items() if v}
        return f"History(epochs={len(self.epoch)}, last={last})"


class Sequential:
    """A stack of layers applied in order: ``y = layers[-1](…layers[0](x))``.

    Args:
        layers: a list of ``Layer`` instances.
        input_shape: optional shape of one sample, e.g. ``(8, 8, 1)``; lets
            ``summary()`` show every output shape and checks the layer sizes
            fit together. Inferred from a first ``Dense`` layer when omitted.
    """

    def __init__(self, layers=None, input_shape=None):
        self.layers: list[Layer] = []
        self.input_shape = None if input_shape is None else tuple(input_shape)
        self.optimizer: Optimizer | None = None
        self.loss: Loss | None = None
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
        if not isinstance(layer, Layer):
            hint = (f" Did you mean {layer.__name__}()?" if isinstance(layer, type)
                    and issubclass(layer, Layer) else "")
            raise ValueError(f"Sequential: item {i} is {layer!r}, expected a Layer instance.{hint}")
        self.layers.append(layer)
        try:
            self.output_shapes()
        except ValueError as exc:
            self.layers.pop()
            raise ValueError(f"Sequential: layer {i} does not fit the one before it. {exc}") from None

    def _first_shape(self):
        if self.input_shape is not None:
            return self.input_shape
        first = self.layers[0] if self.layers else None
        if isinstance(first, Dense):
            return (first.n_in,)
        c_in = getattr(first, "c_in", None)          # Conv2D: channels known, size not
        return None if c_in is None else (None, None, c_in)

    def output_shapes(self) -> list:
        """The shape of one sample after each layer (``None`` where unknown)."""
        shape, shapes = self._first_shape(), []
        for layer in self.layers:
            shape = None if shape is None else layer.output_shape(shape)
            shapes.append(shape)
        return shapes

    @property
    def params(self) -> dict[str, np.ndarray]:
        """Every live parameter, keyed ``"<layer index>.<name>"``, e.g. ``"0.W"``."""
        return {f"{i}.{k}": p for i, l in enumerate(self.layers) for k, p in l.params.items()}

    @property
    def grads(self) -> dict[str, np.ndarray]:
        """Every gradient, with the keys of ``params``."""
        return {f"{i}.{k}": g for i, l in enumerate(self.layers) for k, g in l.grads.items()}

    def count_params(self) -> int:
        return int(sum(p.size for p in self.params.values()))

    @property
    def dtype(self) -> np.dtype:
        """The dtype of the parameters (float64 unless the layers were made otherwise)."""
        for layer in self.layers:
            for p in layer.params.values():
                return p.dtype
        return np.dtype(np.float64)

    # running ---------------------------------------------------------------
    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    __call__ = forward

    def backward(self, dy):
        """Backpropagate ∂E/∂output through every layer; returns ∂E/∂input."""
        for layer in reversed(self.layers):
            dy = layer.backward(dy)
        return dy

    def predict(self, x, batch_size: int = 1024) -> np.ndarray:
        """The model's output for array-like ``x`` (a batch; for a model whose
        first layer is ``Dense(1, …)`` a list or a scalar of inputs works too).

        Runs ``batch_size`` samples at a time, so a large data set never needs
        all its intermediate arrays (e.g. a conv layer's im2col matrix) at once.
        """
        batch_size = positive_int("Sequential.predict", "batch_size", batch_size)
        return self._forward_batched(self._prepare_x(x, "predict"), batch_size)

    def _forward_batched(self, x, batch_size):
        if len(x) <= batch_size:
            return self.forward(x)
        return np.concatenate([self.forward(x[s:s + batch_size])
                               for s in range(0, len(x), batch_size)])

    def _prepare_x(self, x, owner):
        x = as_float_array(f"Sequential.{owner}", "x", x)
        first = self.layers[0] if self.layers else None
        if isinstance(first, Dense) and first.n_in == 1 and x.ndim <= 1:
            x = x.reshape(-1, 1)                     # a list of numbers = one input each
        dt = self.dtype
        return x if x.dtype == dt else x.astype(dt)

    def _prepare_y(self, y, out_shape, owner):
        y = np.asarray(y)
        if isinstance(self.loss, CrossEntropy) and y.ndim == 1:
            if len(out_shape) != 1:
                raise ValueError(f"Sequential.{owner}: integer labels need a model output of "
                                 f"shape (m, k), but the model gives {('m',) + out_shape}.")
            return CrossEntropy._labels_to_onehot(y, len(y), out_shape[0]).astype(self.dtype)
        y = as_float_array(f"Sequential.{owner}", "y", y)
        finite(f"Sequential.{owner}", "y", y)
        if y.ndim == 1 and out_shape == (1,):
            y = y.reshape(-1, 1)                     # one target per sample
        if y.shape[1:] != tuple(out_shape):
            raise ValueError(
                f"Sequential.{owner}: targets y have shape {y.shape} but the model outputs "
                f"{('m',) + tuple(out_shape)} per batch; expected y of shape "
                f"{(len(y),) + tuple(out_shape)}. Check the last layer's size or the targets."
            )
        return y.astype(self.dtype, copy=False)

    def _prepare_xy(self, x, y, owner):
        if self.loss is None:
            raise ValueError(f"Sequential.{owner}: the model has no loss yet. Call "
                             f"model.compile(optimizer='sgd', loss='mse') (or another loss) first.")
        x = self._prepare_x(x, owner)
        finite(f"Sequential.{owner}", "x", x)
        if len(x) == 0:
            raise ValueError(f"Sequential.{owner}: got no samples (x has shape {x.shape}).")
        n_y = np.shape(y)[0] if np.ndim(y) else "no sample axis"
        if n_y != len(x):
            raise ValueError(f"Sequential.{owner}: x has {len(x)} samples but y has "
                             f"{n_y}; expected one target per sample.")
        try:                                        # one sample checks x against the layers
            out_shape = self.forward(x[:1]).shape[1:]
        except ValueError as exc:                   # report the whole batch's shape, not (1, …)
            msg = str(exc)
            if self.layers and msg.startswith(repr(self.layers[0])):
                msg = msg.replace(f"got {(1,) + x.shape[1:]}", f"got {x.shape}", 1)
            raise ValueError(msg) from None
        return x, self._prepare_y(y, out_shape, owner)

    # training ----------------------------------------------------------------
    def compile(self, optimizer="sgd", loss="mse") -> None:
        """Choose the optimizer and the loss (objects or Keras-style names)."""
        self.optimizer = get_optimizer(optimizer)
        self.loss = get_loss(loss)

    def _fused(self) -> bool:
        """Softmax + CrossEntropy (or Sigmoid + BCE): ∂L/∂z = (ŷ − y)/n is used."""
        name = getattr(self.loss, "fuses_with", None)
        return (name is not None and not self.loss.from_logits and bool(self.layers)
                and type(self.layers[-1]).__name__ == name)

    def _train_batch(self, xb, yb, pairs, fused) -> float:
        out = xb
        for layer in self.layers:
            out = layer.forward(out)
        value = float(self.loss._value(yb, out))
        if not math.isfinite(value):                # diverged: keep the last finite weights
            return value
        if fused:
            d, first = self.loss._fused_grad(yb, out), len(self.layers) - 2
        else:
            d, first = self.loss._grad(yb, out), len(self.layers) - 1
        for i in range(first, 0, -1):
            d = self.layers[i].backward(d)
        if first >= 0:
            self.layers[0].backward(d, need_dx=False)
        self.optimizer.step(pairs)
        return value

    def fit(self, x, y, epochs=1, batch_size=32, shuffle=True, validation_data=None,
            verbose=1, rng=None) -> History:
        """Train with mini-batch gradient descent; returns a ``History``.

        Each epoch shuffles the samples (with ``rng``, a ``np.random.Generator``),
        splits them into batches of ``batch_size``, and for each batch runs
        forward, loss, backward and one optimizer step. ``history["loss"]`` is
        the mean training loss over the epoch's batches. ``verbose=1`` prints
        about ten progress lines, ``2`` one per epoch, ``0`` nothing.
        """
        epochs = positive_int("Sequential.fit", "epochs", epochs, minimum=0)
        batch_size = positive_int("Sequential.fit", "batch_size", batch_size)
        x, y = self._prepare_xy(x, y, "fit")
        val = None
        if validation_data is not None:
            if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
                raise ValueError("Sequential.fit: expected validation_data=(x_val, y_val).")
            val = self._prepare_xy(*validation_data, "fit(validation_data)")
        rng = make_rng(rng) if shuffle else None
        pairs = [(p, layer.grads[k]) for layer in self.layers for k, p in layer.params.items()]
        fused, m, hist = self._fused(), len(x), History()
        if val is not None:
            hist.history["val_loss"] = []
        every = 1 if verbose >= 2 or epochs <= 20 else max(1, epochs // 10)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            for epoch in range(1, epochs + 1):
                if rng is None:
                    xs, ys = x, y
                else:
                    perm = rng.permutation(m)
                    xs, ys = x[perm], y[perm]
                total = 0.0
                for s in range(0, m, batch_size):
                    xb, yb = xs[s:s + batch_size], ys[s:s + batch_size]
                    value = self._train_batch(xb, yb, pairs, fused)
                    if not math.isfinite(value):
                        raise FloatingPointError(
                            f"Sequential.fit: the loss became {value} in epoch {epoch} (batch "
                            f"starting at sample {s}); training diverged. Try a smaller learning "
                            f"rate (now {self.optimizer.lr}), gradient clipping (clipnorm=1.0), "
                            f"or scaled inputs."
                        )
                    total += value * len(xb)
                hist.epoch.append(epoch)
                hist.history["loss"].append(total / m)
                line = f"Epoch {epoch}/{epochs} - loss: {total / m:.4g}"
                if val is not None:
                    v = float(self.loss._value(val[1], self._forward_batched(val[0], 1024)))
                    hist.history["val_loss"].append(v)
                    line += f" - val_loss: {v:.4g}"
                if verbose and (epoch % every == 0 or epoch in (1, epochs)):
                    print(line)
        return hist

    def evaluate(self, x, y, batch_size: int = 1024) -> float:
        """The loss on (x, y), as a float (computed ``batch_size`` samples at a time)."""
        batch_size = positive_int("Sequential.evaluate", "batch_size", batch_size)
        x, y = self._prepare_xy(x, y, "evaluate")
        if len(x) <= batch_size:
            return float(self.loss._value(y, self.forward(x)))
        total = sum(float(self.loss._value(y[s:s + batch_size], self.forward(x[s:s + batch_size])))
                    * len(x[s:s + batch_size]) for s in range(0, len(x), batch_size))
        return total / len(x)   # every loss is a mean over samples of equal size

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
        """Write the architecture and weights to one ``.npz`` file (no pickle).

        The file is written to a temporary name and renamed, so a crash never
        leaves a half-written model. Returns the path written (``.npz`` added
        if missing). ``nb.load_model(path)`` reads it back.
        """
        from .saving import save_model
        return save_model(self, path)
