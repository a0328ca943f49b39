"""``LoRA`` (chapter 22): low-rank adaptation of a learned matrix, W + (α/r)·A B, with W frozen
and only A (n_in, r) and B (r, n_out) trained: around a ``Dense`` (y = x W + b + (α/r)·x A B),
or on named matrices of any layer (attention's W_q … W_o, SwiGLU's W_1 … W_3); ``merge`` folds
A B back into a plain layer. ``nb.add_lora`` (adapters.py) puts adapters into a whole model.
"""

from __future__ import annotations

import copy
import numbers

import numpy as np

from ..registry import lookup, name_of, register_class
from ..spellings import refuse_spellings
from ..validate import float_dtype, make_rng, positive_int
from .base import Layer, takes_need_dx
from .dense import Dense

__all__ = ["LoRA"]


@register_class
class LoRA(Layer):
    """A layer with a trainable low-rank correction of its weight matrices: ``W + (α/r)·A B``.

    Around a ``Dense`` (no ``targets``): ``y = x W + b + (α/r)·(x A) B``. Around any other
    layer, ``targets`` names its matrices (``("W_q", "W_v")`` of a ``MultiHeadAttention``,
    ``("W_1", "W_2", "W_3")`` of a ``SwiGLU``; ``None``: every matrix it has): each forward
    hands the layer ``W + (α/r)·A B`` in place of each target W, and its backward's ∂E/∂W
    gives ``∂E/∂A = (α/r)·∂E/∂W Bᵀ`` and ``∂E/∂B = (α/r)·Aᵀ ∂E/∂W``.

    Shapes:
        x, y: as the wrapped layer's (a Dense: (m, n_in) or (m, …, n_in) → (…, n_out))
        params: the wrapped layer's arrays (shared, not copied), all frozen
            (``frozen_params``), and per target W (n_in, n_out): A (n_in, r), normal draws
            with variance 1/n_in (Hu et al. 2021 draw A at random), and B (r, n_out), zeros,
            so at the start the output is the layer's exactly. Around a Dense they are
            ``"A"`` and ``"B"``; on a target ``"W_q"``, ``"W_q.A"`` and ``"W_q.B"``.

    Args:
        layer: the layer to adapt (or, from ``load_model``, the dict ``get_config`` saved).
        rank: r ≥ 1, the rank of each correction A B.
        targets: names of the layer's 2-D parameters to adapt (not for a Dense).
        alpha: the scale's numerator (α > 0); ``None``: α = r, a scale of 1.
        rng: the ``np.random.Generator`` that draws A (``None``: a fresh one).

    Inside a ``TransformerBlock`` a LoRA replaces a part: ``block.attn = LoRA(block.attn, 4,
    targets=("W_q", "W_v"))``, ``block.ff1 = LoRA(block.ff1, 4)``; the block then trains the
    adapters only. ``nb.add_lora(model, rank, targets=...)`` does that for a whole model and
    ``nb.merge_lora(model)`` undoes it (before ``to_torch``). Every gradient is computed (so
    finite differences check them all); ``fit`` skips the frozen ones. The trainable count
    is r·(n_in + n_out) per matrix against its n_in·n_out.
    """

    frozen_params = ("W", "b")

    def __init__(self, layer=None, rank: int = None, *, targets=None, alpha=None, rng=None,
                 dtype=None, dense=None, **other_spellings):
        super().__init__()
        refuse_spellings("LoRA", other_spellings, unknown=True)      # PEFT's r=, lora_alpha=
        layer = dense if layer is None else layer     # files before targets= saved dense=
        if isinstance(layer, dict):                   # load_model: the saved config
            layer = _rebuild(layer, rng, np.float64 if dtype is None else dtype)
        self.layer, self.rank = layer, positive_int("LoRA", "rank", rank)
        self.alpha = alpha                            # checked; None: α = rank
        self.targets = _targets(layer, targets)
        self.dense = layer if self.targets is None else None
        W = layer.params[self.targets[0] if self.targets else "W"]
        dtype = W.dtype if dtype is None else float_dtype("LoRA", dtype)
        if dtype != W.dtype:
            raise ValueError(f"LoRA: dtype {np.dtype(dtype)} differs from the layer's "
                             f"{W.dtype}; leave dtype out to follow the layer.")
        rng = make_rng(rng, "LoRA")
        self.params, self._base = dict(layer.params), tuple(layer.params)
        for key, t in self._pairs():
            n_in, n_out = layer.params[t].shape
            A = rng.standard_normal((n_in, self.rank)) / np.sqrt(n_in)
            self.params[key + "A"] = A.astype(dtype)
            self.params[key + "B"] = np.zeros((self.rank, n_out), dtype=dtype)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        if self.targets is not None:
            self.frozen_params = tuple(layer.params)
            self.buffers = layer.buffers
        self._x = self._h = self._shape = None

    @property
    def alpha(self) -> float:
        """α, the scale's numerator; set it any time: the forward, the backward, ``merge``
        and ``get_config`` all read ``scale`` = α/r from it."""
        return self._alpha

    @alpha.setter
    def alpha(self, value) -> None:
        if value is not None and (isinstance(value, bool) or not isinstance(
                value, numbers.Real) or not np.isfinite(value) or value <= 0):
            raise ValueError(f"LoRA: alpha must be a positive number or None (α = rank), got "
                             f"{value!r}. The output adds (alpha/rank)·x A B.")
        self._alpha = float(self.rank if value is None else value)

    @property
    def scale(self) -> float:
        """α/r, what A B is multiplied by (read from ``alpha`` at every use)."""
        return self._alpha / self.rank

    def _pairs(self):
        """(key prefix of A and B, the target's name) per adapted matrix."""
        return [("", "W")] if self.targets is None else [(f"{t}.", t) for t in self.targets]

    @property
    def adapter_keys(self) -> tuple:
        """The names of the trained arrays: ``("A", "B")`` or ``("W_q.A", "W_q.B", …)``."""
        return tuple(k + ab for k, _ in self._pairs() for ab in "AB")

    @property
    def positionwise(self):
        return getattr(self.layer, "positionwise", False)

    @property
    def integer_input(self):
        return getattr(self.layer, "integer_input", False)

    @property
    def training(self):
        return getattr(self.layer, "training", False)

    @training.setter
    def training(self, value):
        self.layer.training = value

    def __getattr__(self, name):
        """Anything else is the wrapped layer's (``causal``, ``start_cache``, ``cache``, …)."""
        if name.startswith("__") or "layer" not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.__dict__["layer"], name)

    def forward(self, x):
        if self.targets is not None:
            return self._forward_any(x)
        x = np.asarray(x)
        p = self.params
        n_in = p["W"].shape[0]
        if x.ndim < 2 or x.shape[-1] != n_in:
            raise ValueError(f"{self!r}: expected input of shape (m, {n_in}) or (m, …, {n_in}), "
                             f"got {tuple(x.shape)}. Give the last axis {n_in} features.")
        self._shape = x.shape
        rows = x.reshape(-1, n_in).astype(p["W"].dtype, copy=False)   # (M, n_in)
        self._x, self._h = rows, rows @ p["A"]                         # h: (M, r)
        y = rows @ p["W"] + p["b"] + self.scale * (self._h @ p["B"])   # (M, n_out)
        return y.reshape(x.shape[:-1] + (y.shape[-1],))

    def backward(self, dy, need_dx: bool = True):
        if self.targets is not None:
            return self._backward_any(dy, need_dx)
        if self._x is None:
            self._before_forward()
        p, g = self.params, self.grads
        expected = self._shape[:-1] + (p["W"].shape[1],)
        dy = np.asarray(dy, dtype=p["W"].dtype)
        if dy.shape != expected:
            self._bad_dy(dy, expected)
        dy = dy.reshape(-1, expected[-1])                             # (M, n_out)
        dh = self.scale * (dy @ p["B"].T)                             # (M, r)
        np.matmul(self._h.T, dy, out=g["B"])                          # (r, n_out) …
        g["B"] *= self.scale                                          # … times α/r
        np.matmul(self._x.T, dh, out=g["A"])                          # (n_in, r)
        np.matmul(self._x.T, dy, out=g["W"])                          # frozen, still exact
        np.sum(dy, axis=0, out=g["b"])
        if not need_dx:
            return None
        return (dy @ p["W"].T + dh @ p["A"].T).reshape(self._shape)

    def _forward_any(self, x):
        """The layer's own forward, handed W + (α/r)·A B for each target W."""
        inner, p, g = self.layer, self.params, self.grads
        for k in self._base:                          # the arrays a block or a load put here
            inner.params[k], inner.grads[k] = p[k], g[k]
        for t in self.targets:
            inner.params[t] = p[t] + self.scale * (p[t + ".A"] @ p[t + ".B"])
        self._shape = True
        return inner.forward(x)

    def _backward_any(self, dy, need_dx):
        if self._shape is None:
            self._before_forward()
        inner, p, g = self.layer, self.params, self.grads
        dx = (inner.backward(dy, need_dx=need_dx) if takes_need_dx(inner)
              else inner.backward(dy))
        for k in self._base:                          # a layer may assign new gradient arrays
            if inner.grads[k] is not g[k]:
                g[k][...] = inner.grads[k]
        for t in self.targets:                        # ∂E/∂A = s ∂E/∂W Bᵀ, ∂E/∂B = s Aᵀ ∂E/∂W
            np.matmul(g[t], p[t + ".B"].T, out=g[t + ".A"])
            g[t + ".A"] *= self.scale
            np.matmul(p[t + ".A"].T, g[t], out=g[t + ".B"])
            g[t + ".B"] *= self.scale
        return dx if need_dx else None

    def merge(self) -> Layer:
        """A plain layer of the wrapped kind with W + (α/r)·A B: the same outputs, no extra
        cost (a new ``Dense``, or a copy of the wrapped layer). A wrapped ``Embedding``
        that an ``Unembedding`` reads (tied, chapter 20) is merged in place and returned
        itself, so the head stays tied to the layer the model now holds."""
        p = self.params
        if getattr(self.layer, "_tied", None):           # an Unembedding holds this layer
            inner = self.layer
            inner.params = {k: np.array(p[k]) for k in self._base}
            for t in self.targets:
                inner.params[t] = p[t] + self.scale * (p[t + ".A"] @ p[t + ".B"])
            inner.grads = {k: np.zeros_like(v) for k, v in inner.params.items()}
            return inner
        if self.targets is None:
            W = p["W"]
            merged = Dense(W.shape[0], W.shape[1], dtype=W.dtype, rng=np.random.default_rng(0))
            merged.params["W"][...] = W + self.scale * (p["A"] @ p["B"])
            merged.params["b"][...] = p["b"]
            return merged
        merged = copy.deepcopy(self.layer)
        merged.params = {k: np.array(p[k]) for k in self._base}
        for t in self.targets:
            merged.params[t] = p[t] + self.scale * (p[t + ".A"] @ p[t + ".B"])
        merged.grads = {k: np.zeros_like(v) for k, v in merged.params.items()}
        return merged

    def output_shape(self, input_shape):
        return self.layer.output_shape(input_shape)

    def get_config(self):
        cfg = {"rank": self.rank, "alpha": self.alpha}
        if self.targets is None:
            n_in, n_out = self.params["W"].shape
            return {"dense": {"n_in": int(n_in), "n_out": int(n_out)}, **cfg}
        layer = {"class": name_of(type(self.layer)), "config": self.layer.get_config()}
        return {"layer": layer, **cfg, "targets": list(self.targets)}

    def __repr__(self):
        if "targets" not in self.__dict__:
            return "LoRA()"
        if self.targets is not None:
            return (f"LoRA({self.layer!r} on {', '.join(self.targets)}, rank={self.rank}, "
                    f"alpha={self.alpha:g})")
        n_in, n_out = self.params["W"].shape
        return f"LoRA({n_in} → {n_out}, rank={self.rank}, alpha={self.alpha:g})"


def _matrices(layer):
    return [k for k, v in getattr(layer, "params", {}).items() if np.ndim(v) == 2]


def _targets(layer, targets):
    """None for a Dense without targets (its own arithmetic above), else the checked tuple."""
    if isinstance(layer, Dense) and targets in (None, "W", ("W",), ["W"]):
        return None
    found = _matrices(layer) if isinstance(layer, Layer) else []
    if isinstance(layer, LoRA) or not found:
        raise ValueError(
            f"LoRA: expected a layer with a weight matrix to adapt (a Dense, a "
            f"MultiHeadAttention, a SwiGLU), got {layer!r}. Pass that layer, e.g. "
            f"LoRA(block.attn, rank=4, targets=('W_q', 'W_v')) for a TransformerBlock's "
            f"attention, or give a whole model adapters: nb.add_lora(model, rank=4).")
    if targets is None:
        return tuple(found)
    if isinstance(targets, str):
        targets = (targets,)
    bad = [t for t in targets if t not in found]
    if bad or not targets or len(set(targets)) != len(targets):
        raise ValueError(f"LoRA: targets {tuple(targets)!r} are not distinct matrices of "
                         f"{layer!r}; its matrices are {found}.")
    return tuple(targets)


def _rebuild(cfg, rng, dtype):
    """The wrapped layer from a saved config: a Dense, or ``{"class": …, "config": …}``."""
    if "class" not in cfg:
        return Dense(cfg.get("n_in"), cfg.get("n_out"), rng=rng, dtype=dtype)
    cls = lookup(cfg["class"])
    if cls is None:
        raise ValueError(f"LoRA: the saved layer class {cfg['class']!r} is not registered.")
    return cls(**cfg["config"], rng=rng, dtype=dtype)
