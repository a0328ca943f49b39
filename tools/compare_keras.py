"""Side-by-side run of nnbook against Keras 3 on the same weights and data.

Needs keras and torch (not nnbook dependencies): run it in a separate environment,
    KERAS_BACKEND=torch PYTHONPATH=. python tools/compare_keras.py [--summary]
Prints one row per check (max abs difference, tolerance, PASS/FAIL) and exits 1 if
any check fails. A "DOC" row is a difference that nnbook's docstrings state (PyTorch's
conventions, or a Keras quirk), shown for information; the comment next to it in this
file says why, and a row next to it usually checks the converted or by-hand numbers.
Weights go from nnbook to Keras with get_weights/set_weights (both keep kernels as
(f, f, c_in, c_out) and images as NHWC); training runs with shuffle=False.
Made with Keras 3.15.1 and torch 2.13.0 (CPU).
"""

from __future__ import annotations

import math
import os
import re
import sys
import tempfile

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np                                          # noqa: E402
import torch                                                # noqa: E402
import keras                                                # noqa: E402
from keras.src.backend.common import dtypes as _kdtypes     # noqa: E402

import nnbook as nb                                         # noqa: E402
from nnbook.callbacks import (EarlyStopping, LearningRateScheduler,  # noqa: E402
                              ModelCheckpoint)

torch.set_num_threads(1)
keras.config.set_floatx("float64")          # metrics and losses in float64 too (float32 rows say so)
# Keras 3 on the torch and JAX backends computes float64 matmuls in float32 ("aligned with
# JAX's default", keras/src/backend/common/dtypes.py). Turn that off, so that a float64 row
# compares float64 arithmetic and a difference of 1e-8 means something.
_kdtypes.BIT64_TO_BIT32_DTYPE["float64"] = "float64"
ROWS: list[tuple[str, float, float, str]] = []
TOL = {np.float32: 2e-5, np.float64: 1e-10}


def check(name, a, b, tol, kind="CHK"):
    """Record max |a − b| (arrays, numbers or lists of them) against ``tol``."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        ROWS.append((name, math.inf, tol, f"shape {a.shape} vs {b.shape}"))
        return
    diff = float(np.max(np.abs(a - b))) if a.size else 0.0
    ROWS.append((name, diff, tol, kind))


def same(name, a, b):
    """Record whether two non-numeric values are equal (0 or inf)."""
    ROWS.append((name, 0.0 if a == b else math.inf, 0.0, "CHK" if a == b else f"{a!r} vs {b!r}"))


def rel_tol(dtype, scale=1.0):
    return TOL[dtype] * max(1.0, scale)


# ---------------------------------------------------------------------------------- layers
def keras_pass(layer, x, dy, training=False):
    """Keras layer output, ∂E/∂x and ∂E/∂weights for E = Σ y ⊙ dy (torch autograd)."""
    xt = torch.tensor(x, requires_grad=True)
    y = layer(xt, training=training)
    (y * torch.tensor(dy)).sum().backward()
    grads = [v.value.grad.detach().numpy().copy() for v in layer.trainable_weights]
    return y.detach().numpy(), xt.grad.numpy(), grads


def nb_pass(layer, x, dy, training=False):
    layer.training = training
    y = layer.forward(x)
    dx = layer.backward(dy)
    return y, dx, [layer.grads[k] for k in layer.params]


def compare_layer(name, nbl, kl, x, dtype, training=False, weights=True, kind="CHK"):
    rng = np.random.default_rng(7)
    x = x.astype(dtype)
    if not kl.built:
        kl.build(x.shape)
    if weights and nbl.params:
        kl.set_weights([w.astype(dtype) for w in _nb_weights(nbl)])
    out_shape = kl.compute_output_shape(x.shape)         # not a call: BatchNorm would update
    dy = rng.normal(size=out_shape).astype(dtype)
    yn, dxn, gn = nb_pass(nbl, x, dy, training)
    yk, dxk, gk = keras_pass(kl, x, dy, training)
    tol = rel_tol(dtype, 10)
    check(f"{name} forward", yn, yk, tol, kind)
    check(f"{name} dE/dx", dxn, dxk, tol, kind)
    for g1, g2, w in zip(gn, gk, nbl.params):
        check(f"{name} dE/d{w}", g1, g2, tol, kind)


def _nb_weights(layer):
    return [*layer.params.values(), *getattr(layer, "buffers", {}).values()]


def mean_of_image_pixels(x, f, s):
    """Average pooling with Keras' "same" padding, by hand: the mean of the pixels of
    each window that lie in the image (TensorFlow's rule; padded cells not counted)."""
    m, h, w, c = x.shape
    (top, _), (left, _) = nb.same_padding(h, f, s), nb.same_padding(w, f, s)
    h_o, w_o = -(-h // s), -(-w // s)
    y = np.empty((m, h_o, w_o, c))
    for r in range(h_o):
        for q in range(w_o):
            r0, q0 = r * s - top, q * s - left
            win = x[:, max(r0, 0):r0 + f, max(q0, 0):q0 + f, :]
            y[:, r, q, :] = win.mean(axis=(1, 2))
    return y


def layers_checks(dtype):
    d = np.dtype(dtype).name
    rng = np.random.default_rng(0)
    kw = {"dtype": d}
    x2 = rng.normal(size=(6, 5))
    compare_layer(f"Dense 5→3 [{d}]", nb.Dense(5, 3, rng=rng, dtype=dtype),
                  keras.layers.Dense(3, **kw), x2, dtype)
    for size in (7, 8):
        x4 = rng.normal(size=(2, size, size, 3))
        for f, s, pad in [(3, 1, "valid"), (3, 1, "same"), (3, 2, "valid"), (3, 2, "same"),
                          (2, 1, "same"), (4, 2, "same"), (1, 2, "same")]:
            compare_layer(f"Conv2D f={f} s={s} {pad} {size}×{size} [{d}]",
                          nb.Conv2D(3, 4, f, stride=s, padding=pad, rng=rng, dtype=dtype),
                          keras.layers.Conv2D(4, f, strides=s, padding=pad, **kw), x4, dtype)
        for f, s in [(2, None), (3, None), (2, 1), (3, 2), (3, 1)]:
            for pad in ("valid", "same"):
                before, after = nb.same_padding(size, f, s or f)
                lopsided = pad == "same" and before != after
                for nbc, kc in ((nb.MaxPool2D, keras.layers.MaxPooling2D),
                                (nb.AvgPool2D, keras.layers.AveragePooling2D)):
                    # Keras' torch backend pads a lopsided "same" pool by repeating the edge
                    # pixels (keras/src/backend/torch/nn.py, _apply_same_padding), so its
                    # average counts them; TensorFlow and nnbook average the image pixels only.
                    doc = "DOC?" if lopsided and nbc is nb.AvgPool2D else "CHK"
                    compare_layer(f"{nbc.__name__} f={f} s={s} {pad} {size}×{size} [{d}]",
                                  nbc(f, stride=s, padding=pad),
                                  kc(f, strides=s, padding=pad, **kw), x4, dtype, kind=doc)
                    if doc == "DOC?":
                        check(f"  AvgPool2D = mean of each window's image pixels, by hand [{d}]",
                              nbc(f, stride=s, padding=pad).forward(x4.astype(dtype)),
                              mean_of_image_pixels(x4, f, s or f), rel_tol(dtype))
        ties = rng.integers(0, 2, size=(2, size, size, 3)).astype(float)   # many equal maxima
        for f, s in [(2, None), (3, 2), (3, 1)]:
            for pad in ("valid", "same"):
                compare_layer(f"MaxPool2D ties f={f} s={s} {pad} {size}×{size} [{d}]",
                              nb.MaxPool2D(f, stride=s, padding=pad),
                              keras.layers.MaxPooling2D(f, strides=s, padding=pad, **kw), ties, dtype)
        compare_layer(f"Flatten {size}×{size}×3 [{d}]", nb.Flatten(), keras.layers.Flatten(**kw),
                      x4, dtype)
    for nbc, kname in ((nb.ReLU, "relu"), (nb.Sigmoid, "sigmoid"), (nb.Tanh, "tanh"),
                       (nb.Softmax, "softmax")):
        compare_layer(f"{nbc.__name__} [{d}]", nbc(), keras.layers.Activation(kname, **kw),
                      rng.normal(size=(6, 5)) * 3, dtype)
    compare_layer(f"ReLU at exactly 0 [{d}]", nb.ReLU(), keras.layers.Activation("relu", **kw),
                  rng.integers(-1, 2, size=(6, 5)).astype(float), dtype)
    compare_layer(f"Dropout(0.5) inference [{d}]", nb.Dropout(0.5, rng=rng),
                  keras.layers.Dropout(0.5, **kw), x2, dtype)
    batchnorm_checks(dtype, rng)


def batchnorm_checks(dtype, rng):
    d = np.dtype(dtype).name
    for shape in ((8, 5), (3, 4, 4, 5)):
        x = (rng.normal(size=shape) * 2 + 1).astype(dtype)
        gamma, beta = rng.uniform(0.5, 1.5, 5), rng.normal(size=5)
        mean, var = rng.normal(size=5), rng.uniform(0.5, 2, 5)
        ws = [w.astype(dtype) for w in (gamma, beta, mean, var)]
        for training in (False, True):
            nbl = nb.BatchNorm(5, momentum=0.01, eps=1e-3, dtype=dtype)  # Keras' 0.99 and ε
            kl = keras.layers.BatchNormalization(momentum=0.99, epsilon=1e-3, dtype=d)
            for a, w in zip(_nb_weights(nbl), ws):
                a[...] = w
            kl.build(x.shape)
            kl.set_weights(ws)
            mode = "training" if training else "inference"
            compare_layer(f"BatchNorm {mode} {shape} [{d}]", nbl, kl, x, dtype, training,
                          weights=False)
            if training:
                M = x.size // 5
                kmean, kvar = kl.get_weights()[2:]
                # nnbook keeps the unbiased batch variance (PyTorch), Keras the biased one:
                # running_var(nnbook) = running_var(Keras) + 0.01·σ²·(M/(M−1) − 1).
                batch_var = x.reshape(-1, 5).var(axis=0)
                tol = rel_tol(dtype, 10)
                check(f"BatchNorm running_mean, momentum 0.01 ≡ Keras 0.99 {shape} [{d}]",
                      nbl.buffers["running_mean"], kmean, tol)
                check(f"BatchNorm running_var − 0.01·σ²/(M−1) {shape} [{d}]",
                      nbl.buffers["running_var"] - 0.01 * batch_var / (M - 1), kvar, tol)
                check(f"BatchNorm running_var raw (biased vs unbiased) {shape} [{d}]",
                      nbl.buffers["running_var"], kvar, tol, kind="DOC")
    nbl, kl = nb.BatchNorm(5), keras.layers.BatchNormalization()
    same("BatchNorm defaults: nnbook eps 1e-5, momentum 0.1 (PyTorch's; its docstring says so)",
         (nbl.eps, nbl.momentum), (1e-5, 0.1))
    same("BatchNorm defaults: Keras epsilon 1e-3, momentum 0.99 (= nnbook's 0.01)",
         (kl.epsilon, kl.momentum), (1e-3, 0.99))


# ---------------------------------------------------------------------------------- losses
def keras_loss(loss, yt, yp):
    """Keras loss value and ∂loss/∂y_pred (float64)."""
    pt = torch.tensor(yp, requires_grad=True)
    v = loss(torch.tensor(yt), pt)
    v.backward()
    return float(v.detach()), pt.grad.numpy()


def losses_checks():
    rng = np.random.default_rng(1)
    m, k = 7, 4
    kw = {"dtype": "float64"}
    yt, yp = rng.normal(size=(m, 3)), rng.normal(size=(m, 3))
    v, g = keras_loss(keras.losses.MeanSquaredError(**kw), yt, yp)
    check("MSE value", nb.MSE()(yt, yp), v, 1e-12)
    check("MSE gradient", nb.MSE().grad(yt, yp), g, 1e-12)

    yb = rng.integers(0, 2, size=(m, 1)).astype(float)
    pb = np.array([[0.0], [1e-9], [0.3], [0.7], [1 - 1e-9], [1.0], [0.5]])
    zb = rng.normal(size=(m, 1)) * 4
    for name, pred in (("near 0/1", pb), ("interior", rng.uniform(0.05, 0.95, (m, 1)))):
        v, g = keras_loss(keras.losses.BinaryCrossentropy(**kw), yb, pred)
        check(f"BinaryCrossentropy value, p {name}", nb.BinaryCrossEntropy()(yb, pred), v, 1e-9)
        check(f"BinaryCrossentropy gradient, p {name}",
              nb.BinaryCrossEntropy().grad(yb, pred), g, 1e-9 * max(1, np.abs(g).max()))
    v, g = keras_loss(keras.losses.BinaryCrossentropy(from_logits=True, **kw), yb, zb)
    check("BinaryCrossentropy(from_logits) value", nb.BinaryCrossEntropy(True)(yb, zb), v, 1e-12)
    check("BinaryCrossentropy(from_logits) gradient", nb.BinaryCrossEntropy(True).grad(yb, zb),
          g, 1e-12)

    labels = rng.integers(0, k, size=m)
    onehot = np.eye(k)[labels]
    z = rng.normal(size=(m, k)) * 3
    p = nb.softmax(z)
    p_edge = p.copy()
    p_edge[0] = [1.0, 0, 0, 0]
    p_edge[1] = [0, 1.0, 0, 0]
    labels_edge = labels.copy()
    labels_edge[:2] = 0                       # sample 0 certain and right, sample 1 certain and wrong
    onehot_edge = np.eye(k)[labels_edge]
    for name, yy, pp in (("", onehot, p), (" p at 0/1", onehot_edge, p_edge)):
        v, g = keras_loss(keras.losses.CategoricalCrossentropy(**kw), yy, pp)
        check(f"CategoricalCrossentropy value{name}", nb.CrossEntropy()(yy, pp), v, 1e-6)
        # Keras differentiates through its y_pred / Σ y_pred, which adds Σy/Σp = 1 to every
        # entry: the same gradient on the simplex (a constant row vanishes under softmax).
        gn = nb.CrossEntropy().grad(yy, pp)
        check(f"CategoricalCrossentropy gradient − 1/m (Keras renormalises){name}",
              gn, g - 1.0 / m, 1e-6 * max(1.0, np.abs(g).max()), kind="CHK" if not name else "DOC")
    v, g = keras_loss(keras.losses.CategoricalCrossentropy(from_logits=True, **kw), onehot, z)
    check("CategoricalCrossentropy(from_logits) value", nb.CrossEntropy(True)(onehot, z), v, 1e-12)
    check("CategoricalCrossentropy(from_logits) gradient", nb.CrossEntropy(True).grad(onehot, z),
          g, 1e-12)
    for shape in ((m,), (m, 1)):
        lab = labels.reshape(shape)
        v, _ = keras_loss(keras.losses.SparseCategoricalCrossentropy(**kw), lab, p)
        check(f"SparseCategoricalCrossentropy labels {shape}", nb.CrossEntropy()(lab, p), v, 1e-9)
        v, _ = keras_loss(keras.losses.SparseCategoricalCrossentropy(from_logits=True, **kw), lab, z)
        check(f"SparseCategoricalCrossentropy(from_logits) labels {shape}",
              nb.CrossEntropy(True)(lab, z), v, 1e-12)


# ------------------------------------------------------------------------------ models
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


# --------------------------------------------------------------------------- callbacks
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


def verdict(diff, tol, kind) -> str:
    if kind == "DOC":
        return "DOC"
    if kind == "DOC?":                               # a documented difference that may not show
        return "PASS" if diff <= tol else "DOC"
    if kind == "CHK":
        return "PASS" if diff <= tol else "FAIL"
    return "FAIL"                                    # kind holds what differed


def summary(rows) -> list[str]:
    """One line per group of rows (the name's first word): counts and the largest PASS difference."""
    groups: dict[str, list] = {}
    for name, diff, tol, kind in rows:
        group = re.match(r"\s*[A-Za-z_.+]*", name).group().strip() or name
        if "[float32]" in name or "float32" in name.split(":")[0]:
            group += " float32"
        groups.setdefault(group, []).append((diff, verdict(diff, tol, kind)))
    lines = []
    for group, items in groups.items():
        passed = [d for d, v in items if v == "PASS"]
        counts = {v: sum(1 for _, w in items if w == v) for v in ("PASS", "FAIL", "DOC")}
        lines.append(f"{group:<24} {len(items):4d} checks  {counts['PASS']:4d} PASS "
                     f"{counts['FAIL']:3d} FAIL {counts['DOC']:3d} DOC   largest PASS difference "
                     f"{max(passed, default=0.0):.2g}")
    return lines


def main(argv) -> int:
    print(f"keras {keras.__version__} (backend {keras.backend.backend()}), torch "
          f"{torch.__version__}, numpy {np.__version__}, nnbook from {os.path.dirname(nb.__file__)}")
    for part in (lambda: layers_checks(np.float64), lambda: layers_checks(np.float32),
                 losses_checks, init_checks, fit_checks, lambda: conv_model_fit_checks(np.float64),
                 lambda: conv_model_fit_checks(np.float32), metric_checks,
                 validation_checks, callback_checks, weights_order_checks):
        part()
    width = max(len(r[0]) for r in ROWS)
    failed = 0
    for name, diff, tol, kind in ROWS:
        v = verdict(diff, tol, kind)
        failed += v == "FAIL"
        if "--summary" in argv and v == "PASS":
            continue
        extra = "" if kind in ("CHK", "DOC", "DOC?") else f"  ({kind})"
        print(f"{name:<{width}}  {diff:10.3g}  tol {tol:8.1g}  {v}{extra}")
    if "--summary" in argv:
        print("\n".join(["", "PASS rows by group (--summary leaves them out above):"]
                        + summary(ROWS)))
    print(f"{len(ROWS)} checks, {failed} failed "
          f"(DOC: a documented difference, shown for information)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
