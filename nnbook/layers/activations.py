"""Activation layers (no parameters): ``Sigmoid``, ``Tanh``, ``ReLU``, ``Softmax`` and
``SiLU``, plus the plain functions behind them. Chapter 01 introduces the sigmoid and its
derivative, chapter 03 the activation layer of the notes (∂E/∂x = ∂E/∂y ⊙ f'(x)),
chapter 09 softmax, chapter 20 SiLU (x·σ(x), the "swish" of SwiGLU).
"""

from __future__ import annotations

import numpy as np

from ..kernels.elementwise import exp_neg
from ..spellings import class_for
from .base import Layer, with_work_arrays
from ..registry import register_class

__all__ = ["Activation", "Sigmoid", "Tanh", "ReLU", "Softmax", "SiLU",
           "sigmoid", "softmax", "log_softmax"]


def _float(x):
    """``x`` as an array; integers and booleans become float64, floats keep their dtype."""
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def sigmoid(z):
    """σ(z) = 1 / (1 + e^(−z)), a new array of z's dtype, for any z: for z < −709 (float64)
    or −88 (float32) e^(−z) overflows to inf and σ is 0, as it should be, so the
    overflow warning is silenced (``nnbook.kernels.elementwise.exp_neg``). Every sigmoid of
    the package is this one. Four passes over memory (−z, e^·, + 1, 1/·), all in the one
    new array.

    Shapes: z: any  →  σ(z): the same shape."""
    s = exp_neg(z)
    s += 1.0
    return np.reciprocal(s, out=s)


def softmax(z, axis: int = -1):
    """e^(z_i) / Σ_j e^(z_j) along ``axis``, with the max subtracted first so that
    large inputs such as [1000, 1001] do not overflow (chapter 09).

    Shapes: z: any  →  the same shape, summing to 1 along ``axis``."""
    z = np.asarray(z)
    if z.ndim < 1:
        raise ValueError("Softmax()/softmax(): expected an array with a class axis, got a "
                         "scalar; pass the scores as an array of shape (k,) or (m, k).")
    if z.dtype.kind != "f":                       # integers and booleans: float64
        z = z.astype(np.float64)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def log_softmax(z, axis: int = -1):
    """log softmax(z) along ``axis``, computed stably (z − max − log Σ e^(z − max)).

    Shapes: z: any  →  the same shape."""
    z = _float(z)
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


class Activation(Layer):
    """An elementwise activation ``y = f(x)``; backward is ``dy ⊙ f'(x)``.

    Shapes: x: any  →  y: the same shape.

    Subclasses define ``function(x)`` and ``derivative(x)`` (the notes' f and f');
    that is enough to train: ``forward`` calls ``function`` and ``backward`` calls
    ``derivative``. The fast pair (``fast_path``, for a training step's planned calls)
    makes the same NumPy calls without the checks: ``_apply`` and ``_input_gradient``,
    which the built-in activations write out (with ``out=``) to save calls and passes.
    """

    positionwise = True    # each position alone: a model of such layers can cache (base.py)

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            _no_arguments(type(self).__name__, args, kwargs)
        super().__init__()
        self._x = None
        self._y = None

    def function(self, x):
        """f(x), elementwise."""
        raise NotImplementedError(f"{type(self).__name__}: define function(x), the activation "
                                  f"f applied elementwise (or override forward).")

    def derivative(self, x):
        """f'(x), elementwise."""
        raise NotImplementedError(f"{type(self).__name__}: define derivative(x), f'(x) "
                                  f"elementwise, which backward multiplies dy by (or override "
                                  f"backward).")

    def forward(self, x):
        """y = f(x); x and y are kept for backward."""
        if type(x) is not np.ndarray or x.dtype.kind != "f":
            x = _float(x)                         # integers, booleans, lists: float64
        self._x = x
        self._y = np.asarray(self.function(x))
        return self._y

    def backward(self, dy, need_dx: bool = True):
        """∂E/∂x = dy ⊙ f'(x), with the x of the last forward."""
        dy = self._check(dy)
        if not need_dx:
            return None
        return dy * np.asarray(self.derivative(self._x), dtype=self._y.dtype)

    def _apply(self, x):
        """``forward`` for a float array ``x``, without its check (the fast pair)."""
        self._x = x
        self._y = np.asarray(self.function(x))
        return self._y

    def _input_gradient(self, dy, need_dx=True):
        """``backward`` for a checked ``dy`` (the fast pair)."""
        if not need_dx:
            return None
        return dy * np.asarray(self.derivative(self._x), dtype=self._y.dtype)

    def fast_path(self, input_shape, dtype):
        """``(forward, backward)`` without the per-call checks (base.py): ``_apply`` and
        ``_input_gradient``, writing into arrays of their own from 64 kB up where they take
        ``out=`` (``with_work_arrays``). None where they might not compute what ``forward``
        and ``backward`` do: for a class below the one that wrote a copy, that rewrote the
        method it copies (``forward``, ``backward``, or the ``function``/``derivative`` a
        built-in's copy writes out; Activation's own call them)."""
        if np.dtype(dtype).kind != "f" or not _copies_hold(type(self)):
            return None
        shape = tuple(input_shape)
        return with_work_arrays((self._apply, self._input_gradient), (shape, shape), dtype)

    def _check(self, dy):
        """``dy`` as an array of the last output's dtype and shape, or a ValueError."""
        y = self._y
        if y is None:
            self._before_forward()
        if type(dy) is not np.ndarray or dy.dtype != y.dtype:
            dy = np.asarray(dy, dtype=y.dtype)
        if dy.shape != y.shape:
            self._bad_dy(dy, y.shape)
        return dy


_COPIES = {"_apply": ("forward", "function"), "_input_gradient": ("backward", "derivative")}


def _copies_hold(kind) -> bool:
    """Whether ``kind``'s fast pair computes what its ``forward`` and ``backward`` do: no
    class below the one that wrote a copy (``_apply``, ``_input_gradient``) rewrote the
    method it copies (``forward``, ``backward``, and the ``function``/``derivative`` a
    built-in's copy writes out; Activation's own copies call them)."""
    below = set()                                 # the names written below the class at hand
    for k in kind.__mro__:
        for copy, copied in _COPIES.items():
            if (copy in vars(k) and copy not in below
                    and below.intersection(copied[:1] if k is Activation else copied)):
                return False
        below.update(vars(k))
    return True


def _no_arguments(name, args, kwargs):
    """nnbook's activations take no arguments; Keras' Activation("relu") names a class."""
    given = ", ".join([repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()])
    if name == "Activation" and len(args) == 1 and isinstance(args[0], str) and not kwargs:
        fix = (f"nnbook has one class per activation: write nb.{class_for(args[0])}, not "
               f"Keras' Activation({args[0]!r}).")
    else:
        fix = (f"To change its behaviour, write your own nb.Activation subclass with "
               f"function(x) and derivative(x).")
    raise ValueError(f"{name}: takes no arguments, got {name}({given}). {fix}")


@register_class
class Sigmoid(Activation):
    """σ(x) = 1/(1 + e^(−x)); σ'(x) = σ(x)(1 − σ(x)) ≤ 1/4. Chapter 01."""

    def function(self, x):
        return sigmoid(x)

    def derivative(self, x):
        s = sigmoid(x)
        return s * (1.0 - s)

    def backward(self, dy, need_dx: bool = True):
        """∂E/∂x = dy ⊙ σ'(x), with σ'(x) = σ(x)(1 − σ(x)) read from the kept y = σ(x)."""
        dy = self._check(dy)
        if not need_dx:
            return None
        y = self._y
        return dy * y * (1.0 - y)

    def _input_gradient(self, dy, need_dx=True, out=None):    # the fast pair's: backward
        if not need_dx:
            return None
        y = self._y
        dx = np.multiply(dy, y, out=out)
        dx *= 1.0 - y                             # dy ⊙ σ(x)(1 − σ(x))
        return dx


@register_class
class Tanh(Activation):
    """tanh(x); tanh'(x) = 1 − tanh²(x). Chapter 03."""

    def function(self, x):
        return np.tanh(x)

    def derivative(self, x):
        t = np.tanh(x)
        return 1.0 - t * t

    def _input_gradient(self, dy, need_dx=True, out=None):    # the fast pair's:
        if not need_dx:                           # dy ⊙ f'(x), f' written out
            return None
        y = self._y
        dx = np.multiply(y, y, out=out)
        np.subtract(1.0, dx, out=dx)              # 1 − tanh²(x)
        dx *= dy
        return dx


@register_class
class ReLU(Activation):
    """max(0, x); its derivative is 1 for x > 0 and 0 otherwise (0 at x = 0,
    as in PyTorch). Chapter 06."""

    def function(self, x):
        return np.maximum(x, 0.0)                 # 0.0, not 0: no int-to-float resolution

    def _apply(self, x, out=None):                # the fast pair's: function, into out
        self._x = x
        self._y = y = np.maximum(x, 0.0, out=out)
        return y

    def derivative(self, x):
        x = np.asarray(x)                         # 1 where x > 0, else 0, as floats
        return (x > 0).astype(x.dtype if x.dtype.kind == "f" else np.float64)

    def _input_gradient(self, dy, need_dx=True, out=None):    # the fast pair's
        if not need_dx:
            return None
        return np.multiply(dy, self._y > 0.0, out=out)     # dy ⊙ f'(x), the same numbers


@register_class
class Softmax(Activation):
    """softmax over the last axis: y_i = e^(x_i) / Σ_j e^(x_j).

    Shapes: x: (m, k)  →  y: (m, k), each row sums to 1.

    Backward applies the Jacobian ∂y_i/∂x_j = y_i (δ_ij − y_j) to dy without
    building it: dx = y ⊙ (dy − Σ_j dy_j y_j). When a model ends in Softmax and
    trains with CrossEntropy, it skips this and uses ∂L/∂x = ŷ − y directly.
    Chapter 09.
    """

    function = staticmethod(softmax)              # f is chapter 09's softmax, over the last axis

    def _apply(self, x, out=None):                # the fast pair's: softmax, into out
        if x.ndim < 1:
            raise ValueError("Softmax(): expected an array with a class axis, got a scalar.")
        self._x = x
        y = np.subtract(x, np.maximum.reduce(x, axis=-1, keepdims=True), out=out)
        y = np.exp(y, out=y)                                            # softmax(x) above,
        y /= np.add.reduce(y, axis=-1, keepdims=True)                  # x already a float
        self._y = y
        return y

    def derivative(self, x):
        raise ValueError(
            "Softmax(): softmax is not elementwise, so it has no f'(x) vector. "
            "Use jacobian(x) for one sample, or backward(dy)."
        )

    def jacobian(self, x):
        """The k×k matrix ∂y_i/∂x_j = y_i (δ_ij − y_j) for one sample x of shape (k,)."""
        y = softmax(np.asarray(x, dtype=float).reshape(-1))
        return np.diag(y) - np.outer(y, y)

    def backward(self, dy, need_dx: bool = True):
        """∂E/∂x = y ⊙ (dy − Σ_j dy_j y_j): the Jacobian y_i (δ_ij − y_j) applied to dy."""
        dy = self._check(dy)
        if not need_dx:
            return None
        y = self._y
        dx = dy * y                               # dy ⊙ y
        dx -= y * dx.sum(axis=-1, keepdims=True)  # − y Σ_j dy_j y_j
        return dx

    def _input_gradient(self, dy, need_dx=True):    # the fast pair's: backward, unchecked
        if not need_dx:
            return None
        y = self._y
        dx = dy * y
        dx -= y * dx.sum(axis=-1, keepdims=True)
        return dx


@register_class
class SiLU(Activation):
    """SiLU (swish): ``y = x·σ(x) = x / (1 + e^(−x))``; ``y' = σ(x) + y (1 − σ(x))``,
    elementwise.

    Shapes: x: any  →  y: the same shape. Smooth, and negative for x < 0 (its minimum is
    about −0.28 at x ≈ −1.28), unlike ReLU. As ``torch.nn.functional.silu``, which computes
    the same quotient. Chapter 20.

    Passes over memory (NumPy makes one per operation; PyTorch's ``F.silu`` one in all):
    forward 4 (−x, e^·, + 1, x/·); backward 5 (σ = 1/(1 + e^(−x)) from the forward's
    denominator, 1 − σ, ·y, + σ, ·dy). A forward alone (``predict``, a sampler) makes no
    pass for the backward's σ. In inference (``training`` False) the forward makes its four
    passes in one new array and keeps only x: the memory a sampler's next step reuses stays
    in the cache. A backward after such a forward first makes the denominator again (3
    passes, the same numbers).
    """

    def function(self, x):
        return x / (1.0 + exp_neg(x))

    def derivative(self, x):
        s = sigmoid(x)
        return s * (1.0 + x * (1.0 - s))

    def forward(self, x):
        x = np.asarray(x)
        self._x = x = x if x.dtype.kind == "f" else x.astype(np.float64)
        d = exp_neg(x)
        d += 1.0                                 # the denominator 1 + e^(−x)
        if not self.training:                    # inference: y = x/d in d's own array
            self._d = None
            self._y = np.divide(x, d, out=d)
            return self._y
        self._d = d                              # training: d kept for the backward's σ = 1/d
        self._y = np.divide(x, d)
        return self._y

    def backward(self, dy, need_dx: bool = True):
        dy = self._check(dy)
        if not need_dx:
            return None
        d = self._d
        if d is None:                            # after an inference forward: d again
            d = exp_neg(self._x)
            d += 1.0
        s, y = np.reciprocal(d), self._y         # σ(x)
        dx = 1.0 - s
        dx *= y
        dx += s                                  # σ(x) + y (1 − σ(x))
        dx *= dy
        return dx
