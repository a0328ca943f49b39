"""Two generated sources mixed into one corpus (chapter 32's data-mixing law): ``TwoSources``
draws each sentence from one of two grammars (by default the course's ``Language`` and the
richer ``StemLanguage``), at a chosen share, over one shared vocabulary. Each source keeps
its exact entropy per character, and each sentence its exact −log P under its grammar, so
a mixing law can be judged per source and the hardest sentences filtered by their true NLL.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..validate import make_rng, positive_int
from .language import Language
from .stem_language import StemLanguage

__all__ = ["TwoSources", "MixedText"]


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
    of a model's loss on a text of that source alone; ``sentence_nll_per_char(s, k)`` is a
    sentence's exact −log P under source k divided by its characters and the joining space,
    the per-sentence difficulty that ``sample(..., max_nll_per_char=t)`` filters by: source
    1's sentences above t are dropped (redrawn), source 0's kept.

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
        if source not in (0, 1):
            raise ValueError(f"TwoSources.sentence_nll_per_char: expected source 0 or 1, got "
                             f"{source!r}.")
        return self.sources[source].nll(sentence) / (len(sentence) + 1)

    def sample(self, n_chars: int, share: float, *, rng=None,
               max_nll_per_char: float | None = None) -> MixedText:
        """Whole sentences until the text has ``n_chars`` characters or more, each from
        source 0 with probability ``share``; with ``max_nll_per_char`` set, a source-1
        sentence whose exact NLL per character exceeds it is dropped and another drawn.

        Shapes: n_chars ≥ 1;  share in [0, 1]."""
        owner = "TwoSources.sample"
        n_chars = positive_int(owner, "n_chars", n_chars)
        if not (isinstance(share, (int, float)) and 0.0 <= share <= 1.0):
            raise ValueError(f"{owner}: expected share, the probability of source 0, in "
                             f"[0, 1], got {share!r}.")
        if max_nll_per_char is not None and not (max_nll_per_char > 0):
            raise ValueError(f"{owner}: expected max_nll_per_char > 0 (nats) or None, got "
                             f"{max_nll_per_char!r}.")
        rng = make_rng(rng, owner)
        parts, which, nlls, size, dropped = [], [], [], -1, 0
        while size < n_chars:
            k = 0 if rng.random() < share else 1
            sentence, nll = self.sources[k].sample_sentence(rng=rng)
            if k == 1 and max_nll_per_char is not None and \
                    nll / (len(sentence) + 1) > max_nll_per_char:
                dropped += 1
                if dropped > 100 * (len(parts) + 10):
                    raise ValueError(f"{owner}: max_nll_per_char={max_nll_per_char} drops "
                                     f"almost every sentence of source 1; raise it.")
                continue
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
