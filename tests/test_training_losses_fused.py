"""The shortcut `fit` takes when a model ends in Sigmoid (with BinaryCrossEntropy) or Softmax
(with CrossEntropy): ``fused_gradient`` gives ∂L/∂z at once, skipping the last layer's
backward. Issue 54: the fused gradient without its 1/m was caught only by a notebook; here it
is compared with central differences of the loss through the last layer, for several m, so a
missing or doubled 1/m (or a wrong sign) fails."""

import numpy as np
import pytest

import nnbook as nb


def numeric_dz(loss, last, y, z, h=1e-6):
    g = np.zeros_like(z)
    for i in np.ndindex(z.shape):
        up, down = z.copy(), z.copy()
        up[i] += h
        down[i] -= h
        g[i] = (loss.value(y, last.function(up)) - loss.value(y, last.function(down))) / (2 * h)
    return g


@pytest.mark.parametrize("m", [1, 3, 8])
@pytest.mark.parametrize("kind", ["bce", "ce"])
def test_the_fused_gradient_is_the_derivative_through_the_last_layer(kind, m):
    rng = np.random.default_rng(m)
    if kind == "bce":
        loss, last = nb.BinaryCrossEntropy(), nb.Sigmoid()
        z, y = rng.normal(size=(m, 1)), rng.integers(0, 2, size=(m, 1)).astype(float)
    else:
        loss, last = nb.CrossEntropy(), nb.Softmax()
        z, y = rng.normal(size=(m, 4)), np.eye(4)[rng.integers(0, 4, size=m)]
    assert loss.fuses(last)
    fused = loss.fused_gradient(y, last.forward(z))
    np.testing.assert_allclose(fused, numeric_dz(loss, last, y, z), rtol=1e-6, atol=1e-9)
