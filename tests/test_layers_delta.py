"""nnbook/layers/attention/delta.py: DeltaNet's write is chapter 01's delta rule (a key
written twice holds the last value, where linear attention adds both), its chunked form
equals the recurrence (outputs and gradients), unit keys and β in (0, 1), the state cache,
save and load, and its errors."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.layers.attention.delta import unit_rows


def test_a_key_written_twice_holds_the_last_value():
    d = 3
    layer = nb.DeltaNet(d, 1, rng=np.random.default_rng(0))
    for name in ("W_q", "W_k", "W_v", "W_o"):
        layer.params[name][...] = np.eye(d)
    layer.params["W_beta"][...] = 40.0               # β = sigmoid(80) = 1 in float64
    x = np.array([[[1.0, 1.0, 0.0], [1.0, 0.0, 1.0]]])  # two keys that overlap (k₁·k₂ = ½)
    layer.start_cache()
    layer.forward(x[:, :2])
    S = layer.cache.S[0, 0]
    k2 = unit_rows(x[0, 1])[0]
    assert np.allclose(S @ k2, x[0, 1], atol=1e-12)    # the last write is read back exactly
    hebbian = np.outer(x[0, 0], unit_rows(x[0, 0])[0]) + np.outer(x[0, 1], k2)
    assert not np.allclose(hebbian @ k2, x[0, 1], atol=0.1)   # linear attention's sum is not


@pytest.mark.parametrize("chunk", [1, 2, 5, 16])
def test_chunked_equals_the_recurrence(chunk):
    x = np.random.default_rng(1).standard_normal((2, 9, 6))
    dy = np.random.default_rng(2).standard_normal((2, 9, 6))
    runs = []
    for form in ("recurrent", "chunked"):
        layer = nb.DeltaNet(6, 2, form=form, chunk=chunk, rng=np.random.default_rng(3))
        runs.append((layer.forward(x), layer.backward(dy), layer.grads["W_beta"].copy()))
    for a, b in zip(*runs):
        assert np.allclose(a, b, rtol=0, atol=1e-12)


def test_state_cache_save_and_float32(tmp_path):
    layer = nb.DeltaNet(4, 2, rng=np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((2, 6, 4))
    whole = layer.forward(x)
    layer.start_cache()
    parts = [layer.forward(x[:, :4]), layer.forward(x[:, 4:])]
    assert np.allclose(np.concatenate(parts, 1), whole, rtol=0, atol=1e-12)
    assert layer.cache.nbytes == 2 * 2 * 2 * 2 * 8
    layer.clear_cache()
    model = nb.Sequential([layer])
    model.save(tmp_path / "d.npz")
    assert np.array_equal(nb.load_model(tmp_path / "d.npz").predict(x), whole)
    f32 = nb.DeltaNet(4, 2, dtype=np.float32, rng=np.random.default_rng(0))
    assert f32.forward(x).dtype == np.float32
    assert np.isfinite(f32.forward(np.zeros((1, 2, 4)))).all()      # a zero key stays finite


def test_errors():
    with pytest.raises(ValueError, match="form='masked' has no delta-rule counterpart"):
        nb.DeltaNet(4, form="masked")
    with pytest.raises(ValueError, match=r"DeltaNet: expected chunk"):
        nb.DeltaNet(4, form="chunked", chunk=0)
    with pytest.raises(ValueError, match=r"DeltaNet\(4, 1 head\): expected input of shape"):
        nb.DeltaNet(4).forward(np.ones((2, 3, 5)))
    with pytest.raises(ValueError, match=r"DeltaNet: expected chunk"):
        nb.DeltaNet(4, form="chunked", chunk=2.5)


def test_the_kernel_gets_checked_arrays(monkeypatch):
    """The kernel checks nothing (a kernel takes checked arrays): the layer hands it β in
    (0, 1), one per sample, head and position, and a whole chunk ≥ 1, even from extreme
    inputs."""
    from nnbook.layers.attention import delta
    seen, kernel = [], delta.chunked_delta

    def spy(q, k, v, beta, chunk, S0=None):
        seen.append((q.shape, beta, chunk))
        return kernel(q, k, v, beta, chunk, S0)

    monkeypatch.setattr(delta, "chunked_delta", spy)
    layer = nb.DeltaNet(4, 2, form="chunked", chunk=3, rng=np.random.default_rng(0))
    layer.forward(50.0 * np.random.default_rng(1).standard_normal((2, 7, 4)))
    (shape, beta, chunk), = seen
    assert beta.shape == shape[:3] == (2, 2, 7) and chunk == 3
    assert np.all((beta >= 0) & (beta <= 1)) and np.isfinite(beta).all()
