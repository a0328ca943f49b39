"""The grammar's exact state behind each prefix of a text (chapter 36's probe labels): the
brackets open, whether the sentence is a question, and the number the main verb still has to
agree with, read from the parser's states (``Language.step``) character by character; and
``window_states``, the same labels' exact distribution given only a model's window (the best
accuracy any probe of the model can reach).
"""

from __future__ import annotations

import math

import numpy as np

from .window_bound import _normalised, _steps, _window_starts

__all__ = ["state_labels", "window_states", "STATE_LABELS", "WINDOW_LABELS"]

STATE_LABELS = ("depth", "inside", "question", "verb_number")


def _verb_number(states):
    """0 (singular form) or 1 (plural) if every live parser state still holds the main
    clause's verb phrase, ("VP", n, 0), with the same n; −1 otherwise."""
    found = set()
    for stack in states:
        mains = [item[1] for item in stack if isinstance(item, tuple) and item[0] == "VP"
                 and item[2] == 0]
        if not mains:
            return -1
        found.update(mains)
    return {"s": 0, "p": 1}[found.pop()] if len(found) == 1 else -1


def state_labels(language, text: str) -> dict:
    """The parser's state after each character of ``text`` (whole sentences joined by
    single spaces, as ``Language.sample`` writes; it may end inside a sentence), as integer
    labels aligned with the characters: entry t describes the prefix ``text[:t + 1]``.

    - ``depth``: the brackets open (0 … max_depth);  ``inside``: 1 inside a bracket, else 0;
    - ``question``: 1 in a question (from its "do"/"does" to its "?"), 0 in a statement, −1
      on the space between two sentences, where no sentence has begun;
    - ``verb_number``: the form the main clause's verb must take, 0 singular ("runs"), 1
      plural ("run"; a question's verb is always plural), −1 where the prefix leaves it open
      ("the c…" may be "cats") or the verb has begun or been read.

    Every label is exact, read from the set of parser states alive after the prefix: a
    label is given only where every state agrees (the space before a word belongs to the
    word, so the space before the main verb is already −1). A text the grammar rejects is a
    ``ValueError`` naming where.

    Shapes: text of n characters → {name: (n,) int64}"""
    language.parse(text, owner="Language.state_labels")          # rejects a bad text, named
    n = len(text)
    out = {name: np.empty(n, dtype=np.int64) for name in STATE_LABELS}
    states, depth, question = {(("MORE",), ("S",)): 1.0}, 0, -1
    for t, ch in enumerate(text):
        new = language.step(states, ch)
        total = sum(new.values())          # normalised: a long text's weights would underflow
        states = {st: w / total for st, w in new.items() if w > 0}
        depth += (ch == "(") - (ch == ")")
        if ch == " " and all(st == (("MORE",), ("S",)) for st in states):
            question = -1                                       # between two sentences
        elif question == -1:
            question = int(any("?" in st for st in states))     # "d" opens "do"/"does"
        out["depth"][t], out["inside"][t] = depth, depth > 0
        out["question"][t], out["verb_number"][t] = question, _verb_number(states)
    return out


#: the labels ``window_states`` gives a distribution of, and their classes' count
WINDOW_LABELS = ("depth", "inside", "question")
_START, _DONE = (("MORE",), ("S",)), (("MORE",),)


def _stack_labels(stack, ch):
    """(depth, question) of one parser state, read after the character ``ch``: the ")"s
    still to read, less one if the "(" of a pending "(that" is not yet read; the question
    as ``state_labels`` gives it (−1 at the start of a sentence, 1 while its "?" is still to
    come or was just read)."""
    depth = stack.count(")") - any(isinstance(item, str) and item.lstrip(" ").startswith("(")
                                   for item in stack)
    if stack == _START:
        return depth, -1
    return depth, int("?" in stack or (stack == _DONE and ch == "?"))


def _posteriors(states, ch, K, steps):
    """The labels' distribution over ``states`` ({stack number: probability}, as
    ``steps``, window_bound's ``_Steps``, numbers them): depth (K,), inside (2,), question
    (3,: −1, 0, 1). Each stack's labels are kept by its number in ``steps.labels``."""
    depth, question = np.zeros(K), np.zeros(3)
    seen, stacks = steps.labels, steps.numbered.stacks
    for i, w in states.items():
        if (i, ch == "?") not in seen:
            seen[i, ch == "?"] = _stack_labels(stacks[i], ch)
        d, q = seen[i, ch == "?"]
        depth[d] += w
        question[q + 1] += w
    return depth, np.array([depth[0], depth[1:].sum()]), question


def window_states(language, text: str, window: int, *, stride: int | None = None) -> dict:
    """The exact distribution of the parser-state labels given only a window, for the
    windows ``char_windows`` cuts from ``text`` (window k starts at s = k · stride): entry
    [k, t] is P(label of the prefix ``text[:s + t + 1]`` | ``text[s:s + t + 1]``), from the
    parser run forward from the distribution of its states at a random place of an endless
    text, as ``window_bound`` (whose losses come back beside them, ``"bound"``).

    A model that reads only the window computes its residuals from those characters, so no
    probe of it can beat, in expectation, the best guess from this distribution: ``max``
    over the last axis, averaged over the rows, is the probe's ceiling.

    Shapes: text of n characters → {"depth": (m, window, max_depth + 1), "inside": (m,
    window, 2), "question": (m, window, 3) (columns for −1, 0, 1), "bound": (m, window)
    nats}, m = (n − window − 1) // stride + 1, as ``window_bound``."""
    window, starts = _window_starts("Language.window_states", language, text, window, stride)
    # language.step on numbered stacks (window_bound's _Steps): the same numbers, faster
    steps, memo, K = _steps(language), {}, language.max_depth + 1
    out = {"depth": np.empty((len(starts), window, K)),
           "inside": np.empty((len(starts), window, 2)),
           "question": np.empty((len(starts), window, 3)),
           "bound": np.empty((len(starts), window))}
    for k, s in enumerate(starts):
        piece, states = text[s:s + window + 1], steps.prior
        for t in range(window + 1):
            key = piece[:t + 1]
            if key not in memo:
                new = steps.step(states, piece[t])
                loss, new = max(0.0, -math.log(sum(new.values()))), _normalised(new)
                memo[key] = (new, loss,
                             None if t == window else _posteriors(new, piece[t], K, steps))
            states, loss, labels = memo[key]
            if t > 0:
                out["bound"][k, t - 1] = loss
            if t < window:
                out["depth"][k, t], out["inside"][k, t], out["question"][k, t] = labels
    return out
