"""The next character and the sampling temperature (chapter 18): a trained model's
distribution after a prompt at temperature τ beside the grammar's exact one
(``next_char_probs``, ``next_char_figure``), and the explorable ``next_char``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..diagrams.attention import shown_tokens
from ..inference.sampling import apply_temperature
from ..plot.style import FONT
from ._widgets import _explorable, _float

__all__ = ["next_char", "next_char_figure", "next_char_probs"]


def next_char_probs(model, corpus, prompt, temperature=1.0):
    """The model's distribution of the character after ``prompt`` at ``temperature``,
    softmax(z / temperature), and the grammar's exact one (``corpus.language``; the prompt
    starts a sentence). Shapes: two (V,) arrays over ``corpus.vocab``."""
    if not temperature > 0:
        raise ValueError(f"next_char: expected a temperature > 0, got {temperature!r}.")
    z = np.asarray(model.predict(corpus.encode(prompt)[None]))[0, -1]        # (V,) logits
    p = apply_temperature(z, temperature)          # the course's one temperature softmax
    base = corpus.language.nll_chars(prompt).sum() if prompt else 0.0
    truth = np.zeros(len(corpus.vocab))
    for i, c in enumerate(corpus.vocab):
        try:
            truth[i] = np.exp(base - corpus.language.nll_chars(prompt + c).sum())
        except ValueError:                              # the grammar cannot continue with c
            pass
    return p, truth


def next_char_figure(model, corpus, prompt, temperature=1.0):
    """Bars of the model's next-character probabilities after ``prompt`` at ``temperature``
    (chapter 09's softmax(z / T)) beside the grammar's exact probabilities. Chapter 18."""
    p, truth = next_char_probs(model, corpus, prompt, temperature)
    labels = shown_tokens(corpus.vocab)
    k = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(9, 3.2), layout="constrained")
    ax.bar(k - 0.2, p, width=0.4, color="#1f77b4", label=f"model, τ = {temperature:g}")
    ax.bar(k + 0.2, truth, width=0.4, color="#7f7f7f", label="the grammar (exact)")
    ax.set_xticks(k, labels, fontsize=FONT)
    ax.set_ylim(0, 1)
    ax.set_ylabel("P(next character)", fontsize=FONT)
    ax.set_title(f"after {prompt[-40:]!r}", fontsize=FONT)
    ax.legend(loc="upper left", fontsize=FONT - 1)
    return fig


def next_char(model, corpus, prompt, temperature=1.0):
    """A temperature slider on a trained model's next-character distribution after
    ``prompt``, beside the grammar's. Figure: ``next_char_figure``. Chapter 18."""
    import ipywidgets as w
    controls = {"temperature": _float(w, "τ", temperature, 0.1, 3.0, 0.1)}

    def figure(temperature):
        return next_char_figure(model, corpus, prompt, temperature)

    def caption(temperature):
        p, truth = next_char_probs(model, corpus, prompt, temperature)
        top = int(np.argmax(p))
        return (f"τ = {temperature:g}: the model's likeliest next character {corpus.vocab[top]!r} "
                f"({p[top]:.2f}; the grammar gives it {truth[top]:.2f}); probability on characters the "
                f"grammar forbids: {p[truth == 0].sum():.3f}")
    return _explorable(controls, figure, caption)
