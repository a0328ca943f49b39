"""Diagnostics for deep networks: the size of the gradient that reaches each
layer and the spread of each layer's output, from one forward and one backward
pass. Chapter 06 uses them to watch gradients vanish and explode.
"""

from __future__ import annotations

import numpy as np

from .validate import as_float_array
from .training.inputs import as_array, check_token_ids, model_input
from .training.losses import get_loss

__all__ = ["gradient_norms", "activation_stats"]


def _checked(owner, model, x):
    """``x`` as a finite batch for ``model``, a ``Sequential`` with layers: floats in the
    model's dtype, or integer ids unchanged for a first layer that takes them (Embedding)."""
    if not getattr(model, "layers", None):
        raise ValueError(f"{owner}: expected a Sequential model with at least one layer, "
                         f"got {model!r}.")
    x = as_array(owner, "x", x)
    check_token_ids(owner, model, x)
    if not (x.dtype.kind in "iu" and model.layers[0].integer_input):
        x = as_float_array(owner, "x", x)
    if not np.isfinite(x).all():
        raise ValueError(f"{owner}: x contains NaN or inf; clean the data first.")
    return model_input(model, x)


def gradient_norms(model, x, y, loss=None) -> np.ndarray:
    """‖∂E/∂W‖ for every layer that has parameters, from the input side to the output.

    Runs one forward and one backward pass on the batch ``(x, y)`` (no update)
    and returns the Frobenius norm of each such layer's ``grads["W"]`` (a layer
    without a ``"W"`` contributes the joint norm of all its gradients). When the
    model ends in ``Softmax`` and the loss is ``CrossEntropy`` (or ``Sigmoid``
    and ``BinaryCrossEntropy``) the fused ∂E/∂z = (ŷ − y)/m is used: this is
    ``Sequential.compute_gradients``, the first half of ``fit``'s ``train_step``.

    Shapes:
        x: a batch for the model's first layer, e.g. (m, n_in)
        y: targets for ``loss`` (the model's output shape; integer labels (m,)
           for ``CrossEntropy``; (m,) is also accepted for an output (m, 1))
        returns: (number of layers with parameters,) float64

    Args:
        model: a ``Sequential``.
        loss: a ``Loss`` or its name; ``None`` uses the loss given to
            ``model.compile``.
    """
    owner = "gradient_norms"
    if loss is None:
        loss = getattr(model, "loss", None)
        if loss is None:
            raise ValueError(f"{owner}: the model has no loss. Pass loss=... (e.g. loss='mse') "
                             f"or call model.compile(...) first.")
    loss = get_loss(loss)
    x = _checked(owner, model, x)
    out_shape = model.forward(x).shape[1:]            # also names a layer x does not fit
    y = np.asarray(y)
    if len(y) != len(x):
        raise ValueError(f"{owner}: x has {len(x)} samples but y has {len(y)}; "
                         f"expected one target per sample.")
    y = loss.targets(owner, y, tuple(out_shape), model.dtype)
    model.compute_gradients(x, y, loss=loss, training=None)   # fit's step without the update
    layers = model.layers
    norms = []
    for layer in layers:
        if not layer.params:
            continue
        grads = [layer.grads["W"]] if "W" in layer.grads else list(layer.grads.values())
        norms.append(np.sqrt(sum(float(np.vdot(g, g)) for g in grads)))
    if not norms:
        raise ValueError(f"{owner}: the model has no layer with parameters.")
    return np.array(norms, dtype=np.float64)


def activation_stats(model, x) -> dict:
    """The mean and standard deviation of every layer's output on the batch ``x``.

    A deep network whose outputs shrink towards 0 layer after layer (too-small
    weights), or grow, or pin a sigmoid at 0 and 1, shows it here first.

    Shapes:
        x: a batch for the model's first layer
        returns: {"mean": (n_layers,), "std": (n_layers,)} float64, one entry per
        layer of ``model.layers`` in order (over all samples and units)
    """
    outs = []
    model.forward(_checked("activation_stats", model, x), outputs=outs)
    return {"mean": np.array([float(np.mean(o)) for o in outs]),
            "std": np.array([float(np.std(o)) for o in outs])}
