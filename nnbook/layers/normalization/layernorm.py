"""Layer normalisation (chapter 18): normalise each sample's features (the last axis) with
that sample's own mean and variance, then scale by γ and shift by β. Unlike chapter 13's
batch normalisation, nothing depends on the other samples, so training and inference agree.
"""

from __future__ import annotations

import numpy as np

from ...registry import register_class
from ._last_axis import _LastAxisNorm

__all__ = ["LayerNorm"]


@register_class
class LayerNorm(_LastAxisNorm):
    """``y = γ ⊙ (x − μ) / √(σ² + ε) + β``, with μ, σ² over the last axis of each vector.

    Shapes:
        x: (m, …, n)  →  y: the same shape, e.g. (m, n) or a sequence (m, T, n)
        params["gamma"], params["beta"]: (n,)

    μ and σ² (the biased variance) are taken over the n features of each vector x[i, t]
    alone, the same in training and inference: no running statistics, and one sample's
    output never depends on the others in the batch.

    Backward, with x̂ = (x − μ)/√(σ² + ε) and g = γ ⊙ ∂E/∂y (the compact form; ⟨·⟩ is the
    mean over the n features of one vector):
    ``∂E/∂β = Σ ∂E/∂y``, ``∂E/∂γ = Σ ∂E/∂y ⊙ x̂`` (sums over every vector), and
    ``∂E/∂x = (g − ⟨g⟩ − x̂ ⟨g ⊙ x̂⟩) / √(σ² + ε)``.

    Args:
        n_features: n, the length of the last axis.
        eps: ε > 0, added to the variance (1e-5, as PyTorch's ``nn.LayerNorm``).
        dtype: float64 (default) or float32.
        rng: accepted (and unused) like every layer with parameters; γ starts at 1, β at 0.

    Chapter 18.
    """

    centred = True
    eps_example, eps_added_to = "1e-5", "variance"

    def __init__(self, n_features=None, *, eps=1e-5, dtype=np.float64, rng=None, **keras):
        super().__init__(n_features, eps=eps, dtype=dtype, rng=rng, **keras)
