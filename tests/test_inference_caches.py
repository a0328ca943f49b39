"""nnbook/inference/caches.py (chapters 21 and 23): a whole model's caches started (with the
rows' padding), cut back to a length (a state cache to its state there), counted in bytes,
cleared; and the messages."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.inference import cache_nbytes, can_cache, clear_cache, cut_caches, start_cache

from test_inference_generation import classic, mixed, modern


def test_cut_caches_forgets_the_last_positions():
    model = modern()
    ids = np.array([[1, 2, 3, 4, 5]])
    start_cache(model)
    model.forward(ids, training=False)
    cut_caches(model, 3)
    lengths = {l.cache.length for l in model.layers if getattr(l, "cache", None) is not None}
    again = model.forward(ids[:, 3:], training=False)     # positions 3 and 4 read anew
    clear_cache(model)
    assert lengths == {3}
    assert np.allclose(again, model.forward(ids, training=False)[:, 3:], atol=1e-12)


def test_cut_caches_restores_a_state_started_for_cuts():
    """Issue 82: a state cache (DeltaNet, linear attention) goes back to its state after the
    kept positions when started with ``cuts=True``, and refuses a cut it cannot make."""
    model = mixed(("delta", "linear", "softmax"))
    ids = np.array([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]])
    start_cache(model, cuts=True)
    model.forward(ids, training=False)
    cut_caches(model, 2)
    again = model.forward(ids[:, 2:], training=False)
    clear_cache(model)
    assert np.allclose(again, model.forward(ids, training=False)[:, 2:], rtol=0, atol=1e-12)
    start_cache(model)
    model.forward(ids[:, :3], training=False)
    model.forward(ids[:, 3:], training=False)
    cut_caches(model, 3)                                  # the step before: still known
    with pytest.raises(ValueError, match=r"StateCache: cannot go back to the state after 1 "
                                         r"positions.*start_cache\(model, cuts=True\)"):
        cut_caches(model, 1)
    clear_cache(model)


def test_cut_caches_on_learned_positions():
    model = classic()
    start_cache(model)
    model.forward(np.array([[1, 2, 3]]), training=False)
    cut_caches(model, 1)
    assert model.layers[1].cache.length == 1
    clear_cache(model)


def test_pad_reaches_every_layer_and_nbytes_counts_the_rows():
    model = modern(d=16, blocks=2)
    start_cache(model, pad=[2, 0])
    assert all(l.cache.pad.tolist() == [2, 0] for l in model.layers[1:3])
    model.forward(np.zeros((2, 5), int), training=False)
    assert cache_nbytes(model) == 2 * 2 * (2 * 2 * 5 * 4 * 8)   # layers · k,v · m·kv·T·dh·8
    clear_cache(model)
    assert cache_nbytes(model) == 0 and can_cache(model)


def test_a_rolling_cache_cannot_be_cut():
    model = modern()
    for block in model.layers[1:3]:
        block.window = 2
    start_cache(model)
    model.forward(np.array([[1, 2, 3, 4]]), training=False)
    with pytest.raises(ValueError, match=r"a rolling cache \(window=2\) cannot forget"):
        cut_caches(model, 2)
    clear_cache(model)


def test_an_rnn_cannot_cache():
    rnn = nb.Sequential([nb.Embedding(5, 4), nb.RNN(4, 4, return_sequences=True),
                         nb.Dense(4, 5)])
    assert not can_cache(rnn)
    with pytest.raises(ValueError, match=r"start_cache: the model cannot keep a KV cache"):
        start_cache(rnn, pad=[0])
