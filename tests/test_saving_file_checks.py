"""Tests of nnbook/saving/file_checks.py: the arrays' shapes read from their headers
without loading them, the sizes of a configuration bounded by the numbers the file holds
(never refusing a real nnbook layer), and the names of non-finite weights. The whole
load_model path is in tests/test_saving_model_file.py."""

import itertools

import numpy as np
import pytest

import nnbook as nb
from nnbook.saving.file_checks import array_shapes, check_finite, check_sizes


def test_shapes_come_from_the_headers(tmp_path):
    np.savez(tmp_path / "a.npz", W=np.zeros((3, 4)), b=np.zeros(4, np.float32), s=np.array(2.0))
    with np.load(tmp_path / "a.npz") as data:
        assert array_shapes(data) == {"W": (3, 4), "b": (4,), "s": ()}


def _layers():
    for cin, cout, k, s, p in itertools.product([1, 3], [1, 2, 64], [1, 3, 5], [1, 4], [0, 2]):
        yield nb.Conv2D(cin, cout, k, stride=s, padding=p)
    for d, h, ff in [(8, 8, 8), (16, 16, 4), (4, 4, 1)]:
        yield nb.TransformerBlock(d, h, ff)
        yield nb.TransformerBlock(d, h, ff, ffn="swiglu", norm="rmsnorm", bias=False, n_kv_heads=1)
        yield nb.MultiHeadAttention(d, h, n_kv_heads=1, bias=False)
    yield from (nb.Dense(1, 1), nb.Dense(1000, 1), nb.Embedding(1000, 1), nb.LSTM(1, 1),
                nb.GRU(1, 1), nb.RNN(1, 1), nb.RMSNorm(1), nb.BatchNorm(1), nb.SwiGLU(1, 1),
                nb.PositionalEmbedding(1000, 1), nb.LoRA(nb.Dense(1, 1), 5, alpha=100))


def test_no_real_layer_is_refused():
    for layer in _layers():
        arrays = {**layer.params, **layer.buffers}
        shapes = {f"0.{k}": a.shape for k, a in arrays.items()}
        check_sizes("f", 0, type(layer).__name__, layer.get_config(), shapes, "0.")


@pytest.mark.parametrize("config", [{"n_in": 20000, "n_out": 3}, {"n_in": 100, "n_out": 100},
                                    {"dense": {"n_in": 10**9, "n_out": 1}, "rank": 1}])
def test_sizes_beyond_the_files_numbers_are_refused(config):
    with pytest.raises(ValueError, match=r"load_model: 'f' does not hold what its architecture "
                                         r"says: layer 2 \(Dense\).*holds 16 numbers"):
        check_sizes("f", 2, "Dense", config, {"2.W": (3, 4), "2.b": (4,), "1.W": (9, 9)}, "2.")


def test_a_layer_without_arrays_is_not_bounded():
    check_sizes("f", 0, "MaxPool2D", {"pool_size": 10**9}, {"1.W": (2, 2)}, "0.")


def test_non_finite_values_are_counted_and_named():
    check_finite("f", 0, "Dense", "W", np.ones(3))
    with pytest.raises(ValueError, match=r"layer 1 \(Dense\) b holds 2 NaN or infinite values"):
        check_finite("f", 1, "Dense", "b", np.array([np.nan, np.inf, 0.0]))
