"""What ``Sequential`` holds (chapter 00): its layers' parameters, gradients and buffers
under file keys (``"0.W"``), their dtype and count, copies in and out (``get_weights``,
``set_weights``), and the ``(parameter, gradient)`` pairs the optimizer steps
(``gradient_pairs``). ``Sequential`` (model.py) inherits them from ``ModelWeights``.
"""

from __future__ import annotations

import numpy as np

from .inputs import checked_weights
from .protocol import checked_grad
from .summary import count_params

__all__ = ["ModelWeights"]


class ModelWeights:
    """The arrays of a model's ``layers`` (a list of ``Layer``), read live from the layers."""

    layers: list

    @property
    def params(self) -> dict[str, np.ndarray]:
        """Every live parameter, keyed ``"<layer index>.<name>"`` (``"0.W"``) as in a file."""
        return {f"{i}.{k}": p for i, l in enumerate(self.layers) for k, p in l.params.items()}

    @property
    def grads(self) -> dict[str, np.ndarray]:
        """Every gradient, with the keys of ``params``."""
        return {f"{i}.{k}": l.grads[k] for i, l in enumerate(self.layers) for k in l.params}

    @property
    def buffers(self) -> dict[str, np.ndarray]:
        """Every layer buffer (saved, never trained), keyed like ``params``."""
        return {f"{i}.{k}": b for i, l in enumerate(self.layers) for k, b in l.buffers.items()}

    @property
    def trainable(self) -> bool:
        """Keras' switch for the whole model: ``model.trainable = False`` freezes every
        layer (sets each ``layer.trainable``), True unfreezes them all. Read, it says
        whether any layer is trainable."""
        return not self.layers or any(getattr(l, "trainable", True) for l in self.layers)

    @trainable.setter
    def trainable(self, value) -> None:
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(f"Sequential.trainable: expected True or False, got {value!r}. "
                             f"model.trainable = False freezes every layer (chapter 22).")
        for layer in self.layers:
            layer.trainable = bool(value)

    def count_params(self, trainable: bool | None = None) -> int:
        """All parameters; ``trainable=True``: those ``fit`` updates; False: the frozen."""
        return count_params(self.layers, trainable)

    @property
    def dtype(self) -> np.dtype:
        """The dtype of the parameters (float64 unless the layers were made otherwise)."""
        for layer in self.layers:                    # the first parameter's (read each step)
            for p in layer.params.values():
                return p.dtype
        return np.dtype(np.float64)

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every layer's params (dict order, ``W`` before ``b``) then buffers."""
        return [np.array(a) for a in self._arrays()]

    def set_weights(self, weights) -> None:
        """Copy arrays in the order of ``get_weights()`` into the layers (in place)."""
        targets = self._arrays()
        for t, w in zip(targets, checked_weights("Sequential.set_weights", targets, weights)):
            t[...] = w

    def _arrays(self) -> list[np.ndarray]:
        return [a for l in self.layers for a in (*l.params.values(), *l.buffers.values())]

    def set_training(self, training: bool) -> None:
        """Set ``layer.training`` on every layer (as ``forward(x, training=...)`` does)."""
        for layer in self.layers:
            layer.training = bool(training)

    def gradient_pairs(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """``(parameter, gradient)`` for every trained parameter, gradients read afresh (a layer
        may assign new arrays in backward) and checked against their parameter."""
        pairs = []
        for i, layer in enumerate(self.layers):
            if not (layer.params and layer.trainable):    # nothing to train, or frozen
                continue
            grads, frozen = layer.grads, layer.frozen_params   # (trained_keys, inline)
            for k, p in layer.params.items():
                if k in frozen:
                    continue
                g = grads.get(k)
                if not (type(g) is np.ndarray and type(p) is np.ndarray and g.shape == p.shape):
                    g = checked_grad(i, layer, k, g, p)
                pairs.append((p, g))
        return pairs
