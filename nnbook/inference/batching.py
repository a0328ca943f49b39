"""Many prompts at once (chapter 23): prompts of different lengths run as one batch, padded
on the left; the padded keys are masked and each row's positions count from its own first
token (the caches' ``pad``), so every row's logits equal that prompt's alone. With a
``stop_token`` each row stops after writing it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ragged_rows", "left_pad", "check_stop_token", "generate_rows"]


def ragged_rows(ids):
    """The prompts as a list of 1-D arrays when ``ids`` is a list (or tuple) of sequences
    of different lengths; ``None`` for anything else (a 2-D batch is read as before)."""
    if isinstance(ids, np.ndarray) or not isinstance(ids, (list, tuple)) or not ids:
        return None
    try:
        rows = [np.asarray(row) for row in ids]
    except (TypeError, ValueError):
        return None
    if any(r.ndim != 1 for r in rows) or len({r.shape[0] for r in rows}) < 2:
        return None
    return rows


def left_pad(rows, pad_id=0):
    """Prompts of different lengths as one batch, each pushed to the right.

    Shapes: rows, m 1-D arrays of lengths T_r  →  ``(ids, pad)``: ids (m, max T_r) int64,
    row r holding ``pad_id`` in its first ``pad[r] = max T − T_r`` places; pad (m,).
    """
    lengths = np.array([len(r) for r in rows])
    T0 = int(lengths.max())
    ids = np.full((len(rows), T0), pad_id, dtype=np.int64)
    for i, row in enumerate(rows):
        ids[i, T0 - len(row):] = row
    return ids, T0 - lengths


def check_stop_token(stop_token, V):
    """``stop_token`` as an int in [0, V) (V None: unknown), or a ValueError."""
    if stop_token is None:
        return None
    if (isinstance(stop_token, (bool, np.bool_))
            or not isinstance(stop_token, (int, np.integer))
            or stop_token < 0 or (V is not None and stop_token >= V)):
        bound = "" if V is None else f" < {V} (the model's vocabulary)"
        raise ValueError(f"generate: expected stop_token as one token id ≥ 0{bound}, got "
                         f"{stop_token!r}. Pass the end token's id, e.g. "
                         f"tokenizer.encode('.')[0].")
    return int(stop_token)


def generate_rows(run, rows, n_new, stop_token, cached, return_logits):
    """The rows' texts (and logits) as lists, one entry per prompt.

    ``run(ids, pad, stop)`` generates the padded batch and returns ``(out, logits,
    n_made)``: out (m, T0 + n_new), logits (m, n_new, V), n_made (m,) how many new tokens
    each row kept (up to and including its stop token). ``cached=False`` (a model without
    a cache, or whose cache cannot hide padding: ``can_pad``) runs each prompt as its own
    batch instead.
    """
    if not cached and len({len(r) for r in rows}) > 1:
        parts = [generate_rows(run, [r], n_new, stop_token, True, True) for r in rows]
        texts = [p[0][0] for p in parts]
        return (texts, [p[1][0] for p in parts]) if return_logits else texts
    ids, pad = left_pad(rows)
    out, logits, n_made = run(ids, pad)
    T0 = ids.shape[1]
    texts = [out[i, pad[i]:T0 + n_made[i]].copy() for i in range(len(rows))]
    if not return_logits:
        return texts
    return texts, [logits[i, :n_made[i]].copy() for i in range(len(rows))]


def stops(tokens, stop_token, done, n_made, step):
    """Mark the rows that wrote ``stop_token`` at ``step`` (0-based) as done, keeping
    ``step + 1`` new tokens each; True when every row is done."""
    if stop_token is None:
        return False
    hit = ~done & (tokens == stop_token)
    n_made[hit] = step + 1
    done |= hit
    return bool(done.all())
