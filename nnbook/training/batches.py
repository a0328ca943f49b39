"""Where the one training loop (loop.py's ``fit_loop``) takes its batches from: the shuffled
epochs of a data set (``Sequential.fit``, chapter 00; ``VAE.fit``, chapter 25) or batches
drawn before every step (chapter 26's ``train_denoiser``, the experiments' RL and DPO loops).
A source also says how one step runs on a batch and what the loop checks after it.
"""

from __future__ import annotations

import numpy as np

from .protocol import first_non_finite

__all__ = ["Batches", "ShuffledEpochs", "OwnSteps", "FreshBatches", "MeanOfBatches",
           "objective_step"]


class Batches:
    """What ``fit_loop`` walks: ``steps`` batches an epoch, from ``epoch(rng)``, each run by
    ``step``. The defaults are ``Sequential``'s; a model with a ``train_step`` of its own
    (``VAE``) or batches made afresh (the denoisers) override what differs.

    - ``epoch(rng)``: the epoch's batches, ``(xb, yb)`` each (``yb`` None for a model
      that has no targets);
    - ``where(b)``: which batch the ``b``-th is, in words (for the error when training
      diverges);
    - ``step``: None, or what runs one training step on ``(xb, yb)`` and returns its logs
      (``{"loss": …}``) in place of ``model.train_step``;
    - ``weights(model)``: the arrays that must still be finite after an epoch;
    - ``blame(model, xb)``: which layer made the loss NaN or inf, in words;
    - ``checks_final_step``: whether ``fit_loop`` checks, after the last epoch (without
      validation data), that the model's loss at the final weights is finite (a
      ``Sequential``'s forward and loss; False for a model without them);
    - ``Means``: None, or the class that adds an epoch's logs up in place of ``fit_loop``'s
      ``BatchMeans`` (made with the model's loss).
    """

    steps = 0
    step = None
    Means = None
    checks_final_step = True

    def epoch(self, rng):
        raise NotImplementedError(f"{type(self).__name__}: define epoch(rng), which gives "
                                  f"(xb, yb) for each batch of one epoch.")

    def where(self, b):
        return f"batch {b}"

    def weights(self, model):
        return [p for layer in model.layers for p in layer.params.values()]

    def blame(self, model, xb):
        return first_non_finite(model, xb)


class ShuffledEpochs(Batches):
    """The rows of ``x`` (and ``y``, one target per row, or None) in batches of
    ``batch_size``, in a new random order every epoch (one ``rng.permutation`` an epoch) when
    ``shuffle``, else in order. The shuffled copy of ``x`` is read-only, as the data are: no
    layer may write into it.

    Shapes: x: (m, …); y: (m, …) or None  →  batches of at most ``batch_size`` rows."""

    def __init__(self, x, y, batch_size, shuffle=True):
        self.x, self.y, self.batch_size, self.shuffle = x, y, batch_size, shuffle
        self.steps = -(-len(x) // batch_size)

    def epoch(self, rng):
        """The epoch's batches, a list of ``(xb, yb)`` (views of one shuffled copy)."""
        x, y, size = self.x, self.y, self.batch_size
        if self.shuffle:
            perm = rng.permutation(len(x))
            x = x[perm]
            x.flags.writeable = False          # as the data: no layer may write into them
            y = None if y is None else y[perm]
        batches = []
        for s in range(0, len(x), size):
            batches.append((x[s:s + size], None if y is None else y[s:s + size]))
        return batches

    def where(self, b):
        return f"batch starting at sample {b * self.batch_size}"


class MeanOfBatches:
    """An epoch's loss as the plain mean of its batches' losses (``np.mean``), for a model
    whose loss is not a ``Loss`` object (``VAE``): ``Batches.Means`` for such a source."""

    def __init__(self, loss=None):
        self.losses = []

    def add(self, logs, yb) -> None:
        self.losses.append(logs["loss"])

    def means(self) -> dict[str, float]:
        return {"loss": float(np.mean(self.losses))}


class OwnSteps(ShuffledEpochs):
    """The shuffled epochs of ``x`` (no targets) for a model with a training step of its
    own, ``model.train_step(xb, rng=rng)`` → the batch's loss, a float (``VAE``, chapter 25;
    Keras' way: write ``train_step``, get ``fit``). An epoch's loss is the plain mean of its
    batches' (``MeanOfBatches``); the weights checked and blamed are
    ``model.gradient_pairs()``'s."""

    Means, checks_final_step = MeanOfBatches, False

    def __init__(self, model, x, batch_size, rng):
        super().__init__(x, None, batch_size)
        self.model, self.rng = model, rng

    def step(self, xb, yb):
        return {"loss": self.model.train_step(xb, rng=self.rng)}

    def weights(self, model):
        return [p for p, _ in model.gradient_pairs()]

    def blame(self, model, xb):
        for i, p in enumerate(self.weights(model)):
            if not np.isfinite(p).all():
                return (f"parameter {i} of gradient_pairs() (shape {p.shape}) is not finite: "
                        f"the update before made it so, from a non-finite gradient")
        return "every weight is finite: the loss itself overflowed"


class FreshBatches(Batches):
    """``steps`` batches an epoch, each drawn by ``draw(rng)`` → ``(xb, yb)`` just before its
    step (fresh noise for every step, chapter 26); ``losses`` holds each step's loss, in
    order, after the loop (the curve the chapters plot).

    ``step``: None (``model.train_step``), or a training step of its own,
    ``step(xb, yb)`` → ``{"loss": …}``: ``objective_step``'s, for a loss that is not a
    ``Loss`` (chapter 22's policy gradient and DPO), or one in mixed precision (chapter 24).
    An epoch's loss is then the plain mean of its steps' (``MeanOfBatches``), and the loop
    does not check the compiled loss at the final weights."""

    def __init__(self, model, draw, steps, step=None):
        self.model, self.draw, self.steps, self.own_step = model, draw, steps, step
        self.losses = []
        if step is not None:
            self.Means, self.checks_final_step = MeanOfBatches, False

    def epoch(self, rng):
        """The ``steps`` batches, each drawn when the loop asks for it."""
        for _ in range(self.steps):
            yield self.draw(rng)

    def step(self, xb, yb):
        logs = (self.own_step or self.model.train_step)(xb, yb)
        self.losses.append(logs["loss"])
        return logs

    def where(self, b):
        return f"step {b}"


def objective_step(model, objective):
    """The training step on a loss that is not a ``Loss`` object, for ``FreshBatches(step=)``:
    ``objective(out, *targets)`` → ``(loss, ∂loss/∂out)`` of the model's output ``out``
    (chapter 22's ``policy_gradient_loss`` and ``dpo_loss``; ``yb`` is then the tuple of
    its other arguments). Each step::

        out = model.forward(xb, training=True)
        loss, d_out = objective(out, *targets)
        model.backward(d_out, need_dx=False)
        model.optimizer.step(model.gradient_pairs())

    and returns ``{"loss": loss}``; a loss that is not finite leaves the weights as they
    were (as ``train_step``), and the loop stops with its error."""

    def step(xb, targets):
        out = model.forward(xb, training=True)
        loss, d_out = objective(out, *targets)
        if np.isfinite(loss):
            model.backward(d_out, need_dx=False)
            model.optimizer.step(model.gradient_pairs())
        return {"loss": loss}

    return step
