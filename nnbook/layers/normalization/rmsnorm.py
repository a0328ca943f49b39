"""Root-mean-square normalisation (chapter 20): layer normalisation without the mean and
without β. Each vector is divided by the root of its mean square and scaled by γ; on
inputs whose features have mean 0 it is chapter 18's ``LayerNorm`` with β = 0.
"""

from __future__ import annotations

import numpy as np

from ...registry import register_class
from ._last_axis import _LastAxisNorm

__all__ = ["RMSNorm"]


@register_class
class RMSNorm(_LastAxisNorm):
    """``y = γ ⊙ x / √(mean(x²) + ε)``, the mean over the last axis of each vector.

    Shapes:
        x: (m, …, n)  →  y: the same shape, e.g. (m, n) or a sequence (m, T, n)
        params["gamma"]: (n,), starts at 1

    Backward, with r = 1/√(⟨x²⟩ + ε), x̂ = x·r and g = γ ⊙ ∂E/∂y (⟨·⟩ is the mean over
    the n features of one vector): ``∂E/∂γ = Σ ∂E/∂y ⊙ x̂`` (summed over every vector)
    and ``∂E/∂x = r (g − x̂ ⟨g ⊙ x̂⟩)``, LayerNorm's formula without its ``−⟨g⟩`` term,
    which came from the mean.

    Args:
        n_features: n, the length of the last axis.
        eps: ε > 0, added to the mean square (1e-6).
        dtype: float64 (default) or float32.
        rng: accepted (and unused) like every layer with parameters.

    As ``torch.nn.RMSNorm(n, eps=eps)``. Chapter 20.

    Passes over the (M, n) vectors: forward 3 (⟨x²⟩ as one reading ``einsum``, x̂ = x·r,
    γ ⊙ x̂), backward 6 (∂E/∂γ's and ⟨g x̂⟩'s reading ``einsum``, g, x̂·⟨g x̂⟩, + g, ·r);
    the (M, 1) numbers between them are too few to count.
    """

    centred = False
    eps_example, eps_added_to = "1e-6", "mean square"

    def __init__(self, n_features=None, *, eps=1e-6, dtype=np.float64, rng=None, **keras):
        super().__init__(n_features, eps=eps, dtype=dtype, rng=rng, **keras)
