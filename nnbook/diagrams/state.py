"""The state of linear attention as a memory being written (chapter 31): the matrix S before
a token, what the token writes (the delta rule's β (v − S k) kᵀ, or linear attention's
Hebbian v kᵀ) and S after, on one colour scale, with how far S reads back v for the key.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..plot.style import FONT

__all__ = ["state_write"]


def state_write(S, k, v, beta=1.0, *, rule="delta", axes=None):
    """Three maps: S before, the write, S after (``RdBu_r`` centred on 0, one scale), each
    entry's value written on it when S is small; under the write, how far S reads for k
    from v before and after it (‖S k − v‖). k and v are not drawn: the write shows k as
    its columns' pattern and v − S k as its rows'.

    Shapes:
        S: (d_v, d_k);  k: (d_k,);  v: (d_v,)
    Args:
        rule: "delta" (``β (v − S k) kᵀ``) or "hebbian" (``v kᵀ``, β unused).
    Returns the three Axes. Chapter 31.
    """
    S, k, v = (np.asarray(a, dtype=np.float64) for a in (S, k, v))
    if S.ndim != 2 or k.shape != (S.shape[1],) or v.shape != (S.shape[0],):
        raise ValueError(f"state_write: expected S (d_v, d_k), k (d_k,) and v (d_v,), got "
                         f"{S.shape}, {k.shape} and {v.shape}.")
    if rule not in ("delta", "hebbian"):
        raise ValueError(f"state_write: expected rule='delta' or 'hebbian', got {rule!r}.")
    write = beta * np.outer(v - S @ k, k) if rule == "delta" else np.outer(v, k)
    after = S + write
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(9, 3.6), layout="constrained")
    lim = max(np.abs(a).max() for a in (S, write, after)) or 1.0
    what = (f"β (v − S k) kᵀ, β = {beta:g}" if rule == "delta" else "v kᵀ (Hebbian)")
    for ax, M, title in zip(axes, (S, write, after), ("S before", f"+ {what}", "S after")):
        ax.imshow(M, cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(title, fontsize=FONT + 1)
        ax.set_xlabel("key feature", fontsize=FONT)
        ax.set_ylabel("value feature", fontsize=FONT)
        ax.set_xticks([])
        ax.set_yticks([])
        if M.size <= 25:
            for (i, j), x in np.ndenumerate(M):
                ax.text(j, i, f"{x:.2f}".replace("-0.00", "0.00"), ha="center", va="center", fontsize=FONT)
    err = [np.linalg.norm(M @ k - v) for M in (S, after)]
    axes[1].set_xlabel(f"key feature\n‖S k − v‖: {err[0]:.2f} before, {err[1]:.2f} after",
                       fontsize=FONT)                  # under the write, no blank band
    return axes
