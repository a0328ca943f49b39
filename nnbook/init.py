"""Weight initialisers: zeros, constant, small random, Xavier/Glorot and He, each a function
``init(shape, fan_in, fan_out, rng, dtype)`` that returns a new array; layers accept one of
these functions or its name.

Chapter 04 shows why zeros fail and random values work; chapter 06 shows why the *scale*
matters (Xavier for tanh/sigmoid, He for ReLU).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = [
    "zeros", "constant", "normal", "uniform", "small_random",
    "xavier_uniform", "xavier_normal", "he_normal", "he_uniform",
    "get_initializer",
]

Initializer = Callable[..., np.ndarray]


def zeros(shape, fan_in, fan_out, rng, dtype=np.float64):
    """All weights 0. Every hidden unit then stays identical (chapter 04)."""
    return np.zeros(shape, dtype=dtype)


def constant(value: float) -> Initializer:
    """An initialiser that sets every weight to ``value`` (symmetric: chapter 04)."""
    def init(shape, fan_in, fan_out, rng, dtype=np.float64):
        return np.full(shape, value, dtype=dtype)
    init.__name__ = f"constant({value})"
    return init


def normal(std: float) -> Initializer:
    """An initialiser drawing from N(0, std²): the knob of chapter 06."""
    if not std >= 0:
        raise ValueError(f"normal: expected std ≥ 0, got {std}.")

    def init(shape, fan_in, fan_out, rng, dtype=np.float64):
        return (std * rng.standard_normal(shape)).astype(dtype, copy=False)
    init.__name__ = f"normal({std})"
    return init


def uniform(limit: float) -> Initializer:
    """An initialiser drawing from U(−limit, limit)."""
    if not limit >= 0:
        raise ValueError(f"uniform: expected limit ≥ 0, got {limit}.")

    def init(shape, fan_in, fan_out, rng, dtype=np.float64):
        return rng.uniform(-limit, limit, size=shape).astype(dtype, copy=False)
    init.__name__ = f"uniform({limit})"
    return init


def small_random(shape, fan_in, fan_out, rng, dtype=np.float64):
    """N(0, 0.01²): the notes' "small random values" (``0.01 * randn``)."""
    return normal(0.01)(shape, fan_in, fan_out, rng, dtype)


def xavier_uniform(shape, fan_in, fan_out, rng, dtype=np.float64):
    """Glorot/Xavier uniform, U(±√(6/(fan_in + fan_out))), as in Keras."""
    return uniform(np.sqrt(6.0 / (fan_in + fan_out)))(shape, fan_in, fan_out, rng, dtype)


def xavier_normal(shape, fan_in, fan_out, rng, dtype=np.float64):
    """Glorot/Xavier normal, N(0, 2/(fan_in + fan_out))."""
    return normal(np.sqrt(2.0 / (fan_in + fan_out)))(shape, fan_in, fan_out, rng, dtype)


def he_normal(shape, fan_in, fan_out, rng, dtype=np.float64):
    """He/Kaiming normal, N(0, 2/fan_in): keeps ReLU activations' scale (chapter 06)."""
    return normal(np.sqrt(2.0 / fan_in))(shape, fan_in, fan_out, rng, dtype)


def he_uniform(shape, fan_in, fan_out, rng, dtype=np.float64):
    """He/Kaiming uniform, U(±√(6/fan_in))."""
    return uniform(np.sqrt(6.0 / fan_in))(shape, fan_in, fan_out, rng, dtype)


_BY_NAME = {
    "zeros": zeros,
    "small_random": small_random,
    "xavier": xavier_uniform,
    "xavier_uniform": xavier_uniform,
    "glorot_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "glorot_normal": xavier_normal,
    "he": he_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
}


def get_initializer(init, owner: str = "layer") -> Initializer:
    """Return the initialiser function for a name or a callable."""
    if callable(init):
        return init
    if isinstance(init, str) and init in _BY_NAME:
        return _BY_NAME[init]
    raise ValueError(
        f"{owner}: unknown init {init!r}. Use one of {sorted(_BY_NAME)} "
        f"or a function init(shape, fan_in, fan_out, rng, dtype)."
    )
