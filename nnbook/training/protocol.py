"""The layer contract as ``Sequential`` checks it: parameters are float arrays,
``forward`` returns one row per sample, ``backward`` returns ∂E/∂x of the input's
shape and leaves one gradient per parameter, of the parameter's shape. A layer
that breaks it is named in the error, with the fix (chapter 03's contract).

``Sequential``'s walk (model.py) makes the cheap check itself, a few comparisons per
layer; the functions here run when that check fails, and say what is wrong, as
``first_non_finite`` does when a training step's loss is not finite.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..layers.activations import Activation
from ..layers.base import Layer
from ..layers.dense import Dense

__all__ = ["check_new_layer", "check_params", "checked_output",
           "checked_dx", "checked_grad", "checked_loss_grad", "loss_value", "shape_after",
           "shapes_after", "measured_shape", "input_shape_of",
           "blame_declared_shape", "blame_read_only", "first_non_finite"]


def _name(i, layer) -> str:
    return f"layer {i} ({type(layer).__name__})"


def _describe(value) -> str:
    """How a returned value looks: 'None', 'a tuple', 'shape (5, 3)'."""
    if value is None:
        return "None"
    if isinstance(value, (np.ndarray, np.generic)):
        return f"shape {np.shape(value)}"
    return f"a {type(value).__name__}"


def _as_array(value, shape):
    """A list or tuple that is really an array of ``shape``, as an array; else None."""
    if isinstance(value, (list, tuple)):
        try:
            arr = np.asarray(value, dtype=float)
        except (ValueError, TypeError):
            return None
        return arr if arr.shape == shape else None
    return None


def check_params(owner: str, i: int, layer) -> None:
    """Every ``params`` value must be a float ndarray: the optimizer updates it in place."""
    for k, p in layer.params.items():
        if isinstance(p, np.ndarray) and p.dtype in (np.float32, np.float64):
            continue
        what = (f"an array of dtype {p.dtype}" if isinstance(p, np.ndarray)
                else f"a {type(p).__name__}")
        if isinstance(p, np.ndarray) and p.dtype.kind == "f":
            raise ValueError(
                f"{owner}: {_name(i, layer)}: params[{k!r}] is {what}; nnbook trains in "
                f"float32 or float64 (float16 loses too much precision for gradients). "
                f"Create it with dtype=np.float32.")
        raise ValueError(
            f"{owner}: {_name(i, layer)}: params[{k!r}] is {what}; parameters must be float "
            f"NumPy arrays, which the optimizer updates in place. Create it with "
            f"np.array(..., dtype=float) (or dtype=np.float32 for a float32 model).")


def check_new_layer(layers: list, layer) -> None:
    """What ``Sequential.add`` checks before ``layer`` joins ``layers``: a Layer instance
    with params/grads dicts of float arrays, not already in the model, of the model's dtype."""
    i = len(layers)
    if not isinstance(layer, Layer):
        hint = (f" Did you mean {layer.__name__}()?" if isinstance(layer, type)
                and issubclass(layer, Layer) else "")
        raise ValueError(f"Sequential: item {i} is {layer!r}, expected a Layer instance.{hint}")
    if not (isinstance(getattr(layer, "params", None), Mapping)
            and isinstance(getattr(layer, "grads", None), Mapping)):
        raise ValueError(
            f"Sequential: {_name(i, layer)} has no params/grads dicts. "
            f"Call super().__init__() at the start of its __init__ (it creates them).")
    check_params("Sequential", i, layer)
    if i > 0 and getattr(layer, "integer_input", False):
        raise ValueError(
            f"Sequential: layer {i} ({layer!r}) takes integer token ids, so it must be the "
            f"model's first layer: the layers before it give floats. Put it first.")
    for j, other in enumerate(layers):
        if other is layer:
            raise ValueError(
                f"Sequential: layer {i} is the same object as layer {j} ({layer!r}); a layer "
                f"keeps what its forward saw, so it can appear only once. Create a new one, "
                f"e.g. {type(layer).__name__}(...) again.")
    _check_links(layers, layer)
    dtypes = {p.dtype for p in layer.params.values()}
    j, first = next(((j, l) for j, l in enumerate(layers) if l.params), (None, None))
    if first is None or not dtypes:                  # a Flatten or Dropout first is fine
        return
    dt = next(iter(first.params.values())).dtype
    if dtypes != {dt}:
        raise ValueError(
            f"Sequential: layer {i} ({layer!r}) holds {sorted(d.name for d in dtypes)} "
            f"parameters but the model is {dt.name} (from layer {j}, {first!r}); "
            f"give every layer the same dtype, e.g. dtype=np.{dt.name}.")


def _check_links(layers: list, layer) -> None:
    """A layer built on another (``Unembedding(emb)``: its ``get_config`` names it) needs
    that layer earlier in the model: the optimizer trains only the model's parameters,
    so a tie to a layer outside it would leave the shared weights where they are."""
    try:
        config = layer.get_config()
    except Exception:                                # a learner's get_config: save reports it
        return
    i = len(layers)
    for key, value in (config.items() if isinstance(config, dict) else ()):
        if not isinstance(value, Layer) or any(
                other is value or any(v is value for v in vars(other).values())
                for other in layers):                # in the model, or a part of one of its layers
            continue
        j = next((j for j, other in enumerate(layers) if type(other) is type(value)), None)
        fix = (f"Build it from the model's own: nb.{type(layer).__name__}(model.layers[{j}])"
               if j is not None else f"Put that {type(value).__name__} in the model first")
        raise ValueError(
            f"Sequential: layer {i} ({layer!r}) is tied to {value!r} ({key}=), which is not an "
            f"earlier layer of this model: the optimizer trains only the model's parameters, "
            f"so the shared weights would never train. {fix}.")


def checked_output(i: int, layer, y, m: int, dtype):
    """``layer.forward``'s result ``y`` as an array of ``dtype`` (the model's) with ``m``
    rows, or a ValueError. A layer that computes in another dtype is cast back, so a
    float32 model stays float32 between its layers."""
    if isinstance(y, list):
        try:
            y = np.asarray(y, dtype=dtype)
        except (ValueError, TypeError):
            pass
    if isinstance(y, np.ndarray) and y.ndim and y.shape[0] == m and y.dtype.kind in "fiub":
        return y if y.dtype == dtype else y.astype(dtype)
    raise ValueError(
        f"Sequential: {_name(i, layer)}: forward returned {_describe(y)} for a batch of {m} "
        f"samples; expected an array with one row per sample, shape ({m}, …). Return the "
        f"layer's output for the whole batch from forward.")


def checked_dx(i: int, layer, dx, shape: tuple):
    """``layer.backward``'s result as ∂E/∂x of ``shape`` (the shape of its forward input),
    or a ValueError. A first layer that takes integer ids has no ∂E/∂x to give."""
    if (isinstance(dx, np.ndarray) and dx.shape == shape) or (i == 0 and layer.integer_input):
        return dx
    arr = _as_array(dx, shape)
    if arr is not None:
        return arr
    raise ValueError(
        f"Sequential: {_name(i, layer)}: backward returned {_describe(dx)}, but the layer "
        f"below needs it; expected ∂E/∂x of shape {shape} (the shape of the input forward "
        f"received). backward(dy) must fill self.grads and return dx alone.")


def checked_grad(i: int, layer, k: str, g, p):
    """``layer.grads[k]`` checked against ``p = layer.params[k]``: same shape, or a ValueError."""
    check_params("Sequential.train_step", i, layer)     # a param replaced by a list since
    if g is None:
        raise ValueError(
            f"Sequential.train_step: {_name(i, layer)} has no gradient grads[{k!r}] after "
            f"backward. Its backward must set self.grads[{k!r}] (same shape as params[{k!r}]) "
            f"for every parameter.")
    arr = g if isinstance(g, np.ndarray) else _as_array(g, p.shape)
    if arr is not None and arr.shape == p.shape:
        return arr                                   # fine as it is, or a list made an array
    got = np.shape(g) if arr is None else arr.shape
    if len(got) == p.ndim + 1 and tuple(got[1:]) == p.shape:
        fix = f"Sum over the batch axis: self.grads[{k!r}] = (...).sum(axis=0)."
    elif int(np.prod(got)) == p.size:
        fix = f"Reshape it to params[{k!r}].shape."
    else:
        fix = "Compute one gradient entry per parameter entry (a gradient never broadcasts)."
    raise ValueError(
        f"Sequential.train_step: {_name(i, layer)}: grads[{k!r}] has shape {tuple(got)}, "
        f"expected {p.shape} (the shape of params[{k!r}]). {fix}")


def shapes_after(layers, shape) -> list:
    """The shape of one sample after each of ``layers`` for one input sample of ``shape``
    (``None`` from where it is not known): what each layer's ``output_shape`` says.

    A layer that does not override ``output_shape`` keeps the shape (``Layer.output_shape``,
    not called): an activation, one of nnbook's own, or any layer where the sample's size is
    not known yet. A learner's layer that does not override it may change the shape without
    saying so: it is measured (``measured_shape``)."""
    shapes = []
    for layer in layers:
        cls = type(layer)
        if shape is None:
            pass
        elif cls.output_shape is not Layer.output_shape:
            out = layer.output_shape(shape)          # what the layer says
            if isinstance(out, (int, np.integer)):
                out = (out,)
            if not isinstance(out, (tuple, list)):
                raise ValueError(f"{type(layer).__name__}.output_shape returned {out!r}; "
                                 f"expected the shape of one output sample as a tuple, such "
                                 f"as (2,).")
            shape = tuple(out)
        elif (isinstance(layer, Activation) or cls.__module__.startswith("nnbook.")
              or None in shape):
            shape = tuple(shape)                     # it keeps the shape
        else:
            shape = measured_shape(layer, shape)     # a learner's layer that says nothing
        shapes.append(shape)
    return shapes


def shape_after(layer, shape: tuple):
    """The shape of one output sample of ``layer`` for one input sample of ``shape``
    (``shapes_after`` for one layer)."""
    return shapes_after([layer], shape)[0]


def measured_shape(layer, shape: tuple):
    """The shape of one output sample of a learner's layer without ``output_shape``, from
    ``forward`` on one zero sample with ``layer.measuring`` True (its attributes and random
    generators are restored afterwards, the flag with them); ``None`` when that does not
    tell."""
    dtypes = [np.dtype(np.int64)] if getattr(layer, "integer_input", False) else [
        p.dtype for p in layer.params.values() if isinstance(p, np.ndarray)]   # ids, or floats
    kept = dict(vars(layer))
    rngs = [(g, g.bit_generator.state) for g in kept.values()
            if isinstance(g, np.random.Generator)]    # a noise layer's draws stay as they were
    try:
        layer.measuring = True                        # the contract's flag (layers/base.py)
        with np.errstate(all="ignore"):
            y = layer.forward(np.zeros((1,) + tuple(shape), dtype=dtypes[0] if dtypes else float))
    except Exception:        # the layer's own error is reported when it really runs
        y = None
    finally:
        vars(layer).clear()
        vars(layer).update(kept)
        for g, state in rngs:
            g.bit_generator.state = state
    if isinstance(y, np.ndarray) and y.ndim and y.shape[0] == 1:
        return tuple(int(d) for d in y.shape[1:])
    return None


def input_shape_of(first) -> tuple | None:
    """What a model's first layer says about one input sample: ``Dense`` its size,
    ``Conv2D`` its channels (the image size is not known); else ``None``."""
    if isinstance(first, Dense):
        return (first.n_in,)
    c_in = getattr(first, "c_in", None)
    return None if c_in is None else (None, None, c_in)


def blame_declared_shape(layers, i, seen, exc):
    """Layer ``i`` refused its input: if layer ``i − 1`` declared (``output_shape``) another
    shape than its forward returned, the model was built on a wrong size; say so."""
    if i == 0 or len(seen) <= i:
        return
    prev, actual = layers[i - 1], tuple(seen[i][1:])
    try:
        declared = shape_after(prev, tuple(seen[i - 1][1:]))
    except ValueError:
        return
    if declared is not None and None not in declared and tuple(declared) != actual:
        raise ValueError(
            f"Sequential: layer {i - 1} ({type(prev).__name__}).output_shape says {declared} "
            f"per sample, but its forward returned {actual}, so the layers after it were "
            f"checked against the wrong size. Fix its output_shape (or delete it: nnbook then "
            f"measures the layer). The next layer said: {exc}") from None


def blame_read_only(i, layer, exc):
    """``fit``/``predict``/``evaluate`` hand the first layer a read-only view of the data;
    a forward that writes into its input fails there. Say which layer and the fix."""
    if "read-only" in str(exc):
        raise ValueError(
            f"Sequential: {_name(i, layer)}: forward tried to change its input x in place "
            f"(NumPy: {exc}). That x is your data, which nnbook passes read-only so that no "
            f"layer can overwrite it. Compute into a new array instead, e.g. "
            f"np.maximum(x, 0) rather than x[x < 0] = 0, or start with x = x.copy().") from None


def loss_value(loss, yt, out) -> float:
    """``loss.value(yt, out)`` as a float, or a ValueError naming a loss that returns an array."""
    v = loss.value(yt, out)
    try:
        return float(v)
    except (TypeError, ValueError):
        raise ValueError(
            f"Sequential: {type(loss).__name__} returned {_describe(v)} as the loss; expected "
            f"one number for the batch, e.g. np.mean(...) over all its entries.") from None


def checked_loss_grad(loss, d, shape):
    """The loss's ∂L/∂ŷ as an array of the predictions' ``shape``, or a ValueError."""
    if type(d) is np.ndarray and d.shape == shape:
        return d
    arr = d if isinstance(d, np.ndarray) else _as_array(d, shape)
    if arr is not None and arr.shape == shape:
        return arr
    raise ValueError(
        f"Sequential: {type(loss).__name__}'s gradient returned {_describe(d)}; expected "
        f"∂L/∂y_pred of shape {shape}, the shape of the predictions (one entry per output).")


def first_non_finite(model, xb) -> str:
    """Which layer first produced a NaN or inf, said in words: the first layer whose
    weights are not finite (the update before made them so: their gradient was not
    finite), else the first whose output on ``xb`` is not (a forward in the layers'
    current mode, run only after a step's loss came out non-finite; the layers' buffers
    and random generators are put back as they were), else the loss."""
    for i, layer in enumerate(model.layers):
        bad = [k for k, p in layer.params.items() if not np.isfinite(p).all()]
        if bad:
            return (f"layer {i} ({layer!r}) holds non-finite weights ({', '.join(bad)}): the "
                    f"update before made them so, from a non-finite gradient")
    outputs, layers = [], model.layers
    kept = [(layer.buffers, k, b, b.copy()) for layer in layers
            for k, b in layer.buffers.items()]
    rngs = [(r, r.bit_generator.state) for r in (getattr(layer, "rng", None) for layer in layers)
            if isinstance(r, np.random.Generator)]
    with np.errstate(all="ignore"):
        try:
            model.forward(xb, outputs=outputs)
        except (ValueError, FloatingPointError):
            pass
        finally:                                         # the walk changes nothing
            for buffers, k, b, copy in kept:
                b[...] = copy
                buffers[k] = b
            for r, state in rngs:
                r.bit_generator.state = state
    for i, (layer, y) in enumerate(zip(model.layers, outputs)):
        y = np.asarray(y)
        if y.dtype.kind in "fc" and not np.isfinite(y).all():
            return f"layer {i} ({layer!r}) first produced a non-finite value in its output"
    return "every layer's output is finite: the loss itself overflowed"
