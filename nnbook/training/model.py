"""``Sequential``, trained Keras-style (chapter 00). The walk over the layers is written
once, ``forward`` and ``backward``, each a loop over the layers' own methods: ``train_step``
is forward → loss → backward → optimizer step, the notes' four steps (a planned step,
step_plan.py, hands the same loops the callables it chose); loop.py repeats it, loading.py
reads a file back (its format: nnbook/saving/), weights.py gives the model's arrays (params,
grads, get_weights, the optimizer's pairs).
"""

from __future__ import annotations

import math

import numpy as np

from ..layers.base import Layer
from ..layers.attention.kv_cache import rewind_caches
from ..optimizers import Optimizer, get_optimizer
from ..saving import save_model
from ..spellings import refuse_spellings
from ..validate import finite, positive_int
from .inputs import (as_shape, batch_targets, check_fit_arguments, model_input,
                     prepare_validation, prepare_x, prepare_xy, refuse_live_cache,
                     split_validation)
from .batches import ShuffledEpochs
from .loop import History, accuracy_of, fit_loop, mean_logs, metric_names
from .losses import Loss, get_loss
from .protocol import (blame_declared_shape, blame_read_only, check_new_layer, checked_dx,
                       checked_loss_grad, checked_output, input_shape_of, loss_value,
                       shapes_after)
from .step_plan import StepPlan
from .summary import summary_table
from .weights import ModelWeights

__all__ = ["Sequential", "History"]


class Sequential(ModelWeights):
    """A stack of layers applied in order: ``y = layers[-1](…layers[0](x))``.

    Args:
        layers: a list of ``Layer`` instances, each used once.
        input_shape: optional shape of one sample, e.g. ``(8, 8, 1)`` or ``3``; checks
            that the layer sizes fit together and lets ``summary()`` show every shape
            before any data is seen (else from a first ``Dense``, or the data seen).

    ``stop_training`` (set by a callback) ends ``fit`` after the current epoch.
    ``run_eagerly`` (Keras' name, set by ``compile``; default False): True runs every
    training step on the layers' own ``forward``/``backward``, checked; False lets
    ``train_step`` plan the steps that repeat a checked one (``train_step``).
    """

    def __init__(self, layers=None, input_shape=None):
        self.layers: list[Layer] = []
        self.input_shape = as_shape("Sequential", input_shape)
        self.optimizer: Optimizer | None = None
        self.loss: Loss | None = None
        self.metrics: list[str] = []
        self.stop_training, self._unchecked = False, False   # _unchecked: fit's first step
        self.trained_length: int | None = None      # the longest token windows fit saw
        self.run_eagerly = False     # True: every train_step on the layers' own methods
        self._plans = {}             # train_step's plans by batch shapes (step_plan.py)
        self._added: list[int] = []                  # ids of the layers add() has checked
        self._seen: list[tuple] = []                 # each layer's input shape, last checked walk
        self._sample: tuple | None = None            # one sample's shape, last data run
        self._dtype: np.dtype | None = None          # the dtype of the last forward's floats
        if isinstance(layers, Layer):
            raise ValueError(
                f"Sequential: expected a list of layers, got the single layer {layers!r}. "
                f"Wrap it in a list: Sequential([layer]).")
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

    def recheck(self) -> None:
        """Run add's checks again if ``self.layers`` was changed directly (``layers.append``)."""
        if self._added == list(map(id, self.layers)):
            return
        layers, self.layers, self._added = list(self.layers), [], []
        try:
            for layer in layers:
                self.add(layer)
        except ValueError as exc:
            self.layers = layers
            raise ValueError(f"{exc} (model.layers was changed directly; model.add(layer) "
                             f"checks each layer as it comes.)") from None

    def sample_shape(self):
        """The shape of one input sample: ``input_shape``, else that of the last data the
        model fit, predicted or evaluated, else what the first layer says (``None`` where
        unknown). A bare ``forward`` (``nb.generate``'s steps) leaves it as it was."""
        known = self.input_shape if self.input_shape is not None else self._sample
        return known if known is not None or not self.layers else input_shape_of(self.layers[0])

    def output_shapes(self, input_shape=None) -> list:
        """The shape of one sample after each layer (``None`` where unknown)."""
        return shapes_after(self.layers, self.sample_shape() if input_shape is None
                            else tuple(input_shape))

    # the walk ----------------------------------------------------------------
    def forward(self, x, training: bool | None = None, outputs: list | None = None,
                calls: list | None = None):
        """The output for the batch ``x`` (cast to the model's dtype): each layer's
        ``forward`` on the output of the one before, first to last.

        ``training=True``/``False`` sets every layer's ``training`` on the way (Dropout
        drops, BatchNorm uses batch statistics); ``None`` leaves them as they are.
        ``outputs``, a list, receives every layer's output (diagnostics use it).

        Each layer's output is checked against the contract (protocol.py): an array of
        the model's dtype with one row per sample. The check that passes costs a few
        comparisons; ``checked_output`` runs only when one fails, and names the layer.

        ``calls``: one callable per layer, called instead of its ``forward`` (a planned
        training step's, step_plan.py, on a batch of the shapes a checked step walked);
        the batch is then taken as it is, and the outputs are not checked again."""
        layers, check, seen = self.layers, calls is None, []
        if check:                                    # the layers' own forward, checked:
            self._dtype = dtype = self.dtype         # the model's, its floats' from here on
            if not (type(x) is np.ndarray and x.dtype == dtype):    # not the model's yet:
                x = model_input(self, x, dtype)      # floats in its dtype, or token ids
            m = len(x) if x.ndim else None           # a scalar passes unchecked
            self._seen = seen                        # each layer's input shape, for backward
        for i, layer in enumerate(layers):
            if training is not None:
                layer.training = training
            try:
                y = layer.forward(x) if check else calls[i](x)
            except ValueError as exc:
                rewind_caches(layers[:i])            # a refused cached step changes nothing
                blame_read_only(i, layer, exc)
                blame_declared_shape(layers, i, seen + [x.shape], exc)
                raise
            if check:                                # the contract: an array of the model's
                seen.append(x.shape)                 # dtype, one row per sample (else named)
                if not (type(y) is np.ndarray and y.dtype == dtype and y.ndim and len(y) == m):
                    y = y if m is None else checked_output(i, layer, y, m, dtype)
            if outputs is not None:
                outputs.append(y)
            x = y
        return x

    __call__ = forward

    def backward(self, dy, need_dx: bool = True, fused: bool = False,
                 calls: list | None = None):
        """Backpropagate ∂E/∂output through the layers, last first: each layer's
        ``backward`` takes ∂E/∂ its output and returns ∂E/∂ its input. Returns ∂E/∂input.

        ``need_dx=False``: the first layer may skip ∂E/∂x (it returns ``None`` then); it
        goes only to a backward that accepts it (``accepts_need_dx``).
        ``fused=True``: ``dy`` is already ∂E/∂ of the last layer's input (a loss that
        fuses its gradient with the final activation), so the walk starts one lower.

        Each ∂E/∂x must have the shape of the input the last forward gave that layer;
        ``checked_dx`` runs only when it has not, and names the layer (a ``dy`` of another
        batch than the forward's is left to the layers' own checks). ``calls`` (as in
        ``forward``): one callable per layer, ``call(dy, need_dx=…)``, instead of its
        ``backward``, without the checks."""
        layers, seen = self.layers, self._seen
        if not (type(dy) is np.ndarray and dy.dtype == self._dtype):
            dy = np.asarray(dy, dtype=self.dtype)
        check = (calls is None and len(seen) == len(layers) > 0
                 and seen[0][:1] == dy.shape[:1])     # of the batch walked forward
        top = len(layers) - 1 - bool(fused)
        for i in range(top, -1, -1):                 # last layer first
            layer, need = layers[i], need_dx or i > 0
            if calls is not None:
                dy = calls[i](dy, need_dx=need)
            elif layer.accepts_need_dx:
                dy = layer.backward(dy, need_dx=need)
            else:
                dy = layer.backward(dy)
            if check and need and not (type(dy) is np.ndarray and dy.shape == seen[i]):
                dy = checked_dx(i, layer, dy, seen[i])     # the contract, else it is named
        if top >= 0 and (not need_dx or layers[0].integer_input):
            return None                              # ∂E/∂x not asked for, or integer ids
        return dy

    def compute_gradients(self, xb, yb, loss=None, training: bool = True):
        """Forward → loss → backward on one batch: fills every ``layer.grads``.

        Returns ``(loss value, model output)``; no gradients when the loss is not finite.
        ``yb`` takes the targets ``fit`` takes (integer labels (m,), ids (m, T), one-hot
        or values), one per sample of ``xb``, never broadcast. When
        ``loss.fuses(last layer)``, ``fused_gradient`` replaces that layer's backward."""
        loss = self.loss if loss is None else loss
        out = self.forward(xb, training=training)
        yb = batch_targets(self, "Sequential.compute_gradients", yb, out, loss)
        value = loss_value(loss, yb, out)
        if not math.isfinite(value):
            return value, out
        fused = bool(self.layers) and loss.fuses(self.layers[-1])
        d = loss.fused_gradient(yb, out) if fused else loss.gradient(yb, out)
        if not (type(d) is np.ndarray and d.shape == out.shape):
            d = checked_loss_grad(loss, d, out.shape)    # an array of the output's shape
        self.backward(d, need_dx=False, fused=fused)
        return value, out

    def train_step(self, xb, yb) -> dict[str, float]:
        """One step of gradient descent on a batch, in training mode (as Keras'):
        ``compute_gradients`` (forward → loss → backward), then ``optimizer.step`` on every
        (parameter, gradient).

        Returns ``{"loss": …}`` plus the compiled metrics. After
        ``compile(..., run_eagerly=True)`` (Keras' switch) every step is that one: the
        layers' own ``forward``/``backward``, every output and ∂E/∂x checked. Otherwise
        that checked step, on batches of new shapes, leaves a plan (step_plan.py): the
        next steps on batches of the same shapes, through the same layers, loss and
        optimizer, walk the same ``forward`` and ``backward`` with the callables it chose
        (Dense's and the activations' declared fast pair, ``Layer.fast_path``), without
        the checks the first step made. The numbers are the same either way.

        Every step checks one number: the loss. It is a sum over every output, so a NaN or
        inf anywhere in the output makes it non-finite; then no gradient is taken, no
        weight changes, and ``fit`` walks again to name the layer that produced it. What
        it does not see: a gradient that is not finite while the loss is. The update then
        makes a weight NaN or inf, the next step's loss shows it and ``fit`` blames that
        layer's weights; after an epoch's last step ``fit`` checks the weights."""
        plans, value = self._plans, None
        key = (None if self.run_eagerly or type(xb) is not np.ndarray
               or type(yb) is not np.ndarray else (xb.shape, yb.shape))
        plan = plans.get(key)
        if plan is not None and plan.holds(self, xb, yb):
            value, out = plan.compute_gradients(self, xb, yb)      # the planned calls
        if value is None:                            # the layers' own methods, checked
            value, out = self.compute_gradients(xb, yb)
            plan = None
            if key is not None:                      # the plan for the next such batches
                plan = (StepPlan.after(self, xb, yb, out, self._seen, self._dtype)
                        if math.isfinite(value) else None)
                if len(plans) > 3:                   # a fit's batch and its last one, say
                    plans.clear()
                plans[key] = plan
        if self._unchecked:                          # fit's first step: are they predictions?
            if np.isfinite(out).all():               # (not finite: the loss says so)
                self.loss.check_predictions("Sequential.fit", out)
            self._unchecked = False
        logs = {"loss": value}
        if not math.isfinite(value):
            return logs
        if plan is None:
            pairs = None
        else:                                        # (fast backwards write grads in place)
            pairs = plan.pairs() if plan.rebound else plan.pair_tuple
        if pairs is None:                            # unplanned, or a gradient array replaced
            pairs = self.gradient_pairs()
            if plan is not None:
                plans[key] = None
        self.optimizer.step(pairs)
        if self.metrics:
            yb = batch_targets(self, "Sequential.train_step", yb, out)
            logs["accuracy"] = accuracy_of(yb, out, getattr(self.loss, "from_logits", False))
        return logs

    def test_step(self, xb, yb) -> dict[str, float]:
        """The loss (and metrics) on one batch in inference mode, no gradients (Keras')."""
        out = self.forward(xb, training=False)
        yb = batch_targets(self, "Sequential.test_step", yb, out)
        if np.isfinite(out).all():                   # (not finite: the loss says so)
            self.loss.check_predictions("Sequential.evaluate", out)
        logs = {"loss": loss_value(self.loss, yb, out)}
        if self.metrics:
            logs["accuracy"] = accuracy_of(yb, out, getattr(self.loss, "from_logits", False))
        return logs

    # Keras' training API --------------------------------------------------------
    def compile(self, optimizer="sgd", loss="mse", metrics=None, run_eagerly=False) -> None:
        """Choose the optimizer, the loss (objects or Keras-style names) and the metrics
        of ``fit``/``evaluate`` (only ``"accuracy"``: ``accuracy_of`` in loop.py).
        ``run_eagerly=True`` (Keras' switch and meaning): every training step runs the
        layers' own ``forward``/``backward``, checked, e.g. to step through them or print
        in them; the default plans the steps that repeat a checked one (``train_step``).
        The numbers are the same either way."""
        metrics = metric_names(metrics)
        if not isinstance(run_eagerly, (bool, np.bool_)):
            raise ValueError(f"Sequential.compile: run_eagerly must be True or False, got "
                             f"{run_eagerly!r}.")
        self.optimizer, self.loss, self.metrics = get_optimizer(optimizer), get_loss(loss), metrics
        self.run_eagerly = bool(run_eagerly)

    fast = property(lambda self: _fast_is_gone("Sequential.fast is gone", AttributeError),
                    lambda self, value: _fast_is_gone("Sequential.fast is gone", AttributeError),
                    doc="nnbook's switch before Keras' run_eagerly: refused, with the fix.")

    def fit(self, x, y, epochs=1, batch_size=32, shuffle=True, validation_data=None,
            verbose=1, rng=None, validation_split=0.0, callbacks=None,
            initial_epoch=0, **keras) -> History:
        """Train with mini-batch gradient descent (``train_step`` on each shuffled batch of
        each epoch); returns a ``History``. Keras' arguments and meanings: ``rng`` (a
        ``np.random.Generator``) shuffles, and also draws for a layer that has no
        generator of its own (a Dropout read by ``load_model``), so the same ``rng``
        trains identically; ``validation_split`` holds out the LAST fraction of the
        samples; ``initial_epoch=k`` resumes at epoch k (epochs k … epochs − 1 run);
        ``verbose`` 1: progress, 2: a line per epoch, 0: nothing. Details: loop.py.
        Every batch on the layers' own ``forward``/``backward``: ``compile(...,
        run_eagerly=True)``."""
        if keras:                                    # Keras' other arguments, or a typo
            if "fast" in keras:
                _fast_is_gone("Sequential.fit: fast= is gone")
            if "run_eagerly" in keras:
                _fast_is_gone("Sequential.fit: run_eagerly is compile's argument, as in Keras")
            refuse_spellings("Sequential.fit", keras, "Sequential.fit")
            raise ValueError(
                f"Sequential.fit: got an unexpected argument {next(iter(keras))}=. fit takes "
                f"x, y, epochs, batch_size, shuffle, validation_data, verbose, rng, "
                f"validation_split, callbacks and initial_epoch; see help(nb.Sequential.fit).")
        args = check_fit_arguments(self, epochs=epochs, batch_size=batch_size, rng=rng,
                                   verbose=verbose, callbacks=callbacks,
                                   initial_epoch=initial_epoch)
        self.recheck()
        x, y = prepare_xy(self, x, y, "fit")
        val = None                       # validation: the pair given, else the LAST
        if validation_data is not None:  # fraction of the samples, before any shuffling
            val = prepare_validation(self, validation_data)               # (as Keras)
        elif validation_split:
            (x, y), val = split_validation("Sequential.fit", x, y, validation_split)
        self._sample = x.shape[1:]
        if x.ndim == 2 and x.dtype.kind in "iu":     # token windows (m, T): generate warns
            self.trained_length = max(self.trained_length or 0, x.shape[1])   # past T
        self._unchecked = True                       # the first step checks the outputs
        batches = ShuffledEpochs(x, y, args.pop("batch_size"), shuffle)
        return fit_loop(self, batches, val=val, **args)

    def predict(self, x, batch_size: int = 1024, verbose=0) -> np.ndarray:
        """The model's output for array-like ``x`` (a batch; for a model whose first
        layer is ``Dense(1, …)`` a list or a scalar of inputs works too), in inference
        mode, ``batch_size`` samples at a time. ``verbose`` is accepted for Keras code."""
        batch_size = positive_int("Sequential.predict", "batch_size", batch_size)
        self.recheck()
        refuse_live_cache(self, "predict")
        x = prepare_x(self, x, "predict")
        finite("Sequential.predict", "x", x)
        self._sample = x.shape[1:]
        if len(x) == 0:
            return np.zeros((0,) + tuple(self.output_shapes(x.shape[1:])[-1]), self.dtype)
        parts = [self.forward(x[s:s + batch_size], training=False)
                 for s in range(0, len(x), batch_size)]
        out = parts[0] if len(parts) == 1 else np.concatenate(parts)
        return out if out.flags.writeable else out.copy()   # a view of the read-only x

    def evaluate(self, x, y, batch_size: int = 1024, verbose=0):
        """The loss on (x, y) as a float, or ``[loss, accuracy]`` when compiled with
        ``metrics=["accuracy"]`` (as Keras). ``verbose=1`` also prints them."""
        batch_size = positive_int("Sequential.evaluate", "batch_size", batch_size)
        self.recheck()
        refuse_live_cache(self, "evaluate")
        x, y = prepare_xy(self, x, y, "evaluate")
        self._sample = x.shape[1:]
        logs = mean_logs(self, x, y, batch_size)
        if verbose:
            print(" - ".join(f"{k}: {v:.4g}" for k, v in logs.items()))
        return logs["loss"] if not self.metrics else [logs["loss"], logs["accuracy"]]

    # reporting and saving --------------------------------------------------
    def summary(self, print_fn=print) -> None:
        """Print the layers, their output shapes (``None`` = batch) and parameter counts."""
        print_fn(summary_table(self))

    def __repr__(self):
        return "Sequential([" + ", ".join(repr(layer) for layer in self.layers) + "])"

    def save(self, path) -> str:
        """Write the architecture, weights, buffers and optimizer state to one ``.npz`` file
        (no pickle), atomically; returns the path (``.npz`` added). ``nb.load_model`` reads it."""
        return save_model(self, path)


def _fast_is_gone(said, error=ValueError):
    """``fit(fast=False)`` and ``model.fast`` were nnbook's switch before Keras' own."""
    raise error(
        f"{said}: model.compile(..., run_eagerly=True) (Keras' switch; or "
        f"model.run_eagerly = True) runs every training step on the layers' own "
        f"forward/backward, checked, as fit(..., fast=False) did.")
