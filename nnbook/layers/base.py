"""The layer contract and the two shape-changing layers without tricks: ``Dense``
and ``Flatten``. Chapter 03 builds them from the notes' base-layer design
(file 000, ②–④): ``forward`` keeps what ``backward`` needs, and ``backward``
turns ∂E/∂y into parameter gradients and returns ∂E/∂x.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np

from ..validate import float_dtype, make_rng, positive_int
from ..init import get_initializer
from ..registry import register_class

__all__ = ["Layer", "Dense", "Flatten", "takes_need_dx", "class_for"]


class Layer:
    """Base class of every layer.

    A layer maps a batch ``x`` (one sample per row) to ``y = forward(x)``.
    ``backward(dy)`` takes ∂E/∂y (the shape of ``y``), fills ``grads`` (the
    same keys and shapes as ``params``) and returns ∂E/∂x (the shape of ``x``).
    ``params`` holds the live parameter arrays (float32 or float64 NumPy arrays);
    optimizers update them in place. ``backward`` may write ``grads`` in place or
    assign new arrays: ``fit`` reads them afresh after every backward. ``forward``
    must not write into ``x`` (``fit``, ``predict`` and ``evaluate`` pass the data
    read-only) and returns one row per sample; ``Sequential`` names a layer that
    returns the wrong thing from either method.

    Optional, for speed or for Part II layers:
        - ``backward(dy, need_dx=False)``: a layer whose backward accepts
          ``need_dx`` may skip ∂E/∂x (``fit`` asks this of the first layer).
        - ``buffers``: non-trainable arrays saved with the model but never
          touched by an optimizer (e.g. BatchNorm's running statistics).
        - ``training``: True in ``train_step``, False in ``predict``, ``evaluate`` and
          validation (``Sequential.forward(x, training=...)`` sets it; Dropout and
          BatchNorm read it in forward).
        - ``rng``: a layer that draws random numbers in training keeps its generator
          here; when it is ``None``, ``fit(rng=...)`` lends it one for the run.
        - ``integer_input = True``: the layer takes integer ids (an Embedding); as a
          model's first layer it gets them unchanged instead of cast to floats.
        - ``output_shape(input_shape)``: without it, ``Sequential`` measures a
          learner's layer by running ``forward`` on one zero sample.
        - ``get_config()``: the constructor arguments ``load_model`` rebuilds the
          layer with (plain numbers, strings, lists). A layer may also create its
          ``params`` in its first ``forward``; ``load_model`` then fills them from the file.
    """

    buffers: Mapping[str, np.ndarray] = MappingProxyType({})   # read-only; __init__ gives a dict
    training: bool = False
    integer_input: bool = False        # True: takes integer ids, which a model passes unchanged

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.buffers = {}

    def forward(self, x):
        keras = (" nnbook calls it forward, not call (Keras' name): rename call to forward."
                 if callable(getattr(self, "call", None)) else "")
        raise NotImplementedError(f"{type(self).__name__}: define forward(x).{keras}")

    def backward(self, dy, need_dx: bool = True):
        raise NotImplementedError(f"{type(self).__name__}: define backward(dy).")

    def __call__(self, x):
        return self.forward(x)

    def output_shape(self, input_shape: tuple) -> tuple:
        """Shape of one output sample for one input sample of ``input_shape``."""
        return tuple(input_shape)

    def get_config(self) -> dict:
        """Constructor arguments that rebuild this layer (used by ``save``)."""
        return {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    # Messages shared by every layer -------------------------------------
    def _before_forward(self):
        raise ValueError(
            f"{self!r}: backward() was called before forward(). backward uses what "
            f"forward kept, so run forward(x) on the same batch first."
        )

    def _bad_dy(self, dy, expected):
        raise ValueError(
            f"{self!r}: expected dy of shape {tuple(expected)} (the shape of the last "
            f"forward output), got {tuple(np.shape(dy))}. Pass ∂E/∂y for the batch that "
            f"was just run forward."
        )


_NEED_DX: dict[type, bool] = {}


def takes_need_dx(layer) -> bool:
    """Whether ``layer.backward`` accepts ``need_dx`` (checked once per class)."""
    cls = type(layer)
    known = _NEED_DX.get(cls)
    if known is None:
        try:
            params = inspect.signature(cls.backward).parameters.values()
        except (TypeError, ValueError):
            params = []
        known = _NEED_DX[cls] = any(p.name == "need_dx" or p.kind == p.VAR_KEYWORD
                                    for p in params)
    return known


def class_for(keras_name) -> str:
    """nnbook's class for a Keras activation name: 'relu' → 'ReLU()' (used in messages)."""
    names = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU", "softmax": "Softmax"}
    return f"{names[keras_name.lower()]}()" if str(keras_name).lower() in names else \
        "Sigmoid(), Tanh(), ReLU() or Softmax()"


@register_class
class Dense(Layer):
    """Fully connected layer: ``Z = X @ W + b``.

    Shapes:
        x: (m, n_in)  →  y: (m, n_out)
        params["W"]: (n_in, n_out),  params["b"]: (n_out,)

    The notes write one sample as a column, ``y = W_notes x + b`` with
    ``W_notes = W.T`` of shape (n_out, n_in); the row form here handles a
    whole batch with one matrix product.

    Args:
        n_in, n_out: input and output sizes (≥ 1).
        init: initialiser name or function for ``W`` (default Xavier/Glorot
            uniform, as in Keras); ``b`` starts at zero.
        rng: the ``np.random.Generator`` that draws ``W`` (``None``: a fresh one).
        dtype: float64 (default) or float32.

    ``forward`` keeps a reference to ``x`` (no copy, for speed): don't change
    ``x`` in place between ``forward`` and ``backward``.

    Chapter 03 (backward), chapter 04 (batches).
    """

    def __init__(self, n_in: int = None, n_out: int = "missing", *, init="xavier",
                 rng=None, dtype=np.float64, **keras):
        super().__init__()
        missing = isinstance(n_out, str) and n_out == "missing"   # Dense(10), as in Keras
        if keras or missing:
            n_out = None if missing else n_out
            _keras_spelling(n_in, n_out, keras)
        self.n_in = positive_int("Dense", "n_in", n_in)
        self.n_out = positive_int("Dense", "n_out", n_out)
        dtype = float_dtype(repr(self), dtype)
        self.init = get_initializer(init, repr(self))
        rng = make_rng(rng, repr(self))
        W = np.asarray(self.init((self.n_in, self.n_out), self.n_in, self.n_out, rng, dtype))
        if W.shape != (self.n_in, self.n_out):
            raise ValueError(
                f"{self!r}: init returned shape {W.shape}, expected {(self.n_in, self.n_out)}."
            )
        self.params = {"W": np.ascontiguousarray(W, dtype=dtype),
                       "b": np.zeros(self.n_out, dtype=dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._x = None

    def forward(self, x):
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.n_in:
            self._bad_input(x)
        if x.dtype != self.params["W"].dtype:         # float32 layer, float64 data: as Keras
            x = x.astype(self.params["W"].dtype)
        self._x = x                                   # (m, n_in), kept for backward
        z = x @ self.params["W"]                      # (m, n_out)
        z += self.params["b"]
        return z

    def backward(self, dy, need_dx: bool = True):
        x = self._x
        if x is None:
            self._before_forward()
        dy = np.asarray(dy, dtype=self.params["W"].dtype)
        if dy.shape != (x.shape[0], self.n_out):
            self._bad_dy(dy, (x.shape[0], self.n_out))
        np.matmul(x.T, dy, out=self.grads["W"])        # (n_in, n_out) = Xᵀ dY
        np.sum(dy, axis=0, out=self.grads["b"])        # (n_out,): summed over the batch
        if need_dx:
            return dy @ self.params["W"].T            # (m, n_in) = dY Wᵀ
        return None

    def output_shape(self, input_shape):
        if tuple(input_shape) == (None,):            # size unknown (Flatten after Conv2D)
            return (self.n_out,)
        if tuple(input_shape) != (self.n_in,):
            got = tuple(input_shape)
            fix = (f"The previous layer gives {got[0]} values: use Dense({got[0]}, {self.n_out})."
                   if len(got) == 1 and got[0] is not None else
                   "Add Flatten() before this layer to turn each image into a vector.")
            raise ValueError(f"{self!r}: expected samples of shape ({self.n_in},), got {got}. {fix}")
        return (self.n_out,)

    def get_config(self):
        return {"n_in": self.n_in, "n_out": self.n_out}

    def __repr__(self):
        return f"Dense({self.n_in} → {self.n_out})"

    def _bad_input(self, x):
        got = tuple(x.shape)
        if x.ndim == 1 and x.shape[0] == self.n_in:
            fix = "A single sample needs a batch axis: use x.reshape(1, -1)."
        elif x.ndim > 2:
            fix = "Add Flatten() before this layer to turn each sample into a vector."
        else:
            fix = "Check the previous layer's output size (or the data's number of features)."
        raise ValueError(f"{self!r}: expected input of shape (m, {self.n_in}), got {got}. {fix}")


def _keras_spelling(n_in, n_out, keras):
    """Explain nnbook's ``Dense(n_in, n_out)`` to someone who typed Keras' ``Dense(units, …)``."""
    had_units = "units" in keras
    units = keras.pop("units", n_out if n_out is not None else n_in)
    act = keras.pop("activation", None)
    shape, dim = keras.pop("input_shape", None), keras.pop("input_dim", None)
    if dim is None and isinstance(shape, (tuple, list)) and shape:
        dim = shape[-1]
    extra = f" Unknown arguments: {sorted(keras)}." if keras else ""
    if n_out is not None and not had_units and act is None and (shape or dim) is not None:
        given = tuple(shape) if isinstance(shape, (tuple, list)) else (dim,)
        raise ValueError(
            f"Dense: Dense({n_in!r}, {n_out!r}) already knows its input size, so it takes no "
            f"input_shape/input_dim (Keras' way of giving it); the model's input shape goes "
            f"to Sequential([...], input_shape={given!r}).{extra}")
    then = f", then an activation layer such as {class_for(act)}" if act else ""
    was = "".join(f", {k}={v!r}" for k, v in (("activation", act), ("input_shape", shape),
                                               ("input_dim", None if shape else dim)) if v)
    raise ValueError(
        f"Dense: nnbook's Dense takes both sizes, Dense(n_in, n_out), and no activation. "
        f"For Keras' Dense(units={units!r}{was}) write "
        f"Dense({'n_in' if dim is None else repr(dim)}, {units!r}){then}; n_in is the previous "
        f"layer's output size.{extra}"
    )


@register_class
class Flatten(Layer):
    """Reshape each sample into a vector, in C order.

    Shapes:
        x: (m, d1, d2, …)  →  y: (m, d1·d2·…)

    NHWC images flatten row by row with the channels last, as in Keras.
    Chapter 08.
    """

    def __init__(self):
        super().__init__()
        self._shape = self._dtype = None

    def forward(self, x):
        x = np.asarray(x)
        if x.ndim < 2:
            raise ValueError(
                f"Flatten(): expected a batch of shape (m, …), got {tuple(x.shape)}. "
                f"Add a batch axis with x[None] for a single sample."
            )
        self._shape, self._dtype = x.shape, x.dtype
        return x.reshape(x.shape[0], -1)

    def backward(self, dy, need_dx: bool = True):
        if self._shape is None:
            self._before_forward()
        dy = np.asarray(dy, dtype=self._dtype if self._dtype.kind == "f" else None)
        m = self._shape[0]
        expected = (m, int(np.prod(self._shape[1:])))
        if dy.shape != expected:
            self._bad_dy(dy, expected)
        return dy.reshape(self._shape) if need_dx else None

    def output_shape(self, input_shape):
        if any(d is None for d in input_shape):
            return (None,)
        return (int(np.prod(input_shape)),)
