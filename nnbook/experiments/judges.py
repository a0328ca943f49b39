"""Chapter 30's learned judge: a small classifier that reads chapter 22's prompts and answers as
bags of words, scored against the grammar's exact verdict (its confusion matrix), used as
best-of-n's selector on an enumerable writer (the true acceptance exact for each n) and as
chapter 29's GRPO reward, the grammar's acceptance watched along training.
"""

from __future__ import annotations

import functools
import re
from collections import Counter

import numpy as np

from ..data.subject_task import SubjectTask
from ..layers import Dense, ReLU
from ..training import BinaryCrossEntropy, Sequential
from ..training.metrics import confusion_matrix
from ..optimizers import Adam
from ..evaluation.best_of_n import best_of_n_policy
from .sft_rl_dpo import copy_of, sft_model
from .verifier_rl import STEPS, exact_reward, grpo_train

__all__ = ["TASK", "sentences", "VOCAB", "write_answer", "features", "answer_set", "train_judge",
           "judge_scores", "judge_verdicts", "judge_confusion", "writer_policy", "writer_seed",
           "best_of_n_acceptance", "judge_run", "NS", "BLOCK", "judge_reward", "judge_rl",
           "rl_summary", "judge_rl_run", "TABLES"]

TASK = SubjectTask()
TOKEN = re.compile(r"[a-z]+|[().!?]")
NS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
BLOCK = 5                                   # RL steps averaged into one point of its curves


@functools.lru_cache(maxsize=1)
def sentences():
    """2000 sentences of the language from ``default_rng(3000)``, by subject: the writer's
    stock ``{subject: [sentence, …]}``."""
    r = np.random.default_rng(3000)
    by_subject = {s: [] for s in TASK.subjects}
    for _ in range(2000):
        sentence = TASK.language.sample_sentence(rng=r)[0]
        by_subject[TASK.subject_of(sentence)].append(sentence)
    return by_subject


VOCAB = tuple(sorted({w for group in sentences().values() for s in group
                      for w in TOKEN.findall(s)}))


def write_answer(subject, r):
    """The writer the judge grades: a third of its answers are sentences about the subject,
    a third sentences about another subject, a third a sentence about the subject with two
    neighbouring words swapped or one word dropped (drawn from ``sentences()``)."""
    u = r.random()
    stock = sentences()
    if u < 2 / 3:
        other = subject
        while u >= 1 / 3 and other == subject:
            other = TASK.subjects[int(r.integers(0, len(TASK.subjects)))]
        group = stock[other]
        return group[int(r.integers(0, len(group)))]
    group = stock[subject]
    words = group[int(r.integers(0, len(group)))].split(" ")
    i = int(r.integers(0, len(words) - 1)) if len(words) > 1 else 0
    if r.random() < 0.5 and len(words) > 1:
        words[i], words[i + 1] = words[i + 1], words[i]
    else:
        del words[i]
    return " ".join(words)


def features(prompts, answers):
    """(m, len(VOCAB) + 8): the answer's word and bracket counts, then the prompt's subject
    one-hot. A bag of words: the judge cannot see the order of the words."""
    index = {w: i for i, w in enumerate(VOCAB)}
    X = np.zeros((len(prompts), len(VOCAB) + len(TASK.subjects)))
    for row, (p, a) in enumerate(zip(prompts, answers)):
        for w in TOKEN.findall(a):
            if w in index:
                X[row, index[w]] += 1
        X[row, len(VOCAB) + TASK.subjects.index(TASK.subject_of_prompt(p))] = 1
    return X


def answer_set(n, r):
    """``(prompts, answers, verdicts)``: n answers of the writer, the subject uniform, each
    graded by the grammar (1 accepted, 0 not)."""
    prompts, answers = [], []
    for _ in range(n):
        subject = TASK.subjects[int(r.integers(0, len(TASK.subjects)))]
        prompts.append(TASK.prompt(subject))
        answers.append(write_answer(subject, r))
    verdicts = np.array([TASK.verify(p, a) for p, a in zip(prompts, answers)], dtype=int)
    return prompts, answers, verdicts


def train_judge(seed, n=1500, epochs=30, hidden=16):
    """The judge: Dense → ReLU → Dense → σ on ``features``, trained by binary cross-entropy
    on n graded answers, every draw (answers, weights, batch order) from ``default_rng(seed)``."""
    r = np.random.default_rng(seed)
    prompts, answers, verdicts = answer_set(n, r)
    X = features(prompts, answers)
    judge = Sequential([Dense(X.shape[1], hidden, rng=r), ReLU(), Dense(hidden, 1, rng=r)])
    judge.compile(optimizer=Adam(lr=0.01), loss=BinaryCrossEntropy(from_logits=True))
    judge.fit(X, verdicts[:, None].astype(float), epochs=epochs, batch_size=32, verbose=0,
              rng=r)
    return judge


def judge_scores(judge, prompts, answers):
    """The judge's probability that each answer is accepted, (m,). Each distinct row of
    ``features`` (a bag of words and a subject) is scored once, so answers with one bag get
    one score bit for bit: scored as rows of one product, they can differ in the last bit
    under some BLAS kernels (where a row sits in the batch changes the order of its sums),
    and ``best_of_n_policy`` ties only equal scores."""
    bags, back = np.unique(features(prompts, answers), axis=0, return_inverse=True)
    z = judge.predict(bags)[:, 0]
    return (1 / (1 + np.exp(-z)))[back.reshape(-1)]


def judge_verdicts(judge, prompts, answers, threshold=0.5):
    """What the judge says, (m,) ints: 1 ("accepted") where its probability is above
    ``threshold``, else 0."""
    said = (judge_scores(judge, prompts, answers) > threshold).astype(int)
    return said


def judge_confusion(judge, prompts, answers, verdicts, threshold=0.5):
    """The judge's confusion against the grammar: counts ``cm[truth, said]``, (2, 2), where
    the judge says "accepted" (1) when its probability is above ``threshold``."""
    said = judge_verdicts(judge, prompts, answers, threshold)
    return confusion_matrix(np.asarray(verdicts, dtype=int), said, 2)


@functools.lru_cache(maxsize=64)
def writer_policy(subject, seed, n=400):
    """The writer made enumerable for one prompt: its distinct answers among n draws from
    ``default_rng([seed, subject's index])`` and their frequencies (the policy best-of-n
    samples from), with their exact verdicts."""
    r = np.random.default_rng([seed, TASK.subjects.index(subject)])
    counts = Counter(write_answer(subject, r) for _ in range(n))
    answers = sorted(counts)
    probs = np.array([counts[a] for a in answers], dtype=float) / n
    prompt = TASK.prompt(subject)
    verdicts = np.array([TASK.verify(prompt, a) for a in answers], dtype=int)
    return prompt, tuple(answers), probs, verdicts


def writer_seed(seed):
    """The seed of run ``seed``'s writer sample (``writer_policy``): seed + 70_000."""
    return seed + 70_000


def best_of_n_acceptance(judge, seed, ns=NS):
    """The exact true acceptance of best-of-n with the judge as selector, for each n in ns,
    averaged over the eight prompts (each with its ``writer_policy(subject, seed)``)."""
    out = np.zeros(len(ns))
    for subject in TASK.subjects:
        prompt, answers, probs, verdicts = writer_policy(subject, seed)
        scores = judge_scores(judge, [prompt] * len(answers), answers)
        for k, n in enumerate(ns):
            out[k] += best_of_n_policy(probs, scores, n) @ verdicts / len(TASK.subjects)
    return out


def judge_run(seed):
    """One seed: its judge (``train_judge(seed)``), the judge's confusion counts on 2000 fresh
    graded answers (threshold 0.5), and the exact best-of-n acceptance for each n in ``NS``
    on the seed's own writer sample (``writer_seed(seed)``); the peak's n and the drop after
    it. The seed draws both the judge and the writer's policy."""
    judge = train_judge(seed)
    cm = judge_confusion(judge, *answer_set(2000, np.random.default_rng(seed + 50_000)))
    curve = best_of_n_acceptance(judge, writer_seed(seed))
    row = {"true accept": int(cm[1, 1]), "false accept": int(cm[0, 1]),
           "false reject": int(cm[1, 0]), "true reject": int(cm[0, 0])}
    row.update({f"n={n}": float(v) for n, v in zip(NS, curve)})
    row["peak n"] = int(NS[int(np.argmax(curve))])
    row["drop after peak"] = float(curve.max() - curve[-1])
    return row


def judge_reward(judge, threshold=0.5):
    """The judge as chapter 29's 0/1 reward: ``reward(prompt, answer)`` is 1.0 when the judge
    says "accepted"."""
    def reward(prompt, answer):
        return float(judge_verdicts(judge, [prompt], [answer], threshold)[0])
    return reward


def judge_rl(judge, seed, steps=STEPS):
    """Chapter 29's GRPO loop (``grpo_train``) from chapter 22's SFT model, rewarded by the
    judge's verdict, its answers drawn from ``default_rng(seed + 60_000)``. Returns ``(policy,
    proxy, true)``: the trained policy and, for each step's 64 answers, the share the judge
    accepts (the reward) and the share the grammar accepts (watched, never trained on)."""
    policy = copy_of(sft_model())
    history = grpo_train(policy, judge_reward(judge), np.random.default_rng(seed + 60_000),
                         steps=steps, watch=exact_reward)
    proxy, true = np.array(history).T                       # (steps,) each
    return policy, proxy, true


def rl_summary(proxy, true):
    """A row of the table from the per-step shares: their means over each ``BLOCK`` steps
    (``"true 5"`` is steps 1–5), the step that ends the true acceptance's best block, its
    fall from there to the last block, and the proxy's rise from the first block to the
    last."""
    ends = range(BLOCK, len(true) + 1, BLOCK)
    t = np.array([true[k - BLOCK:k].mean() for k in ends])
    p = np.array([proxy[k - BLOCK:k].mean() for k in ends])
    row = {f"true {k}": float(v) for k, v in zip(ends, t)}
    row.update({f"proxy {k}": float(v) for k, v in zip(ends, p)})
    row["true peak step"] = int(ends[int(np.argmax(t))])
    row["true fall"] = float(t.max() - t[-1])
    row["proxy rise"] = float(p[-1] - p[0])
    return row


def judge_rl_run(seed):
    """One seed: ``train_judge(seed)`` (the judge of ``judge_run(seed)``) as GRPO's reward
    for ``STEPS`` steps, summarised by ``rl_summary``."""
    _, proxy, true = judge_rl(train_judge(seed), seed)
    return rl_summary(proxy, true)


TABLES = {"30_judges": (judge_run, tuple(range(30, 40))),
          "30_judge_rl": (judge_rl_run, tuple(range(30, 40)))}
