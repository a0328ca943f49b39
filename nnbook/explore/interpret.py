"""An SAE feature's activations along a text (chapter 36): one feature's code at each
character, the positions where a grammar variable is 1 shaded behind, and the feature's AUC
for it. ``sae_feature`` is the explorable (move the feature), ``sae_feature_figure`` its
static figure; both only draw the codes they are given, so they are instant.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..interpret import feature_auc
from ..plot.style import FONT, plain_axes
from ._widgets import LINE, PATH, _explorable, _int

__all__ = ["sae_feature", "sae_feature_figure"]


def _checked(owner, codes, text, variable, feature):
    f = np.asarray(codes, dtype=np.float64)
    if f.ndim != 2 or not isinstance(text, str) or len(text) != len(f) or not 1 <= len(f) <= 128:
        raise ValueError(f"{owner}: expected codes (n, F) with one row per character of text "
                         f"(n from 1 to 128), got codes {f.shape} and a text of "
                         f"{len(text) if isinstance(text, str) else type(text).__name__}.")
    v = None if variable is None else np.asarray(variable)
    if v is not None and (v.shape != (len(f),) or not np.isin(v, (-1, 0, 1)).all()):
        raise ValueError(f"{owner}: expected variable ({len(f)},) of 0, 1 (−1 unknown), got "
                         f"shape {v.shape}.")
    if isinstance(feature, bool) or not isinstance(feature, (int, np.integer)) \
            or not 0 <= feature < f.shape[1]:
        raise ValueError(f"{owner}: expected feature an integer from 0 to {f.shape[1] - 1}, "
                         f"got {feature!r}.")
    return f, v, int(feature)


def _auc(f, v, feature):
    known = v >= 0
    if len(np.unique(v[known])) < 2:
        return None
    return float(feature_auc(f[known][:, [feature]], v[known])[0])


def _caption(f, v, feature):
    rate = float((f[:, feature] > 0).mean())
    auc = None if v is None else _auc(f, v, feature)
    said = "" if auc is None else f"; its AUC on them for the shaded variable {auc:.2f}"
    return f"feature {feature}: active on {rate:.0%} of these {len(f)} characters{said}"


def sae_feature_figure(codes, text, feature=0, variable=None):
    """Bars of ``codes[:, feature]`` at each character of ``text`` (a space drawn ␣), the
    positions where ``variable`` is 1 shaded behind. Shapes: codes (n, F), text of n
    characters, variable (n,) of 0/1 (−1 unknown) or None. Chapter 36."""
    f, v, feature = _checked("sae_feature_figure", codes, text, variable, feature)
    n = len(f)
    fig, ax = plt.subplots(figsize=(max(5.0, 0.16 * n + 1.2), 2.6), layout="constrained")
    if v is not None:
        for t in np.flatnonzero(v == 1):
            ax.axvspan(t - 0.5, t + 0.5, color=PATH, alpha=0.3, lw=0, label="variable = 1")
    ax.bar(np.arange(n), f[:, feature], color=LINE, width=0.8, label="activation")
    ax.set_xticks(np.arange(n), list(text.replace(" ", "␣")), fontsize=FONT - 3)
    ax.set_xlim(-0.6, n - 0.4)
    ax.set_ylabel("activation", fontsize=FONT)
    ax.set_title(_caption(f, v, feature), fontsize=FONT)
    plain_axes(ax)
    return fig


def sae_feature(codes, text, variable=None, feature=0):
    """Move the feature: its activations along ``text``, the caption its share of active
    characters and its AUC for ``variable``. Figure: ``sae_feature_figure``. Chapter 36."""
    import ipywidgets as w
    f, v, feature = _checked("sae_feature", codes, text, variable, feature)
    controls = {"feature": _int(w, "feature", feature, 0, f.shape[1] - 1)}

    def figure(feature):
        return sae_feature_figure(f, text, feature, v)

    def caption(feature):
        return _caption(f, v, feature)
    return _explorable(controls, figure, caption)
