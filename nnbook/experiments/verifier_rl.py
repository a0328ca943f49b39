"""Chapter 29's trained part: chapter 22's SFT model as the base, RL with GRPO's advantages
against the exact verifier and against a verifier with a realistic bug, each judged by
pass@k, coverage of the exact set of short accepted answers and the exact mass on it.
"""

from __future__ import annotations

import functools
import numbers

import numpy as np

from ..data.accepted_answers import accepted_answers
from ..training.loop import fit_fresh, objective_step
from ..training import AdamW
from ..evaluation.grpo import grpo_advantages
from ..evaluation.pass_at_k import pass_at_k
from ..training.posttraining import policy_gradient_loss, sequence_logprobs
from .sft_rl_dpo import TASK, XENT, answer_arrays, copy_of, sft_model, write

__all__ = ["MAX_CHARS", "N_SAMPLES", "KS", "STEPS", "BUGGY_STEPS", "buggy_reward",
           "exact_reward", "grpo_train", "accepted_mass", "answers_holding", "judge_policy",
           "rl_policy", "verifier_runs", "TABLES"]

MAX_CHARS, N_SAMPLES, KS, G = 20, 32, (1, 2, 4, 8, 16, 32), 8
STEPS, BUGGY_STEPS = 40, 12           # the buggy reward reaches 1 within a few steps


def exact_reward(prompt: str, answer: str) -> float:
    """1 when the grammar accepts the answer and its subject is the prompt's, else 0."""
    return float(TASK.verify(prompt, answer))


def buggy_reward(prompt: str, answer: str) -> float:
    """The same check written with a realistic bug: an answer the parser cannot read raises,
    and the handler returns 1 (meant: "could not check" → 0), so every broken answer passes."""
    subject = TASK.subject_of_prompt(prompt)
    try:
        _, states = TASK.language.parse(answer, (("S",),), "buggy_reward")
    except ValueError:
        return 1.0                                    # the bug: a failure to parse pays
    return float(() in states and TASK.subject_of(answer) == subject)


def grpo_train(policy, reward, r, steps=40, lr=0.002, kind="std population", watch=None,
               callbacks=None, verbose=0):
    """Chapter 22's RL loop with ``reward`` and ``grpo_advantages(kind)``, through ``fit``'s
    (``fit_fresh``): each step 8 subjects drawn with replacement (a step may repeat one) ×
    G = 8 answers each, one AdamW step on the policy-gradient loss (``objective_step``).
    Returns the mean reward of each step, or with ``watch`` (a second reward of the same
    answers, never trained on: chapter 30's exact verifier beside a judge) the pair (mean
    reward, mean watch) of each step. ``callbacks``, ``verbose`` and the error when the loss
    diverges are ``fit``'s."""
    policy.compile(optimizer=AdamW(lr=lr, weight_decay=0.0), loss=XENT)
    history = []

    def draw(r):                   # the step's answers and their rewards, before its update
        prompts = [TASK.prompt(s) for s in r.choice(TASK.subjects, 8) for _ in range(G)]
        written = write(policy, prompts, r)
        answers = [TASK.answer_of(w) for w in written]
        rewards = np.array([reward(p, a) for p, a in zip(prompts, answers)])
        advantages = grpo_advantages(rewards.reshape(-1, G), kind).reshape(-1)
        X, Y, M = answer_arrays(prompts, written)
        if watch is None:
            history.append(float(rewards.mean()))
        else:
            watched = np.mean([watch(p, a) for p, a in zip(prompts, answers)])
            history.append((float(rewards.mean()), float(watched)))
        return X, (Y, M, advantages)

    fit_fresh(policy, draw, steps, step=objective_step(policy, policy_gradient_loss), rng=r,
              callbacks=callbacks, verbose=verbose, owner="grpo_train")
    return history


@functools.lru_cache(maxsize=4)
def rl_policy(seed: int, broken: bool = False):
    """``(policy, rewards, accepted)``: the SFT model trained ``STEPS`` steps from
    ``default_rng(seed)`` against the exact reward (or ``BUGGY_STEPS`` against
    ``buggy_reward``); per step, the mean reward it was trained on and the exact verifier's
    acceptance of the same answers (the same numbers for the exact reward)."""
    policy = copy_of(sft_model())
    r = np.random.default_rng(seed)
    if not broken:
        history = grpo_train(policy, exact_reward, r, steps=STEPS)
        return policy, history, list(history)
    history = grpo_train(policy, buggy_reward, r, steps=BUGGY_STEPS, watch=exact_reward)
    return policy, [b for b, _ in history], [a for _, a in history]


@functools.lru_cache(maxsize=1)
def _short_answers():
    return {s: accepted_answers(TASK, s, MAX_CHARS) for s in TASK.subjects}


def accepted_mass(model):
    """{subject: the probability ``model`` writes each accepted answer of ≤ MAX_CHARS
    characters after the subject's prompt}, in ``accepted_answers``' order, from the model's
    own log-probabilities (teacher forcing, one pass over all of them)."""
    short = _short_answers()
    every = [(TASK.prompt(s), a) for s in TASK.subjects for a in short[s]]
    X, Y, M = answer_arrays(*zip(*every))
    end = int(np.nonzero(M.any(axis=0))[0].max()) + 1        # causal: later columns unused
    logp = sequence_logprobs(model.predict(X[:, :end], batch_size=128), Y[:, :end],
                             M[:, :end])
    bounds = np.cumsum([0] + [len(short[s]) for s in TASK.subjects])
    return {s: np.exp(logp[a:b]) for s, a, b in zip(TASK.subjects, bounds, bounds[1:])}


def answers_holding(probs, share):
    """How many answers, the most probable first, hold ``share`` of the mass in ``probs``.

    Shapes: probs (K,) probabilities ≥ 0, not all 0; share in (0, 1] → an int in [1, K]."""
    try:
        p = np.asarray(probs, dtype=np.float64)
    except (TypeError, ValueError):
        p = np.asarray([np.nan])
    if p.ndim != 1 or not len(p) or not np.all(np.isfinite(p)) or p.min() < 0 or \
            not p.sum() > 0:
        raise ValueError(f"answers_holding: expected probs (K,) with K ≥ 1, finite and ≥ 0, "
                         f"not all 0, got {probs!r:.80}. Pass the answers' probabilities "
                         f"(e.g. a value of accepted_mass(model)).")
    if isinstance(share, bool) or not isinstance(share, numbers.Real) or not 0 < share <= 1:
        raise ValueError(f"answers_holding: expected share in (0, 1] (a fraction of the mass), "
                         f"got {share!r}. Pass 0.5 for half, not 50.")
    total = np.cumsum(np.sort(p)[::-1])
    return int(np.sum(total < share * total[-1])) + 1


def judge_policy(model, r):
    """N_SAMPLES answers to each subject's prompt from ``r``, judged exactly: pass@k for each
    k of ``KS`` (mean over the 8 prompts), the accepted share, the verdicts' shares, the
    mean ``buggy_reward`` of the same answers (what the bug would pay them), coverage
    (distinct accepted answers of ≤ MAX_CHARS characters found ÷ how many exist), the
    exact probability the model writes an accepted answer of ≤ MAX_CHARS characters, and
    how many answers hold 50 % and 90 % of that mass (mean over the prompts)."""
    prompts = [TASK.prompt(s) for s in TASK.subjects for _ in range(N_SAMPLES)]
    answers = [TASK.answer_of(w) for w in write(model, prompts, r)]
    verdicts = [TASK.verdict(p, a) for p, a in zip(prompts, answers)]
    ok = np.array([v == "accepted" for v in verdicts]).reshape(len(TASK.subjects), -1)
    short = _short_answers()
    found = {(p, a) for p, a, v in zip(prompts, answers, verdicts)
             if v == "accepted" and len(a) <= MAX_CHARS}
    mass = accepted_mass(model)
    row = {f"pass@{k}": float(pass_at_k(N_SAMPLES, ok.sum(axis=1), k).mean()) for k in KS}
    row.update({"accepted": float(ok.mean()),
                "not in the language": verdicts.count("not in the language") / len(verdicts),
                "wrong subject": verdicts.count("wrong subject") / len(verdicts),
                "no sentence": verdicts.count("no sentence") / len(verdicts),
                "buggy reward": float(np.mean([buggy_reward(p, a)
                                               for p, a in zip(prompts, answers)])),
                "coverage": len(found) / sum(map(len, short.values())),
                "exact mass": float(sum(q.sum() for q in mass.values()) / len(mass))})
    for share in (0.5, 0.9):
        row[f"answers for {share:.0%}"] = float(np.mean([answers_holding(q, share)
                                                         for q in mass.values()]))
    return row


def verifier_runs(seed: int) -> dict:
    """One seed of the chapter's comparison: the base (SFT) model and the RL models (exact
    and buggy verifier, trained from ``seed``) judged on answers drawn with
    ``default_rng(seed + 1)``; the buggy run's reward at its first step (answers the SFT
    model wrote) and over its last five, beside its true acceptance."""
    row = {}
    for name, model in (("base", sft_model()), ("RL", rl_policy(seed)[0]),
                        ("buggy RL", rl_policy(seed, True)[0])):
        judged = judge_policy(model, np.random.default_rng(seed + 1))
        row.update({f"{name} {key}": value for key, value in judged.items()})
    rewards = rl_policy(seed, True)[1]
    row["buggy RL reward at step 1"] = rewards[0]
    row["buggy RL reward"] = float(np.mean(rewards[-5:]))
    return row


TABLES = {"29_verifier_rl": (verifier_runs, (2902, 2912, 2922, 2932, 2942))}
