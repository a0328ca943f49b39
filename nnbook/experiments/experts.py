"""Chapter 33's mixture of experts on the grammar, over seeds: chapter 20's two-block model
with its SwiGLU replaced by E = 4 experts (k = 1) balanced by Switch's auxiliary loss, by
the bias of 2025's open models, or not at all, beside two dense models, one with the MoE's
active parameters and one with its total; scored in bits above the window bound, with each
MoE's load (max/mean) and, for the bias-balanced one, the mutual information between the
router's choice and the parser's exact state.

A seed draws the training and held-out text, every model's initialisation and batch order
(``language_models.train_model``); the notebook's own run is the first seed of the table.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ..layers import Embedding, RMSNorm, TransformerBlock, Unembedding
from .language_models import train_model, window_data
from .modern_block import loss_per_char

__all__ = ["setup", "MODELS", "layers", "train", "moe_row", "routing", "labels",
           "mutual_information", "multiplications", "TABLES", "SEEDS"]

V, D_MODEL, T, BATCH, STEPS_PER_EPOCH, EPOCHS = 26, 32, 16, 32, 50, 4
D_FF = 2 * 4 * D_MODEL // 3            # 85: chapter 20's SwiGLU
N_EXPERTS = 4
VAL_CHARS = 3_000
SEEDS = (33, 34, 35, 36, 37)
BITS = 1 / math.log(2)

#: name → (ffn, d_ff, moe settings): the MoE's experts each have chapter 20's d_ff, so the
#: dense model of d_ff 85 has its active parameters (a token goes through one expert) and
#: the one of d_ff 4 · 85 = 340 its total
MODELS = {
    "dense 85": ("swiglu", D_FF, None),
    "dense 340": ("swiglu", N_EXPERTS * D_FF, None),
    "MoE, none": ("moe", D_FF, {"n_experts": N_EXPERTS, "k": 1}),
    "MoE, aux": ("moe", D_FF, {"n_experts": N_EXPERTS, "k": 1, "aux_weight": 0.01}),
    "MoE, bias": ("moe", D_FF, {"n_experts": N_EXPERTS, "k": 1, "balance_rate": 0.01}),
}
MOES = [n for n in MODELS if MODELS[n][0] == "moe"]


def setup(seed):
    """The data of one seed: 50 batches of 32 training windows of 16 characters, 3,000
    held-out characters, and on the held-out targets the window bound (nats, (m, T))."""
    return window_data(seed, STEPS_PER_EPOCH * BATCH, VAL_CHARS, T)


def layers(name):
    """The layers (a function of the generator) of model ``name`` (a key of ``MODELS``):
    chapter 20's modern two-block model with the feed-forward network it names."""
    ffn, d_ff, moe = MODELS[name]

    def make(r):
        emb = Embedding(V, D_MODEL, rng=r)
        blocks = [TransformerBlock(D_MODEL, 4, d_ff, norm="rmsnorm", ffn=ffn, rope=True,
                                   n_kv_heads=2, rng=r, **({"moe": moe} if moe else {}))
                  for _ in range(2)]
        return [emb, *blocks, RMSNorm(D_MODEL), Unembedding(emb)]
    return make


def train(name, data, seed):
    """Model ``name`` trained on ``data`` with chapter 20's budget (200 steps of AdamW)."""
    return train_model(layers(name), data, seed, EPOCHS, batch_size=BATCH)[0]


def routing(model, x_val, y_val):
    """Each MoE block's choice of expert for every held-out position, (blocks, m, T), after
    one ``predict`` (inference: nothing is dropped); returns ``(choices, bits)``, bits the
    held-out loss per target in bits (m, T)."""
    logits = model.predict(x_val, batch_size=len(x_val))        # one batch: every position
    blocks = [layer.ffn for layer in model.layers if isinstance(layer, TransformerBlock)]
    choices = np.stack([b.chosen[..., 0] for b in blocks])
    z = logits - logits.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return choices, -np.take_along_axis(logp, y_val[..., None], axis=-1)[..., 0] * BITS


def labels(data):
    """The parser's exact state behind each held-out input position (m, T), with the
    input character's class: ``question`` (−1 between sentences, 0, 1), ``depth`` and
    ``class`` (0 letter, 1 space, 2 "(", 3 ")", 4 a final mark)."""
    val = data["val"]
    n = data["x_val"].size
    states = val.language.state_labels(val.text[:n])
    chars = np.array(list(val.text[:n]))
    cls = np.select([chars == " ", chars == "(", chars == ")", np.isin(chars, list(".!?"))],
                    [1, 2, 3, 4], 0)
    shape = data["x_val"].shape
    return {"question": states["question"].reshape(shape),
            "depth": states["depth"].reshape(shape), "class": cls.reshape(shape)}


def entropy(counts):
    """The plug-in entropy of a table of counts, bits."""
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum())


def mutual_information(a, b):
    """The plug-in I(a; b) = H(a) + H(b) − H(a, b) in bits of two integer label arrays,
    with H(a) (its ceiling) and Miller–Madow's estimate of the plug-in's upward bias,
    (|a| − 1)(|b| − 1) / (2 N ln 2) over the values seen: ``(I, H(a), bias)``."""
    a, b = np.ravel(a), np.ravel(b)
    _, ai = np.unique(a, return_inverse=True)
    _, bi = np.unique(b, return_inverse=True)
    joint = np.zeros((ai.max() + 1, bi.max() + 1))
    np.add.at(joint, (ai, bi), 1)
    h_a, h_b, h_ab = entropy(joint.sum(1)), entropy(joint.sum(0)), entropy(joint.ravel())
    bias = (joint.shape[0] - 1) * (joint.shape[1] - 1) / (2 * len(a) * math.log(2))
    return h_a + h_b - h_ab, h_a, bias


def multiplications(name):
    """Multiplications per token in the two feed-forward networks of model ``name``:
    3 · d · d_ff per SwiGLU a token goes through, plus d · E for a router."""
    ffn, d_ff, moe = MODELS[name]
    per_block = 3 * D_MODEL * d_ff * (moe["k"] if moe else 1)
    return 2 * (per_block + (D_MODEL * moe["n_experts"] if moe else 0))


@functools.lru_cache(maxsize=2)
def _data(seed):
    return setup(seed)


def moe_row(seed, names=tuple(MODELS), models=None):
    """One seed's row: each model's bits above the window bound on the held-out targets,
    each MoE's load max/mean (both blocks' choices together, held out), and for "MoE,
    bias" the mutual information (bits, block 2) between its choice and the parser's state,
    with H(expert) and the plug-in bias. ``models``: a dict the trained models are put in."""
    data = _data(seed)
    bound = data["bound_w"].mean() * BITS
    row = {}
    for name in names:
        model = train(name, data, seed)
        if models is not None:
            models[name] = model
        if MODELS[name][0] == "moe":
            choices, bits = routing(model, data["x_val"], data["y_val"])
            load = np.bincount(choices.ravel(), minlength=N_EXPERTS)
            row[f"{name} load max/mean"] = load.max() / load.mean()
            if name == "MoE, bias":
                for label, values in labels(data).items():
                    mi, h, bias = mutual_information(choices[1], values)
                    row[f"I(expert; {label})"] = mi
                    row[f"bias {label}"] = bias
                row["H(expert)"] = h
        else:
            bits = loss_per_char(model, data["x_val"], data["y_val"]) * BITS
        row[name] = bits.mean() - bound
    return row


TABLES = {"33_moe": (moe_row, SEEDS)}
