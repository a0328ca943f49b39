"""Tests for nnbook/training/inputs.py: the checks ``fit``, ``predict`` and ``evaluate`` run on
what the user passes (here: token ids for a model that starts with an Embedding)."""

import numpy as np
import pytest

import nnbook as nb


@pytest.fixture
def model():
    rng = np.random.default_rng(0)
    net = nb.Sequential([nb.Embedding(10, 4, rng=rng), nb.LSTM(4, 5, rng=rng),
                         nb.Dense(5, 3, rng=rng)])
    net.compile(optimizer="sgd", loss=nb.CrossEntropy(from_logits=True))
    return net


@pytest.mark.parametrize("call", ["fit", "predict", "evaluate"])
@pytest.mark.parametrize("dtype", [np.int64, np.float64])
def test_token_ids_with_a_feature_axis_get_a_message_about_token_ids(model, call, dtype):
    ids = np.random.default_rng(1).integers(0, 10, (8, 6, 1)).astype(dtype)
    y = np.zeros(8, int)
    args = (ids,) if call == "predict" else (ids, y)
    with pytest.raises(ValueError, match=rf"Sequential\.{call}: the first layer Embedding\(10 → 4\) "
                                         r"takes token ids of shape \(m, T\), got ids of shape "
                                         r"\(8, 6, 1\).* x\[\.\.\., 0\] \(or x\.reshape\(8, 6\)\)") as e:
        getattr(model, call)(*args, **({"verbose": 0} if call == "fit" else {}))
    assert "image" not in str(e.value).lower()
    assert model.predict(ids[..., 0].astype(int)).shape == (8, 3)   # without the axis it runs


def test_boolean_ids_are_named_as_booleans_not_floats(model):
    ids = np.random.default_rng(1).integers(0, 2, (8, 6)).astype(bool)
    with pytest.raises(ValueError, match=r"Sequential\.predict: the first layer Embedding\(10 → 4\) "
                                         r"takes integer token ids, got booleans \(dtype bool\) of "
                                         r"shape \(8, 6\)\..*x\.astype\(int\)"):
        model.predict(ids)
