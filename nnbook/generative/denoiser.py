"""A small MLP denoiser for diffusion and flow matching (chapter 26; with a class input,
chapter 27): ``denoiser`` builds a ``Sequential`` that reads ``with_time(x_t, t)``;
``noise_batch``, ``flow_batch`` and ``conditional_noise_batch`` draw the training pairs of
denoising score matching, of flow matching and of the class-conditional model;
``train_denoiser`` runs ``fit``'s loop on a fresh batch for every step.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..layers.dense import Dense
from ..layers.activations import SiLU
from ..training.loop import fit_fresh
from ..training.model import Sequential
from ..validate import as_float_array, finite, make_rng, positive_int
from .conditional import _labels, _shape_of, with_class
from .noise import NoiseSchedule
from .time_embedding import TimeEmbedding, with_time

__all__ = ["denoiser", "as_function", "noise_batch", "flow_batch", "conditional_noise_batch",
           "train_denoiser", "compiled"]


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

    A ``Sequential``: compile it and train it with ``fit`` or ``train_denoiser`` (with
    ``n_classes``: ``train_denoiser(model, data, labels=...)``); ``save``, ``nb.load_model``
    and ``nb.to_torch`` work as for any model.
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


def _p_uncond(owner, p):
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, numbers.Real) or not 0 <= p < 1:
        raise ValueError(f"{owner}: expected p_uncond, the rate at which the class is "
                         f"dropped to the null class, a number in [0, 1), got {p!r}. "
                         f"0.1 or 0.2 are usual; 1 would never train the classes.")
    return float(p)


def conditional_noise_batch(x0, labels, n_classes, schedule, *, p_uncond=0.1, rng=None):
    """Denoising score matching's pairs with a class: each row's class is replaced by the
    null class (id n_classes) with probability ``p_uncond``, then t ~ U(0, 1),
    ε ~ N(0, I), x_t = √ᾱ(t)·x_0 + √(1 − ᾱ(t))·ε; the input is
    ``with_class(x_t, t, class, n_classes)``, the target ε. So the one network learns
    E[ε | x_t, c] on the kept rows and E[ε | x_t] on the dropped ones.

    Shapes:
        x0: (n, d); labels: (n,) ints in 0…n_classes − 1
        →  inputs (n, d + n_classes + 2), targets (n, d)
    """
    owner = "conditional_noise_batch"
    x0 = _data(owner, x0)
    n_classes = positive_int(owner, "n_classes", n_classes)
    ids = _labels(owner, labels, n_classes, len(x0), null_ok=False)
    if not isinstance(schedule, NoiseSchedule):
        raise ValueError(f"{owner}: expected schedule to be a NoiseSchedule (e.g. "
                         f"nb.generative.LinearSchedule()), got {type(schedule).__name__}.")
    p_uncond = _p_uncond(owner, p_uncond)
    rng = make_rng(rng, owner)
    ids = np.where(rng.random(len(x0)) < p_uncond, n_classes, ids)
    t = rng.uniform(0.0, 1.0, len(x0))
    eps = rng.standard_normal(x0.shape)
    ab = schedule.alpha_bar(t)[:, None]
    xt = np.sqrt(ab) * x0 + np.sqrt(1.0 - ab) * eps
    return with_class(xt.astype(x0.dtype), t, ids, n_classes), eps.astype(x0.dtype)


def train_denoiser(model, data, *, labels=None, p_uncond=0.1, objective="noise",
                   schedule=None, steps=1000, batch_size=128, rng=None, callbacks=None,
                   verbose=0):
    """Train a compiled ``model`` for ``steps`` steps; each draws ``batch_size`` rows of
    ``data`` and fresh noise (``noise_batch`` with ``schedule``, or ``flow_batch`` for
    ``objective="flow"``), then runs ``model.train_step``. Returns the losses, (steps,).
    With ``labels``, one class id per row of ``data``, it trains chapter 27's conditional
    denoiser (``denoiser(d, n_classes=)``) on ``conditional_noise_batch``'s pairs, each
    row's class dropped to the null class at the rate ``p_uncond``.

    It is ``fit``'s loop (``fit_fresh``) on a source of fresh batches, one epoch of
    ``steps`` steps: ``callbacks`` and ``verbose`` as in ``fit``, and a loss that becomes
    NaN or inf stops it with ``FloatingPointError``, naming the layer that produced it.
    Each step::

        x = data[rng.integers(0, len(data), batch_size)]
        inputs, targets = noise_batch(x, schedule, rng=rng)
        loss = model.train_step(inputs, targets)["loss"]

    Shapes:
        data: (n, d); labels: None or (n,) ints in 0…n_classes − 1  →  losses (steps,)
    """
    owner = "train_denoiser"
    data = _data(owner, data)
    if objective not in ("noise", "flow") or (labels is not None and objective != "noise"):
        raise ValueError(f"train_denoiser: expected objective 'noise' (denoising score "
                         f"matching) or, without labels, 'flow' (flow matching), got "
                         f"{objective!r}.")
    if objective == "noise" and not isinstance(schedule, NoiseSchedule):
        raise ValueError(f"train_denoiser: objective 'noise' needs a schedule (e.g. "
                         f"schedule=nb.generative.LinearSchedule()), got {schedule!r}.")
    compiled(owner, model)
    finite(owner, "data", data)
    first = (getattr(model, "layers", None) or [None])[0]
    d, of_model = getattr(first, "d", None), f"the d of the model's {first!r}"
    build = f"denoiser({data.shape[1]})"
    if labels is not None:                         # a model built with n_classes
        d, n_classes = _shape_of(owner, model)
        of_model, build = "the d of the model", f"denoiser({data.shape[1]}, n_classes={n_classes})"
        ids = _labels(owner, labels, n_classes, len(data), null_ok=False)
        p_uncond = _p_uncond(owner, p_uncond)
    if isinstance(first, TimeEmbedding) and data.shape[1] != d:
        raise ValueError(f"train_denoiser: expected data of shape (n, {d}), {of_model}, got "
                         f"{data.shape}. Build the model with nb.generative.{build}.")
    data = data.astype(model.dtype) if getattr(model, "dtype", None) is not None else data

    def draw(rng):
        rows = rng.integers(0, len(data), batch_size)
        if labels is not None:
            return conditional_noise_batch(data[rows], ids[rows], n_classes, schedule,
                                           p_uncond=p_uncond, rng=rng)
        x = data[rows]
        return noise_batch(x, schedule, rng=rng) if objective == "noise" else flow_batch(x, rng=rng)

    return fit_fresh(model, draw, steps, batch_size=batch_size, rng=rng, callbacks=callbacks,
                     verbose=verbose, owner=owner)


def compiled(owner, model):
    """A ValueError unless ``model`` has an optimizer and a loss (``compile`` was called)."""
    if getattr(model, "optimizer", None) is None or getattr(model, "loss", None) is None:
        raise ValueError(f"{owner}: the model is not compiled. Call "
                         f"model.compile(nb.Adam(lr=1e-3), 'mse') first.")
