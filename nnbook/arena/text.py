"""The arena's text (chapter 37): the generator a recipe trains from, and each seed's
evaluation text from another stream of the same seed, and of an entropy the harness draws
after training (without one, a fixed function of the seed: the stored table's), with the
exact window bound of every target beside it."""

from __future__ import annotations

import contextlib
import functools
import math
import secrets

import numpy as np

from ..data import Language, char_windows, language_corpus

__all__ = ["WINDOW", "EVAL_CHARS", "VOCAB_SIZE", "training_rng", "evaluation_text",
           "fresh_entropy", "recipe_running", "a_recipe_runs"]

#: the windows every model reads, and the bound is exact for (chapter 20's T)
WINDOW = 16
#: characters of evaluation text per seed (about 2,000 targets: a score's noise per seed
#: is then about 0.02 bits)
EVAL_CHARS = 2000
_TRAIN, _EVAL = 37_001, 37_002                     # the two streams drawn from one seed
_LANGUAGE = Language()                             # one parser: its state prior is cached
_RUNNING = []                                      # a recipe is running while non-empty
#: the characters a model predicts (every character the grammar writes)
VOCAB_SIZE = len(_LANGUAGE.vocab)


def _check_seed(seed, owner):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"{owner}: expected a seed that is an int ≥ 0, got {seed!r}. "
                         f"Pass seeds such as (0, 1, 2).")
    return int(seed)


def training_rng(seed) -> np.random.Generator:
    """The generator a recipe draws its training text (and anything else) from: the seed's
    training stream, made from hashed words so the seed itself is not on it."""
    seed = _check_seed(seed, "arena.training_rng")
    return np.random.default_rng(np.random.SeedSequence([_TRAIN, seed]).generate_state(8))


@contextlib.contextmanager
def recipe_running():
    """While a recipe runs (or its file is imported), ``evaluation_text`` refuses to answer."""
    _RUNNING.append(True)
    try:
        yield
    finally:
        _RUNNING.pop()


def a_recipe_runs() -> bool:
    """True while a recipe runs (inside ``recipe_running``)."""
    return bool(_RUNNING)


def fresh_entropy() -> int:
    """128 bits from the operating system: the draw of an evaluation text nobody, the
    recipe included, can know before the harness makes it (``evaluation_text``'s
    ``entropy``; a row records it, so that ``verify`` can draw the same text again)."""
    return secrets.randbits(128)


def evaluation_text(seed, entropy=None) -> dict:
    """The evaluation text of ``seed``: ``EVAL_CHARS`` characters of the generated language
    from the seed's evaluation stream (another stream than ``training_rng``'s), and with an
    ``entropy`` (an int ≥ 0: ``fresh_entropy``'s, drawn after training) from that draw too,
    so that the seed alone does not tell it; without one, the seed's own fixed text (the
    chapter's stored table: reproducible by anyone, so public). Cut into
    windows of ``WINDOW``. Returns ``{"text", "x", "y"}`` ((m, WINDOW) ids, targets one later)
    and ``"bound"``, the exact window bound of each target and ``"entropy"``, the grammar's
    loss given the whole past (bits, (m, WINDOW)). Refused while a recipe runs."""
    if entropy is not None and (isinstance(entropy, bool) or not isinstance(
            entropy, (int, np.integer)) or entropy < 0):
        raise ValueError(f"arena.evaluation_text: expected an entropy that is an int ≥ 0 "
                         f"(or None), got {entropy!r}. Pass a row's recorded entropy.")
    return _evaluation(_check_seed(seed, "arena.evaluation_text"),
                       None if entropy is None else int(entropy))


def _evaluation(seed, entropy=None):
    """``evaluation_text`` without the seed's check; refused as well while a recipe runs
    (its file's import included)."""
    if _RUNNING:
        raise ValueError("arena: a recipe asked for the evaluation text; expected it to train "
                         "only on what arena.windows gives it. The evaluation text is drawn "
                         "after training: remove the call.")
    return _drawn(seed, entropy)


@functools.lru_cache(maxsize=16)
def _drawn(seed, entropy=None):
    words = [_EVAL, seed] if entropy is None else [_EVAL, seed, entropy]
    rng = np.random.default_rng(np.random.SeedSequence(words).generate_state(8))
    corpus = language_corpus(EVAL_CHARS, rng=rng, language=_LANGUAGE)
    x, y = char_windows(corpus.ids, WINDOW)
    bits = 1 / math.log(2)
    exact = _LANGUAGE.nll_chars(corpus.text)
    out = {"text": corpus.text, "x": x, "y": y,
           "bound": _LANGUAGE.window_bound(corpus.text, WINDOW) * bits,
           "entropy": exact[np.arange(len(x))[:, None] * WINDOW + np.arange(WINDOW) + 1] * bits}
    for a in (out["x"], out["y"], out["bound"], out["entropy"]):
        a.setflags(write=False)
    return out


def training_text(rng, n_chars):
    """``n_chars`` (or a few more) characters of training text from ``rng``, as ids."""
    return language_corpus(n_chars, rng=rng, language=_LANGUAGE)
