"""A sparse autoencoder (chapter 36), built from the library's layers and trained with ``fit``:
``Dense(d → F)``, a ``SparseCode`` (ReLU or top-k, whose backward adds the L1 penalty's
gradient) and ``Dense(F → d)``, whose rows the ``UnitNormDecoder`` callback keeps at unit
norm after every step; ``feature_activity`` counts dead and dense features.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..layers import Dense, Layer
from ..registry import register_class
from ..training import Sequential
from ..training.callback_base import Callback
from ..validate import positive_int

__all__ = ["SparseCode", "UnitNormDecoder", "sparse_autoencoder", "FeatureActivity",
           "feature_activity", "feature_auc"]


@register_class
class SparseCode(Layer):
    """The SAE's code f from the encoder's pre-activations z: ``"relu"``, f = max(z, 0), or
    ``"topk"``, the k largest z of each row kept (then ReLU, as Gao et al. 2024), the rest 0.

    ``l1`` λ ≥ 0 puts ``λ · mean over rows of Σ_i |f_i|`` into the gradient: ``backward``
    returns ∂(E + λ·L1)/∂z, E being what ``dy`` is the gradient of; ``fit``'s reported loss
    stays E (as MixtureOfExperts' ``aux_weight``). Rows are the samples, or the samples
    times positions for a sequence. ``l1_penalty`` holds λ·L1 of the last forward.

    Shapes: z (…, F) → f (…, F)
    """

    positionwise = True

    def __init__(self, kind="relu", k=None, l1=0.0):
        super().__init__()
        if kind not in ("relu", "topk"):
            raise ValueError(f"SparseCode: got kind={kind!r}, expected 'relu' or 'topk'.")
        if (kind == "topk") != (k is not None):
            raise ValueError(f"SparseCode: got kind={kind!r} with k={k!r}; expected k (an int "
                             f"≥ 1) with 'topk' only. Pass SparseCode('topk', k=8).")
        self.kind, self.k = kind, None if k is None else positive_int("SparseCode", "k", k)
        if not (isinstance(l1, (int, float)) and l1 >= 0):
            raise ValueError(f"SparseCode: got l1={l1!r}, expected a weight ≥ 0 "
                             f"(0: no penalty).")
        self.l1, self.l1_penalty, self._mask, self._dtype = float(l1), None, None, None

    def forward(self, z):
        z = np.asarray(z, dtype=np.float64) if np.asarray(z).dtype.kind != "f" else z
        keep = z > 0
        if self.kind == "topk":
            if self.k > z.shape[-1]:
                raise ValueError(f"SparseCode: k={self.k} is more than the {z.shape[-1]} "
                                 f"features of the input {z.shape}. Pass k ≤ F.")
            top = np.argpartition(-z, self.k - 1, axis=-1)[..., :self.k]
            chosen = np.zeros(z.shape, dtype=bool)
            np.put_along_axis(chosen, top, True, axis=-1)
            keep &= chosen
        self._mask, self._dtype = keep, z.dtype         # ∂E/∂z keeps z's dtype (float32 stays)
        f = np.where(keep, z, 0.0).astype(z.dtype)
        rows = max(1, f.size // max(1, f.shape[-1]))
        self.l1_penalty = self.l1 * float(np.abs(f).sum()) / rows
        return f

    def backward(self, dy, need_dx: bool = True):
        if not need_dx:
            return None
        rows = max(1, dy.size // max(1, dy.shape[-1]))
        return np.where(self._mask, dy + self.l1 / rows, 0.0).astype(self._dtype)

    def output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {"kind": self.kind, "k": self.k, "l1": self.l1}


class UnitNormDecoder(Callback):
    """Keeps the decoder's dictionary at unit norm: after every training step (and before the
    first) each row ``W[i]`` of ``layer``'s ``"W"`` (F, d), feature i's direction in the
    residual stream, is divided by its norm, so the L1 penalty cannot be dodged by shrinking
    the code and growing the decoder. The optimizer's moments are left as they are."""

    def __init__(self, layer):
        super().__init__()
        if "W" not in getattr(layer, "params", {}):
            raise ValueError(f"UnitNormDecoder: got {layer!r}, expected the SAE's decoder "
                             f"Dense (a layer with params['W']): model.layers[-1].")
        self.layer = layer

    def normalise(self):
        W = self.layer.params["W"]
        W /= np.maximum(np.linalg.norm(W, axis=1, keepdims=True), 1e-12)

    def on_train_begin(self, logs=None):
        self.normalise()

    def on_batch_end(self, batch, logs=None):
        self.normalise()


def sparse_autoencoder(d, n_features, *, kind="relu", k=None, l1=1e-3, rng=None):
    """An SAE as a ``Sequential``: ``Dense(d → F)``, ``SparseCode(kind, k, l1)``,
    ``Dense(F → d)`` with its rows at unit norm. Compile with ``"mse"`` and train with
    ``fit(h, h, callbacks=[UnitNormDecoder(sae.layers[-1])])``; ``sae.layers[1]``'s output
    is the code (``residuals(sae, h, 1)``).

    Shapes: h (n, d) → (n, d)"""
    d = positive_int("sparse_autoencoder", "d", d)
    F = positive_int("sparse_autoencoder", "n_features", n_features)
    decoder = Dense(F, d, rng=rng)
    UnitNormDecoder(decoder).normalise()
    return Sequential([Dense(d, F, rng=rng), SparseCode(kind, k, l1), decoder])


@dataclass(frozen=True)
class FeatureActivity:
    """How often each feature fired on a batch: ``rate`` (F,) the share of rows where it was
    > 0; ``dead``, the number never active; ``dense``, the number active on more than
    ``dense_above`` of the rows."""
    rate: np.ndarray
    dead: int
    dense: int
    dense_above: float


def feature_activity(codes, dense_above=0.1) -> FeatureActivity:
    """Dead and dense features of a batch of SAE codes.

    Shapes: codes (n, F) (or (…, F), the leading axes taken as rows)"""
    f = np.asarray(codes)
    if f.ndim < 2 or f.shape[-1] < 1 or f.size == 0:
        raise ValueError(f"feature_activity: got codes of shape {f.shape}, expected (n, F), "
                         f"one row of feature activations per example.")
    if not 0.0 <= dense_above < 1.0:
        raise ValueError(f"feature_activity: got dense_above={dense_above!r}, expected a share "
                         f"from 0 to 1 (0.1: active on more than a tenth of the rows).")
    rate = (f.reshape(-1, f.shape[-1]) > 0).mean(axis=0)
    return FeatureActivity(rate, int((rate == 0).sum()), int((rate > dense_above).sum()),
                           float(dense_above))


def feature_auc(codes, labels) -> np.ndarray:
    """Each feature's AUC for a binary label: the probability that a row with label 1 has
    a larger activation than a row with label 0, ties counted a half (Mann–Whitney's U over
    n1·n0, from average ranks). 1: the feature fires exactly on the label; 0.5: no better
    than chance, as a dead feature.

    Shapes: codes (n, F), labels (n,) of 0 and 1, both present → (F,)"""
    f, y = np.asarray(codes, dtype=np.float64), np.asarray(labels)
    if f.ndim != 2 or y.shape != (len(f),) or not np.isin(y, (0, 1)).all() \
            or len(np.unique(y)) != 2:
        raise ValueError(f"feature_auc: got codes {f.shape} and labels {y.shape} holding "
                         f"{np.unique(y)[:5]}, expected codes (n, F) and labels (n,) of 0 and 1, "
                         f"both present. Drop the rows whose label is unknown first.")
    n1 = int(y.sum())
    n0 = len(y) - n1
    out = np.empty(f.shape[1])
    for k in range(f.shape[1]):
        values, inverse, counts = np.unique(f[:, k], return_inverse=True, return_counts=True)
        average = np.cumsum(counts) - (counts - 1) / 2          # ranks from 1, ties averaged
        out[k] = (average[inverse.reshape(-1)][y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)
    return out
