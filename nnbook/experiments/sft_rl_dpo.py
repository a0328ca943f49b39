"""Chapter 22's comparisons over seeds: the base model and the SFT pairs are the
notebook's, and each table varies one draw: the SFT batch order (every weight, the
blocks alone, LoRA on the output layer or inside the blocks), the RL run (with and
without dividing by the group's spread), the DPO pairs. Its notebook runs each first seed.
The base and SFT models every table starts from (chapters 29 and 30 too) are trained once,
stored in ``models/`` (``STORED_MODELS``: ``python tools/seed_tables.py --models``) and
loaded by ``base_model`` and ``sft_model``; tests/test_experiments.py trains them again and
compares.
"""

from __future__ import annotations

import functools
from collections import Counter

import numpy as np

from ..callbacks import LearningRateScheduler
from ..data.corpus import char_windows, language_corpus
from ..data.subject_task import SubjectTask
from ..inference import generate
from ..layers import Dense, Embedding, LoRA, RMSNorm, TransformerBlock
from ..layers.adapters import add_lora
from ..layers.activations import log_softmax
from ..schedules import cosine_decay
from ..training import AdamW, CrossEntropy, Sequential
from ..training.loop import fit_fresh, objective_step
from ..training.posttraining import (dpo_loss, group_advantages, policy_gradient_loss,
                                     sequence_kl, sequence_logprobs)
from .seeds import stored_model

__all__ = ["TASK", "EVAL", "base_model", "sft_pairs", "write", "judge", "answer_arrays",
           "fine_tune", "sft_model", "rl_train", "habits", "draw_pairs", "pair_arrays",
           "dpo_train", "pair_accuracy", "sft_accepted", "sft_bits", "rl_runs",
           "rl_raw_runs", "dpo_runs", "TABLES", "train_base", "train_sft", "STORED_MODELS"]

TASK = SubjectTask()
V, T, D_MODEL, BATCH, N_NEW, G, IGNORE = 26, 48, 32, 16, 40, 8, -100
BITS = 1 / np.log(2)
EVAL = [TASK.prompt(s) for s in TASK.subjects for _ in range(32)]
XENT = CrossEntropy(from_logits=True, ignore_index=IGNORE)


def modern_lm(r):
    """Section 2's model: chapter 20's modern block, untied output layer."""
    emb = Embedding(V, D_MODEL, rng=r)                  # drawn first, as in the notebook
    blocks = [TransformerBlock(D_MODEL, 4, 2 * 4 * D_MODEL // 3, norm="rmsnorm", ffn="swiglu",
                               rope=True, n_kv_heads=2, rng=r) for _ in range(2)]
    return Sequential([emb, *blocks, RMSNorm(D_MODEL), Dense(D_MODEL, V, rng=r)])


def copy_of(model):
    """The same architecture with copies of the weights."""
    twin = modern_lm(np.random.default_rng(0))
    twin.set_weights([w.copy() for w in model.get_weights()])
    return twin


@functools.lru_cache(maxsize=1)
def _texts():
    """The running text from ``default_rng(2200)``: the training text, then the held-out."""
    rng = np.random.default_rng(2200)
    train = language_corpus(60 * BATCH * T, rng=rng)
    return train, language_corpus(6_000, rng=rng)


@functools.lru_cache(maxsize=1)
def train_base():
    """The base model trained from today's code (about 5 s of CPU): the training text of
    ``_texts``, the weights and batch order from ``default_rng(20)``, 4 epochs (the
    notebook's section 2). ``base_model`` loads the stored one instead; this trains it for
    ``python tools/seed_tables.py --models`` and the test that compares the two. One object
    per process: copy it (``copy_of``) before training it further."""
    x, y = char_windows(_texts()[0].ids, T)
    base = modern_lm(np.random.default_rng(20))
    base.compile(optimizer=AdamW(lr=0.01, weight_decay=0.01),
                 loss=CrossEntropy(from_logits=True))
    schedule = LearningRateScheduler(cosine_decay(0.01, 4))
    base.fit(x, y, epochs=4, batch_size=BATCH, verbose=0, rng=np.random.default_rng(20),
             callbacks=[schedule])
    return base


@functools.lru_cache(maxsize=1)
def base_model():
    """``(base, val, (x_val, y_val))``: the base model ``train_base`` trains, stored in
    ``models/22_base.npz`` and loaded (bit for bit the trained weights), and the held-out
    text from ``default_rng(2200)`` with its windows. The same objects every call."""
    val = _texts()[1]
    return stored_model("22_base"), val, char_windows(val.ids, T)


def bits_per_char(model):
    """Held-out bits per character of the language's running text."""
    _, _, (x_val, y_val) = base_model()
    logp = log_softmax(model.predict(x_val))
    return float(-np.take_along_axis(logp, y_val[..., None], axis=-1).mean() * BITS)


def sft_pairs():
    """The SFT pairs: 800 drawn from the grammar with ``default_rng(2204)``, those whose
    answers fit in ``N_NEW`` characters."""
    return [(p, a) for p, a in TASK.sample(800, rng=np.random.default_rng(2204))
            if len(a) <= N_NEW]


def write(model, prompts, r):
    """What the model writes after each prompt, up to its first . ! or ? (else all)."""
    val = base_model()[1]
    written = [None] * len(prompts)
    for n in sorted({len(p) for p in prompts}):
        rows = [i for i, p in enumerate(prompts) if len(p) == n]
        ids = generate(model, [val.encode(prompts[i]) for i in rows], N_NEW, rng=r)
        for i, row in zip(rows, ids):
            text = val.decode(row[n:])
            end = min([text.index(c) + 1 for c in ".!?" if c in text], default=N_NEW)
            written[i] = text[:end]
    return written


def judge(model):
    """``(accepted share, bits/char, answers)`` on the 256 ``EVAL`` prompts, drawn with
    ``default_rng(2201)``."""
    answers = [TASK.answer_of(w) for w in write(model, EVAL, np.random.default_rng(2201))]
    return TASK.accepted_share(EVAL, answers), bits_per_char(model), answers


def answer_arrays(prompts, answers):
    """Inputs X, targets Y and the answer's mask M, each (m, T); padded with spaces."""
    val = base_model()[1]
    X = np.full((len(prompts), T), val.encode(" ")[0])
    Y, M = np.zeros_like(X), np.zeros(X.shape)
    for i, (p, a) in enumerate(zip(prompts, answers)):
        ids = val.encode(p + a)[: T + 1]
        X[i, : len(ids) - 1], Y[i, : len(ids) - 1] = ids[:-1], ids[1:]
        M[i, len(p) - 1: len(ids) - 1] = 1
    return X, Y, M


@functools.lru_cache(maxsize=1)
def _sft_data():
    X, Y, M = answer_arrays(*zip(*sft_pairs()))
    return X, np.where(M == 1, Y, IGNORE)


def fine_tune(model, lr, seed, epochs=4):
    """Fit on the SFT pairs (prompt targets masked), batch order from ``default_rng(seed)``."""
    X, Y = _sft_data()
    model.compile(optimizer=AdamW(lr=lr, weight_decay=0.01), loss=XENT)
    schedule = LearningRateScheduler(cosine_decay(lr, epochs))
    model.fit(X, Y, epochs=epochs, batch_size=BATCH, verbose=0,
              rng=np.random.default_rng(seed), callbacks=[schedule])
    return model


def train_sft():
    """The notebook's SFT model trained from today's code (about 3 s of CPU, after
    ``train_base``): every weight of the base, lr 0.005, batch order seed 221."""
    return fine_tune(copy_of(train_base()), 0.005, 221)


@functools.lru_cache(maxsize=1)
def sft_model():
    """The notebook's SFT model (``train_sft``), stored in ``models/22_sft.npz`` and loaded
    (bit for bit the trained weights). The same object every call: copy it (``copy_of``)
    before training it further."""
    return stored_model("22_sft")


def rl_train(policy, reference, r, steps=40, lr=0.002, normalise=True, kl_every_step=False,
             callbacks=None, verbose=0):
    """Section 5's loop, through ``fit``'s (``fit_fresh``): each step 8 subjects × G answers
    drawn from ``r``, the grammar's rewards, one AdamW step on the policy-gradient loss
    (``objective_step``). Returns the history (accepted, length, kl); the KL to the reference
    is measured at the last step only (one item; a reference forward per step is a tenth of
    a seed's time) unless ``kl_every_step``. It draws nothing, so the run is the same either
    way. ``callbacks``, ``verbose`` and the error when the loss diverges are ``fit``'s."""
    policy.compile(optimizer=AdamW(lr=lr, weight_decay=0.0), loss=XENT)
    history = {"accepted": [], "length": [], "kl": []}

    def draw(r):                   # the step's answers and their rewards, before its update
        prompts = [TASK.prompt(s) for s in r.choice(TASK.subjects, 8) for _ in range(G)]
        written = write(policy, prompts, r)
        rewards = np.array([TASK.verify(p, TASK.answer_of(w))
                            for p, w in zip(prompts, written)], dtype=float)
        advantages = group_advantages(rewards, G, normalise=normalise)
        X, Y, M = answer_arrays(prompts, written)
        history["accepted"].append(rewards.mean())
        history["length"].append(np.mean([len(w) for w in written]))
        kl = kl_every_step or len(history["accepted"]) == steps
        return X, (Y, M, advantages, reference.predict(X) if kl else None)

    def objective(Z, Y, M, advantages, reference_Z):
        if reference_Z is not None:
            history["kl"].append(sequence_kl(Z, reference_Z, M).mean())
        return policy_gradient_loss(Z, Y, M, advantages)

    fit_fresh(policy, draw, steps, step=objective_step(policy, objective), rng=r,
              callbacks=callbacks, verbose=verbose, owner="rl_train")
    return history


def habits(answers):
    """What the answers to ``EVAL`` look like: the accepted ones' mean length, the share of
    distinct answers, the most common one and its count, the share of accepted answers
    ending in ``!``, and how many answers open a clause ``(``."""
    accepted = [a for p, a in zip(EVAL, answers) if TASK.verify(p, a)]
    common = Counter(answers).most_common(1)[0]
    return {"length": np.mean([len(a) for a in accepted]),
            "distinct": len(set(answers)) / len(answers), "common": common,
            "bang": np.mean([a.endswith("!") for a in accepted]),
            "clauses": sum("(" in a for a in answers)}


def draw_pairs(model, r):
    """8 answers to each of 64 prompts (8 per subject); in each group the accepted ones
    (taken in turn, so one may serve several pairs) against the rejected, ≤ 8 a prompt."""
    prompts = [TASK.prompt(TASK.subjects[i % 8]) for i in range(64) for _ in range(G)]
    written = write(model, prompts, r)
    pairs = []
    for i in range(0, len(prompts), G):
        group = written[i:i + G]
        ok = [w for w in group if TASK.verify(prompts[i], TASK.answer_of(w))]
        bad = [w for w in group if not TASK.verify(prompts[i], TASK.answer_of(w))]
        pairs += [(prompts[i], w, l) for w, l in list(zip(ok * G, bad))[:8]]
    return pairs


def pair_arrays(pairs):
    """X, Y, M of the chosen answers stacked over the rejected ones (2n rows)."""
    chosen = answer_arrays([p for p, _, _ in pairs], [w for _, w, _ in pairs])
    rejected = answer_arrays([p for p, _, _ in pairs], [l for _, _, l in pairs])
    return tuple(np.concatenate([c, r]) for c, r in zip(chosen, rejected))


def dpo_train(model, reference, pairs, r, epochs=2, lr=0.0005, beta=1.0, callbacks=None,
              verbose=0):
    """Section 6's loop, through ``fit``'s (``fit_fresh``): each epoch the pairs in a new
    order from ``r``, batches of 8 pairs (a last batch of fewer is left out), ``dpo_loss``
    against the reference, AdamW (``objective_step``). Returns the losses of every step."""
    X_p, Y_p, M_p = pair_arrays(pairs)
    ref_logp = sequence_logprobs(reference.predict(X_p), Y_p, M_p)
    model.compile(optimizer=AdamW(lr=lr, weight_decay=0.0), loss=XENT)
    n = len(pairs)
    if n < 8:
        return []

    def in_order(r):                               # each epoch, the pairs in a new order
        while True:
            order = r.permutation(n)
            for j in range(0, n - 7, 8):           # the chosen rows over the rejected
                rows = np.concatenate([order[j:j + 8], order[j:j + 8] + n])
                yield X_p[rows], (Y_p[rows], M_p[rows], ref_logp[rows])

    batches = in_order(r)
    step = objective_step(model, functools.partial(dpo_loss, beta=beta))
    return list(fit_fresh(model, lambda r: next(batches), n // 8, epochs=epochs, step=step,
                          rng=r, callbacks=callbacks, verbose=verbose, owner="dpo_train"))


def pair_accuracy(model, reference, pairs):
    """The share of pairs the model orders right (h > 0), and the mean change of
    log π − log π_ref on the chosen and on the rejected answers (nats)."""
    X_p, Y_p, M_p = pair_arrays(pairs)
    ratio = (sequence_logprobs(model.predict(X_p), Y_p, M_p)
             - sequence_logprobs(reference.predict(X_p), Y_p, M_p))
    n = len(pairs)
    return float(np.mean(ratio[:n] > ratio[n:])), float(ratio[:n].mean()), \
        float(ratio[n:].mean())


@functools.lru_cache(maxsize=8)
def _sft_runs(seed):
    base = base_model()[0]
    full = fine_tune(copy_of(base), 0.005, seed)
    blocks = copy_of(base)
    for layer in blocks.layers:
        layer.trainable = isinstance(layer, TransformerBlock)
    fine_tune(blocks, 0.005, seed)
    frozen = copy_of(base)
    for layer in frozen.layers:
        layer.trainable = False
    out = Sequential(frozen.layers[:-1] + [
        LoRA(frozen.layers[-1], rank=4, alpha=8, rng=np.random.default_rng(seed))])
    fine_tune(out, 0.03, seed)
    inside = copy_of(base)
    add_lora(inside, 4, targets=("attention", "feedforward"), alpha=8,
             rng=np.random.default_rng(seed))
    fine_tune(inside, 0.03, seed)
    return {name: judge(model)[:2] for name, model in (
        ("every weight", full), ("blocks only", blocks), ("LoRA, output", out),
        ("LoRA, blocks", inside))}


def sft_accepted(seed):
    """Section 4 over batch orders: the accepted share after fine-tuning every weight, the
    blocks alone (embedding, final norm and output layer frozen), LoRA (r = 4, α = 8) on
    the output layer, and LoRA on every attention and feed-forward matrix of the blocks;
    the batch order and every A from ``seed``."""
    return {name: share for name, (share, _) in _sft_runs(seed).items()}


def sft_bits(seed):
    """The same four fine-tuned models' held-out bits per character."""
    return {name: bits for name, (_, bits) in _sft_runs(seed).items()}


def _rl_row(seed, normalise):
    sft = sft_model()
    policy = copy_of(sft)
    history = rl_train(policy, sft, np.random.default_rng(seed), normalise=normalise)
    share, bits, answers = judge(policy)
    h = habits(answers)
    return {"accepted": share, "bits": bits, "length": h["length"],
            "distinct": h["distinct"], "! share": h["bang"], "clauses": h["clauses"],
            "KL": history["kl"][-1]}


def rl_runs(seed):
    """RL from the notebook's SFT model with ``default_rng(seed)``, advantages divided by
    the group's spread (GRPO): the judged share, bits/char and habits."""
    return _rl_row(seed, True)


def rl_raw_runs(seed):
    """The same RL runs with advantages r − group mean, not divided by the spread."""
    return _rl_row(seed, False)


def dpo_runs(seed):
    """DPO from the notebook's SFT model on pairs drawn with ``default_rng(seed)``:
    the judged share, bits/char, distinct answers, and the pair accuracy on its own pairs
    and on fresh pairs drawn the same way after training; then a second round on pairs
    drawn from the DPO model, with it as the reference (online DPO): its share, bits."""
    sft = sft_model()
    r = np.random.default_rng(seed)
    pairs = draw_pairs(sft, r)
    dpo = copy_of(sft)
    dpo_train(dpo, sft, pairs, r)
    share, bits, answers = judge(dpo)
    held = draw_pairs(sft, r)
    row = {"pairs": len(pairs), "accepted": share, "bits": bits,
           "distinct": len(set(answers)) / len(answers),
           "train pairs": pair_accuracy(dpo, sft, pairs)[0],
           "new pairs": pair_accuracy(dpo, sft, held)[0]}
    again = copy_of(dpo)                     # a second round, on pairs the DPO model wrote
    dpo_train(again, dpo, draw_pairs(dpo, r), r)
    row["round 2"], row["round 2 bits"], _ = judge(again)
    return row


SFT_SEEDS = (221, 222, 223, 224, 225)
TABLES = {"22_sft_accepted": (sft_accepted, SFT_SEEDS), "22_sft_bits": (sft_bits, SFT_SEEDS),
          "22_rl": (rl_runs, (2202, 2212, 2222, 2232, 2242)),
          "22_rl_raw": (rl_raw_runs, (2202, 2212, 2222, 2232, 2242)),
          "22_dpo": (dpo_runs, (2203, 2213, 2223, 2233, 2243))}
# The two models every table above and chapters 29 and 30 start from, stored (models/): how
# each is trained, and the loss on held-out data the test of the stored file compares
STORED_MODELS = {"22_base": (train_base, bits_per_char), "22_sft": (train_sft, bits_per_char)}
