"""nnbook/data/accepted_answers.py: the exact set against the verifier and the grammar's
own probabilities, counts by hand, the whole set against an independent enumeration of the
grammar's rules (word lists, no parser), errors."""

import pytest

from nnbook.data.accepted_answers import accepted_answers
from nnbook.data.language import ADJECTIVES, INTRANSITIVE, NOUNS, TRANSITIVE
from nnbook.data.subject_task import SubjectTask

TASK = SubjectTask()


def render(words):
    """Words joined by single spaces, none before ")" or the final mark."""
    text = ""
    for w in words:
        text += w if not text or w in (")", ".", "!", "?") else " " + w
    return text


def grammar_sentences(max_chars, max_depth=2):
    """{sentence: its subject} for every sentence of ≤ max_chars characters, built word by
    word from the rules as ``Language``'s docstring writes them (S, NP, MOD, REL, VP with
    their depths), never through the parser that ``accepted_answers`` walks."""
    def seq(*parts):                              # one choice per part, pruned by length
        out = [()]
        for alternatives in parts:
            out = [x + y for x in out for y in alternatives
                   if len(render(x + y)) <= max_chars]
        return out

    def det(n):
        return [("the",), ("a",) if n == "s" else ("some",)]

    def verb(words, n):                           # singular: + s, or + es after "ch"
        return [(w + ("es" if w.endswith("ch") else "s") if n == "s" else w,) for w in words]

    adj = [()] + [(a,) for a in ADJECTIVES]

    def noun_phrase(n, d, nouns=None):
        nouns = nouns or [(w + ("s" if n == "p" else ""),) for w in NOUNS]
        mods = [()]
        if d < max_depth:
            rel = relative(n, d + 1)
            mods += seq([("that",)], rel) + seq([("(that",)], rel, [(")",)])
        return seq(det(n), adj, nouns, mods)

    def verb_phrase(n, d):
        objects = noun_phrase("s", d) + noun_phrase("p", d)
        return verb(INTRANSITIVE, n) + seq(verb(TRANSITIVE, n), objects)

    def relative(n, d):
        return (verb_phrase(n, d) + seq(noun_phrase("s", d), verb(TRANSITIVE, "s"))
                + seq(noun_phrase("p", d), verb(TRANSITIVE, "p")))

    found = {}
    for w in NOUNS:
        for n, subject in (("s", w), ("p", w + "s")):
            np0 = noun_phrase(n, 0, [(subject,)])
            shapes = [seq(np0, verb_phrase(n, 0), [(".",), ("!",)])]
            shapes.append(seq([("does",) if n == "s" else ("do",)], np0,
                              verb_phrase("p", 0), [("?",)]))
            found.update({render(s): subject for shape in shapes for s in shape})
    return found


def test_short_answers_by_hand():
    # at most 14 characters: "the cats run." (13) and the like
    found = accepted_answers(TASK, "cats", 14)
    # "the" or "some", "cats", a short intransitive verb, "." or "!" (a question needs
    # "do the" and 16 characters; "sleep" makes 15)
    assert "the cats run." in found and "some cats run!" in found
    assert all(TASK.verify(TASK.prompt("cats"), a) and len(a) <= 14 for a in found)
    hand = {f"{d} cats {v}{e}" for d in ("the", "some") for v in ("run", "sing", "jump")
            for e in ".!" if len(f"{d} cats {v}{e}") <= 14}
    assert set(found) == hand


def test_every_sentence_is_counted_once():
    lang = TASK.language
    total = sum(len(accepted_answers(TASK, s, 16)) for s in TASK.subjects)
    # every sentence of ≤ 16 characters has one subject; the grammar's mass on them is
    # the sum of e^{−nll}, which must not exceed 1
    mass = sum(2.718281828459045 ** -lang.nll(a) for s in TASK.subjects
               for a in accepted_answers(TASK, s, 16))
    assert total == 166 and 0 < mass < 1


@pytest.mark.parametrize("max_chars, count", [(12, 16), (16, 166), (20, 784)])
def test_the_same_set_as_the_grammar_enumerated_word_by_word(max_chars, count):
    """The walk over the parser's states against the rules written out as word lists: the
    same sentences, each under the same subject (chapter 29's 784 at 20 characters)."""
    grammar = grammar_sentences(max_chars)
    assert len(grammar) == count
    for subject in TASK.subjects:
        mine = sorted(s for s, sj in grammar.items() if sj == subject)
        assert list(accepted_answers(TASK, subject, max_chars)) == mine, subject


def test_errors():
    with pytest.raises(ValueError, match="expected a SubjectTask"):
        accepted_answers(TASK.language, "cats", 10)
    # each message names accepted_answers, what it got, what it expected and the fix
    with pytest.raises(ValueError, match=r"accepted_answers: expected a subject among .* got "
                                         r"'cows'\. Pass the noun form alone"):
        accepted_answers(TASK, "cows", 10)
    with pytest.raises(ValueError, match=r"accepted_answers: .* got '\(cats\) '\. Pass"):
        accepted_answers(TASK, "(cats) ", 10)
    with pytest.raises(ValueError, match=r"accepted_answers: expected max_chars an integer "
                                         r"from 2 to 28, got 40\. .* e\.g\. 20"):
        accepted_answers(TASK, "cats", 40)
    with pytest.raises(ValueError, match=r"accepted_answers: .* got 20\.0\."):
        accepted_answers(TASK, "cats", 20.0)
