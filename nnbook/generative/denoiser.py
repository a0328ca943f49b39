"""A small MLP denoiser for diffusion and flow matching (chapter 26): ``denoiser`` builds a
``Sequential`` that reads ``with_time(x_t, t)``; ``noise_batch`` and ``flow_batch`` draw the
training pairs of denoising score matching and of flow matching; ``train_denoiser`` is the
loop that draws a fresh batch before each ``train_step``.
"""

from __future__ import annotations

import numpy as np

from ..layers.dense import Dense
from ..layers.activations import SiLU
from ..training.model import Sequential
from ..validate import as_float_array, finite, make_rng, positive_int
from .noise import NoiseSchedule
from .time_embedding import TimeEmbedding, with_time

__all__ = ["denoiser", "as_function", "noise_batch", "flow_batch", "train_denoiser"]


def denoiser(d, *, hidden=64, depth=2, n_freq=8, max_freq=100.0, dtype=np.float64, rng=None):
    """An MLP that maps ``with_time(x_t, t)`` to a d-vector (the noise ε, or a velocity):
    ``TimeEmbedding``, then ``depth`` × (``Dense(·, hidden)``, ``SiLU``), then
    ``Dense(hidden, d)``.

    Shapes:
        input: (m, d + 1), x_t and the time t last  →  output: (m, d)

    Args:
        d: the data's dimension; hidden: the width (64); depth: hidden layers (2);
        n_freq, max_freq: the time embedding's (``TimeEmbedding``);
        dtype: float64 or float32; rng: draws the initial weights.

    A ``Sequential``: compile it and train it with ``fit`` or ``train_denoiser``; ``save``,
    ``nb.load_model`` and ``nb.to_torch`` work as for any model.
    """
    d = positive_int("denoiser", "d", d)
    hidden = positive_int("denoiser", "hidden", hidden)
    depth = positive_int("denoiser", "depth", depth)
    rng = make_rng(rng, "denoiser")
    emb = TimeEmbedding(d, n_freq, max_freq=max_freq)
    layers, width = [emb], d + 2 * emb.n_freq
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
                   batch_size=128, rng=None):
    """Train a compiled ``model`` for ``steps`` steps; each draws ``batch_size`` rows of
    ``data`` and fresh noise (``noise_batch`` with ``schedule``, or ``flow_batch`` for
    ``objective="flow"``), then runs ``model.train_step``. Returns the losses, (steps,).

    The loop::

        for step in range(steps):
            x = data[rng.integers(0, len(data), batch_size)]
            inputs, targets = noise_batch(x, schedule, rng=rng)
            losses[step] = model.train_step(inputs, targets)["loss"]
    """
    data = _data("train_denoiser", data)
    if objective not in ("noise", "flow"):
        raise ValueError(f"train_denoiser: expected objective 'noise' (denoising score "
                         f"matching) or 'flow' (flow matching), got {objective!r}.")
    if objective == "noise" and not isinstance(schedule, NoiseSchedule):
        raise ValueError(f"train_denoiser: objective 'noise' needs a schedule (e.g. "
                         f"schedule=nb.generative.LinearSchedule()), got {schedule!r}.")
    if getattr(model, "optimizer", None) is None or getattr(model, "loss", None) is None:
        raise ValueError("train_denoiser: the model is not compiled. Call "
                         "model.compile(nb.Adam(lr=1e-3), 'mse') first.")
    finite("train_denoiser", "data", data)
    first = (getattr(model, "layers", None) or [None])[0]
    if isinstance(first, TimeEmbedding) and data.shape[1] != first.d:
        raise ValueError(f"train_denoiser: expected data of shape (n, {first.d}), the d of the "
                         f"model's {first!r}, got {data.shape}. Build the model with "
                         f"nb.generative.denoiser({data.shape[1]}).")
    steps = positive_int("train_denoiser", "steps", steps)
    batch_size = positive_int("train_denoiser", "batch_size", batch_size)
    rng = make_rng(rng, "train_denoiser")
    data = data.astype(model.dtype) if getattr(model, "dtype", None) is not None else data
    losses = np.empty(steps)
    for step in range(steps):
        x = data[rng.integers(0, len(data), batch_size)]
        inputs, targets = (noise_batch(x, schedule, rng=rng) if objective == "noise"
                           else flow_batch(x, rng=rng))
        losses[step] = model.train_step(inputs, targets)["loss"]
    return losses
