"""Decoding (chapter 21): a trained model's next-token distribution after a prompt, once
temperature, top-k and top-p have cut and renormalised it, beside the grammar's exact one
(``decoding_probs``, ``decoding_figure``), a sentence written with the same settings and the
grammar's verdict on it (``decoding_sample``), and the explorable ``decoding``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..diagrams.attention import shown_tokens
from ..inference.generation import generate
from ..inference.sampling import check_decoding, next_token_probs
from ..layers.activations import softmax
from ..plot.style import FONT, plain_axes
from ._widgets import _explorable, _float, _int
from .sampling import next_char_probs

__all__ = ["decoding", "decoding_figure", "decoding_probs", "decoding_sample"]


def _rules(temperature, top_k, top_p):
    """The sliders' "off" values as the rules' own: top_k 0 → None, top_p 1 → None."""
    top_k = None if top_k in (None, 0) else int(top_k)
    top_p = None if top_p is None or top_p >= 1 else float(top_p)
    check_decoding("decoding", temperature, top_k, top_p)
    return float(temperature), top_k, top_p


def decoding_probs(model, corpus, prompt, temperature=1.0, top_k=None, top_p=None):
    """The model's distribution of the token after ``prompt`` (a text that starts a
    sentence) before the rules (softmax of its logits), after them (``next_token_probs``),
    and the grammar's exact one: three (V,) arrays over ``corpus.vocab``."""
    temperature, top_k, top_p = _rules(temperature, top_k, top_p)
    z = np.asarray(model.predict(corpus.encode(prompt)[None]))[0, -1]
    _, truth = next_char_probs(model, corpus, prompt)
    after = next_token_probs(z, temperature=temperature, top_k=top_k, top_p=top_p)
    return softmax(z), after, truth


def decoding_sample(model, corpus, prompt, temperature=1.0, top_k=None, top_p=None, *,
                    n_chars=60, seed=0):
    """The sentence the model writes after ``prompt`` with these rules (``generate`` with
    ``rng=np.random.default_rng(seed)``, at most ``n_chars`` characters), and the grammar's
    verdict: ``(sentence, None)`` when it accepts it, ``(sentence, i)`` when it can follow
    the first i characters only, ``(text, -1)`` when no sentence ended in ``n_chars``."""
    temperature, top_k, top_p = _rules(temperature, top_k, top_p)
    ids = generate(model, corpus.encode(prompt)[None], n_chars, temperature=temperature,
                   top_k=top_k, top_p=top_p, rng=np.random.default_rng(seed))
    text = corpus.decode(ids[0])
    ends = [i for i, c in enumerate(text) if c in ".!?" and i >= len(prompt)]
    if not ends:
        return text, -1
    sentence = text[: ends[0] + 1]
    language = corpus.language
    if language.accepts(sentence):
        return sentence, None
    return sentence, language.followed(sentence)   # the longest prefix it can follow


def _verdict(sentence, where):
    if where is None:
        return f"writes {sentence!r}: the grammar accepts it"
    if where < 0:
        return f"writes {sentence!r} and no end of sentence"
    return (f"writes {sentence!r}: the grammar rejects it at character {where} "
            f"({sentence[where]!r})")


def decoding_figure(model, corpus, prompt, temperature=1.0, top_k=None, top_p=None):
    """Bars of the model's next-token probabilities after ``prompt`` once the rules have cut
    and renormalised them (blue; the outline is the model's distribution before them),
    beside the grammar's exact probabilities (grey). Chapter 21."""
    before, after, truth = decoding_probs(model, corpus, prompt, temperature, top_k, top_p)
    temperature, top_k, top_p = _rules(temperature, top_k, top_p)
    labels = shown_tokens(corpus.vocab)
    k = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(9, 3.2), layout="constrained")
    ax.bar(k - 0.2, after, width=0.4, color="#1f77b4", label="model, after the rules")
    ax.bar(k - 0.2, before, width=0.4, fill=False, edgecolor="0.45", lw=0.8,
           label="model (τ = 1, no cut)")
    ax.bar(k + 0.2, truth, width=0.4, color="#bbbbbb", label="the grammar (exact)")
    ax.set_xticks(k, labels, fontsize=FONT)
    ax.set_ylim(0, min(1.05, 1.3 * max(after.max(), before.max(), truth.max()) + 0.05))
    ax.set_ylabel("P(next token)", fontsize=FONT)
    rules = (f"τ = {temperature:g}, top-k {top_k or 'off'}, top-p {top_p or 'off'}: "
             f"{int((after > 0).sum())} tokens possible")
    ax.set_title(f"after {prompt[-30:]!r}; {rules}", fontsize=FONT)
    ax.legend(loc="upper right", fontsize=FONT - 1)
    plain_axes(ax)
    return fig


def decoding(model, corpus, prompt, temperature=1.0, top_k=0, top_p=1.0, seed=0):
    """Sliders for the temperature τ, top-k (0: off) and top-p (1: off) on a trained model's
    next-token distribution after ``prompt``, beside the grammar's; the caption is the
    sentence the model writes with these settings and the grammar's verdict on it.
    Figure: ``decoding_figure``. Chapter 21."""
    import ipywidgets as w
    controls = {"temperature": _float(w, "τ", temperature, 0.0, 2.0, 0.1),
                "top_k": _int(w, "top-k", top_k, 0, len(corpus.vocab)),
                "top_p": _float(w, "top-p", top_p, 0.05, 1.0, 0.05)}

    def figure(temperature, top_k, top_p):
        return decoding_figure(model, corpus, prompt, temperature, top_k, top_p)

    def caption(temperature, top_k, top_p):
        sentence, where = decoding_sample(model, corpus, prompt, temperature, top_k, top_p,
                                          seed=seed)
        t, k, p = _rules(temperature, top_k, top_p)
        return f"τ = {t:g}, top-k {k or 'off'}, top-p {p or 'off'}: " + _verdict(sentence, where)
    return _explorable(controls, figure, caption)
