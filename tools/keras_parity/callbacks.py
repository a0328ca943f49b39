"""The callbacks, the default initialisers, a CNN with BatchNorm trained side by side, and the
weight order of get_weights."""

from __future__ import annotations

import os
import tempfile

import numpy as np
import keras

import nnbook as nb
from nnbook.callbacks import EarlyStopping, LearningRateScheduler, ModelCheckpoint
from .common import ROWS, check, same
from .training import data, mlp_pair, weights_diff


def _regression(m=20, seed=5):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(m, 4))
    return x, (x @ np.array([1.0, -2.0, 0.5, 0.0]))[:, None] + rng.normal(size=(m, 1)) * 0.3


def callback_checks():
    x, y = _regression()
    xv, yv = _regression(9, seed=6)
    settings = [
        dict(monitor="val_loss", patience=0),
        dict(monitor="val_loss", patience=1, restore_best_weights=True),
        dict(monitor="loss", patience=2, min_delta=0.05),
        dict(monitor="val_loss", patience=2, min_delta=0.01, restore_best_weights=True),
        dict(monitor="val_loss", patience=1, baseline=0.5, restore_best_weights=True),
        dict(monitor="val_loss", patience=1, baseline=50.0),
        dict(monitor="loss", patience=1, mode="max"),
        dict(monitor="val_loss", patience=1, start_from_epoch=4, restore_best_weights=True),
        dict(monitor="val_loss", patience=3, restore_best_weights=True),
    ]
    for lr in (0.2, 0.4):       # 0.2: val_loss rises after epoch 8; 0.4: both losses wander
        for kw in settings:
            nbm, km = mlp_pair(1, "linear", seed=2)
            nbm.compile(nb.SGD(lr=lr), "mse")
            km.compile(keras.optimizers.SGD(lr), "mse")
            en, ek = EarlyStopping(**kw), keras.callbacks.EarlyStopping(**kw)
            hn = nbm.fit(x, y, epochs=12, batch_size=6, shuffle=False, verbose=0,
                         validation_data=(xv, yv), callbacks=[en])
            hk = km.fit(x, y, epochs=12, batch_size=6, shuffle=False, verbose=0,
                        validation_data=(xv, yv), callbacks=[ek])
            text = ", ".join(f"{k}={v}" for k, v in kw.items())
            same(f"EarlyStopping({text}) lr={lr}: epochs run, stopped_epoch, best_epoch "
                 f"(Keras: {len(hk.epoch)}, {ek.stopped_epoch}, {ek.best_epoch})",
                 (hn.epoch, en.stopped_epoch, en.best_epoch),
                 (hk.epoch, ek.stopped_epoch, ek.best_epoch))
            ROWS.append((f"EarlyStopping({text}) lr={lr}: final weights",
                         weights_diff(nbm, km), 1e-9, "CHK"))
    # accuracy monitors: mode "auto" means max, and equal accuracies are not improvements
    xc, labels = data(m=30)
    xcv, lcv = data(m=15, seed=12)
    for kw in (dict(monitor="val_accuracy", patience=2, restore_best_weights=True),
               dict(monitor="accuracy", patience=1, min_delta=0.01)):
        nbm, km = mlp_pair(3, "softmax", seed=4)
        nbm.compile(nb.SGD(lr=0.3), "categorical_crossentropy", ["accuracy"])
        km.compile(keras.optimizers.SGD(0.3), "categorical_crossentropy", metrics=["accuracy"])
        en, ek = EarlyStopping(**kw), keras.callbacks.EarlyStopping(**kw)
        hn = nbm.fit(xc, np.eye(3)[labels], epochs=15, batch_size=4, shuffle=False, verbose=0,
                     validation_data=(xcv, np.eye(3)[lcv]), callbacks=[en])
        hk = km.fit(xc, np.eye(3)[labels], epochs=15, batch_size=4, shuffle=False, verbose=0,
                    validation_data=(xcv, np.eye(3)[lcv]), callbacks=[ek])
        text = ", ".join(f"{k}={v}" for k, v in kw.items())
        same(f"EarlyStopping({text}): epochs run, stopped_epoch, best_epoch "
             f"(Keras: {len(hk.epoch)}, {ek.stopped_epoch}, {ek.best_epoch})",
             (hn.epoch, en.stopped_epoch, en.best_epoch), (hk.epoch, ek.stopped_epoch, ek.best_epoch))
        ROWS.append((f"EarlyStopping({text}): final weights", weights_diff(nbm, km), 1e-9, "CHK"))
        nbm, km = mlp_pair(3, "softmax", seed=4)
        nbm.compile(nb.SGD(lr=0.3), "categorical_crossentropy", ["accuracy"])
        km.compile(keras.optimizers.SGD(0.3), "categorical_crossentropy", metrics=["accuracy"])
        with tempfile.TemporaryDirectory() as dn, tempfile.TemporaryDirectory() as dk:
            nbm.fit(xc, np.eye(3)[labels], epochs=8, batch_size=4, shuffle=False, verbose=0,
                    validation_data=(xcv, np.eye(3)[lcv]), callbacks=[ModelCheckpoint(
                        os.path.join(dn, "m-{epoch:02d}"), monitor=kw["monitor"],
                        save_best_only=True)])
            km.fit(xc, np.eye(3)[labels], epochs=8, batch_size=4, shuffle=False, verbose=0,
                   validation_data=(xcv, np.eye(3)[lcv]), callbacks=[keras.callbacks.ModelCheckpoint(
                       os.path.join(dk, "m-{epoch:02d}.weights.h5"), monitor=kw["monitor"],
                       save_best_only=True, save_weights_only=True)])
            saved_n = sorted(f.split(".")[0] for f in os.listdir(dn))
            saved_k = sorted(f.split(".")[0] for f in os.listdir(dk))
        same(f"ModelCheckpoint(monitor={kw['monitor']}, save_best_only=True): epochs saved "
             f"(Keras: {[f[2:] for f in saved_k]})",
             saved_n, saved_k)
    # ModelCheckpoint: which epochs save
    for kw in (dict(save_best_only=False), dict(save_best_only=True, monitor="val_loss"),
               dict(save_best_only=True, monitor="loss")):
        nbm, km = mlp_pair(1, "linear", seed=2)
        nbm.compile(nb.SGD(lr=0.4), "mse")
        km.compile(keras.optimizers.SGD(0.4), "mse")
        with tempfile.TemporaryDirectory() as dn, tempfile.TemporaryDirectory() as dk:
            nbm.fit(x, y, epochs=8, batch_size=6, shuffle=False, verbose=0,
                    validation_data=(xv, yv),
                    callbacks=[ModelCheckpoint(os.path.join(dn, "m-{epoch:02d}"), **kw)])
            km.fit(x, y, epochs=8, batch_size=6, shuffle=False, verbose=0,
                   validation_data=(xv, yv),
                   callbacks=[keras.callbacks.ModelCheckpoint(
                       os.path.join(dk, "m-{epoch:02d}.weights.h5"), save_weights_only=True, **kw)])
            saved_n = sorted(f.split(".")[0] for f in os.listdir(dn))
            saved_k = sorted(f.split(".")[0] for f in os.listdir(dk))
        same(f"ModelCheckpoint({kw}): epochs saved (Keras: {[f[2:] for f in saved_k]})",
             saved_n, saved_k)
    # LearningRateScheduler
    for name, sched in (("schedule(epoch, lr)", lambda e, lr: lr * 0.5 if e else lr),
                        ("schedule(epoch)", lambda e: 0.1 / (1 + e))):
        nbm, km = mlp_pair(1, "linear", seed=2)
        nbm.compile(nb.SGD(lr=0.1), "mse")
        km.compile(keras.optimizers.SGD(0.1), "mse")
        hn = nbm.fit(x, y, epochs=4, batch_size=6, shuffle=False, verbose=0,
                     callbacks=[LearningRateScheduler(sched)])
        hk = km.fit(x, y, epochs=4, batch_size=6, shuffle=False, verbose=0,
                    callbacks=[keras.callbacks.LearningRateScheduler(sched)])
        same(f"LearningRateScheduler {name}: History keys", sorted(hn.history), sorted(hk.history))
        key = "learning_rate" if "learning_rate" in hk.history else "lr"
        check(f"LearningRateScheduler {name}: History[{key!r}]", hn.history.get(key, []),
              hk.history[key], 1e-12)
        ROWS.append((f"LearningRateScheduler {name}: weights", weights_diff(nbm, km), 1e-9, "CHK"))


def init_checks():
    """Default initialisers: Glorot uniform in both, so the largest |w| of a big layer is
    close to the same limit √(6/(fan_in + fan_out)); biases start at 0."""
    rng = np.random.default_rng(8)
    pairs = [("Dense 300→200", nb.Dense(300, 200, rng=rng), keras.layers.Dense(200), (1, 300)),
             ("Conv2D 3×3, 16→32", nb.Conv2D(16, 32, 3, rng=rng), keras.layers.Conv2D(32, 3),
              (1, 8, 8, 16))]
    for name, nbl, kl, shape in pairs:
        kl.build(shape)
        kw, kb = kl.get_weights()
        check(f"default init {name}: max |W| (Glorot uniform limit)",
              np.abs(nbl.params["W"]).max(), np.abs(kw).max(), 0.01 * np.abs(kw).max())
        check(f"default init {name}: b", nbl.params["b"], kb, 0.0)


def conv_model_fit_checks(dtype):
    """A small CNN with BatchNorm trained side by side (SGD with momentum, 3 epochs):
    BatchNorm in training mode inside fit, inference in evaluate and predict."""
    d, tol = np.dtype(dtype).name, (1e-9 if dtype == np.float64 else 1e-4)
    rng = np.random.default_rng(11)
    x = rng.normal(size=(26, 8, 8, 1))
    labels = (x[:, :4].mean(axis=(1, 2, 3)) > x[:, 4:].mean(axis=(1, 2, 3))).astype(int)
    y = np.eye(2)[labels]
    nbm = nb.Sequential([nb.Conv2D(1, 4, 3, stride=2, padding="same", rng=rng, dtype=dtype),
                         nb.ReLU(), nb.BatchNorm(4, momentum=0.01, eps=1e-3, dtype=dtype),
                         nb.AvgPool2D(2), nb.Flatten(), nb.Dense(16, 2, rng=rng, dtype=dtype),
                         nb.Softmax()], input_shape=(8, 8, 1))
    km = keras.Sequential([keras.Input((8, 8, 1), dtype=d),
                           keras.layers.Conv2D(4, 3, strides=2, padding="same", activation="relu",
                                               dtype=d),
                           keras.layers.BatchNormalization(dtype=d),
                           keras.layers.AveragePooling2D(2, dtype=d),
                           keras.layers.Flatten(dtype=d), keras.layers.Dense(2, "softmax", dtype=d)])
    x, y = x.astype(dtype), y.astype(dtype)
    km.set_weights(nbm.get_weights())
    nbm.compile(nb.SGD(lr=0.05, momentum=0.9), "categorical_crossentropy", ["accuracy"])
    km.compile(keras.optimizers.SGD(0.05, momentum=0.9), "categorical_crossentropy",
               metrics=["accuracy"])
    hn = nbm.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0, validation_split=0.25)
    hk = km.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0, validation_split=0.25)
    for key in hk.history:     # val_loss runs on the running variance: unbiased vs biased
        check(f"CNN+BatchNorm fit [{d}]: History {key}", hn.history[key], hk.history[key], tol,
              "DOC?" if key == "val_loss" else "CHK")
    wn, wk = nbm.get_weights(), km.get_weights()
    names = ["conv W", "conv b", "gamma", "beta", "running_mean", "running_var", "dense W", "dense b"]
    for name, a, b in zip(names, wn, wk):
        check(f"CNN+BatchNorm fit [{d}]: {name}", a, b, tol,
              "DOC" if name == "running_var" else "CHK")
    check(f"CNN+BatchNorm predict [{d}]", nbm.predict(x), km.predict(x, verbose=0), 1e-6, "DOC?")
    nbm.layers[2].buffers["running_var"][...] = wk[5]
    check(f"  same with Keras' running_var copied in [{d}]", nbm.predict(x),
          km.predict(x, verbose=0), tol / 100)


def weights_order_checks():
    rng = np.random.default_rng(4)
    nbm = nb.Sequential([nb.Conv2D(1, 4, 3, rng=rng), nb.ReLU(), nb.BatchNorm(4),
                         nb.MaxPool2D(2), nb.Flatten(), nb.Dense(4 * 3 * 3, 5, rng=rng),
                         nb.Softmax()], input_shape=(8, 8, 1))
    km = keras.Sequential([keras.Input((8, 8, 1), dtype="float64"),
                           keras.layers.Conv2D(4, 3, activation="relu", dtype="float64"),
                           keras.layers.BatchNormalization(dtype="float64"),
                           keras.layers.MaxPooling2D(2, dtype="float64"),
                           keras.layers.Flatten(dtype="float64"),
                           keras.layers.Dense(5, "softmax", dtype="float64")])
    same("get_weights shapes, Conv+BN+Dense model", [w.shape for w in nbm.get_weights()],
         [w.shape for w in km.get_weights()])
    ws = [rng.normal(size=w.shape) for w in km.get_weights()]
    ws[5] = np.abs(ws[5]) + 0.5                          # a running variance is positive
    km.set_weights(ws)
    nbm.set_weights(km.get_weights())
    x = rng.normal(size=(3, 8, 8, 1))
    check("Conv+BN+Dense model predict after set_weights(keras.get_weights())",
          nbm.predict(x), km.predict(x, verbose=0), 1e-6, kind="DOC")
    nbm.layers[2].eps = 1e-3                             # Keras' ε
    check("  same with BatchNorm eps=1e-3", nbm.predict(x), km.predict(x, verbose=0), 1e-10)
