"""The exact set of answers the grammar accepts for a prompt of chapter 22's task, up to a
length: a depth-first walk over the parser's states, character by character (chapter 29's
coverage and exact probability mass are counted against it).
"""

from __future__ import annotations

from .subject_task import SubjectTask

__all__ = ["accepted_answers"]

_FOUND = {}                                   # (max_depth, max_chars) → every sentence


def _sentences(language, max_chars):
    """Every sentence of ``language`` of at most ``max_chars`` characters, sorted."""
    key = (language.max_depth, max_chars)
    if key not in _FOUND:
        found, todo = [], [("", {(("S",),): 1.0})]
        while todo:
            text, states = todo.pop()
            for ch in language.vocab:
                new = language.step(states, ch)
                if not new:
                    continue
                if () in new:                                  # a whole sentence ends here
                    found.append(text + ch)
                rest = {st: w for st, w in new.items() if st}
                if rest and len(text) + 1 < max_chars:
                    todo.append((text + ch, rest))
        _FOUND[key] = tuple(sorted(found))
    return _FOUND[key]


def accepted_answers(task: SubjectTask, subject: str, max_chars: int) -> tuple:
    """Every answer of at most ``max_chars`` characters that ``task.verify`` accepts for the
    prompt naming ``subject``, sorted: one sentence of the language whose subject is that
    noun form. The grammar is finite at bounded depth and length, so the set is exact:
    ``len(accepted_answers(task, "cats", 20))`` is the number a coverage is divided by.
    A first call at a new length walks the grammar (about 1 s at 20 characters, 4 s at 24)."""
    if not isinstance(task, SubjectTask):
        raise ValueError(f"accepted_answers: expected a SubjectTask, got "
                         f"{type(task).__name__}. Make one with nb.data.SubjectTask().")
    if not isinstance(subject, str) or subject not in task.subjects:
        raise ValueError(f"accepted_answers: expected a subject among {task.subjects}, got "
                         f"{subject!r}. Pass the noun form alone, e.g. 'cats' (the prompt is "
                         f"task.prompt('cats')).")
    if isinstance(max_chars, bool) or not isinstance(max_chars, int) or \
            not 2 <= max_chars <= 28:
        raise ValueError(f"accepted_answers: expected max_chars an integer from 2 to 28, got "
                         f"{max_chars!r}. The count grows about fourfold every 4 characters "
                         f"(784 answers at 20): pick a length in that range, e.g. 20.")
    return tuple(s for s in _sentences(task.language, max_chars)
                 if task.subject_of(s) == subject)
