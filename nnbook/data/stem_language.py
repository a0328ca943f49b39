"""``StemLanguage``: the generated language of chapters 17–18 with a larger lexicon, every
noun, verb and adjective a stem with an optional affix, the rarer stems less frequent, so
that byte-pair encoding finds whole words and shared pieces (chapter 19).
"""

from __future__ import annotations

import math

from ..validate import positive_int
from .language import Language

__all__ = ["StemLanguage"]

NOUN_STEMS = ("cat", "dog", "bird", "frog", "owl", "hen", "bee", "ant",
              "bat", "cow", "pig", "rat", "yak", "eel", "elk", "crab")
INTRANSITIVE_STEMS = ("run", "sleep", "sing", "jump", "swim", "walk", "dance", "play",
                      "hide", "rest", "wait", "hop", "nap", "dig", "hum", "yawn")
TRANSITIVE_STEMS = ("see", "like", "chase", "hear", "find", "help", "follow", "watch",
                    "greet", "call", "push", "love", "meet", "pull", "feed", "kick")
ADJECTIVE_STEMS = ("big", "small", "red", "old", "young", "green", "quick", "slow",
                   "shy", "loud", "calm", "warm", "cold", "wild", "tame", "dark")
# (affix, probability); "" is none
NOUN_SUFFIXES = (("", 0.55), ("let", 0.15), ("ling", 0.15), ("kin", 0.15))
VERB_PREFIXES = (("", 0.55), ("re", 0.15), ("out", 0.15), ("over", 0.15))
ADJECTIVE_SUFFIXES = (("", 0.75), ("ish", 0.25))


def zipf(n: int) -> tuple:
    """Zipf's law over n ranks: P(k) = (1/k) / (1 + 1/2 + … + 1/n), k = 1 … n. (``fsum`` is
    correctly rounded on every Python; ``sum`` of floats changed in 3.12.)"""
    total = math.fsum(1 / k for k in range(1, n + 1))
    return tuple(1 / k / total for k in range(1, n + 1))


def _affixes(affixes, ending=""):
    """The alternatives of an affix: none (nothing to write, unless ``ending``) or one."""
    return tuple((p, (a + ending,) if a + ending else ()) for a, p in affixes)


class StemLanguage(Language):
    """``Language`` with a lexicon of stems and affixes, to tokenise (chapter 19).

    The sentences have the same structure as ``Language`` (clauses, brackets, agreement,
    questions; see its rules). Only the words change: instead of a uniform choice among a
    few words, each word is built in two choices::

        N[n]   → " " NSTEM  NSUF[n]        NSUF[s] → nothing 0.55 | let | ling | kin (0.15)
                                           NSUF[p] → the same + "s": s | lets | lings | kins
        VI[n]  → " " VPRE   VISTEM[n]      VPRE    → nothing 0.55 | re | out | over (0.15)
        VT[n]  → " " VPRE   VTSTEM[n]      VISTEM[p] → run | sleep | …; VISTEM[s]: + "s" ("es"
                                           after ch and sh: watches, pushes)
        ADJ    → nothing 0.7 | " " ASTEM ASUF 0.3       ASUF → nothing 0.75 | ish 0.25

    and each stem list (``n_stems`` stems each of nouns, intransitive and transitive verbs
    and adjectives) is drawn by Zipf's law, the k-th stem with probability ∝ 1/k: "cat"
    often, "crab" rarely, "outrun", "catlings" and "quickish" from the same pieces. Every
    word form is a different string and the categories that can meet at one place share
    none, so the grammar stays unambiguous: ``nll``, ``nll_chars``, ``entropy_per_char``
    and ``entropy_per_byte`` are exact, as for ``Language``. Every character is ASCII.

    Shapes: as ``Language``.

    Args:
        max_depth: how deep relative clauses nest, 0…5 (as ``Language``).
        n_stems: stems per list, 1…16; fewer give a smaller lexicon.

    Chapter 19 (tokens: what byte-pair encoding learns from a lexicon with shared pieces).
    """

    def __init__(self, max_depth: int = 2, n_stems: int = len(NOUN_STEMS)):
        limit = len(NOUN_STEMS)
        n = positive_int("StemLanguage", "n_stems", n_stems)
        if n > limit:
            raise ValueError(f"StemLanguage: expected n_stems from 1 to {limit}, got {n_stems}. "
                             f"Each list holds {limit} stems.")
        self.n_stems = n
        self.stems = {"N": NOUN_STEMS[:n], "VI": INTRANSITIVE_STEMS[:n],
                      "VT": TRANSITIVE_STEMS[:n], "ADJ": ADJECTIVE_STEMS[:n]}
        super().__init__(max_depth)

    def __repr__(self):
        return (f"StemLanguage(max_depth={self.max_depth}, n_stems={self.n_stems}, "
                f"V={len(self.vocab)}, entropy_per_char={self.entropy_per_char:.4f})")

    def _make_rules(self, symbol):
        kind, *att = symbol
        if kind == "N":
            return ((1.0, (("NSTEM",), ("NSUF", att[0]))),)
        if kind == "NSTEM":
            return self._stems("N", " ")
        if kind == "NSUF":
            return _affixes(NOUN_SUFFIXES, "s" if att[0] == "p" else "")
        if kind in ("VI", "VT"):
            return ((1.0, (("VPRE",), (kind + "STEM", att[0]))),)
        if kind == "VPRE":
            return tuple((p, (" " + a,)) for a, p in VERB_PREFIXES)
        if kind in ("VISTEM", "VTSTEM"):
            return self._stems(kind[:2], "", singular=att[0] == "s")
        if kind == "ADJ":
            return ((0.7, ()), (0.3, (("ASTEM",), ("ASUF",))))
        if kind == "ASTEM":
            return self._stems("ADJ", " ")
        if kind == "ASUF":
            return _affixes(ADJECTIVE_SUFFIXES)
        return super()._make_rules(symbol)

    def _stems(self, kind, lead, singular=False):
        stems = self.stems[kind]
        if singular:
            stems = [s + ("es" if s.endswith(("ch", "sh")) else "s") for s in stems]
        return tuple((p, (lead + s,)) for p, s in zip(zipf(len(stems)), stems))

    def words(self) -> dict:
        """Every word form by category, ``{"N": [...], "VI": [...], "VT": [...], "ADJ": [...]}``
        (nouns and verbs in both numbers), each list in a fixed order: the lexicon."""
        found = {}
        for kind, stems in self.stems.items():
            if kind == "N":
                forms = [s + a + e for s in stems for a, _ in NOUN_SUFFIXES for e in ("", "s")]
            elif kind == "ADJ":
                forms = [s + a for s in stems for a, _ in ADJECTIVE_SUFFIXES]
            else:
                forms = [a + s + e for a, _ in VERB_PREFIXES for s in stems
                         for e in ("", "es" if s.endswith(("ch", "sh")) else "s")]
            found[kind] = forms
        return found
