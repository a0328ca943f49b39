"""nnbook/layers/attention/linear.py: LinearAttention by hand on two positions, its three
forms equal (outputs and gradients), float32, the state cache (the same outputs, a constant
size, rewind, cut back to a kept state), save and load, the block with mixer="linear", and
every error message."""

import numpy as np
import pytest

import nnbook as nb


def identity_layer(d=2, **kw):
    layer = nb.LinearAttention(d, 1, rng=np.random.default_rng(0), **kw)
    for p in layer.params.values():
        p[...] = np.eye(d)
    return layer


def test_two_positions_by_hand():
    x = np.array([[[1.0, 2.0], [3.0, -1.0]]])          # q = k = v = x
    y = identity_layer().forward(x)
    o0 = x[0, 0] * (x[0, 0] @ x[0, 0])                   # v_0 (k_0·q_0)
    o1 = x[0, 0] * (x[0, 0] @ x[0, 1]) + x[0, 1] * (x[0, 1] @ x[0, 1])
    assert np.allclose(y[0], [o0, o1], rtol=0, atol=1e-12)


@pytest.mark.parametrize("chunk", [1, 3, 4, 20])
def test_forms_agree_with_the_recurrence(chunk):
    x = np.random.default_rng(1).standard_normal((2, 9, 6))
    dy = np.random.default_rng(2).standard_normal((2, 9, 6))
    runs = []
    for form in ("recurrent", "masked", "chunked"):
        layer = nb.LinearAttention(6, 2, form=form, chunk=chunk, rng=np.random.default_rng(3))
        runs.append((layer.forward(x), layer.backward(dy), layer.grads["W_k"].copy()))
    for run in runs[1:]:
        for a, b in zip(run, runs[0]):
            assert np.allclose(a, b, rtol=0, atol=1e-10)


def test_float32_computes_in_float32():
    layer = nb.LinearAttention(4, 2, dtype=np.float32, rng=np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((2, 3, 4))
    y = layer.forward(x)
    assert y.dtype == np.float32 and layer.backward(np.ones_like(y)).dtype == np.float32


def test_the_state_cache_gives_the_same_outputs_at_a_constant_size():
    layer = nb.LinearAttention(4, 2, rng=np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((3, 7, 4))
    whole = layer.forward(x)
    layer.start_cache()
    steps, sizes = [], []
    for t in range(7):
        steps.append(layer.forward(x[:, t:t + 1]))
        sizes.append(layer.cache.nbytes)
    assert np.allclose(np.concatenate(steps, 1), whole, rtol=0, atol=1e-12)
    assert set(sizes) == {3 * 2 * 2 * 2 * 8}              # m·h·d_head² floats, every step
    S = layer.cache.S.copy()
    layer.forward(x[:, :1])
    layer.cache.rewind()
    assert np.array_equal(layer.cache.S, S) and layer.cache.length == 7
    with pytest.raises(ValueError, match="KV cache is on"):
        layer.backward(np.ones((3, 1, 4)))
    with pytest.raises(ValueError, match="left-padded rows"):
        layer.start_cache(pad=[0, 1, 0])


@pytest.mark.parametrize("cls", [nb.LinearAttention, nb.DeltaNet])
def test_a_cut_goes_back_to_the_state_after_the_kept_positions(cls):
    """Issue 82: ``cut`` set the length back but kept the refused positions' writes in S.
    After ``allow_cuts()`` the cache goes back to the state after any position since its
    last cut (also inside the last step, and over several steps), forgets the states
    before a cut, and continues as if the cut positions had never been read."""
    layer = cls(4, 2, rng=np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((2, 9, 4))
    whole = layer.forward(x)
    states = []                                            # the state after each position
    layer.start_cache()
    for t in range(9):
        layer.forward(x[:, t:t + 1])
        states.append(layer.cache.S.copy())
    layer.start_cache()
    layer.cache.allow_cuts()
    for a, b in ((0, 4), (4, 7), (7, 8)):
        layer.forward(x[:, a:b])
    layer.cache.cut(5)                                     # back over two steps
    assert layer.cache.length == 5 and np.allclose(layer.cache.S, states[4], atol=1e-12)
    assert layer.cache.nbytes == layer.cache.S.nbytes      # the states before it: gone
    assert np.allclose(layer.forward(x[:, 5:9]), whole[:, 5:9], rtol=0, atol=1e-12)
    layer.cache.cut(7)                                     # inside the last step
    assert np.allclose(layer.cache.S, states[6], atol=1e-12)
    layer.forward(x[:, 7:8])
    layer.cache.rewind()
    assert layer.cache.length == 7 and np.allclose(layer.cache.S, states[6], atol=1e-12)
    with pytest.raises(ValueError, match=r"StateCache: cannot go back to the state after 6 "
                                         r"positions.*since its last cut, after 7 … 7 positions.*cuts=True"):
        layer.cache.cut(6)                                 # before the last cut
    layer.cache.cut(0)
    assert layer.cache.S is None
    assert np.allclose(layer.forward(x[:, :3]), whole[:, :3], rtol=0, atol=1e-12)


@pytest.mark.parametrize("cls", [nb.LinearAttention, nb.DeltaNet])
def test_a_cache_without_allow_cuts_goes_back_one_step_at_most(cls):
    layer = cls(4, 2, rng=np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((2, 6, 4))
    layer.start_cache()
    layer.forward(x[:, :2])
    S = layer.cache.S.copy()
    layer.forward(x[:, 2:5])
    layer.cache.cut(2)                                     # the state before the last step
    assert layer.cache.length == 2 and np.array_equal(layer.cache.S, S)
    layer.forward(x[:, 2:5])
    with pytest.raises(ValueError, match=r"StateCache: cannot go back to the state after 3 "
                                         r"positions: it holds 5 positions' writes in one "
                                         r"state and keeps only the state before the last "
                                         r"step, after 2 positions.*start_cache\(model, "
                                         r"cuts=True\)"):
        layer.cache.cut(3)
    assert layer.cache.length == 5                         # refused: nothing changed


def test_save_load_and_a_block(tmp_path):
    r = np.random.default_rng(0)
    model = nb.Sequential([nb.LinearAttention(4, 2, form="chunked", chunk=2, rng=r),
                           nb.TransformerBlock.modern(4, 2, mixer="linear", rng=r)])
    x = r.standard_normal((2, 5, 4))
    model.save(tmp_path / "m.npz")
    back = nb.load_model(tmp_path / "m.npz")
    assert np.array_equal(back.predict(x), model.predict(x))
    assert back.layers[0].form == "chunked" and type(back.layers[1].attn) is nb.LinearAttention
    assert "attn.W_q" in model.layers[1].params and "attn.b_q" not in model.layers[1].params


def test_errors():
    with pytest.raises(ValueError, match=r"d_model=5 is not divisible by n_heads=2"):
        nb.LinearAttention(5, 2)
    with pytest.raises(ValueError, match="expected form= one of"):
        nb.LinearAttention(4, form="softmax")
    with pytest.raises(ValueError, match="mixer"):
        nb.TransformerBlock(4, 2, 8, mixer="mamba")
    layer = nb.LinearAttention(4, 2)
    with pytest.raises(ValueError, match=r"expected input of shape \(m, T, 4\), got \(3, 4\)"):
        layer.forward(np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"no positions"):
        layer.forward(np.ones((2, 0, 4)))
    with pytest.raises(ValueError, match="before forward"):
        layer.backward(np.ones((1, 2, 4)))
    layer.forward(np.ones((1, 2, 4)))
    with pytest.raises(ValueError, match=r"expected dy of shape \(1, 2, 4\)"):
        layer.backward(np.ones((1, 3, 4)))


@pytest.mark.parametrize("make", [
    lambda r: nb.LinearAttention(8, 2, form="masked", rng=r),
    lambda r: nb.LinearAttention(8, 2, form="chunked", chunk=4, rng=r),
    lambda r: nb.DeltaNet(8, 2, form="chunked", chunk=4, rng=r),
    lambda r: nb.LinearAttention(8, 2, rng=r), lambda r: nb.DeltaNet(8, 2, rng=r)])
def test_a_nan_input_stays_causal_in_every_form(make):
    """A NaN at position 7 made every output NaN in the masked and chunked forms; the
    recurrence keeps the earlier positions, and now so does every form."""
    x = np.random.default_rng(0).normal(size=(2, 20, 8))
    x[0, 7, 2] = np.nan
    with np.errstate(invalid="ignore"):
        y = make(np.random.default_rng(1)).forward(x)
    cut = make(np.random.default_rng(1)).forward(x[:, :7])
    assert np.isfinite(y[1]).all() and np.isnan(y[0, 7:]).all()
    np.testing.assert_allclose(y[0, :7], cut[0], rtol=0, atol=1e-12)
