"""The generated language of chapters 17 and 18: English-like sentences drawn from a small
stochastic grammar with brackets and agreement across them. The grammar is unambiguous, so
it knows the exact probability of any text, and its entropy per character, to judge a model by.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right

import numpy as np

from ..validate import make_rng, positive_int
from ._numbered_stacks import NumberedStacks
from .parser_states import state_labels as _state_labels
from .parser_states import window_states as _window_states
from .window_bound import window_bound as _window_bound

__all__ = ["Language"]

NOUNS = ("cat", "dog", "bird", "frog")              # plural: + "s"
INTRANSITIVE = ("run", "sleep", "sing", "jump")     # plural form; singular: + "s"
TRANSITIVE = ("see", "like", "chase", "hear")       # singular: + "s" ("chases")
ADJECTIVES = ("big", "small", "red")
MAX_DEPTH_LIMIT = 5
_END = ".!?"
_KEEP_ACCEPTED = 100_000                             # sentences whose accepts() is kept


def _rhs(*items):
    return tuple(items)


class Language:
    """A stochastic grammar of sentences such as ``the cats (that a dog sees) run.``.

    The rules, with their probabilities (n is the number, s or p; NP, MOD and REL carry
    the depth d, which REL raises by one)::

        S      → NP[s] VP[s] END 3/8 | NP[p] VP[p] END 3/8
               | "does" NP[s] VP[p] "?" 1/8 | "do" NP[p] VP[p] "?" 1/8   (questions: plural forms)
        END    → "." 0.7 | "!" 0.3
        NP[n]  → DET[n] ADJ N[n] MOD[n]
        DET[s] → the 0.6 | a 0.4             DET[p] → the 0.6 | some 0.4
        ADJ    → nothing 0.7 | big 0.1 | small 0.1 | red 0.1
        N[n]   → cat | dog | bird | frog     (plural: cats, …)
        MOD[n] → nothing 0.6 | "that" REL[n] 0.25 | "(that" REL[n] ")" 0.15  (none at max_depth)
        REL[n] → VP[n] 0.6 | NP[s] VT[s] 0.2 | NP[p] VT[p] 0.2 (that sees a dog | that a dog sees)
        VP[n]  → VI[n] 0.5 | VT[n] NP[s] 0.25 | VT[n] NP[p] 0.25
        VI[s]  → runs | sleeps | sings | jumps     VT[s] → sees | likes | chases | hears
                                                   (plural: run, …, see, …)

    Each word is chosen uniformly from its list. Words are separated by one space, with
    none after "(" and none before ")" or the final mark; a text is whole sentences joined
    by single spaces. A relative clause inside an NP goes one level deeper, so brackets
    nest at most ``max_depth`` deep, and a verb agrees with its subject across any clauses
    between them. Every sentence ends with ".", "!" or "?" and holds no other such mark.

    Every text has one derivation, so P(text) is the product of the probabilities of its
    choices: ``nll(text)`` (nats) parses it and ``sample_sentence`` returns the same sum
    for what it drew. ``nll_chars`` gives each character's −log P(c_t | c_<t) under the
    grammar, the loss of the best possible model, and ``entropy_per_char`` its mean over
    an endless text (H(sentence) / (mean length + 1), computed exactly from the rules);
    every character is ASCII, one UTF-8 byte, so ``entropy_per_byte`` is the same number.

    Shapes:
        vocab: the V characters of the language, sorted (``language_corpus`` turns text
        into ids into it);  nll_chars(text): (n,) float64 for n characters

    Args:
        max_depth: how deep relative clauses (and so brackets) may nest, 0…5; 0 gives
            sentences without them.

    Chapters 17 (characters as tokens, the bigram model) and 18 (a transformer judged
    against ``entropy_per_char``, its samples by ``accepts``).
    """

    def __init__(self, max_depth: int = 2):
        self.max_depth = positive_int("Language", "max_depth", max_depth, minimum=0)
        if self.max_depth > MAX_DEPTH_LIMIT:
            raise ValueError(f"Language: expected max_depth from 0 to {MAX_DEPTH_LIMIT}, got "
                             f"{max_depth}. Deeper nesting makes sentences hundreds of characters "
                             f"long; 2 is the course's language.")
        self._rules, self._closures, self._expected, self._moves = {}, {}, {}, {}
        # step on stacks given numbers, for parse and window_bound.py (_numbered_stacks.py)
        self.numbered = NumberedStacks(self._moves_for)
        self._choices = {}                                       # _make_choices'
        self._accepted = {}                                      # accepts', by sentence
        chars, todo, seen = {" "}, [("S",)], {("S",)}
        while todo:                                   # every symbol reachable from S
            for _, rhs in self.rules(todo.pop()):
                for item in rhs:
                    if isinstance(item, str):
                        chars.update(item)
                    elif item not in seen:
                        seen.add(item)
                        todo.append(item)
        self.vocab = sorted(chars)
        self.sentence_entropy, self.mean_sentence_length = self._expect(("S",))
        self.entropy_per_char = self.sentence_entropy / (self.mean_sentence_length + 1)
        self.entropy_per_byte = self.entropy_per_char            # ASCII: a byte per character

    def __repr__(self):
        return (f"Language(max_depth={self.max_depth}, V={len(self.vocab)}, "
                f"entropy_per_char={self.entropy_per_char:.4f})")

    # ------------------------------------------------------------------ the grammar
    def rules(self, symbol: tuple) -> tuple:
        """The alternatives of a symbol, ``((p, rhs), …)``: rhs holds words (str) and symbols."""
        if symbol not in self._rules:
            self._rules[symbol] = self._make_rules(symbol)
        return self._rules[symbol]

    def _make_rules(self, symbol):
        kind, *att = symbol
        if kind == "S":
            return ((3 / 8, _rhs(("NP", "s", 0, ""), ("VP", "s", 0), ("END",))),
                    (3 / 8, _rhs(("NP", "p", 0, ""), ("VP", "p", 0), ("END",))),
                    (1 / 8, _rhs("does", ("NP", "s", 0, " "), ("VP", "p", 0), "?")),
                    (1 / 8, _rhs("do", ("NP", "p", 0, " "), ("VP", "p", 0), "?")))
        if kind == "END":
            return ((0.7, _rhs(".")), (0.3, _rhs("!")))
        if kind == "NP":                                        # number, depth, space before
            n, d, lead = att
            return ((1.0, _rhs(("DET", n, lead), ("ADJ",), ("N", n), ("MOD", n, d))),)
        if kind == "DET":
            n, lead = att
            return ((0.6, _rhs(lead + "the")), (0.4, _rhs(lead + ("a" if n == "s" else "some"))))
        if kind == "ADJ":
            return ((0.7, ()),) + tuple((0.1, _rhs(" " + a)) for a in ADJECTIVES)
        if kind == "N":
            plural = "s" if att[0] == "p" else ""
            return tuple((1 / len(NOUNS), _rhs(f" {w}{plural}")) for w in NOUNS)
        if kind == "MOD":
            n, d = att
            if d >= self.max_depth:
                return ((1.0, ()),)
            rel = ("REL", n, d + 1)
            return ((0.6, ()), (0.25, _rhs(" that", rel)), (0.15, _rhs(" (that", rel, ")")))
        if kind == "REL":
            n, d = att
            return ((0.6, _rhs(("VP", n, d))),
                    (0.2, _rhs(("NP", "s", d, " "), ("VT", "s"))),
                    (0.2, _rhs(("NP", "p", d, " "), ("VT", "p"))))
        if kind == "VP":
            n, d = att
            return ((0.5, _rhs(("VI", n))),
                    (0.25, _rhs(("VT", n), ("NP", "s", d, " "))),
                    (0.25, _rhs(("VT", n), ("NP", "p", d, " "))))
        if kind in ("VI", "VT"):
            words = INTRANSITIVE if kind == "VI" else TRANSITIVE
            forms = [w + ("es" if w.endswith("ch") else "s") if att[0] == "s" else w for w in words]
            return tuple((1 / len(words), _rhs(" " + w)) for w in forms)
        if kind == "MORE":                                       # the next sentence of a text
            return ((1.0, _rhs(" ", ("S",), ("MORE",))),)
        raise KeyError(symbol)

    def _expect(self, symbol):
        """(expected −log P of the choices, expected characters) of what ``symbol`` derives."""
        if symbol not in self._expected:
            h = length = 0.0
            for p, rhs in self.rules(symbol):
                h_alt, len_alt = -math.log(p), 0.0
                for item in rhs:
                    sub = (0.0, len(item)) if isinstance(item, str) else self._expect(item)
                    h_alt, len_alt = h_alt + sub[0], len_alt + sub[1]
                h, length = h + p * h_alt, length + p * len_alt
            self._expected[symbol] = (h, length)
        return self._expected[symbol]

    # ------------------------------------------------------------------ sampling
    def sample_sentence(self, *, rng=None):
        """One sentence and the generator's −log P of it (nats): ``(sentence, nll)``."""
        rng = make_rng(rng, "Language.sample_sentence")
        stack, words, nll = [("S",)], [], 0.0
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                words.append(item)
                continue
            # the first alternative whose running total of p passes one uniform draw
            # (_choices keeps those totals per symbol, so bisect finds it at once)
            totals, costs, reversed_rhs = self._choices.get(item) or self._make_choices(item)
            k = 0
            if len(totals) > 1:                             # one uniform draw per choice
                k = min(bisect_right(totals, rng.random()), len(totals) - 1)
                nll -= costs[k]                             # log p of the alternative
            stack.extend(reversed_rhs[k])
        return "".join(words), nll

    def _make_choices(self, symbol):
        """``rules(symbol)`` as ``sample_sentence`` reads it: the running totals of p, added
        in the rules' order (the floats a loop adding them gets), log p, each rhs reversed."""
        totals, total = [], 0.0
        for p, _ in self.rules(symbol):
            total += p
            totals.append(total)
        found = (totals, [math.log(p) for p, _ in self.rules(symbol)],
                 [tuple(reversed(rhs)) for _, rhs in self.rules(symbol)])
        self._choices[symbol] = found
        return found

    def sample(self, n_chars: int, *, rng=None) -> str:
        """Whole sentences joined by single spaces, stopping at the first sentence that brings
        the text to ``n_chars`` characters or more. The same ``rng`` gives the same text."""
        n_chars = positive_int("Language.sample", "n_chars", n_chars)
        rng = make_rng(rng, "Language.sample")
        parts, size = [], -1
        while size < n_chars:
            parts.append(self.sample_sentence(rng=rng)[0])
            size += len(parts[-1]) + 1
        return " ".join(parts)

    # ------------------------------------------------------------------ parsing
    # A parser state is a stack of symbols still to read (a tuple, its top last); the
    # states after a text are weighted by their probability. window_bound.py reads them.
    def expansions(self, stack):
        """The ways to expand the top of ``stack`` until a word (or nothing) is on top:
        ``((p, stack), …)`` with the probability of the choices made."""
        if stack not in self._closures:
            if not stack or isinstance(stack[-1], str):
                found = ((1.0, stack),)
            else:
                merged = {}
                for p, rhs in self.rules(stack[-1]):
                    for q, st in self.expansions(stack[:-1] + tuple(reversed(rhs))):
                        merged[st] = merged.get(st, 0.0) + p * q
                found = tuple((p, st) for st, p in merged.items())
            self._closures[stack] = found
        return self._closures[stack]

    def _moves_for(self, stack):
        """``expansions(stack)`` grouped by the character each one reads next, in their
        order, each with the stack left after reading it: ``{ch: [(p, rest), …]}``."""
        found = self._moves.get(stack)
        if found is None:
            found = {}
            for p, st in self.expansions(stack):
                if st:
                    rest = st[:-1] + ((st[-1][1:],) if len(st[-1]) > 1 else ())
                    found.setdefault(st[-1][0], []).append((p, rest))
            self._moves[stack] = found
        return found

    def step(self, states, ch):
        """The parser's states after reading ``ch`` from ``states`` ({stack: weight}),
        unnormalised: their total is P(ch | the text so far) times the old total. Each
        stack's expansions are read through ``_moves_for``, kept by the character they
        read, so only those that read ``ch`` are visited (the same sums, in the same order)."""
        new, known = {}, self._moves
        for stack, w in states.items():
            found = known.get(stack)
            if found is None:
                found = self._moves_for(stack)
            for p, rest in found.get(ch, ()):
                new[rest] = new.get(rest, 0.0) + w * p
        return new

    def parse(self, text, start=(("MORE",), ("S",)), owner="Language.parse"):
        """−log P(c_t | c_<t) for each character of ``text`` read from the parser state
        ``start`` (the default: a text of sentences), and the parser's final states; a
        ValueError (in ``owner``'s name) where the grammar rejects the text."""
        if not isinstance(text, str):
            raise ValueError(f"{owner}: expected a string, got {type(text).__name__}. Turn ids "
                             f"into text first with corpus.decode(ids).")
        if not text:
            raise ValueError(f"{owner}: got an empty text; expected whole sentences such as "
                             f"'the cat runs.'.")
        # self.step(states, ch) on numbered stacks (self.numbered): the same numbers, faster
        numbered = self.numbered
        states, out = {numbered.number(start): 1.0}, np.empty(len(text))
        for t, ch in enumerate(text):
            new = numbered.step(states, ch)
            total = sum(new.values())
            if total == 0.0:
                raise ValueError(f"{owner}: the grammar rejects {_short(text)} at character {t}: "
                                 f"after {_short(text[:t], tail=True)} it expects "
                                 f"{self._expected_next(numbered.as_stacks(states))}, got {ch!r}.")
            out[t] = -math.log(total)
            states = {st: w / total for st, w in new.items()}
        return out, numbered.as_stacks(states)

    def _expected_next(self, states):
        firsts = sorted({st[-1][0] if st else "" for s in states for _, st in self.expansions(s)})
        shown = ["the end of the sentence" if c == "" else repr(c) for c in firsts]
        return "one of " + ", ".join(shown) if len(shown) > 1 else shown[0]

    def nll_chars(self, text: str) -> np.ndarray:
        """Each character's −log P(c_t | c_<t) under the grammar (nats), for a text that starts
        at a sentence start (it may end anywhere): the loss per character of the true source.

        Shapes: text of n characters → (n,) float64; ``nll_chars(text).sum() == nll(text)``
        for whole sentences. A character the grammar cannot follow is a ``ValueError`` that
        says where and what it expected.
        """
        return self.parse(text, owner="Language.nll_chars")[0]

    def nll(self, text: str) -> float:
        """−log P(text) in nats, for whole sentences joined by single spaces; divide by
        ``len(text)`` for the loss per character. A text the grammar rejects is a
        ``ValueError`` naming the character, what came before and what it expected."""
        out, states = self.parse(text, owner="Language.nll")
        if (("MORE",),) not in states:
            raise ValueError(f"Language.nll: {_short(text)} ends inside a sentence: after "
                             f"{_short(text, tail=True)} the grammar expects "
                             f"{self._expected_next(states)}. Pass whole sentences.")
        return float(out.sum())

    def window_bound(self, text: str, window: int, *, stride=None) -> np.ndarray:
        """(m, window): the best window-only loss of each ``char_windows`` target."""
        return _window_bound(self, text, window, stride=stride)

    def state_labels(self, text: str) -> dict:
        """The parser's exact state after each character (parser_states.py): ``{"depth",
        "inside", "question", "verb_number"}``, each (n,) ints, the probes' labels (chapter 36)."""
        return _state_labels(self, text)

    def window_states(self, text: str, window: int, *, stride=None) -> dict:
        """The labels' exact distribution given only each ``char_windows`` window
        (parser_states.py): ``{"depth", "inside", "question"}`` (m, window, K) and ``"bound"``
        (m, window), ``window_bound``'s losses; a probe's ceiling (chapter 36)."""
        return _window_states(self, text, window, stride=stride)

    def accepts(self, sentence: str) -> bool:
        """Whether ``sentence`` (one sentence, no space around it) is in the language. The
        answers are kept by sentence (a model's samples and RL's answers repeat many: chapters
        22, 29, 30), up to ``_KEEP_ACCEPTED`` of them."""
        known = self._accepted.get(sentence) if isinstance(sentence, str) else None
        if known is not None:
            return known
        try:
            _, states = self.parse(sentence, (("S",),), "Language.accepts")
            accepted = () in states
        except ValueError:
            if not isinstance(sentence, str):
                raise
            accepted = False
        if len(self._accepted) >= _KEEP_ACCEPTED:
            self._accepted.clear()
        self._accepted[sentence] = accepted
        return accepted

    def followed(self, sentence: str) -> int:
        """How many characters of ``sentence`` the grammar follows before its first mistake
        (all of them if it is accepted): a bisection, since a rejected prefix stays rejected."""
        lo, hi = 0, len(sentence)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            try:
                self.nll_chars(sentence[:mid])
                lo = mid
            except ValueError:
                hi = mid - 1
        return lo

    @staticmethod
    def sentences(text: str) -> list:
        """The complete sentences of a text: the pieces ending in ".", "!" or "?", spaces
        around them removed. An unfinished piece at the end is left out, so a model's sample
        can be cut into sentences and each judged by ``accepts``."""
        if not isinstance(text, str):
            raise ValueError(f"Language.sentences: expected a string, got "
                             f"{type(text).__name__}. Turn ids into text with corpus.decode(ids).")
        return [s.strip(" ") for s in re.findall(f"[^{re.escape(_END)}]*[{re.escape(_END)}]", text)]

    def accepted_share(self, text: str) -> float:
        """The share of ``sentences(text)`` that the grammar accepts (0 to 1)."""
        found = self.sentences(text)
        if not found:
            raise ValueError(f"Language.accepted_share: {_short(text)} holds no complete "
                             f"sentence (none ends in '.', '!' or '?'). Sample a longer text.")
        return sum(map(self.accepts, found)) / len(found)


def _short(text: str, tail: bool = False, width: int = 40) -> str:
    """``text`` quoted, its end (tail) or start cut to ``width`` characters."""
    if len(text) <= width:
        return repr(text)
    return repr("…" + text[-width:]) if tail else repr(text[:width] + "…")
