"""Small models, data and a learner-style layer shared by the tests (test_training_model.py,
test_saving_model_file.py, the probe files)."""

import numpy as np

import nnbook as nb


def mlp(seed=0, dtype=np.float64, out="sigmoid"):
    """3 → 4 → k: Tanh hidden layer; Sigmoid (k = 1), Softmax (k = 3) or linear (k = 2) output."""
    rng = np.random.default_rng(seed)
    k, last = {"sigmoid": (1, [nb.Sigmoid()]), "softmax": (3, [nb.Softmax()]), "linear": (2, [])}[out]
    return nb.Sequential([nb.Dense(3, 4, rng=rng, dtype=dtype), nb.Tanh(),
                          nb.Dense(4, k, rng=rng, dtype=dtype)] + last)


def data(m=20, seed=1):
    """x (m, 3) standard normal; y (m,) = 1 where x₁ + x₂ > 0."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((m, 3))
    return x, (x[:, 0] + x[:, 1] > 0).astype(float)


class Scale(nb.Layer):
    """y = x ⊙ s, a learner's layer: assigns its gradient, backward(dy) only, s starts at
    ``init_value`` (a keyword-only config entry). Subclasses change ``_grad``/``_dx`` to
    return something wrong."""

    def __init__(self, n=3, *, init_value=1.0):
        super().__init__()
        self.n, self.init_value = n, init_value
        self.params = {"s": np.full(n, float(init_value))}
        self.grads = {"s": np.zeros(n)}

    def forward(self, x):
        self.x = x
        return x * self.params["s"]

    def backward(self, dy):
        self.grads["s"] = self._grad(dy)
        return self._dx(dy)

    def _grad(self, dy):
        return (dy * self.x).sum(axis=0)

    def _dx(self, dy):
        return dy * self.params["s"]

    def get_config(self):
        return {"n": self.n, "init_value": self.init_value}
