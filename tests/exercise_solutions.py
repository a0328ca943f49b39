"""Worked solutions of the exercises at the end of each chapter (RIGHT), and the
typical wrong answers with the hint each must get (WRONG). Written the way a
learner would write them, with NumPy only; tests/test_exercises.py uses both.
"""

import math

import numpy as np

RIGHT = {}
WRONG = []          # (exercise id, wrong answer, text the feedback must contain)


def wrong(ex_id, hint):
    """Decorator: register the function below as a wrong answer to ``ex_id``."""
    def register(fn):
        WRONG.append((ex_id, fn, hint))
        return fn
    return register


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# 00 · The big picture ---------------------------------------------------------------
def count_params(sizes):
    return sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))


def mse_gradients(w, b, x, y):
    m = len(x)
    r = w * x + b - y
    return 2 / m * np.sum(r * x), 2 / m * np.sum(r)


RIGHT["00.1"] = count_params
RIGHT["00.2"] = mse_gradients
RIGHT["00.3"] = 0.2
WRONG += [
    ("00.1", lambda s: sum(a * b for a, b in zip(s[:-1], s[1:])), "only the weights are counted"),
    ("00.1", lambda s: sum(a * b + a for a, b in zip(s[:-1], s[1:])), "not one per input (n_in)"),
    ("00.1", lambda s: sum(a * b for a, b in zip(s[:-1], s[1:])) + sum(s), "the input is not a layer"),
    ("00.1", lambda s: 61, "returned 61, expected 43"),
    ("00.1", lambda s: 61.5, "returned 61.5, expected 61"),
    ("00.1", lambda s: "61", "returned str '61', expected a whole number"),
    ("00.2", lambda w, b, x, y: tuple(-g for g in mse_gradients(w, b, x, y)), "the sign is flipped"),
    ("00.2", lambda w, b, x, y: tuple(g / 2 for g in mse_gradients(w, b, x, y)), "half the right size"),
    ("00.2", lambda w, b, x, y: tuple(g * len(x) for g in mse_gradients(w, b, x, y)), "m times too large"),
    ("00.2", lambda w, b, x, y: tuple(g * len(x) / 2 for g in mse_gradients(w, b, x, y)), "the factor 2/m is missing"),
    ("00.2", lambda w, b, x, y: mse_gradients(w, b, x, y)[::-1], "are the two swapped?"),
    ("00.2", lambda w, b, x, y: (2 * np.mean(w * x + b - y), 2 * np.mean(w * x + b - y)), "needs the factor x_i"),
    ("00.2", lambda w, b, x, y: mse_gradients(w, b, x, y)[0], "should return 2 results (dJ_dw, dJ_db)"),
    ("00.3", 0.1, "is the *best* rate"),
    ("00.3", 0.4, "did you drop the 2 of the square?"),
    ("00.3", 1, "α < 1 was for J = (w − 3)²"),
    ("00.3", 0.3, "0.3 is not right, and no typical mistake gives it either"),
    ("00.3", [0.2, 0.4], "expected one number, got an array of shape (2,)"),
]


# 01 · The delta rule ------------------------------------------------------------------
def delta_rule_step(w, a, y, alpha):
    z = w @ a
    y_hat = sigmoid(z)
    return w + alpha * y_hat * (1 - y_hat) * a * (y - y_hat)


def logistic_gradients(X, y, w, b):
    d = sigmoid(X @ w + b) - y                    # ∂L/∂z = ŷ − y, per example
    return X.T @ d / len(y), d.mean()


RIGHT["01.1"] = 0.25
RIGHT["01.2"] = delta_rule_step
RIGHT["01.3"] = logistic_gradients
WRONG += [
    ("01.1", 0.5, "0.5 is σ(0) itself"),
    ("01.1", 1, "1 is tanh'(0)"),
    ("01.1", 0, "σ' is largest, not zero"),
    ("01.2", lambda w, a, y, alpha: w + alpha * a * (y - sigmoid(w @ a)), "the factor g'(z)"),
    ("01.2", lambda w, a, y, alpha: 2 * w - delta_rule_step(w, a, y, alpha), "the step goes the wrong way"),
    ("01.2", lambda w, a, y, alpha: delta_rule_step(w, a, y, alpha) - w, "this is the change αΔw"),
    ("01.2", lambda w, a, y, alpha: (delta_rule_step(w, a, y, alpha) - w) / alpha, "this is Δw"),
]


@wrong("01.2", "g' is evaluated at ŷ instead of at z")
def delta_rule_at_output(w, a, y, alpha):
    y_hat = sigmoid(w @ a)
    g_prime = sigmoid(y_hat) * (1 - sigmoid(y_hat))
    return w + alpha * g_prime * a * (y - y_hat)


@wrong("01.2", "g'(z) is applied twice")
def delta_rule_twice(w, a, y, alpha):
    y_hat = sigmoid(w @ a)
    return w + alpha * (y_hat * (1 - y_hat)) ** 2 * a * (y - y_hat)


WRONG += [
    ("01.3", lambda X, y, w, b: (X.T @ (sigmoid(X @ w + b) - y), np.sum(sigmoid(X @ w + b) - y)),
     "dw: m times too large"),
    ("01.3", lambda X, y, w, b: (-logistic_gradients(X, y, w, b)[0], -logistic_gradients(X, y, w, b)[1]),
     "the sign is flipped"),
    ("01.3", lambda X, y, w, b: (logistic_gradients(X, y, w, b)[0], sigmoid(X @ w + b) - y),
     "db must be one number, averaged over the batch"),
    ("01.3", lambda X, y, w, b: (X * (sigmoid(X @ w + b) - y)[:, None] / len(y), 0.0), "one row per sample"),
]


@wrong("01.3", "σ'(z) cancels with the cross-entropy")
def logistic_with_sigma_prime(X, y, w, b):
    y_hat = sigmoid(X @ w + b)
    d = (y_hat - y) * y_hat * (1 - y_hat)
    return X.T @ d / len(y), d.mean()


# 02 · A chain of single neurons ----------------------------------------------------------
def chain_gradients(x, y, w):
    q, z = [x], []
    for w_k in w:                                  # forward: z_k = w_k q_(k−1), q_k = g(z_k)
        z.append(w_k * q[-1])
        q.append(sigmoid(z[-1]))
    grads, e = np.zeros(len(w)), q[-1] - y         # e_L = ∂J/∂ŷ
    for k in reversed(range(len(w))):
        delta = sigmoid(z[k]) * (1 - sigmoid(z[k])) * e
        grads[k] = delta * q[k]                    # q[k] is neuron k's input
        e = w[k] * delta
    return grads


def chain_gradients_variant(x, y, w, sign=1.0, factor=1.0, g_prime=True, at="z", own=False, weight=True):
    q, z = [x], []
    for w_k in w:
        z.append(w_k * q[-1])
        q.append(sigmoid(z[-1]))
    grads, e = np.zeros(len(w)), sign * factor * (q[-1] - y)
    for k in reversed(range(len(w))):
        u = z[k] if at == "z" else q[k + 1]
        delta = (sigmoid(u) * (1 - sigmoid(u)) if g_prime else 1.0) * e
        grads[k] = delta * (q[k + 1] if own else q[k])
        e = (w[k] if weight else 1.0) * delta
    return grads


RIGHT["02.1"] = lambda x: 2 * x * np.cos(x ** 2 + 1)
RIGHT["02.2"] = chain_gradients
RIGHT["02.3"] = 2 * (784 * 100 + 100 + 100 * 10 + 10)
WRONG += [
    ("02.1", lambda x: np.cos(x ** 2 + 1), "the inner derivative 2x is missing"),
    ("02.1", lambda x: 2 * x * np.cos(x), "cos must be evaluated at the inner value"),
    ("02.1", lambda x: 2 * x * np.sin(x ** 2 + 1), "the derivative of sin is cos"),
    ("02.1", lambda x: float(2 * x[0] * np.cos(x[0] ** 2 + 1)), "has shape (), expected (9,)"),
    ("02.1", lambda x: [2 * v * math.cos(v * v + 1) for v in x[:-1]], "has shape (8,), expected (9,)"),
    ("02.2", lambda x, y, w: chain_gradients_variant(x, y, w, sign=-1.0), "the sign is flipped"),
    ("02.2", lambda x, y, w: chain_gradients_variant(x, y, w, factor=2.0), "no factor 2"),
    ("02.2", lambda x, y, w: chain_gradients_variant(x, y, w, g_prime=False), "g'(z_k) is missing"),
    ("02.2", lambda x, y, w: chain_gradients_variant(x, y, w, at="q"), "evaluated at the output q_k"),
    ("02.2", lambda x, y, w: chain_gradients_variant(x, y, w, own=True), "use the neuron's input"),
    ("02.2", lambda x, y, w: chain_gradients_variant(x, y, w, weight=False), "the weight is missing"),
    ("02.2", lambda x, y, w: chain_gradients(x, y, w)[::-1], "in reverse order"),
    ("02.3", 784 * 100 + 100 + 100 * 10 + 10 + 1, "that is the one-sided formula"),
    ("02.3", 784 * 100 + 100 + 100 * 10 + 10, "two per parameter"),
    ("02.3", 2 * (784 * 100 + 100 * 10), "the biases are parameters too"),
    ("02.3", 2, "backpropagation's cost"),
]


# 03 · Many neurons per layer ------------------------------------------------------------
def dense_backward(x, W, dy):
    return dy @ W.T, x.T @ dy, dy.sum(axis=0)


def tanh_backward(x, dy):
    return dy * (1 - np.tanh(x) ** 2)


def mse_grad(y_true, y_pred):
    return 2 / y_pred.size * (y_pred - y_true)


RIGHT["03.1"] = dense_backward
RIGHT["03.2"] = tanh_backward
RIGHT["03.3"] = mse_grad
WRONG += [
    ("03.1", lambda x, W, dy: (dy @ W, x.T @ dy, dy.sum(axis=0)), "W is not transposed"),
    ("03.1", lambda x, W, dy: (dy @ W.T, dy.T @ x, dy.sum(axis=0)), "dW is transposed"),
    ("03.1", lambda x, W, dy: (dy @ W.T, x.T @ dy / len(x), dy.sum(axis=0)), "dW is divided by m"),
    ("03.1", lambda x, W, dy: (dy @ W.T / len(x), x.T @ dy, dy.sum(axis=0)), "dx is divided by m"),
    ("03.1", lambda x, W, dy: (dy @ W.T, x.T @ dy, dy), "db must be summed over the batch (axis=0)"),
    ("03.1", lambda x, W, dy: (dy @ W.T, x.T @ dy, dy.mean(axis=0)), "db is averaged"),
    ("03.1", lambda x, W, dy: (dy @ W.T, x.T @ dy, dy.sum(axis=1)), "summed over the wrong axis"),
    ("03.1", lambda x, W, dy: (dy @ W.T, x.T @ dy, dy.sum(axis=0, keepdims=True)), "drop keepdims"),
    ("03.1", lambda x, W, dy: (dy @ W.T, x.T @ dy), "should return 3 results (dx, dW, db), got tuple of length 2"),
    ("03.1", lambda x, W, dy: dy @ W.T, "should return 3 results (dx, dW, db), got a single ndarray"),
    ("03.2", lambda x, dy: 1 - np.tanh(x) ** 2, "this is f'(x)"),
    ("03.2", lambda x, dy: dy * (1 - x ** 2), "1 − y² needs y = tanh(x)"),
    ("03.2", lambda x, dy: dy * np.tanh(x), "this is dy ⊙ f(x)"),
    ("03.2", lambda x, dy: dy * (1 - np.tanh(x)), "the square is missing"),
    ("03.2", lambda x, dy: dy * (1 - np.tanh(x) ** 2) ** 2, "f'(x) is applied twice"),
    ("03.2", lambda x, dy: dy @ (1 - np.tanh(x) ** 2), "a matrix product"),
    ("03.3", lambda t, p: p - t, "the factor 2/n is missing"),
    ("03.3", lambda t, p: (p - t) / p.size, "the 2 is missing"),
    ("03.3", lambda t, p: 2 * (p - t), "the 1/n of the mean is missing"),
    ("03.3", lambda t, p: 2 / p.size * (t - p), "the sign is flipped"),
    ("03.3", lambda t, p: 2 / len(p) * (p - t), "n counts every entry"),
    ("03.3", lambda t, p: np.mean(2 * (p - t)), "has shape (), expected (5, 2)"),
]


# 04 · Vectorised batches -------------------------------------------------------------------
def two_layer_grads(X, Y, W1, b1, W2, b2, *, mistake=None):
    m = len(X)
    A1 = np.tanh(X @ W1 + b1)                     # (m, n1)
    Y_hat = sigmoid(A1 @ W2 + b2)                 # (m, 1)
    dZ2 = (Y_hat - Y) / m                         # the 1/m of the mean cost
    if mistake == "no 1/m":
        dZ2 = dZ2 * m
    if mistake == "sigma prime":
        dZ2 = dZ2 * Y_hat * (1 - Y_hat)
    g_prime = 1 - A1 ** 2
    if mistake == "g not g'":
        g_prime = A1
    dZ1 = dZ2 @ W2.T * g_prime                    # (m, n1)
    if mistake == "g' twice":
        dZ1 = dZ1 * g_prime
    dW1, db1, dW2, db2 = X.T @ dZ1, dZ1.sum(axis=0), A1.T @ dZ2, dZ2.sum(axis=0)
    if mistake == "db1 not summed":
        db1 = dZ1
    if mistake == "dW1 column form":
        dW1 = dW1.T
    if mistake == "keepdims":
        db1 = dZ1.sum(axis=0, keepdims=True)
    return dW1, db1, dW2, db2


def layer_forward(X, W, b):
    return np.tanh(X @ W + b)


def layer_forward_loops(X, W, b):
    A = np.zeros((X.shape[0], W.shape[1]))
    for i in range(X.shape[0]):
        for j in range(W.shape[1]):
            A[i, j] = math.tanh(b[j] + X[i] @ W[:, j])
    return A


RIGHT["04.1"] = two_layer_grads
RIGHT["04.2"] = layer_forward
RIGHT["04.3"] = lambda n_in, n_out: math.sqrt(2 / n_in)
WRONG += [
    ("04.1", lambda *a: two_layer_grads(*a, mistake="no 1/m"), "dW1: m times too large"),
    ("04.1", lambda *a: two_layer_grads(*a, mistake="sigma prime"), "σ' cancels with the cross-entropy"),
    ("04.1", lambda *a: two_layer_grads(*a, mistake="g not g'"), "g(Z1) = tanh(Z1) where the chain rule needs"),
    ("04.1", lambda *a: two_layer_grads(*a, mistake="g' twice"), "g'(Z1) is applied twice"),
    ("04.1", lambda *a: two_layer_grads(*a, mistake="db1 not summed"), "db1 must be summed over the batch"),
    ("04.1", lambda *a: two_layer_grads(*a, mistake="dW1 column form"), "dW1: it is transposed"),
    ("04.1", lambda *a: two_layer_grads(*a, mistake="keepdims"), "db1: expected shape (4,), the shape of b1"),
    ("04.2", layer_forward_loops, "the numbers are right, but layer_forward still uses a `for` loop (line 3"),
    ("04.2", lambda X, W, b: np.array([np.tanh(x @ W + b) for x in X]), "still uses a comprehension"),
    ("04.2", lambda X, W, b: np.tanh(X @ W), "the bias b is missing"),
    ("04.2", lambda X, W, b: X @ W + b, "the activation tanh is missing"),
    ("04.2", lambda X, W, b: np.tanh(X @ W.T + b), "W is transposed"),
    ("04.2", lambda X, W, b: np.tanh(X @ W + b[:, None]), "b is added down the columns"),
    ("04.3", lambda n_in, n_out: 2 / n_in, "that is the variance 2/n_in"),
    ("04.3", lambda n_in, n_out: math.sqrt(1 / n_in), "He has a 2 in the numerator"),
    ("04.3", lambda n_in, n_out: math.sqrt(2 / n_out), "He uses the fan-in n_in"),
    ("04.3", lambda n_in, n_out: math.sqrt(2 / (n_in + n_out)), "that is Xavier/Glorot"),
    ("04.3", lambda n_in, n_out: math.sqrt(6 / (n_in + n_out)), "Xavier's uniform version"),
    ("04.3", lambda n_in, n_out: math.sqrt(6 / n_in), "He's uniform version"),
    ("04.3", lambda n_in, n_out: 0.01, "does not depend on the layer size"),
]


# 05 · XOR --------------------------------------------------------------------------------------
# ReLU hidden layer: h1 = relu(x1 + x2) counts the ones, h2 = relu(x1 + x2 − 1) fires only for (1, 1).
XOR_WEIGHTS = (np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([0.0, -1.0]), np.array([[1.0], [-2.0]]), np.array([0.0]))
RIGHT["05.1"] = XOR_WEIGHTS
RIGHT["05.2"] = math.log(2)
RIGHT["05.3"] = 3
W1, b1, W2, b2 = XOR_WEIGHTS
WRONG += [
    # h1 = relu(x1 + x2), h2 = relu(2·x1 + 2·x2 − 2), ŷ = h1 − h2, with W1 given in the notes' (n_out, n_in) form
    ("05.1", (np.array([[1.0, 1.0], [2.0, 2.0]]), np.array([0.0, -2.0]), np.array([[1.0], [-1.0]]), b2),
     "your W1 works transposed"),
    ("05.1", (W1, b1, np.array([[1.0], [0.0]]), b2), "give OR, not XOR"),
    ("05.1", (W1, b1, np.array([[0.0], [1.0]]), b2), "give AND, not XOR"),
    ("05.1", (W1, b1, W2.T, b2), "W2 has shape (1, 2), expected (2, 1) (n_in = 2 hidden neurons"),
    ("05.1", (W1, b1, W2), "expected four arrays"),
    ("05.1", (W1, b1, W2, None), "b2 is None: every result needs a value"),
    ("05.1", (W1, b1 * np.nan, W2, b2), "the weights contain nan or inf"),
    ("05.2", 0.5, "0.5 is the prediction ŷ"),
    ("05.2", math.log10(2), "not log₁₀ 2"),
    ("05.2", 1.0, "not log₂ 2 = 1"),
    ("05.2", 0.25, "0.25 is the mean squared error"),
    ("05.2", -math.log(2), "a loss is never negative"),
    ("05.3", 4, "no line gets all four"),
    ("05.3", 2, "you can do better"),
]


# 07 · Convolution: filters, padding, stride ----------------------------------------------------
def output_size(n, f, p, s):
    return (n + 2 * p - f) // s + 1


def correlate2d(x, K):
    f = K.shape[0]
    h_o, w_o = x.shape[0] - f + 1, x.shape[1] - f + 1
    Z = np.zeros((h_o, w_o))
    for i in range(h_o):
        for j in range(w_o):
            Z[i, j] = np.sum(x[i:i + f, j:j + f] * K)
    return Z


def conv_output_shape(input_shape, n_filters, f, padding, stride):
    h, w, _ = input_shape
    return output_size(h, f, padding, stride), output_size(w, f, padding, stride), n_filters


RIGHT["07.1"] = output_size
RIGHT["07.2"] = correlate2d
RIGHT["07.3"] = conv_output_shape
WRONG += [
    ("07.1", lambda n, f, p, s: math.ceil((n + 2 * p - f) / s) + 1, "⌈⌉ instead of ⌊⌋"),
    ("07.1", lambda n, f, p, s: (n + 2 * p - f + 1) // s, "the notes' second formula"),
    ("07.1", lambda n, f, p, s: (n + 2 * p - f) // s, "the +1 is missing"),
    ("07.1", lambda n, f, p, s: (n + p - f) // s + 1, "padding is added on both sides"),
    ("07.1", lambda n, f, p, s: n + 2 * p - f + 1, "the stride s is missing"),
    ("07.1", lambda n, f, p, s: (n + 2 * p - f) / s + 1, "round (n + 2p − f)/s down"),
    ("07.1", lambda n, f, p, s: (n + 2 * p - f) // s + 1 if n < 12 else 0, "output_size(n=12, f=1, p=0, s=1) returned 0"),
    ("07.2", lambda x, K: correlate2d(x, K[::-1, ::-1]), "the filter is turned by 180°"),
    ("07.2", lambda x, K: correlate2d(x.T, K).T, "rows and columns swapped"),
    ("07.2", lambda x, K: correlate2d(x, K).T, "the output is transposed"),
    ("07.2", lambda x, K: correlate2d(x, K.T), "the filter is transposed"),
    ("07.2", lambda x, K: correlate2d(x, K)[:-1, :-1], "that is n − f + 1 of them"),
    ("07.2", lambda x, K: correlate2d(np.pad(x, 1), K), "no padding here"),
    ("07.3", lambda shape, k, f, p, s: conv_output_shape(shape, k, f, p, s)[:2] + (shape[2],), "one channel per filter"),
    ("07.3", lambda shape, k, f, p, s: conv_output_shape(shape, k, f, p, s)[:2] + (shape[2] * k,), "spans all input channels"),
    ("07.3", lambda shape, k, f, p, s: conv_output_shape(shape, k, f, p, s)[1::-1] + (k,), "height and width are swapped"),
    ("07.3", lambda shape, k, f, p, s: tuple(math.ceil((n + 2 * p - f) / s) + 1 for n in shape[:2]) + (k,), "⌈⌉ instead of ⌊⌋"),
    ("07.3", lambda shape, k, f, p, s: tuple((n + 2 * p - f + 1) // s for n in shape[:2]) + (k,), "the notes' second formula"),
    ("07.3", lambda shape, k, f, p, s: conv_output_shape(shape, k, f, p, s)[:2], "should be three numbers (h, w, c)"),
]


# 08 · Convolution layers and pooling ---------------------------------------------------------------
def conv_params(input_shape, n_filters, f):
    return f * f * input_shape[2] * n_filters + n_filters


def maxpool_backward(x, dy):
    dx = np.zeros_like(x)
    for i in range(dy.shape[0]):
        for j in range(dy.shape[1]):
            window = x[2 * i:2 * i + 2, 2 * j:2 * j + 2]
            a, b = np.unravel_index(np.argmax(window), (2, 2))      # the first maximum
            dx[2 * i + a, 2 * j + b] = dy[i, j]
    return dx


def conv_backward(x, K, G):
    f = K.shape[0]
    dx, dK = np.zeros_like(x), np.zeros_like(K)
    for i in range(G.shape[0]):
        for j in range(G.shape[1]):
            dK += x[i:i + f, j:j + f] * G[i, j]                       # each weight saw this window
            dx[i:i + f, j:j + f] += K * G[i, j]                       # scatter G back through K
    return dx, dK, G.sum()


RIGHT["08.1"] = conv_params
RIGHT["08.2"] = maxpool_backward
RIGHT["08.3"] = conv_backward
WRONG += [
    ("08.1", lambda shape, k, f: f * f * shape[2] * k, "one bias per filter is missing"),
    ("08.1", lambda shape, k, f: f * f * k + k, "it spans all input channels"),
    ("08.1", lambda shape, k, f: f * f * shape[2] * k + shape[2], "not per input channel"),
    ("08.1", lambda shape, k, f: 2 * f * f * shape[2] * k, "not per weight"),
    ("08.1", lambda shape, k, f: shape[0] * shape[1] * shape[2] * k + k, "your count changes with the image size"),
    ("08.2", lambda x, dy: np.kron(dy, np.ones((2, 2))) / 4, "that is average pooling's backward"),
    ("08.2", lambda x, dy: np.kron(dy, np.ones((2, 2))), "the other entries get 0"),
    ("08.2", lambda x, dy: (maxpool_backward(x, np.ones_like(dy)) != 0).astype(float), "multiply by dy"),
    ("08.2", lambda x, dy: maxpool_backward(x, dy)[:-1], "has shape (5, 4), expected (6, 4)"),
]


@wrong("08.2", "only the first one (in row order) gets the gradient")
def maxpool_backward_every_max(x, dy):
    up = lambda a: np.kron(a, np.ones((2, 2)))                          # noqa: E731
    window_max = x.reshape(x.shape[0] // 2, 2, x.shape[1] // 2, 2).max(axis=(1, 3))
    return up(dy) * (x == up(window_max))


WRONG += [
    ("08.3", lambda x, K, G: (conv_backward(x, K[::-1, ::-1], G)[0],) + conv_backward(x, K, G)[1:],
     "dx uses the filter turned by 180°"),
    ("08.3", lambda x, K, G: (conv_backward(x, K.T, G)[0],) + conv_backward(x, K, G)[1:], "dx uses the transposed filter"),
    ("08.3", lambda x, K, G: (conv_backward(x, K, G)[0], conv_backward(x, K, G)[1][::-1, ::-1], G.sum()),
     "dK is turned by 180°"),
    ("08.3", lambda x, K, G: (conv_backward(x, K, G)[0], conv_backward(x, K, G)[1] / G.size, G.sum()), "dK is averaged"),
    ("08.3", lambda x, K, G: conv_backward(x, K, G)[:2] + (G,), "db is one number: the sum of G"),
    ("08.3", lambda x, K, G: conv_backward(x, K, G)[:2] + (G.mean(),), "not its mean"),
]


# 06 · Deep networks ---------------------------------------------------------------------------------
def clip_by_norm(g, c):
    norm = np.sqrt(np.sum(g ** 2))
    return g * (c / norm) if norm > c else g


def signal_gain(n_in, std, activation):
    gain = math.sqrt(n_in) * std                 # Var(z) = n σ² E[a²]
    return gain / math.sqrt(2) if activation == "relu" else gain


RIGHT["06.1"] = clip_by_norm
RIGHT["06.2"] = 10
RIGHT["06.3"] = signal_gain
WRONG += [
    ("06.1", lambda g, c: np.clip(g, -c, c), "that is clipping by value"),
    ("06.1", lambda g, c: g * c / np.linalg.norm(g), "must be left alone"),
    ("06.1", lambda g, c: g / np.linalg.norm(g) if np.linalg.norm(g) > c else g, "scale to length c"),
    ("06.1", lambda g, c: g * c / np.abs(g).sum() if np.abs(g).sum() > c else g, "the sum of |g_i|"),
    ("06.1", lambda g, c: g * c / np.abs(g).max() if np.abs(g).max() > c else g, "the largest |g_i|"),
    ("06.1", lambda g, c: g * c / np.sum(g ** 2) if np.sum(g ** 2) > c else g, "the squared norm"),
    ("06.1", lambda g, c: np.linalg.norm(clip_by_norm(g, c)), "has shape (), expected (2, 3)"),
    ("06.2", 9, "Round up"),
    ("06.2", 20, "not 1/2"),
    ("06.2", 6, "not 1/10"),
    ("06.2", 11, "11 is not right, and no typical mistake gives it either"),
    ("06.3", lambda n, s, act: math.sqrt(n) * s, "ReLU zeroes the negative half"),
    ("06.3", lambda n, s, act: math.sqrt(n) * s / (2 if act == "relu" else 1), "not by 2"),
    ("06.3", lambda n, s, act: signal_gain(n, s, act) ** 2, "the gain of the variance"),
    ("06.3", lambda n, s, act: n * s / (math.sqrt(2) if act == "relu" else 1), "√n, not n"),
    ("06.3", lambda n, s, act: "big", "returned str 'big', expected a number"),
]


# 09 · Softmax and multi-class outputs ------------------------------------------------------------------
def stable_softmax(Z):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def softmax_ce_grad(Z, Y):
    return (stable_softmax(Z) - Y) / len(Z)


def naive_softmax(Z):
    e = np.exp(Z)
    return e / e.sum(axis=1, keepdims=True)


RIGHT["09.1"] = stable_softmax
RIGHT["09.2"] = softmax_ce_grad
RIGHT["09.3"] = -math.log(0.1)
WRONG += [
    ("09.1", naive_softmax, "stable_softmax on large scores gives nan or inf: e^z overflows"),
    ("09.1", lambda Z: naive_softmax(Z - Z.max()), "subtract each row's own max"),
    ("09.1", lambda Z: np.exp(Z) / np.exp(Z).sum(axis=0, keepdims=True), "normalise over axis=1, the classes"),
    ("09.1", lambda Z: np.exp(Z) / np.exp(Z).sum(), "normalises over the whole batch"),
    ("09.1", lambda Z: np.exp(Z - Z.max(axis=1)) / np.exp(Z - Z.max(axis=1)).sum(axis=1),
     "raised ValueError: operands could not be broadcast together"),
    ("09.1", lambda Z: np.exp(Z - Z.max(axis=1)) / np.exp(Z - Z.max(axis=1)).sum(axis=1), "keepdims=True"),
    ("09.2", lambda Z, Y: stable_softmax(Z) - Y, "m times too large"),
    ("09.2", lambda Z, Y: (Y - stable_softmax(Z)) / len(Z), "the sign is flipped"),
    ("09.2", lambda Z, Y: (stable_softmax(Z) - Y) * stable_softmax(Z) * (1 - stable_softmax(Z)) / len(Z),
     "the Jacobian cancels"),
    ("09.2", lambda Z, Y: (Z - Y) / len(Z), "not the scores Z"),
    ("09.2", lambda Z, Y: -Y / stable_softmax(Z) / len(Z), "that is ∂L/∂ŷ"),
    ("09.2", lambda Z, Y: (stable_softmax(Z) - Y) / Z.size, "not by m·k"),
    ("09.2", lambda Z, Y: (naive_softmax(Z) - Y) / len(Z), "compute the softmax stably"),
    ("09.3", -math.log(0.6), "the loss looks at the true class"),
    ("09.3", 0.1, "0.1 is ŷ_cat itself"),
    ("09.3", 1.0, "natural logarithm"),
    ("09.3", -math.log(0.6 * 0.1 * 0.3), "only the true class's term counts"),
    ("09.3", math.log(0.1), "a loss is never negative"),
]


# 10 · Handwritten digits --------------------------------------------------------------------------------
def accuracy(P, labels):
    return np.mean(np.argmax(P, axis=1) == labels)


def confusion(y_true, y_pred, k):
    cm = np.zeros((k, k), dtype=int)
    for t, p in zip(y_true, y_pred):
        cm[t, p] += 1
    return cm


RIGHT["10.1"] = accuracy
RIGHT["10.2"] = confusion
WRONG += [
    ("10.1", lambda P, t: np.mean(np.argmax(P, axis=0) == t), "the arg-max runs over axis=1"),
    ("10.1", lambda P, t: np.sum(np.argmax(P, axis=1) == t), "divide by m"),
    ("10.1", lambda P, t: 100 * accuracy(P, t), "not a percentage"),
    ("10.1", lambda P, t: 1 - accuracy(P, t), "that is the error rate"),
    ("10.1", lambda P, t: np.mean(np.max(P, axis=1) == t), "accuracy(P of shape (10, 10), labels) returned 0, expected 0.9"),
    ("10.2", lambda t, p, k: confusion(t, p, k).T, "rows are the true classes"),
    ("10.2", lambda t, p, k: confusion(t, p, k) / len(t), "don't divide by m"),
    ("10.2", lambda t, p, k: confusion(t, p, k) / np.maximum(confusion(t, p, k).sum(axis=1, keepdims=True), 1),
     "leave the rows unnormalised"),
    ("10.2", lambda t, p, k: (confusion(t, p, k) > 0).astype(int), "not just mark it"),
    ("10.2", lambda t, p, k: confusion(t, p, max(t.max(), p.max()) + 1), "the matrix is k × k = (5, 5)"),
]
RIGHT["10.3"] = 14 * 14 * 32
WRONG += [
    ("10.3", 13 * 13 * 32, "keeps 28×28"),
    ("10.3", 28 * 28 * 32, "halves the height and the width"),
    ("10.3", 196, "multiply by the channels"),
    ("10.3", 512, "the 8×8 digits' CNN"),
    ("10.3", 1568, "not 7"),
    ("10.3", 784, "the size of the image itself"),
]


# 14 · Automatic differentiation ---------------------------------------------------------------------------
from nnbook.autodiff import Dual, Value  # noqa: E402  (chapter 14's answers build on the engine)


def power(a, b):
    c = a.data ** b.data
    return Value(c, (a, b), (b.data * a.data ** (b.data - 1), c * math.log(a.data)), "**")


def power_variant(a, b, local_a=None, local_b=None, parents=None):
    c = a.data ** b.data
    da = b.data * a.data ** (b.data - 1) if local_a is None else local_a(a.data, b.data)
    db = c * math.log(a.data) if local_b is None else local_b(a.data, b.data)
    if parents == "a only":
        return Value(c, (a,), (da,))
    if parents == "none":
        return Value(c)
    return Value(c, (a, b), (da, db))


def backward_by_hand(output):
    order = output.topological_order()
    grads = {node: 0.0 for node in order}
    grads[output] = 1.0                                   # ∂output/∂output
    for node in reversed(order):                          # every user of a node comes before it
        for parent, local in zip(node.parents, node.local_grads):
            grads[parent] += local * grads[node]          # shares add up
    return grads


def backward_variant(output, kind):
    order = output.topological_order()
    grads = {node: 0.0 for node in order}
    grads[output] = 1.0
    for node in (order if kind == "forwards" else reversed(order)):
        for parent, local in zip(node.parents, node.local_grads):
            if kind == "assign":
                grads[parent] = local * grads[node]
            else:
                grads[parent] += local * grads[node]
    return grads


@wrong("14.2", "a node passed its gradient on before every node that uses it")
def backward_recursive(output):
    grads = {output: 1.0}

    def visit(node):
        for parent, local in zip(node.parents, node.local_grads):
            grads[parent] = grads.get(parent, 0.0) + local * grads[node]
            visit(parent)
    visit(output)
    return grads


@wrong("14.2", "calls .backward(): the exercise is to write it")
def backward_by_calling_backward(output):
    output.backward()
    return {node: node.grad for node in output.topological_order()}


def directional_derivative(f, x, v):
    return f([Dual(x_j, v_j) for x_j, v_j in zip(x, v)]).tangent     # tangents seeded with v


def gradient_by_forward_mode(f, x):
    grads = np.zeros(len(x))
    for i in range(len(x)):                               # one pass per input
        grads[i] = f([Dual(x_j, 1.0 if j == i else 0.0) for j, x_j in enumerate(x)]).tangent
    return grads


@wrong("14.3", "f was called 3 times; one forward pass is enough")
def directional_from_the_gradient(f, x, v):
    return gradient_by_forward_mode(f, x) @ v


@wrong("14.3", "that is finite differences")
def directional_by_differences(f, x, v, eps=1e-6):
    return (f(list(x + eps * v)) - f(list(x - eps * v))) / (2 * eps)


@wrong("14.3", "called f with Values: that is reverse mode")
def directional_by_reverse_mode(f, x, v):
    leaves = [Value(x_j) for x_j in x]
    f(leaves).backward()
    return sum(leaf.grad * v_j for leaf, v_j in zip(leaves, v))


RIGHT["14.1"] = power
RIGHT["14.2"] = backward_by_hand
RIGHT["14.3"] = directional_derivative
WRONG += [
    ("14.1", lambda a, b: a.data ** b.data, "returned the plain number a^b"),
    ("14.1", lambda a, b: power_variant(a, b, parents="none"), "no gradient reaches a or b"),
    ("14.1", lambda a, b: power_variant(a, b, parents="a only"), "the exponent b is a Value too"),
    ("14.1", lambda a, b: power_variant(a, b, local_b=lambda a, b: a ** b), "the factor ln a is missing"),
    ("14.1", lambda a, b: power_variant(a, b, local_a=lambda a, b: a ** b * math.log(a),
                                        local_b=lambda a, b: b * a ** (b - 1)), "the two local derivatives are swapped"),
    ("14.1", lambda a, b: power_variant(a, b, local_a=lambda a, b: a ** (b - 1)), "the factor b is missing"),
    ("14.1", lambda a, b: power_variant(a, b, local_a=lambda a, b: b * a ** b), "the exponent is b − 1"),
    ("14.1", lambda a, b: power_variant(a, b, local_b=lambda a, b: b * a ** (b - 1) * math.log(a)),
     "not b · a^(b−1) · ln a"),
    ("14.1", lambda a, b: Value(a.data ** b.data + 1, (a, b), (1.0, 1.0)), "expected a^b = 8"),
    ("14.1", lambda a, b: Value(a.data ** b.data, (a, b), (a, b)), "expected a real number, got Value"),
    ("14.1", lambda a, b: (b * a.log()).exp() * 1.01, "expected a^b = 8"),
    ("14.2", lambda out: backward_variant(out, "assign"), "add the shares up (+=)"),
    ("14.2", lambda out: backward_variant(out, "forwards"), "visit reversed(order)"),
    ("14.2", lambda out: {**backward_by_hand(out), out: 0.0}, "the gradients of (x, y, output) in graph 1"),
    ("14.2", lambda out: [1.0, 2.0], "should return a dict {node: gradient}, got list"),
    ("14.2", lambda out: {out: 1.0}, "the dict has no entry for x, y"),
    ("14.3", lambda f, x, v: f([Dual(x_j, v_j) for x_j, v_j in zip(x, v)]), "returned a Dual number"),
    ("14.3", lambda f, x, v: f([Dual(x_j, 1.0) for x_j in x]).tangent, "seed input j with tangent v_j, not with 1"),
    ("14.3", lambda f, x, v: f([Dual(x_j, v_j) for x_j, v_j in zip(x, v)]).data, "read .tangent, not .data"),
    ("14.3", lambda f, x, v: gradient_by_forward_mode(f, x), "that is the whole gradient"),
    ("14.3", lambda f, x, v: gradient_by_forward_mode(f, x) * v, "add them up"),
    ("14.3", lambda f, x, v: directional_derivative(f, x, v / np.linalg.norm(v)), "no normalisation"),
    ("14.3", lambda f, x, v: directional_derivative(f, x, v) + 0.1, "directional_derivative(f, x, v) with n = 3 "
                                                                      "inputs has the right shape but wrong values"),
]


# 11 · Optimizers ---------------------------------------------------------------------
def momentum_step(w, u, g, lr, mu):
    u = mu * u - lr * g                                   # nnbook's (Keras') velocity
    return w + u, u


def adam_step(w, m, v, g, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g ** 2
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def best_learning_rate(A):
    lam = np.linalg.eigvalsh(A)                           # ascending
    return 2 / (lam[0] + lam[-1])


def adam_keras_step(w, m, v, g, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g ** 2
    lr_t = lr * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
    return w - lr_t * m / (np.sqrt(v) + eps), m, v


def adam_eps_inside(w, m, v, g, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g ** 2
    return w - lr * (m / (1 - beta1 ** t)) / np.sqrt(v / (1 - beta2 ** t) + eps), m, v


RIGHT["11.1"] = momentum_step
RIGHT["11.2"] = adam_step
RIGHT["11.3"] = best_learning_rate
WRONG += [
    ("11.1", lambda w, u, g, lr, mu: (w - lr * (mu * u + g), mu * u + g), "that is Polyak's (and PyTorch's) buffer"),
    ("11.1", lambda w, u, g, lr, mu: (w + mu * u + lr * g, mu * u + lr * g), "the sign of the gradient term"),
    ("11.1", lambda w, u, g, lr, mu: (w + u - lr * g, u - lr * g), "μ is missing"),
    ("11.1", lambda w, u, g, lr, mu: (w + u, mu * u - lr * g), "w moves by the NEW velocity"),
    ("11.1", lambda w, u, g, lr, mu: (w - (mu * u - lr * g), mu * u - lr * g), "the velocity already holds the minus"),
    ("11.1", lambda w, u, g, lr, mu: (w + mu * (mu * u - lr * g) - lr * g, mu * u - lr * g), "that is Nesterov's step"),
    ("11.1", lambda w, u, g, lr, mu: (w - lr * g, mu * u - lr * g), "that is a plain SGD step"),
    ("11.1", lambda w, u, g, lr, mu: w - lr * g, "should return 2 results (w, u)"),
    ("11.2", lambda *a: (adam_step(*a)[0], adam_step(*a)[1] / (1 - a[6] ** a[4]), adam_step(*a)[2]),
     "return the uncorrected m"),
    ("11.2", lambda w, m, v, g, t, lr, b1, b2, eps: (w, b1 * m + g, v), "the factor (1 − β₁) on g is missing"),
    ("11.2", lambda w, m, v, g, t, lr, b1, b2, eps: (w, b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g),
     "v averages the squared gradient"),
    ("11.2", lambda *a: adam_keras_step(*a), "that is Keras' placement of ε"),
    ("11.2", lambda w, m, v, g, t, lr, b1, b2, eps: adam_step(w, m, v, g, 10 ** 9, lr, b1, b2, eps),
     "no bias correction"),
    ("11.2", lambda w, m, v, g, t, lr, b1, b2, eps: adam_step(w, m, v, g, t + 1, lr, b1, b2, eps),
     "not β^(t+1)"),
    ("11.2", lambda w, m, v, g, t, lr, b1, b2, eps: adam_step(w, m, v, g, t, -lr, b1, b2, eps), "the sign"),
    ("11.2", lambda w, m, v, g, t, lr, b1, b2, eps: adam_eps_inside(w, m, v, g, t, lr, b1, b2, eps),
     "ε goes after the square root"),
    ("11.2", lambda *a: adam_step(*a)[0], "should return 3 results (w, m, v)"),
    ("11.3", lambda A: 2 / np.linalg.eigvalsh(A)[-1], "2/λ_max is the edge of divergence"),
    ("11.3", lambda A: 1 / np.linalg.eigvalsh(A)[-1], "1/λ_max is safe but not the best"),
    ("11.3", lambda A: 2 / (np.diag(A).min() + np.diag(A).max()), "not its diagonal entries"),
    ("11.3", lambda A: 1 / (np.linalg.eigvalsh(A)[0] + np.linalg.eigvalsh(A)[-1]), "half the right value"),
    ("11.3", lambda A: 2 / np.trace(A), "(the trace)"),
    ("11.3", lambda A: np.linalg.eigvalsh(A), "expected a number"),
]


# 12 · Generalisation --------------------------------------------------------------- ---------------------------------------------------------------------------------
def l2_step(W, dE_dW, lr, lam):
    return W - lr * (dE_dW + lam * W)                      # the gradient of E + (λ/2)‖W‖² is ∂E/∂W + λW


def dropout_forward(a, keep, rate, training):
    if not training:
        return a                                            # inference: no mask, no scale
    return a * keep / (1 - rate)                            # E[keep / (1 − rate)] = 1


def shift_image(image, dr, dc):
    h, w = image.shape
    out = np.zeros_like(image)
    rows_to, rows_from = slice(max(dr, 0), h + min(dr, 0)), slice(max(-dr, 0), h + min(-dr, 0))
    cols_to, cols_from = slice(max(dc, 0), w + min(dc, 0)), slice(max(-dc, 0), w + min(-dc, 0))
    out[rows_to, cols_to] = image[rows_from, cols_from]
    return out


RIGHT["12.1"] = l2_step
RIGHT["12.2"] = dropout_forward
RIGHT["12.3"] = shift_image
WRONG += [
    ("12.1", lambda W, g, lr, lam: W - lr * g, "the decay term is missing"),
    ("12.1", lambda W, g, lr, lam: W - lr * (g + 2 * lam * W), "not 2λW"),
    ("12.1", lambda W, g, lr, lam: W - lr * (g - lam * W), "the sign of λW"),
    ("12.1", lambda W, g, lr, lam: W - lr * g - lam * W, "multiplied by the learning rate too"),
    ("12.1", lambda W, g, lr, lam: W - lr * (g + lam), "not λ."),
    ("12.1", lambda W, g, lr, lam: W - lr * (g + lam * W ** 2), "not λw²"),
    ("12.1", lambda W, g, lr, lam: W - lr * (g + lam * W / 2), "the 2 of the square cancels"),
    ("12.1", lambda W, g, lr, lam: W - lr * (g + lam * W) + 1e-3, "has the right shape but wrong values"),
    ("12.1", lambda W, g, lr, lam: (W - lr * (g + lam * W)).T, "has shape"),
    ("12.2", lambda a, keep, rate, training: a * keep if training else a, "scaled by 1/(1 − rate)"),
    ("12.2", lambda a, keep, rate, training: a * keep * (1 - rate) if training else a, "don't multiply"),
    ("12.2", lambda a, keep, rate, training: a * keep / rate if training else a, "probability of KEEPING"),
    ("12.2", lambda a, keep, rate, training: a * ~keep / (1 - rate) if training else a, "not by its opposite"),
    ("12.2", lambda a, keep, rate, training: a * keep / (1 - rate), "at inference (training=False) there is no mask"),
    ("12.2", lambda a, keep, rate, training: a * keep / (1 - rate) if training else a * (1 - rate),
     "the old, not inverted, dropout"),
    ("12.2", lambda a, keep, rate, training: a, "in training the mask zeroes the dropped entries"),
    ("12.2", lambda a, keep, rate, training: a * keep / (1 - rate) if training else a / (1 - rate),
     "nothing is scaled"),
    ("12.3", lambda image, dr, dc: np.roll(image, (dr, dc), axis=(0, 1)), "np.roll wraps"),
    ("12.3", lambda image, dr, dc: shift_image(image, -dr, -dc), "the shift goes the other way"),
    ("12.3", lambda image, dr, dc: shift_image(image, dc, dr), "they are swapped"),
    ("12.3", lambda image, dr, dc: shift_image(image, dr, dc)[:-1], "keeps its size"),
    ("12.3", lambda image, dr, dc: shift_image(image, dr, 0), "wrong values"),
]


# 13 · Batch normalisation ------------------------------------------------------------
def batchnorm_forward(X, gamma, beta, eps):
    mu = X.mean(axis=0)                                   # per feature, over the batch
    var = X.var(axis=0)                                   # biased: / m
    return gamma * (X - mu) / np.sqrt(var + eps) + beta


def update_running(running_mean, running_var, X, momentum):
    mean = (1 - momentum) * running_mean + momentum * X.mean(axis=0)
    var = (1 - momentum) * running_var + momentum * X.var(axis=0, ddof=1)   # unbiased batch variance
    return mean, var


def batchnorm_backward(dY, X, gamma, eps):
    m = X.shape[0]
    var = X.var(axis=0)
    x_hat = (X - X.mean(axis=0)) / np.sqrt(var + eps)
    dbeta = dY.sum(axis=0)
    dgamma = (dY * x_hat).sum(axis=0)
    dX = gamma / np.sqrt(var + eps) * (dY - dbeta / m - x_hat * dgamma / m)
    return dX, dgamma, dbeta


def bn_backward_variant(dY, X, gamma, eps, kind):
    m = X.shape[0]
    dX, dgamma, dbeta = batchnorm_backward(dY, X, gamma, eps)
    var = X.var(axis=0)
    x_hat = (X - X.mean(axis=0)) / np.sqrt(var + eps)
    s = gamma / np.sqrt(var + eps)
    if kind == "constant stats":
        return s * dY, dgamma, dbeta
    if kind == "no gamma term":
        return s * (dY - dbeta / m), dgamma, dbeta
    if kind == "no beta term":
        return s * (dY - x_hat * dgamma / m), dgamma, dbeta
    if kind == "no factor":
        return dY - dbeta / m - x_hat * dgamma / m, dgamma, dbeta
    if kind == "m - 1":
        return s * (dY - dbeta / (m - 1) - x_hat * dgamma / (m - 1)), dgamma, dbeta
    if kind == "dgamma from x":
        return dX, (dY * X).sum(axis=0), dbeta
    if kind == "mean dbeta":
        return dX, dgamma, dY.mean(axis=0)
    raise ValueError(kind)


RIGHT["13.1"] = batchnorm_forward
RIGHT["13.2"] = update_running
RIGHT["13.3"] = batchnorm_backward
WRONG += [
    ("13.1", lambda X, g, b, eps: g * (X - X.mean(0)) / np.sqrt(X.var(0, ddof=1) + eps) + b, "biased variance"),
    ("13.1", lambda X, g, b, eps: (g * (X - X.mean(1, keepdims=True)) / np.sqrt(X.var(1, keepdims=True) + eps) + b),
     "each feature (column) over the batch, axis=0"),
    ("13.1", lambda X, g, b, eps: g * (X - X.mean(0)) / np.sqrt(X.var(0)) + b, "ε is missing"),
    ("13.1", lambda X, g, b, eps: g * (X - X.mean(0)) / (X.var(0) + eps) + b, "not by the variance"),
    ("13.1", lambda X, g, b, eps: g * (X - X.mean(0)) / (X.std(0) + eps) + b, "ε goes under the square root"),
    ("13.1", lambda X, g, b, eps: b * (X - X.mean(0)) / np.sqrt(X.var(0) + eps) + g, "γ scales and β shifts"),
    ("13.1", lambda X, g, b, eps: (X - X.mean(0)) / np.sqrt(X.var(0) + eps), "γ and the shift β are missing"),
    ("13.1", lambda X, g, b, eps: g * X / np.sqrt(X.var(0) + eps) + b, "subtract the batch mean"),
    ("13.1", lambda X, g, b, eps: batchnorm_forward(X, g, b, eps)[:, :1], "has shape"),
    ("13.2", lambda rm, rv, X, mom: (mom * rm + (1 - mom) * X.mean(0), mom * rv + (1 - mom) * X.var(0, ddof=1)),
     "Keras' convention"),
    ("13.2", lambda rm, rv, X, mom: ((1 - mom) * rm + mom * X.mean(0), (1 - mom) * rv + mom * X.var(0)),
     "unbiased batch variance"),
    ("13.2", lambda rm, rv, X, mom: (X.mean(0), X.var(0, ddof=1)), "not μ_batch alone"),
    ("13.2", lambda rm, rv, X, mom: (rm + mom * X.mean(0), rv + mom * X.var(0, ddof=1)), "weighted by (1 − momentum)"),
    ("13.2", lambda rm, rv, X, mom: ((1 - mom) * rm + mom * X.mean(0), (1 - mom) * rv + mom * X.std(0, ddof=1)),
     "not the standard deviation"),
    ("13.2", lambda rm, rv, X, mom: update_running(rm, rv, X, mom)[0], "should return 2 results"),
    ("13.3", lambda dY, X, g, eps: bn_backward_variant(dY, X, g, eps, "constant stats"), "inference-mode gradient"),
    ("13.3", lambda dY, X, g, eps: bn_backward_variant(dY, X, g, eps, "no gamma term"), "comes through σ²"),
    ("13.3", lambda dY, X, g, eps: bn_backward_variant(dY, X, g, eps, "no beta term"), "comes through μ"),
    ("13.3", lambda dY, X, g, eps: bn_backward_variant(dY, X, g, eps, "no factor"), "the factor γ/√(σ² + ε)"),
    ("13.3", lambda dY, X, g, eps: bn_backward_variant(dY, X, g, eps, "m - 1"), "use 1/m, not 1/(m − 1)"),
    ("13.3", lambda dY, X, g, eps: bn_backward_variant(dY, X, g, eps, "dgamma from x"), "uses the normalised x̂"),
    ("13.3", lambda dY, X, g, eps: bn_backward_variant(dY, X, g, eps, "mean dbeta"), "not the mean"),
    ("13.3", lambda dY, X, g, eps: batchnorm_backward(dY, X, g, eps)[0], "should return 3 results"),
]


# Chapters 15 on: one file per topic, exercise_solutions_<topic>.py, merged here in chapter
# order; the table of chapters (tools/chapters.py) names each chapter's file. Under pytest the
# root conftest.py has put tools/ on the path; a kernel that imports this file (the exercise
# report's tests) has only tests/ on it.
import importlib  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

if "chapters" not in sys.modules:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import chapters  # noqa: E402

for _name in chapters.solution_modules():
    if _name != "exercise_solutions":
        _topic = importlib.import_module(_name)
        RIGHT.update(_topic.RIGHT)
        WRONG += _topic.WRONG
