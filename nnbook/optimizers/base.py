"""The base class of the optimizers (chapters 00, 06, 11, 12): gradient clipping, weight
decay, per-parameter buffers, the state ``save`` writes, and ``from_config``, which
``load_model`` uses to rebuild an optimizer. Each optimizer subclasses it in a module of
its own: sgd.py, rmsprop.py, adam.py, adamw.py.
"""

from __future__ import annotations

import math
import re

import numpy as np

from ..kernels.aligned import aligned_like, aligned_zeros
from .hyperparams import fraction, positive

__all__ = ["Optimizer"]


class Optimizer:
    """Base class. ``clipvalue`` clips every gradient entry to [−c, c];
    ``clipnorm`` rescales each parameter's gradient to norm ≤ c (Keras'
    meaning); ``global_clipnorm`` rescales all gradients together so that
    their joint norm is ≤ c. ``weight_decay`` λ adds ``λ·w`` to each
    gradient after clipping: coupled L2, the gradient of ``(λ/2)‖w‖²`` (as
    PyTorch's ``weight_decay``; not AdamW's decoupled decay). Keras'
    ``weight_decay`` is decoupled for every optimizer (``w ← w − lr·λ·w`` before
    the step): the two agree for plain SGD only. Chapter 12.

    ``get_config()`` gives the constructor's arguments and ``from_config(cfg)`` builds
    the optimizer again from them (saving and loading). ``learning_rate`` is ``lr``
    under Keras' name (reading and assigning it reads and assigns ``lr``).
    """

    def __init__(self, lr, clipvalue=None, clipnorm=None, global_clipnorm=None, weight_decay=0.0):
        owner = type(self).__name__
        self.lr = positive(owner, "a learning rate lr", lr)
        self.clipvalue = None if clipvalue is None else positive(owner, "clipvalue", clipvalue)
        self.clipnorm = None if clipnorm is None else positive(owner, "clipnorm", clipnorm)
        self.global_clipnorm = (None if global_clipnorm is None
                                else positive(owner, "global_clipnorm", global_clipnorm))
        self.weight_decay = positive(owner, "weight_decay", weight_decay, allow_zero=True)
        self.iterations = 0
        self._state: dict[int, dict] = {}
        self._ready = None           # (pairs, [(p, g, buffers)], state): train_step's last

    def __setstate__(self, state) -> None:
        """After ``copy.deepcopy`` or pickling: the buffers are keyed by ``id()`` of their
        parameter, and the copy's parameters are new arrays, so they are keyed again (a
        deep copy of a compiled model keeps its optimizer's state)."""
        self.__dict__.update(state)
        self._ready = None
        buffers = self.__dict__.get("_state")
        if isinstance(buffers, dict):
            self._state = {id(st["p"]): st for st in buffers.values()}

    @property
    def learning_rate(self) -> float:
        """``lr`` under Keras' name, so a Keras callback that sets it changes the rate."""
        return self.lr

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        self.lr = value

    def step(self, pairs) -> None:
        """Update each parameter in ``pairs`` (an iterable of (param, grad)) in place.

        ``train_step`` passes the same tuple of pairs step after step: its buffers are then
        looked up once, not at every step (a list, or another tuple, looks them up)."""
        ready = self._ready
        if ready is not None and ready[0] is pairs and ready[2] is self._state:
            triples = ready[1]
        else:
            triples = self._triples(pairs)
        self.iterations += 1
        scale, clips, decays = 1.0, False, False
        if not (self.global_clipnorm is None and self.clipvalue is None
                and self.clipnorm is None and not self.weight_decay):   # read every step:
            if self.global_clipnorm is not None:                      # a callback may set them
                total = math.sqrt(sum(float(np.vdot(g, g)) for _, g, _ in triples))
                if total > self.global_clipnorm:
                    scale = self.global_clipnorm / total
            clips = scale != 1.0 or self.clipvalue is not None or self.clipnorm is not None
            decays = bool(self.weight_decay)
        own = self.__dict__
        if not (clips or decays or self._loop_skips_update
                or ("_update" in own and "_update_all" not in own)):
            self._update_all(triples)                # nothing to clip or decay: one loop
            return                                   # (unless it would skip an override)
        update = self._update                        # read once a step
        for p, g, st in triples:
            if clips:
                g = self._clip(g, st["tmp"], scale)
            if decays:
                g = self._decay(p, g, st)
            update(p, g, st)

    def _triples(self, pairs) -> list:
        """(parameter, gradient, its buffers) for each pair. A parameter's first step makes
        its buffers, those of every new parameter together: the scratch ``tmp`` and the
        arrays ``_buffer_names`` names, zeros of its shape cut from one allocation, and the
        counters ``_counters`` gives, at their start. Kept for the next step when ``pairs``
        is a tuple (``train_step``'s)."""
        state, triples, new, made = self._state, [], [], []
        for p, g in pairs:
            st = state.get(id(p))
            if st is None or st["p"] is not p:
                st = state[id(p)] = {"p": p}
                new.append(p)
                made.append(st)
            triples.append((p, g, st))
        if new:                                      # the new parameters' buffers
            names = ("tmp",) + self._buffer_names
            for st, zeros in zip(made, aligned_zeros(new, len(names))):
                st.update(zip(names, zeros))
                st.update(self._counters)
        self._ready = (pairs, triples, state) if isinstance(pairs, tuple) else None
        return triples

    def reset(self) -> None:
        """Forget all buffers (momentum, moments) and the step count."""
        self._state.clear()
        self._ready = None
        self.iterations = 0

    def _clip(self, g, tmp, scale):
        if scale != 1.0:
            np.multiply(g, scale, out=tmp)
            g = tmp
        if self.clipvalue is not None:
            np.clip(g, -self.clipvalue, self.clipvalue, out=tmp)
            g = tmp
        if self.clipnorm is not None:
            norm = math.sqrt(float(np.vdot(g, g)))
            if norm > self.clipnorm:
                np.multiply(g, self.clipnorm / norm, out=tmp)
                g = tmp
        return g

    def _decay(self, p, g, st):
        """g + λ·w, written into the scratch buffer ``tmp``."""
        tmp = st["tmp"]
        if g is tmp:                                  # already clipped into tmp
            tmp2 = self._scratch(st, "tmp2", p)
            np.multiply(p, self.weight_decay, out=tmp2)
            tmp += tmp2
        else:
            np.multiply(p, self.weight_decay, out=tmp)
            tmp += g
        return tmp

    @staticmethod
    def _scratch(st, name, p):
        if name not in st:
            st[name] = aligned_like(p)
        return st[name]

    _buffer_names: tuple = ()    # the arrays each parameter keeps besides tmp (Adam's m, v)
    _counters: dict = {}         # per-parameter counts and their start (Adam's step t: 0)
    _nonnegative: tuple = ()     # buffers that are ≥ 0 (means of g²: Adam's and RMSProp's v)
    _loop_skips_update = False   # set for each subclass by __init_subclass__

    def __init_subclass__(cls, **kwargs):
        """Whether the class's ``_update_all`` is older than its ``_update``: written by a
        class that the one writing ``_update`` derives from (a learner's subclass of Adam
        that rewrites ``_update`` alone). ``step`` then calls ``_update`` on every
        parameter, as with clipping, instead of a loop that would skip the override."""
        super().__init_subclass__(**kwargs)
        mro = cls.__mro__
        where = {name: next(i for i, c in enumerate(mro) if name in c.__dict__)
                 for name in ("_update", "_update_all")}
        cls._loop_skips_update = where["_update"] < where["_update_all"]

    def _update(self, p, g, st) -> None:
        raise NotImplementedError

    def _update_all(self, triples) -> None:
        """``_update`` on every (parameter, gradient, buffers), when nothing is clipped or
        decayed; an optimizer may write the loop itself, to save a call per parameter, in
        the class that writes its ``_update`` (or below it: see ``__init_subclass__``)."""
        update = self._update
        for p, g, st in triples:
            update(p, g, st)

    # state for saving (contract: a fresh optimizer + set_state continues identically) -------
    def get_state(self, params) -> dict:
        """The buffers of ``params`` (a list in a fixed order) as ``{"param{i}.{name}": array}``
        plus ``"iterations"``; copies, so later steps do not change them. A parameter
        that has not been stepped yet has no entries."""
        state = {"iterations": np.array(self.iterations, dtype=np.int64)}
        for i, p in enumerate(params):
            st = self._state.get(id(p))
            if st is None or st["p"] is not p:
                continue
            for name, value in st.items():
                if name != "p" and not name.startswith("tmp"):
                    state[f"param{i}.{name}"] = np.array(value)
        return state

    def set_state(self, params, state) -> None:
        """Install what ``get_state(params)`` returned, for the same parameters (same order,
        shapes and count); the buffers are copied into fresh arrays."""
        owner = type(self).__name__
        if "iterations" not in state:
            raise ValueError(f"{owner}.set_state: the state has no 'iterations'; pass what "
                             f"get_state(params) returned.")
        found: dict[int, dict] = {}
        for key, value in state.items():
            if key == "iterations":
                continue
            match = re.fullmatch(r"param(\d+)\.(\w+)", key)
            if match is None or int(match[1]) >= len(params):
                raise ValueError(f"{owner}.set_state: unexpected key {key!r} for {len(params)} "
                                 f"parameters; expected 'iterations' and 'param<i>.<buffer>'.")
            found.setdefault(int(match[1]), {})[match[2]] = value
        expected = set(self._buffer_names) | set(self._counters)
        for i, values in found.items():              # every entry checked before any is used
            p = params[i]
            if set(values) != expected:
                raise ValueError(f"{owner}.set_state: parameter {i} has buffers {sorted(values)}, "
                                 f"expected {sorted(expected)}. Was the state "
                                 f"saved by an optimizer with another configuration?")
            for name in self._buffer_names:
                shape = np.shape(values[name])
                if shape != p.shape:
                    raise ValueError(f"{owner}.set_state: buffer param{i}.{name} has shape "
                                     f"{shape}, expected {p.shape} (the parameter's).")
                values[name] = _number(owner, f"param{i}.{name}", values[name], p.dtype,
                                       name in self._nonnegative)
            for name in self._counters:
                values[name] = _count(owner, f"param{i}.{name}", values[name])
        iterations = _count(owner, "iterations", state["iterations"])
        self._state = {}                  # every value read: made as on a first step, filled
        made = self._triples([(params[i], None) for i in found])
        for values, (_, _, st) in zip(found.values(), made):
            for name, value in values.items():
                if name in self._counters:
                    st[name] = value
                else:
                    st[name][...] = value
        self.iterations = iterations

    def get_config(self) -> dict:
        cfg = {"lr": self.lr}
        for k in ("clipvalue", "clipnorm", "global_clipnorm"):
            if getattr(self, k) is not None:
                cfg[k] = getattr(self, k)
        if self.weight_decay:
            cfg["weight_decay"] = self.weight_decay
        return cfg

    @classmethod
    def from_config(cls, config) -> "Optimizer":
        """The optimizer that ``get_config()`` described: ``cls(**config)``, except that a
        learning rate of 0 is accepted. The constructor refuses lr = 0 (a typo there
        would train nothing), but a schedule may end at 0 (``cosine_decay`` does) and a
        checkpoint saved then must load. ``load_model`` calls this."""
        owner = f"{cls.__name__}.from_config"
        if not isinstance(config, dict):
            raise ValueError(f"{owner}: expected a dict as get_config() returns, got "
                             f"{config!r}. Pass {cls.__name__}(...).get_config().")
        config = dict(config)
        zero_lr = False
        if "lr" in config:
            lr = config["lr"]
            try:
                zero_lr = positive(owner, "lr", lr, allow_zero=True) == 0
            except ValueError:
                raise ValueError(
                    f"{owner}: the config's learning rate lr is {lr!r}; expected a finite "
                    f"number ≥ 0 (0 is allowed here, as a schedule may end there). Fix "
                    f"config['lr'], or save the optimizer again."
                ) from None
            if zero_lr:
                config["lr"] = 1.0                # any rate the constructor accepts; reset below
        try:
            opt = cls(**config)
        except TypeError as exc:
            raise ValueError(f"{owner}: the config {config} does not fit {cls.__name__} "
                             f"({exc}). Pass what {cls.__name__}.get_config() returned.") from exc
        if zero_lr:
            opt.lr = 0.0
        return opt

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _number(owner, key, value, dtype, nonnegative=False):
    """``value`` as an array of ``dtype`` for ``set_state``, or a ValueError naming the key
    (read before the optimizer's state is touched: a refused state leaves it as it was):
    finite numbers, and ≥ 0 where ``nonnegative`` (a mean of squares; √ of a negative one
    would make the next step's weights NaN)."""
    try:
        a = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError):
        raise ValueError(f"{owner}.set_state: {key} is {value!r}, not numbers of "
                         f"{np.dtype(dtype)}; pass what get_state(params) returned.") from None
    bad = ~np.isfinite(a) | ((a < 0) if nonnegative else False)
    if np.any(bad):
        i = tuple(int(j) for j in np.argwhere(bad)[0])
        want = "finite numbers ≥ 0 (a mean of squared gradients)" if nonnegative else \
            "finite numbers"
        raise ValueError(f"{owner}.set_state: {key} holds {float(a[i])} at index {i}, expected "
                         f"{want}; the next step would make the weights NaN. Pass what "
                         f"get_state(params) returned from a run whose loss was finite.")
    return a


def _count(owner, key, value) -> int:
    """A step count for ``set_state`` (one integer ≥ 0), or a ValueError naming the key."""
    a = np.asarray(value) if not isinstance(value, (str, bytes)) else None
    ok = (a is not None and a.ndim == 0 and a.dtype.kind in "iuf"
          and np.isfinite(a) and float(a) == int(a) and a >= 0)
    if not ok:
        shown = f"has shape {a.shape}" if a is not None and a.ndim else f"is {value!r}"
        raise ValueError(f"{owner}.set_state: {key} {shown}, expected one integer ≥ 0 (a "
                         f"step count); pass what get_state(params) returned.")
    return int(a)



def momentum_setting(buffer=None, nesterov_needs_it=False) -> property:
    """An optimizer's ``momentum`` μ as a property checked whenever it is set, as the
    constructor checks it (0 ≤ μ < 1; with ``nesterov_needs_it``, not 0 while Nesterov's
    momentum is on), so a value set between steps is refused too. Turned on after some
    steps, each parameter's ``buffer`` (the velocity) starts at zero; turned off, it is
    dropped, and ``get_state`` then saves what a fresh optimizer so configured expects."""
    def get(self):
        return self.__dict__["momentum"]

    def put(self, value):
        owner = type(self).__name__
        value = fraction(owner, "momentum", value)
        if not value and nesterov_needs_it and self.__dict__.get("nesterov"):
            raise ValueError(f"{owner}: nesterov=True needs a momentum > 0, got momentum=0. "
                             f"Set nesterov = False first, or keep a momentum such as 0.9.")
        old = self.__dict__.get("momentum")
        self.__dict__["momentum"] = value
        if buffer and old is not None and bool(old) != bool(value):
            for st in self._state.values():
                if value:
                    st[buffer] = aligned_like(st["p"], zeros=True)
                else:
                    st.pop(buffer, None)
    return property(get, put, doc="the momentum μ, 0 ≤ μ < 1, checked whenever it is set")
