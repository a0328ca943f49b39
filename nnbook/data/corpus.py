"""Text as integer ids for chapters 17 and 18: ``language_corpus`` samples the generated
language with its vocabulary, ids and exact loss per character, ``char_windows`` cuts ids
into training windows with next-character targets, and ``bigram_probs`` is chapter 17's
bigram model from counts.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ..validate import make_rng, positive_int
from .language import Language

__all__ = ["Corpus", "language_corpus", "char_windows", "token_windows", "random_windows", "bigram_probs"]


@dataclass(repr=False)
class Corpus:
    """A text with its ids. ``text`` is whole sentences joined by single spaces;
    ``nll_per_char`` is its exact −log P(text) / len(text) under ``language`` (nats), the
    loss of the best possible model on this text.

    Shapes:
        ids: (n,) int64, ``vocab[ids[t]] == text[t]``;  vocab: V characters, sorted
        encode(text): n characters → (n,) int64;  decode(ids): (n,) → str
    """

    text: str
    ids: np.ndarray
    vocab: list
    nll_per_char: float
    language: Language

    def __repr__(self):
        return (f"Corpus({len(self.text)} characters, V={len(self.vocab)}, "
                f"nll_per_char={self.nll_per_char:.4f})")

    def __len__(self):
        return len(self.text)

    def encode(self, text: str) -> np.ndarray:
        """Characters to ids, positions in ``vocab``: "the" → [ids of t, h, e]."""
        if not isinstance(text, str):
            raise ValueError(f"Corpus.encode: expected a string, got {type(text).__name__}.")
        index = {c: i for i, c in enumerate(self.vocab)}
        bad = next((t for t, c in enumerate(text) if c not in index), None)
        if bad is not None:
            raise ValueError(f"Corpus.encode: character {text[bad]!r} at position {bad} is not "
                             f"in the vocabulary {''.join(self.vocab)!r}. Remove it first.")
        return np.array([index[c] for c in text], dtype=np.int64)

    def decode(self, ids) -> str:
        """Ids back to characters; decode one row of an (m, T) array at a time."""
        a = np.asarray(ids)
        V = len(self.vocab)
        if a.ndim != 1 or (a.size and a.dtype.kind not in "iu"):
            raise ValueError(f"Corpus.decode: expected a 1-D array of integer ids, got shape "
                             f"{a.shape} and dtype {a.dtype}. Decode one row at a time: "
                             f"[corpus.decode(row) for row in ids].")
        if a.size and (a.min() < 0 or a.max() >= V):
            raise ValueError(f"Corpus.decode: id {int(a.min() if a.min() < 0 else a.max())} is "
                             f"outside [0, {V}) for a vocabulary of {V} characters.")
        return "".join(self.vocab[i] for i in a.tolist())


def language_corpus(n_chars: int, *, rng=None, language: Language | None = None) -> Corpus:
    """A corpus of ``n_chars`` characters or a few more (whole sentences) of the generated
    language, with its ids, vocabulary and exact loss per character (chapters 17 and 18).

    The text is ``language.sample(n_chars, rng=rng)``; its vocabulary is the language's
    (every character the grammar can write, so a held-out corpus shares the ids), and
    ``nll_per_char`` the generator's −log P(text) / len(text) in nats, which equals
    ``language.nll(text) / len(text)``. Compare a model's held-out loss with it, and with
    ``language.entropy_per_char``, its mean over an endless text.

    Shapes:
        corpus.ids: (n,) int64 in [0, V), n ≥ n_chars;  corpus.vocab: V characters

    Args:
        n_chars: the least number of characters (≥ 1).
        rng: ``np.random.Generator``; the same seed gives the same text.
        language: a ``Language``; ``None`` means ``Language()``, the course's (max_depth=2).
    """
    n_chars = positive_int("language_corpus", "n_chars", n_chars)
    rng = make_rng(rng, "language_corpus")
    if language is None:
        language = Language()
    if not isinstance(language, Language):
        raise ValueError(f"language_corpus: expected language to be a nb.data.Language or None, "
                         f"got {type(language).__name__}. Pass language=nb.data.Language(...).")
    parts, size, nll = [], -1, 0.0
    while size < n_chars:                     # as Language.sample, keeping each sentence's nll
        sentence, sentence_nll = language.sample_sentence(rng=rng)
        parts.append(sentence)
        size, nll = size + len(sentence) + 1, nll + sentence_nll
    text = " ".join(parts)
    index = {c: i for i, c in enumerate(language.vocab)}
    ids = np.array([index[c] for c in text], dtype=np.int64)
    return Corpus(text, ids, list(language.vocab), nll / len(text), language)


def _ids(owner: str, ids, vocab_size=None) -> np.ndarray:
    a = np.asarray(ids)
    if a.ndim != 1 or a.dtype.kind not in "iu":
        raise ValueError(f"{owner}: expected ids as a 1-D integer array (n,), got shape "
                         f"{a.shape} and dtype {a.dtype}. Pass corpus.ids or corpus.encode(text).")
    if vocab_size is not None and a.size and (a.min() < 0 or a.max() >= vocab_size):
        raise ValueError(f"{owner}: id {int(a.min() if a.min() < 0 else a.max())} is outside "
                         f"[0, {vocab_size}). Pass vocab_size=len(corpus.vocab).")
    return a.astype(np.int64)


def token_windows(ids, T: int, *, stride: int | None = None, _owner="token_windows"):
    """Training windows for a language model: each input window of T token ids (characters,
    bytes or byte-pair tokens alike), and as its target the same window one token later.

    Window k starts at s = k · stride: ``x[k] = ids[s:s + T]``, ``y[k] = ids[s + 1:s + T + 1]``,
    so ``y[k, t]`` is the token after ``x[k, t]``. With the default ``stride = T`` the
    windows follow each other and every token but the first is a target once; the ids
    left over at the end (fewer than a window) are dropped. For ``fit`` (every window once
    per epoch); ``random_windows`` draws batches at random places instead.

    Shapes:
        ids: (n,) integers, n ≥ T + 1
        x: (m, T) int64;  y: (m, T) int64, with m = (n − T − 1) // stride + 1

    Args:
        T: the window length (≥ 1), the context a model sees.
        stride: the step between window starts (≥ 1); ``None`` means T.

    Part IV (chapters 19–22); ``char_windows`` is the same function under chapter 17's name.
    """
    a = _ids(_owner, ids)
    T = positive_int(_owner, "T", T)
    stride = T if stride is None else positive_int(_owner, "stride", stride)
    if len(a) < T + 1:
        raise ValueError(f"{_owner}: got {len(a)} ids, too few for one window of T={T} and "
                         f"its target (T + 1 = {T + 1} ids). Use a shorter T or a longer text.")
    starts = np.arange(0, len(a) - T, stride)                           # (m,)
    cols = starts[:, None] + np.arange(T)                               # (m, T)
    return a[cols], a[cols + 1]


def char_windows(ids, T: int, *, stride: int | None = None):
    """Training windows of T ids and their targets one id later (chapters 17 and 18, where
    the ids are characters): ``token_windows`` under its first name, for any ids (the
    characters of ``language_corpus``, or a tokenizer's tokens).

    Shapes: ids (n,) → x, y (m, T) int64, m = (n − T − 1) // stride + 1 (stride: T).
    """
    return token_windows(ids, T, stride=stride, _owner="char_windows")


def random_windows(ids, batch_size: int, length: int, *, rng=None):
    """A batch of training windows at random places in a long 1-D token array (the sampler
    of other courses' language-model loops): ``x[k] = ids[s_k:s_k + length]`` and
    ``y[k] = ids[s_k + 1:s_k + length + 1]``, each start s_k drawn uniformly from
    0 … n − length − 1 (every window and its target fit), independently.

    Shapes:
        ids: (n,) integers, n ≥ length + 1
        x, y: (batch_size, length) int64

    Args:
        batch_size, length: the windows per batch and their length (each ≥ 1).
        rng: the ``np.random.Generator`` that draws the starts (``None``: a fresh one).

    Unlike ``char_windows`` (every window once, in order) a batch may repeat or overlap
    windows; an epoch is then as many batches as you choose.
    """
    a = _ids("random_windows", ids)
    batch_size = positive_int("random_windows", "batch_size", batch_size)
    length = positive_int("random_windows", "length", length)
    if len(a) < length + 1:
        raise ValueError(f"random_windows: got {len(a)} ids, too few for one window of "
                         f"length={length} and its target ({length + 1} ids). Use a shorter "
                         f"length or a longer text.")
    starts = make_rng(rng, "random_windows").integers(0, len(a) - length, size=batch_size)
    cols = starts[:, None] + np.arange(length)                          # (batch_size, length)
    return a[cols], a[cols + 1]


def bigram_probs(ids, vocab_size: int, *, alpha: float = 1.0) -> np.ndarray:
    """The bigram model from counts (chapter 17): P[a, b], the probability that id b follows
    id a, with add-α smoothing, ``P[a, b] = (count(a → b) + α) / (count(a → ·) + α V)``.

    Its loss per character on held-out ids is ``-np.log(P[ids[:-1], ids[1:]]).mean()``.

    Shapes:
        ids: (n,) integers in [0, V);  P: (V, V) float64, each row sums to 1

    Args:
        vocab_size: V, e.g. ``len(corpus.vocab)``.
        alpha: the count added to every pair (> 0), so no pair has probability 0.
    """
    V = positive_int("bigram_probs", "vocab_size", vocab_size)
    a = _ids("bigram_probs", ids, V)
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) \
            or not 0 < alpha < float("inf"):
        raise ValueError(f"bigram_probs: expected alpha > 0, got {alpha!r}. alpha=1 adds one "
                         f"to every count; alpha=0 would give unseen pairs probability 0.")
    counts = np.bincount(a[:-1] * V + a[1:], minlength=V * V).reshape(V, V) + float(alpha)
    return counts / counts.sum(axis=1, keepdims=True)
