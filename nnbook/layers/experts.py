"""The mixture-of-experts feed-forward layer of chapter 33: ``MixtureOfExperts``, E
``SwiGLU`` experts of which a router sends each token to its top k, with the balance of
Switch's auxiliary loss and of 2025's auxiliary-loss-free bias, and the routing's arithmetic it is made of (``top_k``,
``keep_within_capacity``, ``balance_loss``).
"""

from __future__ import annotations

import math
import numbers
from types import SimpleNamespace

import numpy as np

from ..init import xavier_uniform
from ..registry import register_class
from ..validate import float_dtype, make_rng, positive_int
from .activations import softmax
from .attention.block_arrays import PartArrays
from .base import Layer
from .swiglu import SwiGLU, features_last

__all__ = ["MixtureOfExperts"]

SETTINGS = ("n_experts", "k", "shared_expert", "capacity_factor", "aux_weight", "balance_rate")


@register_class
class MixtureOfExperts(Layer):
    """``y_t = Σ_{e ∈ top-k(t)} w_te · SwiGLU_e(x_t)`` (+ ``SwiGLU_shared(x_t)``), per token.

    Shapes:
        x: (m, …, d_model)  →  y: (m, …, d_model); N = the number of tokens (rows)
        params["router.W"]: (d_model, n_experts), no bias
        params["expert{e}.W_1"], ["expert{e}.W_3"]: (d_model, d_ff); ["expert{e}.W_2"]:
            (d_ff, d_model), for e = 0 … n_experts − 1 (each a ``SwiGLU``'s arrays)
        params["shared.W_1"], … : the same, with ``shared_expert=True``
        buffers["expert_bias"]: (n_experts,), the selection bias (``balance_rate``)
        after a forward: ``probs`` (m, …, n_experts) the router's probabilities, ``chosen``
            (m, …, k) the experts of each token, ``load`` (n_experts,) the tokens sent to
            each, ``dropped``, ``capacity``, ``aux_loss``

    Routing: the router's probabilities p_t = softmax(x_t W_router) over the E experts;
    the token goes to the k experts of the largest ``p_te + bias_e`` (ties to the lower
    index), and their weights are the probabilities renormalised over the chosen,
    ``w_te = p_te / Σ_{e' chosen} p_te'`` (Mixtral's, DeepSeek's), so they sum to 1: with
    k = 1 the weight is exactly 1.0. The bias chooses only; it never enters a weight.

    Capacity (Switch): in training, with ``capacity_factor`` c, each expert takes at most
    ``C = ceil(c · k · N / E)`` tokens, filled by choice rank (every token's first choice,
    then every token's second, …) and in token order within a rank. A token past C gets 0
    from that expert (the block's residual carries it; its other experts keep their
    weights); ``dropped`` counts them, Σ_e max(0, load_e − C). Inference (``training``
    False: ``predict``, ``generate``) drops nothing, so each position is computed alone.

    Balance: ``aux_loss = E · Σ_e f_e P_e`` (Switch), P_e the mean router probability of
    expert e and f_e the share of the k·N choices that went to e (before capacity), so
    Σ f_e = 1 and uniform routing gives 1 for every k. f is piecewise constant: its
    gradient is 0 and the loss's flows through P. With ``aux_weight`` λ > 0 ``backward``
    returns the gradients of E + λ·aux_loss, E being what ``dy`` is the gradient of
    (``fit``'s reported loss stays E). With ``balance_rate`` γ > 0 (DeepSeek-V3's
    auxiliary-loss-free balance) every training forward, after routing, moves the bias
    ``bias_e −= γ · sign(load_e − mean load)``, as BatchNorm's forward moves its running
    statistics: outside gradient descent, used by the next step's choice.

    Backward: the top-k choice and the capacity are constants. With g_te = ⟨∂E/∂y_t,
    SwiGLU_e(x_t)⟩ for a kept choice (0 when dropped), ``∂E/∂p_te = (g_te − Σ w_te' g_te')
    / Σ p_te'`` over the chosen, then softmax's Jacobian to the scores; each expert's
    backward gets ``w_te · ∂E/∂y_t`` on its tokens; an expert no token chose gets zero
    gradients exactly. With E = 1, k = 1 (no shared expert, no capacity) the layer is
    ``SwiGLU`` bit for bit: same outputs, same gradients, the router's gradient 0.

    Args:
        d_model, d_ff: each expert's sizes, as ``SwiGLU``'s.
        n_experts: E ≥ 1.
        k: the experts per token, 1 ≤ k ≤ E.
        shared_expert: True adds a ``SwiGLU`` that every token goes through (DeepSeek's).
        capacity_factor: None (no limit) or c > 0, with c · k · N / E ≥ 1 in training.
        aux_weight: λ ≥ 0, the weight of ``aux_loss`` in the gradient (0: reported only).
        balance_rate: γ ≥ 0, the bias's step (0: the bias stays at 0).
        rng: draws the router's W, then each expert's (as ``SwiGLU``), then the shared one.
        dtype: float64 (default) or float32.

    In a block: ``TransformerBlock(..., ffn="moe", moe={"n_experts": 4, "k": 2})``.
    Chapter 33.
    """

    positionwise = True      # in inference each position alone (no capacity there): caches

    def __init__(self, d_model, d_ff, n_experts, k=1, *, shared_expert=False,
                 capacity_factor=None, aux_weight=0.0, balance_rate=0.0, rng=None,
                 dtype=np.float64):
        super().__init__()
        self.d_model = positive_int("MixtureOfExperts", "d_model", d_model)
        self.d_ff = positive_int("MixtureOfExperts", "d_ff", d_ff)
        self.n_experts, self.k = _experts_and_k(n_experts, k)
        self.shared_expert = _flag(shared_expert)
        self.capacity_factor = _rate("capacity_factor", capacity_factor, "None (no limit) or "
                                     "a number > 0 (Switch used 1.25)", none=True, zero=False)
        self.aux_weight = _rate("aux_weight", aux_weight, "a weight ≥ 0 (Switch used 0.01)")
        self.balance_rate = _rate("balance_rate", balance_rate, "a step ≥ 0 (DeepSeek-V3 "
                                  "used 0.001)")
        dtype = float_dtype(repr(self), dtype)
        rng = make_rng(rng, repr(self))
        d, E = self.d_model, self.n_experts
        w = xavier_uniform((d, E), d, E, rng, dtype)
        self.router = SimpleNamespace(params={"W": w}, grads={"W": np.zeros_like(w)})
        self.experts = [SwiGLU(d, self.d_ff, rng=rng, dtype=dtype) for _ in range(E)]
        self.shared = SwiGLU(d, self.d_ff, rng=rng, dtype=dtype) if self.shared_expert \
            else None
        self.buffers = {"expert_bias": np.zeros(E, dtype=dtype)}
        parts = [("router", self.router)] + [(f"expert{e}", x) for e, x in
                                             enumerate(self.experts)]
        self._named = {f"{name}.{key}": (part, key) for name, part in
                       parts + ([("shared", self.shared)] if self.shared else [])
                       for key in part.params}
        self.params = PartArrays(self, "params", lambda: self._named)   # the parts own them
        self.grads = PartArrays(self, "grads", lambda: self._named)
        self._cache = None
        self.probs = self.chosen = self.load = self.dropped = self.capacity = None
        self.aux_loss = None

    @classmethod
    def in_block(cls, d_model, d_ff, moe, *, rng, dtype):
        """The layer a ``TransformerBlock(ffn="moe", moe=...)`` makes: ``moe`` is a dict
        of this class's settings (``n_experts`` required)."""
        if not isinstance(moe, dict) or "n_experts" not in moe or set(moe) - set(SETTINGS):
            raise ValueError(f"TransformerBlock: ffn='moe' expected moe= a dict with "
                             f"'n_experts' and any of {list(SETTINGS[1:])}, got {moe!r}. "
                             f"For example moe={{'n_experts': 4, 'k': 2}}.")
        return cls(d_model, d_ff, rng=rng, dtype=dtype, **moe)

    def forward(self, x):
        x = features_last(self, x)
        d, E, k = self.d_model, self.n_experts, self.k
        for expert in self.experts + ([self.shared] if self.shared else []):
            expert.training = self.training     # SwiGLU's inference forward in predict
        W = self.router.params["W"]
        X = x.reshape(-1, d)                                    # (N, d)
        if X.dtype != W.dtype:
            X = X.astype(W.dtype)
        if not np.isfinite(X).all():
            raise ValueError(f"{self!r}: expected finite inputs, got {int((~np.isfinite(X)).sum())}"
                             f" NaN or infinite values in x of shape {tuple(x.shape)}. Look "
                             f"for the layer before it that overflowed (a smaller learning "
                             f"rate, or check the data).")
        N = len(X)
        P = softmax(X @ W)                                      # (N, E) router probabilities
        bias = self.buffers["expert_bias"]
        chosen = top_k(P + bias, k)                             # (N, k) expert ids
        p_chosen = np.take_along_axis(P, chosen, axis=1)        # (N, k)
        Z = p_chosen.sum(axis=1, keepdims=True)                 # (N, 1)
        if not (Z > 0).all():
            raise ValueError(f"{self!r}: for {int((Z <= 0).sum())} of {N} tokens the selection "
                             f"bias chose only experts whose router probabilities underflow to "
                             f"0, so their weights p / Σp would be 0/0; got expert_bias from "
                             f"{bias.min():.3g} to {bias.max():.3g}, expected a bias small "
                             f"beside the probabilities it shifts. Reset "
                             f"buffers['expert_bias'] to 0 or lower balance_rate.")
        w = p_chosen / Z                                        # (N, k), rows sum to 1
        load = np.bincount(chosen.ravel(), minlength=E)         # (E,) choices per expert
        capacity = None
        if self.training and self.capacity_factor is not None:
            capacity = self._capacity(N)
        keep = keep_within_capacity(chosen, E, capacity)        # (N, k) bool
        self.aux_loss, f = balance_loss(P, load, N * k)
        if self.training and self.balance_rate and not self.measuring:
            bias -= self.balance_rate * np.sign(load - load.mean())   # DeepSeek-V3's nudge
        y = np.zeros_like(X)                                    # (N, d)
        routes = []                                             # per expert: (t, j, y_e)
        for e, expert in enumerate(self.experts):
            t, j = np.nonzero((chosen == e) & keep)             # its tokens, in order
            if len(t) == 0:
                routes.append(None)
                continue
            y_e = expert.forward(X[t])                          # (n_e, d)
            y[t] += w[t, j, None] * y_e
            routes.append((t, j, y_e))
        if self.shared:
            y += self.shared.forward(X)
        self._cache = (X, P, chosen, w, Z, f, routes, x.shape)
        self.probs = P.reshape(x.shape[:-1] + (E,))
        self.chosen = chosen.reshape(x.shape[:-1] + (k,))
        self.load, self.capacity = load, capacity
        self.dropped = int(keep.size - keep.sum())
        return y.reshape(x.shape)

    def _capacity(self, N) -> int:
        """C = ceil(c · k · N / E), refused below one token per expert."""
        c, k, E = self.capacity_factor, self.k, self.n_experts
        if c * k * N / E < 1:
            raise ValueError(f"{self!r}: capacity_factor={c} gives c·k·N/E = {c}·{k}·{N}/{E} "
                             f"= {c * k * N / E:.3g} tokens per expert, expected at least 1. "
                             f"Raise capacity_factor to ≥ {E / (k * N):.3g}, train on larger "
                             f"batches, or set capacity_factor=None.")
        return math.ceil(c * k * N / E)

    def backward(self, dy, need_dx: bool = True):
        if self._cache is None:
            self._before_forward()
        X, P, chosen, w, Z, f, routes, shape = self._cache
        W = self.router.params["W"]
        dy = np.asarray(dy, dtype=W.dtype)
        if dy.shape != shape:
            self._bad_dy(dy, shape)
        dY = dy.reshape(-1, self.d_model)                       # (N, d)
        dX = np.zeros_like(X)                                   # (N, d)
        G = np.zeros_like(w)                                    # (N, k): ∂E/∂w
        for expert, route in zip(self.experts, routes):
            if route is None:                                   # no token: no gradient
                for g in expert.grads.values():
                    g[...] = 0
                continue
            t, j, y_e = route
            G[t, j] = np.einsum("nd,nd->n", dY[t], y_e)
            dX[t] += expert.backward(w[t, j, None] * dY[t])
        if self.shared:
            dX += self.shared.backward(dY)
        dP = np.zeros_like(P)                                   # (N, E): ∂E/∂p
        np.put_along_axis(dP, chosen, (G - (w * G).sum(axis=1, keepdims=True)) / Z, axis=1)
        if self.aux_weight:
            dP += self.aux_weight * self.n_experts * f / len(X)   # ∂(λ·aux)/∂p_te: through P
        dS = P * (dP - (P * dP).sum(axis=1, keepdims=True))     # (N, E): softmax's Jacobian
        np.matmul(X.T, dS, out=self.router.grads["W"])          # (d, E)
        if not need_dx:
            return None
        dX += dS @ W.T
        return dX.reshape(shape)

    output_shape = SwiGLU.output_shape                   # (…, d_model), checked alike

    def get_config(self):
        return {"d_model": self.d_model, "d_ff": self.d_ff, **self.settings()}

    def settings(self) -> dict:
        """The routing settings (``get_config`` without the sizes: a block's ``moe=``)."""
        return {name: getattr(self, name) for name in SETTINGS}

    def __repr__(self):
        if "k" not in self.__dict__:
            return "MixtureOfExperts()"
        shared = ", shared_expert=True" if self.shared_expert else ""
        return (f"MixtureOfExperts({self.d_model}, d_ff={self.d_ff}, n_experts="
                f"{self.n_experts}, k={self.k}{shared})")


def top_k(scores, k):
    """The k largest scores of each row, largest first (ties to the lower index).

    Shapes: scores: (N, E)  →  (N, k) integer column indices."""
    return np.argsort(-scores, axis=1, kind="stable")[:, :k]


def keep_within_capacity(chosen, n_experts, capacity):
    """Which choices an expert of ``capacity`` slots takes: slots fill by choice rank
    (column 0 of every row first, then column 1, …), rows in order within a rank; None
    takes all.

    Shapes: chosen: (N, k) expert ids  →  (N, k) bool."""
    if capacity is None:
        return np.ones(chosen.shape, dtype=bool)
    queue = chosen.T.ravel()                                    # (k·N,) rank-major
    arrivals = np.cumsum(queue[:, None] == np.arange(n_experts), axis=0)   # (k·N, E)
    place = arrivals[np.arange(len(queue)), queue] - 1          # 0-based place in its queue
    return (place < capacity).reshape(chosen.T.shape).T


def balance_loss(probs, load, n_choices):
    """Switch's ``E · Σ_e f_e P_e`` with ``f = load / n_choices`` (the share of the
    choices) and ``P`` the mean of ``probs`` over rows; returns ``(loss, f)``.

    Shapes: probs: (N, E), load: (E,)  →  a float and f: (E,)."""
    f = load / n_choices                                        # (E,), sums to 1
    return float(probs.shape[1] * (f @ probs.mean(axis=0))), f


def _experts_and_k(n_experts, k):
    """``(E, k)`` checked: integers with 1 ≤ k ≤ E."""
    for name, value, fix in (("n_experts", n_experts, "n_experts=1 is the dense SwiGLU"),
                             ("k", k, "k=1 sends each token to one expert (Switch)")):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"MixtureOfExperts: expected {name} to be an integer ≥ 1, got "
                             f"{value!r}. Give at least one ({fix}).")
    if k > n_experts:
        raise ValueError(f"MixtureOfExperts: expected k ≤ n_experts (each token picks k "
                         f"different experts), got k={k} with n_experts={n_experts}. Lower k "
                         f"or add experts.")
    return int(n_experts), int(k)


def _flag(value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"MixtureOfExperts: expected shared_expert=True or False, got "
                         f"{value!r}.")
    return bool(value)


def _rate(name, value, expected, *, none=False, zero=True):
    """A setting checked: a finite number ≥ 0 (> 0 when ``zero`` is False), or None when
    ``none`` allows it; returned as a float."""
    if value is None and none:
        return None
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not np.isfinite(value) or value < 0 or (value == 0 and not zero)):
        raise ValueError(f"MixtureOfExperts: expected {name}= {expected}, got {value!r}.")
    return float(value)
