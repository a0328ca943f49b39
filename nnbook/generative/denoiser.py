"""A small MLP denoiser for diffusion and flow matching (chapter 26; with a class input,
chapter 27): ``denoiser`` builds a ``Sequential`` that reads ``with_time(x_t, t)``;
``noise_batch`` and ``flow_batch`` draw the training pairs of denoising score matching and
of flow matching; ``train_denoiser`` runs ``fit``'s loop on a fresh batch for every step.
"""

from __future__ import annotations

import numpy as np

from ..layers.dense import Dense
from ..layers.activations import SiLU
from ..training.batches import FreshBatches
from ..training.inputs import check_fit_arguments
from ..training.loop import fit_loop
from ..training.model import Sequential
from ..validate import as_float_array, finite, make_rng, positive_int
from .noise import NoiseSchedule
from .time_embedding import TimeEmbedding, with_time

__all__ = ["denoiser", "as_function", "noise_batch", "flow_batch", "train_denoiser", "fit_fresh",
           "compiled"]


def denoiser(d, *, n_classes=None, hidden=64, depth=2, n_freq=8, max_freq=100.0,
             dtype=np.float64, rng=None):
    """An MLP that maps ``with_time(x_t, t)`` to a d-vector (the noise ε, or a velocity):
    ``TimeEmbedding``, then ``depth`` × (``Dense(·, hidden)``, ``SiLU``), then
    ``Dense(hidden, d)``. With ``n_classes``, chapter 27's conditional denoiser: it reads
    ``with_class(x_t, t, c, n_classes)``, the class's one-hot (n_classes + 1 columns, the
    last the null class) passing through the time embedding beside x_t.

    Shapes:
        input: (m, d + 1), x_t and the time t last (with n_classes: (m, d + n_classes + 2))
        →  output: (m, d)

    Args:
        d: the data's dimension; n_classes: None, or the classes (ids 0…n_classes − 1, the
        null class n_classes); hidden: the width (64); depth: hidden layers (2);
        n_freq, max_freq: the time embedding's (``TimeEmbedding``);
        dtype: float64 or float32; rng: draws the initial weights.

    A ``Sequential``: compile it and train it with ``fit`` or ``train_denoiser``; ``save``,
    ``nb.load_model`` and ``nb.to_torch`` work as for any model.
    """
    d = positive_int("denoiser", "d", d)
    extra = 0 if n_classes is None else positive_int("denoiser", "n_classes", n_classes) + 1
    hidden = positive_int("denoiser", "hidden", hidden)
    depth = positive_int("denoiser", "depth", depth)
    rng = make_rng(rng, "denoiser")
    emb = TimeEmbedding(d + extra, n_freq, max_freq=max_freq)
    layers, width = [emb], emb.d + 2 * emb.n_freq
    for _ in range(depth):
        layers += [Dense(width, hidden, dtype=dtype, rng=rng), SiLU()]
        width = hidden
    layers.append(Dense(width, d, dtype=dtype, rng=rng))
    return Sequential(layers)


def as_function(model):
    """``f(x, t) = model.predict(with_time(x, t))``: a trained denoiser as the function of
    (x_t, t) that the samplers take."""
    if not hasattr(model, "predict"):
        raise ValueError(f"as_function: expected a model with predict (a Sequential from "
                         f"nb.generative.denoiser), got {type(model).__name__}.")
    return lambda x, t: model.predict(with_time(x, t))


def _data(owner, x):
    x = as_float_array(owner, "x0", x)
    if x.ndim != 2 or len(x) == 0:
        raise ValueError(f"{owner}: expected data of shape (n, d), one sample per row, got "
                         f"{x.shape}.")
    return x


def noise_batch(x0, schedule, *, rng=None):
    """Denoising score matching's pairs: t ~ U(0, 1), ε ~ N(0, I),
    x_t = √ᾱ(t)·x_0 + √(1 − ᾱ(t))·ε; the input is ``with_time(x_t, t)``, the target ε.

    Shapes:
        x0: (n, d)  →  inputs (n, d + 1), targets (n, d)
    """
    x0 = _data("noise_batch", x0)
    if not isinstance(schedule, NoiseSchedule):
        raise ValueError(f"noise_batch: expected schedule to be a NoiseSchedule (e.g. "
                         f"nb.generative.LinearSchedule()), got {type(schedule).__name__}.")
    rng = make_rng(rng, "noise_batch")
    t = rng.uniform(0.0, 1.0, len(x0))
    eps = rng.standard_normal(x0.shape)
    ab = schedule.alpha_bar(t)[:, None]
    xt = np.sqrt(ab) * x0 + np.sqrt(1.0 - ab) * eps
    return with_time(xt.astype(x0.dtype), t), eps.astype(x0.dtype)


def flow_batch(x1, *, rng=None):
    """Flow matching's pairs on straight paths: t ~ U(0, 1), x_0 ~ N(0, I) (noise),
    x_t = (1 − t)·x_0 + t·x_1 (data at t = 1); the input is ``with_time(x_t, t)``, the
    target the path's velocity x_1 − x_0.

    Shapes:
        x1: (n, d)  →  inputs (n, d + 1), targets (n, d)
    """
    x1 = _data("flow_batch", x1)
    rng = make_rng(rng, "flow_batch")
    t = rng.uniform(0.0, 1.0, len(x1))
    x0 = rng.standard_normal(x1.shape)
    xt = (1.0 - t)[:, None] * x0 + t[:, None] * x1
    return with_time(xt.astype(x1.dtype), t), (x1 - x0).astype(x1.dtype)


def train_denoiser(model, data, *, objective="noise", schedule=None, steps=1000,
                   batch_size=128, rng=None, callbacks=None, verbose=0):
    """Train a compiled ``model`` for ``steps`` steps; each draws ``batch_size`` rows of
    ``data`` and fresh noise (``noise_batch`` with ``schedule``, or ``flow_batch`` for
    ``objective="flow"``), then runs ``model.train_step``. Returns the losses, (steps,).

    It is ``fit``'s loop (``fit_loop``) on a source of fresh batches, one epoch of ``steps``
    steps: ``callbacks`` and ``verbose`` as in ``fit``, and a loss that becomes NaN or inf
    stops it with ``FloatingPointError``, naming the layer that produced it. Each step::

        x = data[rng.integers(0, len(data), batch_size)]
        inputs, targets = noise_batch(x, schedule, rng=rng)
        loss = model.train_step(inputs, targets)["loss"]
    """
    owner = "train_denoiser"
    data = _data(owner, data)
    if objective not in ("noise", "flow"):
        raise ValueError(f"train_denoiser: expected objective 'noise' (denoising score "
                         f"matching) or 'flow' (flow matching), got {objective!r}.")
    if objective == "noise" and not isinstance(schedule, NoiseSchedule):
        raise ValueError(f"train_denoiser: objective 'noise' needs a schedule (e.g. "
                         f"schedule=nb.generative.LinearSchedule()), got {schedule!r}.")
    compiled(owner, model)
    finite(owner, "data", data)
    first = (getattr(model, "layers", None) or [None])[0]
    if isinstance(first, TimeEmbedding) and data.shape[1] != first.d:
        raise ValueError(f"train_denoiser: expected data of shape (n, {first.d}), the d of the "
                         f"model's {first!r}, got {data.shape}. Build the model with "
                         f"nb.generative.denoiser({data.shape[1]}).")
    data = data.astype(model.dtype) if getattr(model, "dtype", None) is not None else data

    def draw(rng):
        x = data[rng.integers(0, len(data), batch_size)]
        return noise_batch(x, schedule, rng=rng) if objective == "noise" else flow_batch(x, rng=rng)

    return fit_fresh(owner, model, draw, steps=steps, batch_size=batch_size, rng=rng,
                     callbacks=callbacks, verbose=verbose)


def compiled(owner, model):
    """A ValueError unless ``model`` has an optimizer and a loss (``compile`` was called)."""
    if getattr(model, "optimizer", None) is None or getattr(model, "loss", None) is None:
        raise ValueError(f"{owner}: the model is not compiled. Call "
                         f"model.compile(nb.Adam(lr=1e-3), 'mse') first.")


def fit_fresh(owner, model, draw, *, steps, batch_size, rng, callbacks, verbose):
    """``fit``'s loop for ``steps`` steps, each on the batch ``draw(rng)`` makes just before
    it (``FreshBatches``); returns the steps' losses, (steps,). ``batch_size`` is checked
    here, the one ``draw`` uses."""
    args = check_fit_arguments(model, epochs=1, batch_size=batch_size, rng=rng,
                               verbose=verbose, callbacks=callbacks, initial_epoch=0,
                               owner=owner)
    del args["batch_size"]
    batches = FreshBatches(model, draw, positive_int(owner, "steps", steps))
    fit_loop(model, batches, val=None, owner=owner, **args)
    return batches.losses
