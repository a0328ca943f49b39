"""The best loss a model that reads only a window of the text can reach on the generated
language (chapters 17 and 18): the grammar's parser run forward from the distribution of its
states at a random place in an endless text, so a window that starts mid-sentence is judged
by what the window itself shows. ``Language.window_bound`` calls it.
"""

from __future__ import annotations

import math
import weakref

import numpy as np

from ..validate import positive_int

__all__ = ["window_bound", "window_entropy"]

_PRIORS = weakref.WeakKeyDictionary()      # Language → {parser state: P(state) at a random place}


def _prior(language):
    """P(parser state before a character) at a uniformly random place of an endless text.

    Sentences are independent, and with bounded nesting each has a bounded length, so the
    states one sentence (and the space after it) passes through form a graph without
    cycles. Their expected visits per sentence follow in one pass in topological order;
    divided by their sum (the mean sentence length + 1) they are the stationary distribution.
    """
    if language not in _PRIORS:
        start = (("MORE",), ("S",))
        edges, todo = {}, [start]
        while todo:                                    # every state and where each char leads
            stack = todo.pop()
            out = edges[stack] = {}
            for p, st in language.expansions(stack):
                rest = st[:-1] + ((st[-1][1:],) if len(st[-1]) > 1 else ())
                if rest != start:                      # a sentence and its space are done
                    out[rest] = out.get(rest, 0.0) + p
                    if rest not in edges:
                        edges[rest] = None
                        todo.append(rest)
        indegree = dict.fromkeys(edges, 0)
        for out in edges.values():
            for rest in out:
                indegree[rest] += 1
        visits, ready = dict.fromkeys(edges, 0.0), [start]
        visits[start] = 1.0
        while ready:                                   # Kahn's order: predecessors first
            stack = ready.pop()
            for rest, p in edges[stack].items():
                visits[rest] += visits[stack] * p
                indegree[rest] -= 1
                if indegree[rest] == 0:
                    ready.append(rest)
        total = sum(visits.values())                   # = mean sentence length + 1
        _PRIORS[language] = {st: w / total for st, w in visits.items()}
    return _PRIORS[language]


def window_bound(language, text: str, window: int, *, stride: int | None = None) -> np.ndarray:
    """−log P(target | the window's characters) of the best window-only predictor, for the
    windows ``char_windows`` cuts from ``text``: window k starts at s = k · stride, and
    position t predicts ``text[s + t + 1]`` from ``text[s:s + t + 1]`` only.

    The predictor knows the grammar but not what came before the window; it starts from the
    distribution of the grammar's states at a random place of an endless text. No model
    that reads only these characters can have a lower expected loss, so its mean lies
    between ``entropy_per_char`` (the whole history) and the bigram's (one character).

    Shapes: text of n characters → (m, window) float64, m = (n − window − 1) // stride + 1,
    laid out as ``char_windows``' targets.
    """
    window, starts = _window_starts("Language.window_bound", language, text, window, stride)
    # language.step on numbered stacks (_Steps, below): the same numbers, faster
    steps, memo = _steps(language), {}
    prior, step = steps.prior, steps.step
    out = np.empty((len(starts), window))
    for k, s in enumerate(starts):
        piece = text[s:s + window + 1]
        states, t0 = None, 0
        for t0 in range(window, 0, -1):                # the longest prefix already computed
            if piece[:t0] in memo:
                states = memo[piece[:t0]][0]
                break
        if states is None:
            new = step(prior, piece[0])
            states, t0 = _normalised(new), 1
            memo[piece[:1]] = (states, None)
        for t in range(t0, window + 1):
            key = piece[:t + 1]
            if key not in memo:
                new = step(states, piece[t])
                loss = max(0.0, -math.log(sum(new.values())))   # not −0 or −1e-16
                memo[key] = (_normalised(new), loss)
            states = memo[key][0]
        out[k] = [memo[piece[:t + 2]][1] for t in range(window)]
    return out


_STEPS = weakref.WeakKeyDictionary()       # Language → its _Steps


def _steps(language):
    if language not in _STEPS:
        _STEPS[language] = _Steps(language)
    return _STEPS[language]


class _Steps:
    """``language.step`` for the walks from the prior, on the stacks as numbers
    (``Language.numbered``): {number: weight} in, the same out. The walk from the prior
    starts from 13,708 states (the course's language) and reads hundreds for some steps
    after it; there the Python loop over states is most of ``window_bound``'s time, so
    from ``_DENSE`` states on a step runs as array operations over every state's moves,
    laid out once per grammar: the same products w · p, each state's sum added up in the
    same order (``np.bincount`` adds its weights one by one, in order) and the new states
    listed in the order of their first move, as ``step`` inserts them, so the same bits."""

    _DENSE = 64

    def __init__(self, language):
        self.language, self.labels = language, {}      # labels: parser_states.py's
        numbered = self.numbered = language.numbered
        self.prior = {numbered.number(st): w for st, w in _prior(language).items()}
        i = 0
        while i < len(numbered.stacks):                # every numbered stack's moves
            numbered.moves_of(i)
            i += 1
        self.n = n = len(numbered.stacks)
        count = {ch: np.zeros(n + 1, dtype=np.int64) for ch in language.vocab}
        rest = {ch: [] for ch in language.vocab}
        prob = {ch: [] for ch in language.vocab}
        for i, found in enumerate(numbered.moves):     # numbers in order: rows by number
            for ch, moves in found.items():
                count[ch][i + 1] = len(moves)
                for p, r in moves:
                    rest[ch].append(r)
                    prob[ch].append(p)
        self.moves = {ch: (np.cumsum(count[ch]), np.array(rest[ch], dtype=np.int64),
                           np.array(prob[ch], dtype=np.float64)) for ch in language.vocab}

    def step(self, states, ch):
        if len(states) < self._DENSE or ch not in self.moves:
            return self.numbered.step(states, ch)
        ptr, rest, p = self.moves[ch]
        ids = np.fromiter(states.keys(), dtype=np.int64, count=len(states))
        w = np.fromiter(states.values(), dtype=np.float64, count=len(states))
        lo = ptr[ids]
        cnt = ptr[ids + 1] - lo
        e = np.repeat(lo - (np.cumsum(cnt) - cnt), cnt) + np.arange(int(cnt.sum()))
        keys = rest[e]                                 # every move read, in step's order
        total = np.bincount(keys, np.repeat(w, cnt) * p[e], minlength=self.n)
        found, first = np.unique(keys, return_index=True)
        order = found[np.argsort(first)]               # by first move, as step inserts
        return dict(zip(order.tolist(), total[order].tolist()))


def _window_starts(owner, language, text, window, stride):
    """The checked window and the starts s = k · stride of the windows ``char_windows`` cuts
    from ``text``; a ValueError naming ``owner`` for a bad window, stride or text."""
    window = positive_int(owner, "window", window)
    stride = window if stride is None else positive_int(owner, "stride", stride)
    if not isinstance(text, str) or len(text) < window + 1:
        got = f"{len(text)} characters" if isinstance(text, str) else type(text).__name__
        raise ValueError(f"{owner}: expected a string of at least window + 1 = {window + 1} "
                         f"characters, got {got}. Pass a longer text or a smaller window.")
    language.parse(text, owner=owner)                  # a ValueError if the grammar rejects it
    return window, range(0, len(text) - window, stride)


def _normalised(states):
    total = sum(states.values())
    return {st: w / total for st, w in states.items()}


def window_entropy(language, window: int, *, max_strings: int | None = 100_000) -> float:
    """The expected loss (nats per character) of the best model that reads only the
    ``window`` characters before each one, at a random place of an endless text: the
    conditional entropy H(c_t | c_{t−window} … c_{t−1}), exactly, by walking every string
    of ``window`` characters the language can write from the prior of its parser states
    (its probability times the entropy of the next character). ``window_bound``'s mean
    over a long text tends to it; it lies between ``entropy_per_char`` and the bigram's.
    The floor of a scaling law fitted to models with a context of ``window`` characters
    (chapter 32).

    Cost: one step of the parser per string of up to ``window`` characters, and the number
    of strings grows about geometrically with ``window``. The course's language at 6: about
    6,300 strings, a second; ``StemLanguage`` at 6: about 40,000 strings, 20 seconds
    (``nb.data.two_sources.WINDOW_ENTROPY_6`` stores both). Past ``max_strings`` strings
    the walk stops with a ValueError; pass a larger ``max_strings`` (or None) to wait."""
    owner = "window_entropy"
    # a grammar is what walks: its expansions and steps (language.py imports this module,
    # so the class itself is not imported here)
    if not all(callable(getattr(language, name, None)) for name in ("expansions", "step")):
        raise ValueError(f"{owner}: expected language to be a nb.data.Language (or "
                         f"StemLanguage), got {type(language).__name__}. Pass the grammar "
                         f"object, e.g. nb.data.Language(), not its text.")
    window = positive_int(owner, "window", window, minimum=0)
    if max_strings is not None:
        max_strings = positive_int(owner, "max_strings", max_strings)
    prior, total, walked = _prior(language), 0.0, 0
    todo = [(prior, 1.0, 0)]
    while todo:
        states, p, depth = todo.pop()
        walked += 1
        if max_strings is not None and walked > max_strings:
            raise ValueError(f"{owner}: window={window} needs more than max_strings="
                             f"{max_strings:,} strings of the grammar (the cost grows about "
                             f"geometrically with the window). Pass a smaller window, or "
                             f"max_strings=None to wait for it.")
        nexts = _step_all(language, states)            # {ch: unnormalised states}
        weights = [sum(new.values()) for new in nexts.values()]
        if depth == window:
            total += p * -math.fsum(q * math.log(q) for q in weights if q > 0.0)
            continue
        todo.extend((_normalised(new), p * q, depth + 1)
                    for new, q in zip(nexts.values(), weights) if q > 0.0)
    return float(total)


def _step_all(language, states):
    """``language.step(states, ch)`` for every character ch at once: {ch: new states}, in
    one pass over the states' expansions instead of one per character."""
    out = {}
    for stack, w in states.items():
        for p, st in language.expansions(stack):
            if st:
                ch = st[-1][0]
                rest = st[:-1] + ((st[-1][1:],) if len(st[-1]) > 1 else ())
                new = out.setdefault(ch, {})
                new[rest] = new.get(rest, 0.0) + w * p
    return out
