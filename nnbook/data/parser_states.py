"""The grammar's exact state behind each prefix of a text (chapter 36's probe labels): the
brackets open, whether the sentence is a question, and the number the main verb still has to
agree with, read from the parser's states (``Language.step``) character by character.
"""

from __future__ import annotations

import numpy as np

__all__ = ["state_labels", "STATE_LABELS"]

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
        states = {st: w for st, w in language.step(states, ch).items() if w > 0}
        depth += (ch == "(") - (ch == ")")
        if ch == " " and all(st == (("MORE",), ("S",)) for st in states):
            question = -1                                       # between two sentences
        elif question == -1:
            question = int(any("?" in st for st in states))     # "d" opens "do"/"does"
        out["depth"][t], out["inside"][t] = depth, depth > 0
        out["question"][t], out["verb_number"][t] = question, _verb_number(states)
    return out
