"""A class-conditional denoiser with a null class (chapter 27): one network that is both the
conditional model ε(x, t, c) and the unconditional one ε(x, t, ∅), the class entering as a
one-hot of n_classes + 1 columns whose last is the null class (id n_classes).
``with_class`` builds the input [x_t, one-hot(c), t] and ``conditional_denoiser`` the network,
a ``Sequential`` of existing layers (so ``save``, ``nb.load_model`` and ``nb.to_torch`` work).
``conditional_noise_batch`` and ``train_conditional_denoiser`` train it with the class dropped
to the null class at the rate p_uncond, and ``class_function`` gives the sampler's f(x, t) for
a class or for the null class.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..validate import finite, make_rng, positive_int
from .denoiser import _data, compiled, denoiser, fit_fresh
from .noise import NoiseSchedule
from .time_embedding import TimeEmbedding, with_time

__all__ = ["with_class", "conditional_denoiser", "conditional_noise_batch",
           "train_conditional_denoiser", "class_function"]


def _labels(owner, labels, n_classes, n, *, null_ok=True):
    """The class ids as an int array of shape (n,), or a ValueError: integers in
    0…n_classes (n_classes is the null class), one per row or one for all."""
    top = n_classes if null_ok else n_classes - 1
    arr = np.asarray(labels)
    bad = None
    if isinstance(labels, (bool, np.bool_)) or arr.dtype.kind not in "iu":
        bad = f"dtype {arr.dtype}" if arr.dtype.kind != "O" else type(labels).__name__
        if arr.dtype.kind == "f":
            bad = f"floats ({arr.dtype})"
    elif arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != n):
        bad = f"shape {arr.shape}"
    elif arr.size and (arr.min() < 0 or arr.max() > top):
        bad = f"ids from {arr.min()} to {arr.max()}"
    if bad is not None:
        null = f", or {n_classes} for the null class" if null_ok else ""
        raise ValueError(f"{owner}: expected the class ids, integers 0…{n_classes - 1}"
                         f"{null}, one number or one per row ({n},), got {bad}. Turn class "
                         f"names into ids with np.unique(y, return_inverse=True), and pass "
                         f"ints (y.astype(int)).")
    return np.broadcast_to(arr.astype(np.int64), (n,))


def with_class(x, t, labels, n_classes):
    """The conditional denoiser's input: x_t, then the one-hot of each row's class in
    n_classes + 1 columns (the last one is the null class, id n_classes), then the time t.

    Shapes:
        x: (n, d); t: a number or (n,); labels: an int or (n,) ints in 0…n_classes
        →  (n, d + n_classes + 2), in x's float dtype
    """
    n_classes = positive_int("with_class", "n_classes", n_classes)
    inner = with_time(x, t)                                      # checks x and t
    n, d = inner.shape[0], inner.shape[1] - 1
    ids = _labels("with_class", labels, n_classes, n)
    out = np.zeros((n, d + n_classes + 2), inner.dtype)
    out[:, :d] = inner[:, :d]
    out[np.arange(n), d + ids] = 1.0
    out[:, -1] = inner[:, -1]
    return out


def conditional_denoiser(d, n_classes, *, hidden=64, depth=2, n_freq=8, max_freq=100.0,
                         dtype=np.float64, rng=None):
    """Chapter 26's MLP denoiser with a class input: ``denoiser(d, n_classes=n_classes, …)``
    (x_t and the class's one-hot pass through the ``TimeEmbedding``, t becomes sines and
    cosines; then ``depth`` × (``Dense``, ``SiLU``), then ``Dense(hidden, d)``, the
    predicted noise).

    Shapes:
        input: (m, d + n_classes + 2), from ``with_class``  →  output: (m, d)

    Args:
        d: the data's dimension; n_classes: the classes, ids 0…n_classes − 1, and the null
            class has the id n_classes;
        hidden, depth, n_freq, max_freq, dtype, rng: as for ``denoiser``.

    A ``Sequential`` of existing layers: compile it and train it with
    ``train_conditional_denoiser``; ``save``, ``nb.load_model`` and ``nb.to_torch`` work as
    for any model.
    """
    n_classes = positive_int("conditional_denoiser", "n_classes", n_classes)
    return denoiser(d, n_classes=n_classes, hidden=hidden, depth=depth, n_freq=n_freq,
                    max_freq=max_freq, dtype=dtype, rng=rng)


def _p_uncond(owner, p):
    ok = (not isinstance(p, (bool, np.bool_)) and isinstance(p, numbers.Real)
          and 0.0 <= float(p) < 1.0)
    if not ok:
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


def _shape_of(owner, model):
    """(d, n_classes) of a ``conditional_denoiser``, or a ValueError."""
    layers = getattr(model, "layers", None) or []
    last = layers[-1] if layers else None
    if not (layers and isinstance(layers[0], TimeEmbedding) and hasattr(last, "n_out")
            and layers[0].d > last.n_out + 1):
        raise ValueError(f"{owner}: expected a model from nb.generative.conditional_"
                         f"denoiser(d, n_classes), got {type(model).__name__} "
                         f"({layers[:1]!r}…). Build it with "
                         f"nb.generative.conditional_denoiser.")
    return last.n_out, layers[0].d - last.n_out - 1


def train_conditional_denoiser(model, data, labels, *, schedule, steps=1000, batch_size=128,
                               p_uncond=0.1, rng=None, callbacks=None, verbose=0):
    """Train a compiled ``conditional_denoiser`` for ``steps`` steps; each draws
    ``batch_size`` rows of ``data`` with their ``labels`` and fresh noise
    (``conditional_noise_batch``, the class dropped at the rate ``p_uncond``), then runs
    ``model.train_step``. Returns the losses, (steps,). As ``train_denoiser``, it is
    ``fit``'s loop on fresh batches (``callbacks``, ``verbose`` and the divergence error as
    in ``fit``).

    Shapes:
        data: (n, d); labels: (n,) ints in 0…n_classes − 1  →  losses (steps,)
    """
    owner = "train_conditional_denoiser"
    data = _data(owner, data)
    d, n_classes = _shape_of(owner, model)
    if data.shape[1] != d:
        raise ValueError(f"{owner}: expected data of shape (n, {d}), the d of the model, got "
                         f"{data.shape}. Build the model with "
                         f"nb.generative.conditional_denoiser({data.shape[1]}, n_classes).")
    ids = _labels(owner, labels, n_classes, len(data), null_ok=False)
    if not isinstance(schedule, NoiseSchedule):
        raise ValueError(f"{owner}: expected schedule to be a NoiseSchedule (e.g. "
                         f"schedule=nb.generative.LinearSchedule()), got {schedule!r}.")
    compiled(owner, model)
    finite(owner, "data", data)
    p_uncond = _p_uncond(owner, p_uncond)
    data = data.astype(model.dtype) if getattr(model, "dtype", None) is not None else data

    def draw(rng):
        rows = rng.integers(0, len(data), batch_size)
        return conditional_noise_batch(data[rows], ids[rows], n_classes, schedule,
                                       p_uncond=p_uncond, rng=rng)

    return fit_fresh(owner, model, draw, steps=steps, batch_size=batch_size, rng=rng,
                     callbacks=callbacks, verbose=verbose)


def class_function(model, label):
    """f(x, t) = ``model.predict(with_class(x, t, label, n_classes))``: the sampler's function
    of a ``conditional_denoiser`` for one class, or for the null class (``None``, or the id
    n_classes), the unconditional model. For guidance:
    ``guided(class_function(model, None), class_function(model, c), w)``.

    Shapes:
        f(x, t): x (n, d), t a number  →  (n, d)
    """
    d, n_classes = _shape_of("class_function", model)
    if label is None:
        label = n_classes
    ok = (not isinstance(label, (bool, np.bool_)) and isinstance(label, numbers.Integral)
          and 0 <= label <= n_classes)
    if not ok:
        raise ValueError(f"class_function: expected label, one class id 0…{n_classes - 1}, "
                         f"or None (or {n_classes}) for the null class, got {label!r}. "
                         f"Pass an int, e.g. int(c).")
    label = int(label)
    return lambda x, t: model.predict(with_class(x, t, label, n_classes))
