"""Small models and data shared by tests/test_model.py and tests/test_saving.py."""

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
