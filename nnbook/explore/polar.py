"""Newton–Schulz steps against the band (chapter 34): the quintic's scalar polynomial applied
k times to the singular values of G/‖G‖_F, beside the cubic's, with the band
``newton_schulz_band`` computes for the smallest singular value shaded. ``newton_schulz_steps``
is the explorable (move the number of steps and the smallest singular value),
``newton_schulz_steps_figure`` its static figure; both are scalar maps, so they are instant.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from ..optimizers.polar import CUBIC, QUINTIC, newton_schulz_band
from ..plot.style import FONT, plain_axes
from ._widgets import LINE, PATH, _explorable, _float, _int

__all__ = ["newton_schulz_steps", "newton_schulz_steps_figure"]

CUBIC_COLOUR = "#7f7f7f"


def _checked(owner, steps, smallest):
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not 1 <= steps <= 12:
        raise ValueError(f"{owner}: expected steps an integer from 1 to 12, got {steps!r}.")
    if not (isinstance(smallest, (int, float, np.floating)) and 1e-4 <= smallest <= 1):
        raise ValueError(f"{owner}: expected smallest (σ_min of G/‖G‖_F) from 1e-4 to 1, got "
                         f"{smallest!r}.")
    return int(steps), float(smallest)


def _iterate(x, coefficients, steps):
    a, b, c = coefficients
    for _ in range(steps):
        x = a * x + b * x**3 + c * x**5
    return x


def _caption(steps, smallest):
    low, high = newton_schulz_band(steps, QUINTIC, smallest=smallest)
    c_low, c_high = newton_schulz_band(steps, CUBIC, smallest=smallest)
    return (f"{steps} steps from σ_min = {smallest:.2g}: the quintic puts every singular value "
            f"in [{low:.3f}, {high:.3f}], the cubic in [{c_low:.3f}, {c_high:.3f}]")


def newton_schulz_steps_figure(steps=5, smallest=0.01):
    """The quintic (3.4445, −4.7750, 2.0315) applied ``steps`` times to σ from 1e-4 to 1 (log
    axis), the cubic (1.5, −0.5, 0) beside it dashed, the quintic's band from ``smallest``
    to 1 shaded and ``smallest`` marked. Chapter 34."""
    steps, smallest = _checked("newton_schulz_steps_figure", steps, smallest)
    low, high = newton_schulz_band(steps, QUINTIC, smallest=smallest)
    x = np.geomspace(1e-4, 1, 800)
    fig, ax = plt.subplots(figsize=(7.2, 3.4), layout="constrained")
    ax.axhspan(low, high, color=PATH, alpha=0.12, lw=0,
               label=f"band from σ_min: [{low:.3f}, {high:.3f}]")
    ax.semilogx(x, _iterate(x, QUINTIC, steps), color=LINE, lw=1.6,
                label=f"quintic, {steps} step{'s' * (steps > 1)}")
    ax.semilogx(x, _iterate(x, CUBIC, steps), color=CUBIC_COLOUR, lw=1.4, ls="--",
                label=f"cubic, {steps} step{'s' * (steps > 1)}")
    ax.axvline(smallest, color=PATH, lw=0.9, ls=":")
    ax.axhline(1.0, color="k", lw=0.5)
    ax.set_ylim(-0.05, 1.75)                    # room above the curves for the legend
    ax.set_xlabel("σ of G/‖G‖_F", fontsize=FONT)
    ax.set_ylabel("σ after the steps", fontsize=FONT)
    ax.set_title(_caption(steps, smallest).split(":")[0], fontsize=FONT)
    ax.legend(fontsize=FONT - 1, loc="upper left", frameon=False)
    plain_axes(ax)
    return fig


def newton_schulz_steps(steps=5, smallest=0.01):
    """Move the number of Newton–Schulz steps and the smallest singular value: the caption
    reads the quintic's band and the cubic's. Figure: ``newton_schulz_steps_figure``.
    Chapter 34."""
    import ipywidgets as w
    steps, smallest = _checked("newton_schulz_steps", steps, smallest)
    controls = {"steps": _int(w, "steps", steps, 1, 12),
                "log10_smallest": _float(w, "log₁₀ σ_min", math.log10(smallest), -4.0, 0.0,
                                         0.1)}

    def figure(steps, log10_smallest):
        return newton_schulz_steps_figure(steps, 10.0 ** log10_smallest)

    def caption(steps, log10_smallest):
        return _caption(steps, 10.0 ** log10_smallest)
    return _explorable(controls, figure, caption)
