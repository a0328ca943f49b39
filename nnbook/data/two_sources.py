"""Two generated sources mixed into one corpus (chapter 32's data-mixing law): ``TwoSources``
draws each sentence from one of two grammars (by default the course's ``Language`` and the
richer ``StemLanguage``), at a chosen share, over one shared vocabulary. Each source keeps
its exact entropy per character, and each sentence its exact −log P under its grammar, so
a mixing law can be judged per source and the hardest sentences filtered by their true NLL.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ..validate import make_rng, positive_int
from .language import Language
from .stem_language import StemLanguage

__all__ = ["TwoSources", "MixedText", "WINDOW_ENTROPY_6"]

# window_entropy(source, 6) of the default sources, Language() and StemLanguage(): the floors of
# chapter 32's models, which read 6 characters. Stored because StemLanguage's takes about 20
# seconds; tests/test_data_two_sources.py recomputes both (StemLanguage's under NNBOOK_HEAVY=1).
WINDOW_ENTROPY_6 = (0.5138333850134287, 0.6803498136049911)


@dataclass(repr=False)
class MixedText:
    """A mixed text: whole sentences joined by single spaces, their ids in the shared
    vocabulary, and which source wrote each sentence.

    Shapes: ids (n,) int64;  source (n,) int64, 0 or 1 for each character (a joining space
    counts with the sentence before it);  sentences: a list of str;  from_source: (k,) int
    per sentence;  nll: (k,) float64, each sentence's exact −log P under its own grammar.
    """

    text: str
    ids: np.ndarray
    source: np.ndarray
    sentences: list
    from_source: np.ndarray
    nll: np.ndarray
    dropped: int

    def __repr__(self):
        share = float(np.mean(self.source == 0)) if self.source.size else 0.0
        return (f"MixedText({len(self.text)} characters, {len(self.sentences)} sentences, "
                f"{share:.2f} of characters from source 0, {self.dropped} dropped)")

    def __len__(self):
        return len(self.text)


class TwoSources:
    """Two grammars behind one vocabulary: ``sample(n_chars, share)`` draws each sentence
    from source 0 with probability ``share`` and from source 1 otherwise.

    ``entropy_per_char`` holds each source's exact entropy per character (nats), the floor
    of a model's loss on a text of that source alone when it reads the whole history (a
    model that reads K characters has the higher floor ``window_entropy(source, K)``;
    ``WINDOW_ENTROPY_6`` stores it for the default sources at K = 6);
    ``sentence_nll_per_char(s, k)`` is a sentence's exact −log P under source k divided by
    its characters and the joining space, the per-sentence difficulty that
    ``sample(..., max_nll_per_char=t)`` filters by: source 1's sentences above t are dropped
    (another source-1 sentence drawn instead), source 0's kept.

    Args:
        first, second: two ``Language`` objects (``StemLanguage`` is one); default the
            course's ``Language()`` (entropy about 0.389 nats per character) and
            ``StemLanguage()`` (about 0.563).
    """

    def __init__(self, first: Language | None = None, second: Language | None = None):
        self.sources = (Language() if first is None else first,
                        StemLanguage() if second is None else second)
        for k, s in enumerate(self.sources):
            if not isinstance(s, Language):
                raise ValueError(f"TwoSources: expected source {k} to be a nb.data.Language "
                                 f"(or StemLanguage), got {type(s).__name__}.")
        self.vocab = sorted(set(self.sources[0].vocab) | set(self.sources[1].vocab))
        self.entropy_per_char = tuple(s.entropy_per_char for s in self.sources)
        self._index = {c: i for i, c in enumerate(self.vocab)}

    def __repr__(self):
        return (f"TwoSources({type(self.sources[0]).__name__}: "
                f"{self.entropy_per_char[0]:.4f}, {type(self.sources[1]).__name__}: "
                f"{self.entropy_per_char[1]:.4f} nats per character, V={len(self.vocab)})")

    def encode(self, text: str) -> np.ndarray:
        """Characters to ids in the shared vocabulary."""
        try:
            return np.array([self._index[c] for c in text], dtype=np.int64)
        except KeyError as e:
            raise ValueError(f"TwoSources.encode: character {e.args[0]!r} is in neither "
                             f"source's vocabulary {''.join(self.vocab)!r}.") from None

    def sentence_nll_per_char(self, sentence: str, source: int) -> float:
        """−log P(sentence) under source ``source``, per character (the joining space
        counted, as in ``entropy_per_char``); a ValueError if that grammar rejects it."""
        if isinstance(source, bool) or source not in (0, 1):
            raise ValueError(f"TwoSources.sentence_nll_per_char: expected source 0 or 1 (an "
                             f"int), got {source!r}.")
        return self.sources[source].nll(sentence) / (len(sentence) + 1)

    def sample(self, n_chars: int, share: float, *, rng=None,
               max_nll_per_char: float | None = None) -> MixedText:
        """Whole sentences until the text has ``n_chars`` characters or more, each from
        source 0 with probability ``share``; with ``max_nll_per_char`` set, a source-1
        sentence whose exact NLL per character exceeds it is dropped and another source-1
        sentence drawn in its place, so ``share`` stays the probability of source 0 per
        sentence kept.

        Shapes: n_chars ≥ 1;  share in [0, 1]."""
        owner = "TwoSources.sample"
        n_chars = positive_int(owner, "n_chars", n_chars)
        if isinstance(share, bool) or not isinstance(share, numbers.Real) or \
                not 0.0 <= share <= 1.0:
            raise ValueError(f"{owner}: expected share, the probability of source 0, as a "
                             f"number in [0, 1], got {share!r}. Pass e.g. share=0.5.")
        share = float(share)
        if max_nll_per_char is not None and (
                isinstance(max_nll_per_char, bool)
                or not isinstance(max_nll_per_char, numbers.Real)
                or not max_nll_per_char > 0):
            raise ValueError(f"{owner}: expected max_nll_per_char as a number > 0 (nats per "
                             f"character) or None (no filter), got {max_nll_per_char!r}.")
        rng = make_rng(rng, owner)
        parts, which, nlls, size, dropped = [], [], [], -1, 0
        redraw = False                   # a source-1 sentence was dropped: draw source 1 again
        while size < n_chars:
            # one uniform per sentence drawn, kept or dropped (as the stored tables were made);
            # after a drop it is not used, so the share of source 0 stays `share` with a filter
            u = rng.random()
            k = 1 if redraw else (0 if u < share else 1)
            sentence, nll = self.sources[k].sample_sentence(rng=rng)
            if k == 1 and max_nll_per_char is not None and \
                    nll / (len(sentence) + 1) > max_nll_per_char:
                dropped += 1
                redraw = True
                if dropped > 100 * (len(parts) + 10):
                    raise ValueError(f"{owner}: max_nll_per_char={max_nll_per_char} drops "
                                     f"almost every sentence of source 1; raise it.")
                continue
            redraw = False
            parts.append(sentence)
            which.append(k)
            nlls.append(nll)
            size += len(sentence) + 1
        text = " ".join(parts)
        lengths = np.array([len(s) + 1 for s in parts])
        lengths[-1] -= 1                                 # no space after the last sentence
        source = np.repeat(np.array(which, dtype=np.int64), lengths)
        return MixedText(text, self.encode(text), source, parts, np.array(which),
                         np.array(nlls), dropped)
