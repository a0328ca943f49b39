"""Chapter 12 from a seed: one draw of 150 training digits, and on it the overfitting curve,
the choice of λ and of the dropout rate on the validation set, early stopping, one-pixel
shifts and all 1077 digits, each read on chapter 10's validation and test digits. Ten
seeds are stored (about 1.5 s each); the notebook shows them beside its own run."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..callbacks import EarlyStopping
from ..data import digits_split
from ..layers import Dense, Dropout, Flatten, ReLU, Softmax
from ..training import Adam, Sequential

__all__ = ["LAMBDAS", "RATES", "chapter_run", "overfitting", "l2_grid", "weight_norms",
           "dropout_grid", "early_stopping", "accuracy_on_test", "loss_on_validation",
           "TABLES"]

LAMBDAS = (1e-4, 1e-3, 1e-2, 1e-1)        # section 3's grid (λ = 0 is the baseline)
RATES = (0.2, 0.4, 0.6)                   # section 4's dropout rates (p = 0: the baseline)
EPOCHS, BATCH, N_SMALL = 30, 16, 150
ROWS = ("none", "L2", "dropout", "early stop", "shifts", "1077 digits")   # section 7


def _network(rng, dropout=0.0):
    layers = [Flatten(), Dense(64, 128, init="he_normal", rng=rng), ReLU()]
    layers += [Dropout(dropout, rng=rng)] if dropout else []
    layers += [Dense(128, 128, init="he_normal", rng=rng), ReLU()]
    layers += [Dropout(dropout, rng=rng)] if dropout else []
    return Sequential(layers + [Dense(128, 10, rng=rng), Softmax()], input_shape=(8, 8, 1))


def _shifted(X):
    """The batch and its four one-pixel shifts (up, down, left, right), (5m, 8, 8, 1)."""
    moves = []
    for axis, step in [(1, -1), (1, 1), (2, -1), (2, 1)]:
        out = np.zeros_like(X)
        src = [slice(None)] * 4
        dst = [slice(None)] * 4
        src[axis] = slice(None, -1) if step == 1 else slice(1, None)
        dst[axis] = slice(1, None) if step == 1 else slice(None, -1)
        out[tuple(dst)] = X[tuple(src)]
        moves.append(out)
    return np.concatenate([X] + moves)


def _norm(weights):
    return float(np.sqrt(sum(np.sum(w ** 2) for w in weights)))


@lru_cache(maxsize=16)
def chapter_run(seed):
    """Every training of chapter 12 on one draw from ``np.random.default_rng(seed)``: 150
    training digits of chapter 10's split, then each network as the chapter trains it
    (Adam(0.002), batches of 16, 30 epochs or as many steps). Returns a dict of the
    numbers the tables below read (cached: the tables of one seed share one run)."""
    rng = np.random.default_rng(seed)
    X_train, y_train, X_val, y_val, X_test, y_test = digits_split()
    small = rng.choice(len(X_train), size=N_SMALL, replace=False)
    X_s, y_s = X_train[small], y_train[small]
    nets, out = {}, {}

    def train(name, X, y, dropout=0.0, lam=0.0, epochs=EPOCHS, callbacks=()):
        net = _network(rng, dropout)
        out[f"start {name}"] = _norm(net.get_weights())
        net.compile(optimizer=Adam(lr=0.002, weight_decay=lam), loss="crossentropy",
                    metrics=["accuracy"])
        history = net.fit(X, y, epochs=epochs, batch_size=BATCH, verbose=0, rng=rng,
                          validation_data=(X_val, y_val), callbacks=list(callbacks))
        nets[name] = net
        out[f"val {name}"] = float(net.evaluate(X_val, y_val)[0])
        out[f"test {name}"] = float(net.evaluate(X_test, y_test)[1])
        return history.history

    history = train("none", X_s, y_s)
    curve, best = np.array(history["val_loss"]), int(np.argmin(history["val_loss"]))
    out["best epoch"], out["last / lowest"] = best + 1, float(curve[-1] / curve[best])
    out["training loss fall"] = history["loss"][best] / history["loss"][-1]
    out["training accuracy"] = history["accuracy"][-1]
    for lam in LAMBDAS:
        train(f"λ {lam:g}", X_s, y_s, lam=lam)
    out["λ"] = min(LAMBDAS, key=lambda lam: out[f"val λ {lam:g}"])
    for p in RATES:
        train(f"p {p:g}", X_s, y_s, dropout=p)
    out["p"] = min(RATES, key=lambda p: out[f"val p {p:g}"])
    stop = EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True)
    out["epochs run"] = len(train("early stop", X_s, y_s, callbacks=[stop])["val_loss"])
    out["stop best"] = stop.best_epoch + 1
    steps = EPOCHS * -(-N_SMALL // BATCH)
    for name, X, y in [("shifts", _shifted(X_s), np.tile(y_s, 5)),
                       ("1077 digits", X_train, y_train)]:
        train(name, X, y, epochs=round(steps / -(-len(X) // BATCH)))    # as many steps
    out["norm none"] = _norm(nets["none"].get_weights())
    out["norm λ"] = _norm(nets[f"λ {out['λ']:g}"].get_weights())
    for kind, name in [("L2", f"λ {out['λ']:g}"), ("dropout", f"p {out['p']:g}")]:
        out[f"val {kind}"], out[f"test {kind}"] = out[f"val {name}"], out[f"test {name}"]
    return out


def overfitting(seed):
    """Section 2, the network left to overfit: the epoch (from 1) of its lowest validation
    loss, the last epoch's validation loss over the lowest, how many times lower the
    training loss is at the last epoch than at that best one, and the final training
    accuracy."""
    run = chapter_run(seed)
    return {name: run[name] for name in ("best epoch", "last / lowest", "training loss fall",
                                         "training accuracy")}


def l2_grid(seed):
    """Section 3: the final validation loss for λ = 0 and each λ of the grid, and log₁₀ of
    the λ the validation set chooses among the grid."""
    run = chapter_run(seed)
    row = {"λ 0": run["val none"]}
    row.update({f"λ {lam:g}": run[f"val λ {lam:g}"] for lam in LAMBDAS})
    row["log10 chosen"] = float(np.log10(run["λ"]))
    return row


def weight_norms(seed):
    """Section 3: ‖W‖ over every parameter at the start and after training, without L2 and
    with the chosen λ."""
    run = chapter_run(seed)
    return {"start": run["start none"], "no L2": run["norm none"], "chosen λ": run["norm λ"]}


def dropout_grid(seed):
    """Section 4: the final validation loss for p = 0 and each dropout rate, and the rate
    the validation set chooses."""
    run = chapter_run(seed)
    row = {"p 0": run["val none"]}
    row.update({f"p {p:g}": run[f"val p {p:g}"] for p in RATES})
    row["chosen p"] = run["p"]
    return row


def early_stopping(seed):
    """Section 5: the best validation epoch of the early-stopped run (patience 10) and the
    number of epochs it ran (at most 30)."""
    run = chapter_run(seed)
    return {"best epoch": run["stop best"], "epochs run": run["epochs run"]}


def accuracy_on_test(seed):
    """Section 7: each row's accuracy on the 450 test digits (λ and p chosen on this draw)."""
    run = chapter_run(seed)
    return {row: run[f"test {row}"] for row in ROWS}


def loss_on_validation(seed):
    """Section 7: each row's final validation loss."""
    run = chapter_run(seed)
    return {row: run[f"val {row}"] for row in ROWS}


_SEEDS = tuple(range(1, 11))
TABLES = {
    "12_overfitting": (overfitting, _SEEDS),
    "12_l2_grid": (l2_grid, _SEEDS),
    "12_weight_norms": (weight_norms, _SEEDS),
    "12_dropout_grid": (dropout_grid, _SEEDS),
    "12_early_stopping": (early_stopping, _SEEDS),
    "12_test_accuracy": (accuracy_on_test, _SEEDS),
    "12_validation_loss": (loss_on_validation, _SEEDS),
}
