"""Layers forward and backward, BatchNorm in both modes, and the losses, side by side."""

from __future__ import annotations

import numpy as np
import torch
import keras

import nnbook as nb

from .common import check, rel_tol, same


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
