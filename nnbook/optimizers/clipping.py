"""``clip_grad_norm`` (chapter 16's clipping, as a function other courses' training loops
call): all gradients scaled together so that their joint L2 norm is at most a bound, the
rule an optimizer's ``global_clipnorm=`` applies inside its step.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import numpy as np

__all__ = ["clip_grad_norm"]


def clip_grad_norm(grads, max_norm) -> float:
    """Scale the arrays of ``grads`` (a list, or a dict such as ``model.grads``) in place by
    ``max_norm / ‖g‖`` when their joint norm ``‖g‖ = √(Σ_arrays Σ g²)`` exceeds ``max_norm``;
    return ‖g‖ before clipping, as ``torch.nn.utils.clip_grad_norm_`` does.

    Shapes: every array any shape; a float returned. The direction of the whole gradient is
    kept. nnbook scales by exactly ``max_norm / ‖g‖`` (the norm after is ``max_norm``);
    PyTorch divides by ``‖g‖ + 1e-6``. A non-finite norm (an inf or NaN gradient) is a
    ``ValueError``: scaling would turn every gradient into NaN.
    """
    arrays = list(grads.values()) if isinstance(grads, Mapping) else grads
    if isinstance(arrays, np.ndarray) or not isinstance(arrays, (list, tuple)) or not all(
            isinstance(g, np.ndarray) and g.dtype.kind == "f" for g in arrays):
        raise ValueError(f"clip_grad_norm: expected a list (or dict) of float gradient arrays, "
                         f"got {type(grads).__name__}. Pass model.grads, or [g for _, g in "
                         f"model.gradient_pairs()].")
    if (isinstance(max_norm, bool) or not isinstance(max_norm, numbers.Real)
            or not math.isfinite(max_norm) or max_norm <= 0):
        raise ValueError(f"clip_grad_norm: expected max_norm > 0, got {max_norm!r}.")
    total = math.sqrt(sum(float(np.vdot(g, g)) for g in arrays))
    if not math.isfinite(total):
        raise ValueError(f"clip_grad_norm: the gradients' norm is {total} (an inf or NaN "
                         f"entry); clipping cannot repair it. Lower the learning rate or "
                         f"check the loss for overflow.")
    if total > max_norm:
        scale = max_norm / total
        for g in arrays:
            g *= scale
    return total
