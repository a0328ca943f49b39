"""Chapter 24's comparisons over seeds: a small modern language model trained with a seed,
then read back with its weights in each number format (float64, float32, bfloat16, int8,
int4 per channel and in groups, int4 in one part of the model at a time), in bits per
character on held-out text beside the grammar's own (stored tables); and a digits MLP
trained in float32, in emulated mixed precision, and with bfloat16 master weights.
"""

from __future__ import annotations

import copy
import functools

import numpy as np

from ..data import char_windows, digits_split, language_corpus
from ..layers import Dense, Tanh
from ..precision import RoundTo, mixed_precision_step, quantise, round_to
from ..training import SGD, CrossEntropy, Sequential
from ..training.loop import fit_fresh
from .language_models import train_model
from .modern_block import BITS, loss_per_char, modern

__all__ = ["T", "setup", "train_lm", "bits_per_char", "rounded", "PARTS", "formats_row",
           "parts_row", "groups_lower_error", "top_char_agreement", "train_digits",
           "no_gradient_share", "mixed_row", "TABLES"]

T, BATCH, STEPS, EPOCHS = 16, 32, 50, 3


def setup(seed):
    """The text of one seed: training windows (50 batches of 32 windows of 16 characters),
    held-out windows, the grammar's own loss on the held-out text (bits/char), and the
    corpus' ``decode`` (ids → text)."""
    rng = np.random.default_rng(seed)
    train = language_corpus(STEPS * BATCH * T, rng=rng)
    val = language_corpus(4000, rng=rng)
    x, y = char_windows(train.ids, T)
    x_val, y_val = char_windows(val.ids, T)
    grammar = float(val.language.nll_chars(val.text).mean() * BITS)
    return {"x": x[:STEPS * BATCH], "y": y[:STEPS * BATCH], "x_val": x_val, "y_val": y_val,
            "grammar": grammar, "decode": val.decode}


def train_lm(seed, emb_std=None):
    """``(model, data)``: chapter 20's modern model (two blocks of width 32, tied, with
    chapter 20's start) trained for 3 epochs on the seed's text, in float64 (kept for the
    next call with the seed: don't change the model in place). ``emb_std=1.0``: the N(0, 1)
    embedding start chapter 20 dropped in issue 42, for the comparison of section 4."""
    return _trained(seed, emb_std)


@functools.lru_cache(maxsize=2)
def _trained(seed, emb_std):
    data = setup(seed)
    return train_model(modern(T, emb_std=emb_std), data, seed, EPOCHS, batch_size=BATCH)[0], data


def bits_per_char(model, data):
    """The model's held-out loss in bits per character."""
    return float(loss_per_char(model, data["x_val"], data["y_val"]).mean() * BITS)


def rounded(model, fmt):
    """A copy of ``model`` with every parameter rounded to ``fmt`` (kept in float64)."""
    out = copy.deepcopy(model)
    for p in out.params.values():
        p[...] = round_to(p, fmt)
    return out


#: the parts of the model quantised alone to int4 (model.params names)
PARTS = {"embedding": lambda k: k == "0.W",
         "attention": lambda k: ".attn.W_" in k,
         "feed-forward": lambda k: k.split(".")[-1] in ("W_1", "W_2", "W_3")}


def formats_row(seed):
    """Held-out bits per character of the seed's model with its weights in each format
    ("int4/16": int4 in groups of 16 inputs), and the grammar's own."""
    model, data = train_lm(seed)
    row = {"float64": bits_per_char(model, data)}
    for fmt, short in (("float32", "float32"), ("bfloat16", "bf16")):
        row[short] = bits_per_char(rounded(model, fmt), data)
    for name, bits, group in (("int8", 8, None), ("int4", 4, None), ("int4/16", 4, 16)):
        row[name] = bits_per_char(quantise(model, bits, group_size=group), data)
    row["grammar"] = data["grammar"]
    return row


def parts_row(seed, emb_std=None):
    """Held-out bits per character with one part of the seed's model in int4 (per output
    channel), the rest in float64 (``emb_std``: as ``train_lm``)."""
    model, data = train_lm(seed, emb_std)
    row = {"float64": bits_per_char(model, data)}
    for part, chosen in PARTS.items():
        keys = [k for k in model.params if chosen(k)]
        row[part] = bits_per_char(quantise(model, 4, keys=keys), data)
    return row


def groups_lower_error(seed):
    """``(k, n)``: int4 in groups of 16 gives a smaller mean |W − Ŵ| than int4 per output
    channel in k of the n quantised matrices of the seed's model."""
    model, _ = train_lm(seed)
    q4, q16 = quantise(model, 4), quantise(model, 4, group_size=16)
    lower = [np.abs(model.params[k] - q16.params[k]).mean()
             < np.abs(model.params[k] - q4.params[k]).mean() for k in q4.codes]
    return sum(lower), len(lower)


def top_char_agreement(seed, bits=8, n_windows=100):
    """The share of held-out positions (the first ``n_windows`` windows, 16 positions
    each) where the seed's model with int``bits`` weights per output channel finds the
    same most likely next character as in float64."""
    model, data = train_lm(seed)
    x = data["x_val"][:n_windows]                                # (n_windows, 16)
    same = quantise(model, bits).predict(x).argmax(-1) == model.predict(x).argmax(-1)
    return float(same.mean())


def train_digits(seed, kind, epochs=10, batch=32, lr=0.02, return_unchanged=False,
                 return_no_gradient=False, callbacks=None, verbose=0):
    """A 64-64-10 tanh MLP on chapter 10's digits, float32, trained by SGD through ``fit``'s
    loop (``fit_fresh``; batches of ``batch`` in a new order each epoch) with ``kind``:
    "float32" (plain steps), "mixed" (bfloat16 weights, activations and gradients, float32
    master weights and sums) or "bfloat16 master" (the master weights rounded too).
    Returns ``(training loss per step, held-out loss)``, and with ``return_unchanged`` also
    the share of the weights a step left exactly as they were, per step. With
    ``return_no_gradient`` (and ``return_unchanged``) also a (steps, 2) array comparing
    those weights with the ones the batch gives no gradient (the first-layer weights of the
    pixels that are 0 in every image of the batch), per step: the share of the unchanged
    weights that have no gradient, and the share of the no-gradient weights left
    unchanged. ``callbacks``, ``verbose`` and the error when the loss diverges are
    ``fit``'s."""
    d = digits_split(flat=True)
    x, y = d.x_train.astype(np.float32), d.y_train
    r = np.random.default_rng(seed)
    layers = [Dense(64, 64, rng=r, dtype=np.float32), Tanh(),
              Dense(64, 10, rng=r, dtype=np.float32)]
    if kind != "float32":
        layers = [layers[0], RoundTo("bfloat16"), layers[1], RoundTo("bfloat16"),
                  layers[2], RoundTo("bfloat16")]     # every activation and its gradient
    model = Sequential(layers)
    model.compile(optimizer=SGD(lr=lr), loss=CrossEntropy(from_logits=True))
    master = "bfloat16" if kind == "bfloat16 master" else "float32"
    unchanged, sets = [], []

    def in_order(r):                        # each epoch, the images in a new order
        while True:
            order = r.permutation(len(x))
            for i in range(0, len(x) - batch + 1, batch):   # a last batch of fewer left out
                b = order[i:i + batch]
                yield x[b], y[b]

    def step(xb, yb):
        before = [p.copy() for p in model.params.values()] if return_unchanged else None
        if kind == "float32":
            logs = model.train_step(xb, yb)
        else:
            logs = mixed_precision_step(model, xb, yb, master=master)
        if return_unchanged:
            kept = [p == q for p, q in zip(model.params.values(), before)]
            same = sum(int(m.sum()) for m in kept)
            unchanged.append(same / sum(q.size for q in before))
        if return_unchanged and return_no_gradient:
            dead = (xb == 0).all(axis=0)            # pixels 0 across the batch
            both = int(kept[0][dead].sum())         # kept[0]: the first layer's W
            n_dead = 64 * int(dead.sum())
            sets.append((both / same if same else np.nan,
                         both / n_dead if n_dead else np.nan))
        return logs

    batches = in_order(r)
    curve = fit_fresh(model, lambda r: next(batches), len(x) // batch, epochs=epochs,
                      step=step, batch_size=batch, rng=r, callbacks=callbacks,
                      verbose=verbose, owner="train_digits")
    held_out = float(model.evaluate(d.x_val.astype(np.float32), d.y_val))
    if return_unchanged and return_no_gradient:
        return curve, held_out, np.array(unchanged), np.array(sets)
    if return_unchanged:
        return curve, held_out, np.array(unchanged)
    return curve, held_out


def no_gradient_share(rng, batch=32, n_batches=300):
    """The share of ``train_digits``' weights and biases that a batch gives no gradient:
    the first-layer weights of the pixels that are 0 in every image of the batch. The
    mean over ``n_batches`` batches of ``batch`` training images drawn with ``rng``."""
    pixels = digits_split(flat=True).x_train                     # (n, 64)
    n_weights = 64 * 64 + 64 + 64 * 10 + 10                      # the MLP's parameters
    batches = [pixels[rng.permutation(len(pixels))[:batch]] for _ in range(n_batches)]
    zero = [64 * (b == 0).all(axis=0).sum() for b in batches]    # 64 weights per pixel
    return float(np.mean(zero) / n_weights)


def mixed_row(seed):
    """The held-out loss of the three ways of training, from the same initial weights."""
    return {kind: train_digits(seed, kind)[1]
            for kind in ("float32", "mixed", "bfloat16 master")}


SEEDS = tuple(range(24, 34))
TABLES = {"24_formats": (formats_row, SEEDS), "24_parts": (parts_row, SEEDS)}
