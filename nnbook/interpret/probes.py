"""Linear probes (chapter 36): a multinomial logistic regression from a layer's features to
a label, scored on a held-out split drawn from an explicit generator, beside the same probe
on a control task (Hewitt & Liang's), whose gap is the probe's selectivity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..layers import Dense, Softmax
from ..optimizers import Adam
from ..training import CrossEntropy, Sequential
from ..validate import make_rng

__all__ = ["ProbeFit", "fit_probe", "control_labels"]


@dataclass(frozen=True)
class ProbeFit:
    """What ``fit_probe`` measured. Accuracies are shares from 0 to 1; ``chance`` is the
    held-out share of the training split's most common label (what a constant guess
    scores); the ``control_*`` fields and ``selectivity`` (held-out accuracy minus the
    control's) are None without ``tokens``."""
    train_accuracy: float
    held_out_accuracy: float
    chance: float
    control_train_accuracy: float | None
    control_accuracy: float | None
    selectivity: float | None
    model: Sequential
    held_out_index: np.ndarray
    held_out_correct: np.ndarray


def _check(features, labels, tokens):
    x, y = np.asarray(features, dtype=np.float64), np.asarray(labels)
    if x.ndim != 2:
        raise ValueError(f"fit_probe: got features of shape {x.shape}, expected (n, d), one "
                         f"row per example. For a layer's (m, T, d) residuals pass "
                         f"h.reshape(-1, d) with the labels reshaped to (m*T,).")
    if y.shape != (len(x),) or y.dtype.kind not in "iu" or (y.size and y.min() < 0):
        raise ValueError(f"fit_probe: got labels of shape {y.shape} and dtype {y.dtype}, "
                         f"expected ({len(x)},) integers ≥ 0, one per row of features. Drop "
                         f"the rows whose label is unknown (−1) first.")
    if tokens is not None:
        tokens = np.asarray(tokens)
        if tokens.shape != y.shape or tokens.dtype.kind not in "iu":
            raise ValueError(f"fit_probe: got tokens of shape {tokens.shape} and dtype "
                             f"{tokens.dtype}, expected ({len(x)},) integer ids, the input "
                             f"token at each row's position (for the control task).")
    if not np.isfinite(x).all():
        raise ValueError("fit_probe: features hold a non-finite value; expected finite floats.")
    return x, y, tokens


def control_labels(tokens, labels, *, rng=None):
    """Hewitt & Liang's control task: each token id gets one random label, drawn from the
    labels' own distribution (their marginals over the examples), and every example of that
    token carries it. The control's label shares match the labels' in expectation only: one
    draw per type, each type weighted by its frequency, can be far off (a frequent token
    drawn the rare label). A probe that reaches the control's accuracy has learnt which
    token sits at a position, not the property asked for.

    Shapes: tokens (n,) ints, labels (n,) ints → (n,) ints."""
    tokens, labels = np.asarray(tokens), np.asarray(labels)
    rng = make_rng(rng, "control_labels")
    types, inverse = np.unique(tokens, return_inverse=True)
    classes, counts = np.unique(labels, return_counts=True)
    drawn = rng.choice(classes, size=len(types), p=counts / counts.sum())
    return drawn[inverse.reshape(-1)]


def _train(x, y, K, epochs, lr, rng):
    """A softmax regression (Dense then Softmax, cross-entropy) trained with ``fit``."""
    model = Sequential([Dense(x.shape[1], K, rng=rng), Softmax()])
    model.compile(Adam(lr=lr), CrossEntropy())
    model.fit(x, y, epochs=epochs, batch_size=min(128, len(x)), verbose=0, rng=rng)
    return model


def _accuracy(model, x, y):
    return float(np.mean(np.argmax(model.predict(x), axis=1) == y))


def fit_probe(features, labels, *, tokens=None, held_out=0.25, epochs=60, lr=0.01,
              rng=None) -> ProbeFit:
    """Fit a linear probe and score it on a held-out split.

    The probe is a multinomial logistic regression (softmax of ``x @ W + b``, trained with
    ``fit`` and Adam on the cross-entropy), on features standardised by the training split's
    mean and standard deviation. ``rng`` draws the split (a random ``held_out`` share of the
    rows), the probe's start and the batches, so the same generator gives the same numbers.
    With ``tokens`` (the input id at each row) the same probe is fitted on the same split to
    ``control_labels(tokens, labels)`` and ``selectivity`` is the held-out accuracy minus the
    control's.

    Shapes:
        features: (n, d); labels: (n,) ints from 0 to K − 1; tokens: (n,) ints or None
    """
    x, y, tokens = _check(features, labels, tokens)
    if not 0.0 < held_out < 1.0:
        raise ValueError(f"fit_probe: got held_out={held_out!r}, expected a share between 0 "
                         f"and 1 (0.25 holds out a quarter of the rows).")
    rng = make_rng(rng, "fit_probe")
    order = rng.permutation(len(x))
    n_out = int(round(held_out * len(x)))
    if n_out < 1 or n_out >= len(x):
        raise ValueError(f"fit_probe: {len(x)} rows leave {n_out} held out, expected at least "
                         f"one row on each side. Pass more rows.")
    test, train = order[:n_out], order[n_out:]
    mean, std = x[train].mean(axis=0), x[train].std(axis=0)
    x = (x - mean) / np.where(std > 0, std, 1.0)
    K = int(y.max()) + 1
    control = None if tokens is None else control_labels(tokens, y, rng=rng)
    model = _train(x[train], y[train], K, epochs, lr, rng)
    common = np.bincount(y[train], minlength=K).argmax()
    fit = dict(train_accuracy=_accuracy(model, x[train], y[train]),
               held_out_accuracy=_accuracy(model, x[test], y[test]),
               chance=float(np.mean(y[test] == common)), model=model, held_out_index=test,
               held_out_correct=np.argmax(model.predict(x[test]), axis=1) == y[test],
               control_train_accuracy=None, control_accuracy=None, selectivity=None)
    if control is not None:
        twin = _train(x[train], control[train], K, epochs, lr, rng)
        fit["control_train_accuracy"] = _accuracy(twin, x[train], control[train])
        fit["control_accuracy"] = _accuracy(twin, x[test], control[test])
        fit["selectivity"] = fit["held_out_accuracy"] - fit["control_accuracy"]
    return ProbeFit(**fit)
