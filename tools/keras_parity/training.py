"""fit with every optimizer, the accuracy metric, evaluate/predict and validation, side by side."""

from __future__ import annotations

import numpy as np
import keras

import nnbook as nb

from .common import ROWS, check, same


def mlp_pair(out, last, dtype=np.float64, seed=0, n_in=4):
    """The same 4 → 6 → out MLP in both libraries (nnbook's weights copied into Keras)."""
    rng = np.random.default_rng(seed)
    d = np.dtype(dtype).name
    acts = {"softmax": nb.Softmax, "sigmoid": nb.Sigmoid, "linear": None}
    layers = [nb.Dense(n_in, 6, rng=rng, dtype=dtype), nb.Tanh(),
              nb.Dense(6, out, rng=rng, dtype=dtype)]
    if acts[last]:
        layers.append(acts[last]())
    nbm = nb.Sequential(layers)
    km = keras.Sequential([keras.Input((n_in,), dtype=d), keras.layers.Dense(6, "tanh", dtype=d),
                           keras.layers.Dense(out, last, dtype=d)])
    km.set_weights(nbm.get_weights())
    return nbm, km


def data(m=23, k=3, seed=3, n_in=4):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(m, n_in))
    labels = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5).astype(int) if k > 1 else None
    return x, labels


def weights_diff(nbm, km):
    """Max |difference| of the weights, relative to the larger of 1 and the weight's size."""
    return max(float(np.max(np.abs(a - b))) / max(1.0, float(np.max(np.abs(b))))
               for a, b in zip(nbm.get_weights(), km.get_weights()))


def fit_checks():
    x, labels = data()
    y = np.eye(3)[labels]
    optims = [
        ("SGD", lambda: nb.SGD(lr=0.1), lambda: keras.optimizers.SGD(0.1)),
        ("SGD momentum", lambda: nb.SGD(lr=0.1, momentum=0.9),
         lambda: keras.optimizers.SGD(0.1, momentum=0.9)),
        ("SGD nesterov", lambda: nb.SGD(lr=0.1, momentum=0.9, nesterov=True),
         lambda: keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True)),
        ("Adam eps≈0 both", lambda: nb.Adam(lr=0.01, eps=1e-30),
         lambda: keras.optimizers.Adam(0.01, epsilon=1e-30)),
        # Keras adds ε to √v before the bias correction: nnbook's ε = Keras' ε/√(1 − β₂ᵗ)
        ("Adam eps 1e-7 both (ε placement)", lambda: nb.Adam(lr=0.01, eps=1e-7),
         lambda: keras.optimizers.Adam(0.01, epsilon=1e-7), "DOC"),
        ("Adam defaults (nnbook eps 1e-8, Keras 1e-7)", lambda: nb.Adam(lr=0.01),
         lambda: keras.optimizers.Adam(0.01), "DOC"),
        ("RMSprop eps≈0 both", lambda: nb.RMSProp(lr=0.01, eps=1e-30),
         lambda: keras.optimizers.RMSprop(0.01, epsilon=1e-60)),
        ("RMSprop momentum 0.9, eps≈0", lambda: nb.RMSProp(lr=0.01, momentum=0.9, eps=1e-30),
         lambda: keras.optimizers.RMSprop(0.01, momentum=0.9, epsilon=1e-60)),
        ("RMSprop defaults (ε outside/inside √)", lambda: nb.RMSProp(lr=0.01),
         lambda: keras.optimizers.RMSprop(0.01), "DOC"),
    ]
    for clip in ("clipnorm", "clipvalue", "global_clipnorm"):
        c = {"clipnorm": 0.05, "clipvalue": 0.01, "global_clipnorm": 0.05}[clip]
        optims.append((f"SGD momentum, {clip}={c}",
                       lambda clip=clip, c=c: nb.SGD(lr=0.1, momentum=0.9, **{clip: c}),
                       lambda clip=clip, c=c: keras.optimizers.SGD(0.1, momentum=0.9, **{clip: c})))
        optims.append((f"Adam eps≈0, {clip}={c}",
                       lambda clip=clip, c=c: nb.Adam(lr=0.01, eps=1e-30, **{clip: c}),
                       lambda clip=clip, c=c: keras.optimizers.Adam(0.01, epsilon=1e-30, **{clip: c})))
    # Keras' weight_decay is decoupled (w ← w − lr·λ·w before the step) for every optimizer,
    # nnbook's is PyTorch's coupled L2 (g + λw): the same for plain SGD only.
    optims += [("SGD weight_decay=0.1", lambda: nb.SGD(lr=0.1, weight_decay=0.1),
                lambda: keras.optimizers.SGD(0.1, weight_decay=0.1)),
               ("SGD momentum weight_decay=0.1 (coupled vs decoupled)",
                lambda: nb.SGD(lr=0.1, momentum=0.9, weight_decay=0.1),
                lambda: keras.optimizers.SGD(0.1, momentum=0.9, weight_decay=0.1), "DOC")]
    optims.append(("RMSprop centered, eps≈0", lambda: nb.RMSProp(lr=0.01, centered=True, eps=1e-30),
                   lambda: keras.optimizers.RMSprop(0.01, centered=True, epsilon=1e-60)))
    for name, nbo, ko, *kind in optims:
        for bs in (5, 23, 4):
            nbm, km = mlp_pair(3, "softmax")
            nbm.compile(nbo(), "categorical_crossentropy", metrics=["accuracy"])
            km.compile(ko(), "categorical_crossentropy", metrics=["accuracy"])
            hn = nbm.fit(x, y, epochs=4, batch_size=bs, shuffle=False, verbose=0)
            hk = km.fit(x, y, epochs=4, batch_size=bs, shuffle=False, verbose=0)
            doc = kind[0] if kind else "CHK"
            tol = 1e-9 if doc == "CHK" else 1e-6
            ROWS.append((f"fit {name}, batch {bs}: weights after 4 epochs", weights_diff(nbm, km),
                         tol, doc))
            check(f"fit {name}, batch {bs}: History loss", hn.history["loss"],
                  hk.history["loss"], tol, doc)
            check(f"fit {name}, batch {bs}: History accuracy", hn.history["accuracy"],
                  hk.history["accuracy"], tol, doc)
    # float32
    nbm, km = mlp_pair(3, "softmax", np.float32)
    nbm.compile(nb.Adam(lr=0.01, eps=1e-7), "categorical_crossentropy")
    km.compile(keras.optimizers.Adam(0.01), "categorical_crossentropy")
    nbm.fit(x.astype(np.float32), y, epochs=4, batch_size=5, shuffle=False, verbose=0)
    km.fit(x.astype(np.float32), y.astype(np.float32), epochs=4, batch_size=5, shuffle=False,
           verbose=0)
    ROWS.append(("fit Adam float32, batch 5: weights", weights_diff(nbm, km), 1e-4, "CHK"))


def metric_checks():
    x, labels = data()
    # targets made from class labels 0, 1, 2: binary ones say "label > 0"
    binary = lambda lab: (lab > 0).astype(float).reshape(-1, 1)          # noqa: E731
    cases = [
        ("binary sigmoid + BCE", "sigmoid", 1, "binary_crossentropy", binary),
        ("binary (m,) targets + BCE", "sigmoid", 1, "binary_crossentropy",
         lambda lab: binary(lab).ravel()),
        ("binary logits + BCE(from_logits)", "linear", 1, None, binary),
        ("one-hot softmax + CE", "softmax", 3, "categorical_crossentropy", lambda lab: np.eye(3)[lab]),
        ("labels (m,) + sparse CE", "softmax", 3, "sparse_categorical_crossentropy", lambda lab: lab),
        ("labels (m,1) + sparse CE", "softmax", 3, "sparse_categorical_crossentropy",
         lambda lab: lab.reshape(-1, 1)),
        ("one unit + MSE", "linear", 1, "mse", binary),
        # several sigmoid units: Keras 3 picks "accuracy" by shape, so argmax as nnbook
        ("3 sigmoid units + BCE, multi-hot", "sigmoid", 3, "binary_crossentropy",
         lambda lab: np.stack([lab > 0, lab > 1, lab % 2 == 1], axis=1).astype(float)),
    ]
    xv, lv = data(m=11, seed=9)
    for name, last, out, loss, targets in cases:
        yy, yv = targets(labels), targets(lv)
        nbm, km = mlp_pair(out, last)
        if loss is None:
            nbm.compile(nb.SGD(lr=0.1), nb.BinaryCrossEntropy(from_logits=True), ["accuracy"])
            km.compile(keras.optimizers.SGD(0.1), keras.losses.BinaryCrossentropy(from_logits=True),
                       metrics=["accuracy"])
        else:
            nbm.compile(nb.SGD(lr=0.1), loss, ["accuracy"])
            km.compile(keras.optimizers.SGD(0.1), loss, metrics=["accuracy"])
        ev_n, ev_k = nbm.evaluate(xv, yv), km.evaluate(xv, yv, verbose=0)
        check(f"evaluate [loss, accuracy] before fit: {name}", ev_n, ev_k, 1e-9)
        hn = nbm.fit(x, yy, epochs=3, batch_size=5, shuffle=False, verbose=0,
                     validation_data=(xv, yv))
        hk = km.fit(x, yy, epochs=3, batch_size=5, shuffle=False, verbose=0,
                    validation_data=(xv, yv))
        same(f"History keys: {name}", sorted(k for k in hn.history),
             sorted(k for k in hk.history))
        for key in hk.history:
            if key in hn.history:
                # Keras' "accuracy" thresholds a logit at 0.5 (binary_accuracy never looks at
                # from_logits); nnbook at 0, i.e. σ(z) > 0.5, the class the model predicts.
                kind = "DOC?" if loss is None and "accuracy" in key else "CHK"
                check(f"History {key}: {name}", hn.history[key], hk.history[key], 1e-9, kind)
        if loss is None:
            z = nbm.predict(xv)
            check("  accuracy on logits = mean((z > 0) == y) (by hand)", nbm.evaluate(xv, yv)[1],
                  np.mean((z > 0) == (yv > 0.5)), 1e-12)
        check(f"predict: {name}", nbm.predict(xv, batch_size=4, verbose=0),
              km.predict(xv, batch_size=4, verbose=0), 1e-9)
    # evaluate over several batches (Keras' default batch_size 32, nnbook's 1024): both the
    # sample-weighted mean, so 50 samples give the same number
    x50, l50 = data(m=50, seed=13)
    nbm, km = mlp_pair(3, "softmax")
    nbm.compile("sgd", "categorical_crossentropy", ["accuracy"])
    km.compile("sgd", "categorical_crossentropy", metrics=["accuracy"])
    check("evaluate 50 samples, default batch sizes", nbm.evaluate(x50, np.eye(3)[l50]),
          km.evaluate(x50, np.eye(3)[l50], verbose=0), 1e-12)
    check("evaluate 50 samples, batch_size=7", nbm.evaluate(x50, np.eye(3)[l50], batch_size=7),
          km.evaluate(x50, np.eye(3)[l50], batch_size=7, verbose=0), 1e-12)
    # evaluate without metrics: a float in both
    nbm, km = mlp_pair(3, "softmax")
    nbm.compile("sgd", "categorical_crossentropy")
    km.compile("sgd", "categorical_crossentropy")
    en, ek = nbm.evaluate(x, np.eye(3)[labels]), km.evaluate(x, np.eye(3)[labels], verbose=0)
    same("evaluate without metrics returns a float", type(en).__name__, type(ek).__name__)
    check("evaluate without metrics value", en, ek, 1e-12)


def validation_checks():
    for m, split in ((23, 0.2), (10, 0.25), (10, 0.3), (7, 0.5)):
        x, labels = data(m=m)
        y = np.eye(3)[labels]
        nbm, km = mlp_pair(3, "softmax")
        nbm.compile(nb.SGD(lr=0.1), "categorical_crossentropy")
        km.compile(keras.optimizers.SGD(0.1), "categorical_crossentropy")
        hn = nbm.fit(x, y, epochs=2, batch_size=4, validation_split=split, shuffle=False, verbose=0)
        hk = km.fit(x, y, epochs=2, batch_size=4, validation_split=split, shuffle=False, verbose=0)
        check(f"validation_split={split}, m={m}: val_loss", hn.history["val_loss"],
              hk.history["val_loss"], 1e-9)
        check(f"validation_split={split}, m={m}: loss", hn.history["loss"], hk.history["loss"], 1e-9)
        same(f"validation_split={split}, m={m}: History.params",
             getattr(hn, "params", None), hk.params)
        same(f"History.epoch (m={m})", hn.epoch, hk.epoch)
