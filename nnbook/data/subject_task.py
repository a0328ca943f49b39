"""The prompt → answer task of chapter 22, made from the generated language: the prompt names
a subject, such as ``"(cats) "``, and the answer is one sentence of the language whose subject
is that noun; the grammar decides success exactly (``SubjectTask.verify``).
"""

from __future__ import annotations

import re

from ..validate import make_rng, positive_int
from .language import NOUNS, Language

__all__ = ["SubjectTask"]

VERDICTS = ("accepted", "no sentence", "not in the language", "wrong subject")


class SubjectTask:
    """Prompts that name a subject, answers that are sentences about it.

    A prompt is ``"(" + subject + ") "``, the subject one of the eight noun forms
    (``cat``, ``cats``, ``dog``, …: the noun and its number); the brackets never enclose
    a single word in the language, so a prompt is never a piece of ordinary text, and it
    uses only the language's own characters. A correct answer is one sentence that
    ``Language.accepts`` and whose subject is that form: the first noun of an accepted
    sentence is always its subject's (``NP → DET ADJ N MOD``; a question puts "does" or
    "do" first), so the check is exact. ``"(cats) the cats (that a dog sees) run."`` is
    accepted; ``"(cats) the cat runs."`` has the wrong subject; ``"(cats) the cats runs."``
    is not in the language (the verb does not agree).

    ``sample(n, rng=...)`` draws n pairs: a subject uniformly, then sentences from the
    language until one has that subject, so an answer follows the grammar's own
    distribution given its subject. Only ``rng.random`` draws are used: the same seed gives
    the same pairs on every Python version.

    Args:
        max_depth: the language's nesting depth (``Language(max_depth)``), 2 by default.

    Chapter 22 (supervised fine-tuning, RL with the grammar as verifier, DPO pairs).
    """

    def __init__(self, max_depth: int = 2):
        self.language = Language(max_depth)
        self.subjects = tuple(f for n in NOUNS for f in (n, n + "s"))
        self._prompt = re.compile(r"\((\w+)\) \Z")

    def __repr__(self):
        return f"SubjectTask(max_depth={self.language.max_depth})"

    def prompt(self, subject: str) -> str:
        """The prompt naming ``subject`` (a noun form such as ``"cats"``): ``"(cats) "``."""
        if subject not in self.subjects:
            raise ValueError(f"SubjectTask.prompt: expected a subject among {self.subjects}, "
                             f"got {subject!r}. A plural subject ends in s, e.g. 'cats'.")
        return f"({subject}) "

    def subject_of_prompt(self, prompt: str) -> str:
        """The subject a prompt names; a malformed prompt is a ``ValueError``."""
        match = self._prompt.match(prompt) if isinstance(prompt, str) else None
        if match is None or match[1] not in self.subjects:
            raise ValueError(f"SubjectTask: expected a prompt such as '(cats) ' (a subject "
                             f"among {self.subjects} in brackets, then a space), got "
                             f"{prompt!r}. Build it with task.prompt(subject).")
        return match[1]

    def subject_of(self, sentence: str):
        """The first noun form in ``sentence`` (the subject's, if the language accepts it),
        or None when it holds none."""
        for word in re.findall(r"[a-z]+", sentence):
            if word in self.subjects:
                return word
        return None

    @staticmethod
    def answer_of(text: str) -> str:
        """The answer in what a model wrote after the prompt: everything up to and
        including the first ".", "!" or "?", spaces around it removed ("" when none ends)."""
        match = re.match(r"[^.!?]*[.!?]", text)
        return match[0].strip(" ") if match else ""

    def verdict(self, prompt: str, answer: str) -> str:
        """Why an answer succeeds or fails, one of ``VERDICTS``: ``"accepted"``, ``"no
        sentence"`` (empty), ``"not in the language"``, ``"wrong subject"``."""
        subject = self.subject_of_prompt(prompt)
        if not isinstance(answer, str):
            raise ValueError(f"SubjectTask.verdict: expected the answer as a string, got "
                             f"{type(answer).__name__}. Decode the model's ids first.")
        if not answer:
            return "no sentence"
        if not self.language.accepts(answer):
            return "not in the language"
        return "accepted" if self.subject_of(answer) == subject else "wrong subject"

    def verify(self, prompt: str, answer: str) -> bool:
        """The exact reward: whether ``answer`` is one sentence of the language about the
        prompt's subject."""
        return self.verdict(prompt, answer) == "accepted"

    def sample(self, n: int, *, rng=None) -> list:
        """``n`` pairs ``(prompt, answer)``, each answer a correct one (see the class)."""
        n = positive_int("SubjectTask.sample", "n", n)
        rng = make_rng(rng, "SubjectTask.sample")
        pairs = []
        for _ in range(n):
            subject = self.subjects[min(int(rng.random() * len(self.subjects)),
                                        len(self.subjects) - 1)]
            while True:
                sentence = self.language.sample_sentence(rng=rng)[0]
                if self.subject_of(sentence) == subject:
                    break
            pairs.append((self.prompt(subject), sentence))
        return pairs

    def preference_pair(self, prompt: str, answers):
        """A DPO pair from several answers to one prompt: ``(chosen, rejected)``, the first
        answer ``verify`` accepts and the first it rejects, or None when all agree."""
        verdicts = [self.verify(prompt, a) for a in answers]
        if all(verdicts) or not any(verdicts):
            return None
        return answers[verdicts.index(True)], answers[verdicts.index(False)]

    def accepted_share(self, prompts, answers) -> float:
        """The share of answers that ``verify`` accepts (0 to 1)."""
        prompts, answers = list(prompts), list(answers)
        if len(prompts) != len(answers) or not prompts:
            raise ValueError(f"SubjectTask.accepted_share: expected as many answers as prompts "
                             f"(at least one), got {len(prompts)} prompts and {len(answers)} "
                             f"answers.")
        return sum(self.verify(p, a) for p, a in zip(prompts, answers)) / len(prompts)
