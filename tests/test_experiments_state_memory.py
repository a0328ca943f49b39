"""nnbook/experiments/state_memory.py (chapter 31): the recall functions' writes by hand and
their errors (a misspelt rule, mismatched pairs, N = 0, an unknown kind), and the recall
layer's loss and training through fit's loop."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.experiments import state_memory as sm


def test_writes_by_hand():
    keys, values = np.eye(3)[:, :2], np.arange(6.0).reshape(3, 2)
    assert np.array_equal(sm.write_all(keys, values, "hebbian"), values @ keys.T)
    S = sm.write_all(keys, values, "delta")
    assert np.allclose(S @ keys, values)                      # orthonormal keys: exact
    assert np.array_equal(sm.write_all(keys.tolist(), values.tolist(), "delta"), S)   # lists
    assert np.allclose(sm.delta_write(np.zeros((3, 3)), keys[:, 0], values[:, 0], 1.0) @
                       keys[:, 0], values[:, 0])


@pytest.mark.parametrize("rule, hint", [("Hebbian", r" Rule names are lower case: "
                                                    r"rule='hebbian'\."),
                                        ("DELTA", r" Rule names are lower case: rule='delta'\."),
                                        ("hebian", ""), (None, "")])
def test_write_all_refuses_a_rule_it_does_not_know(rule, hint):
    """write_all(keys, values, "Hebbian") quietly ran the delta rule."""
    with pytest.raises(ValueError, match=r"^write_all: expected rule one of \('hebbian', "
                                         r"'delta'\), got " + repr(rule).replace("(", r"\(")
                                         + r"\." + hint + "$"):
        sm.write_all(np.eye(3), np.eye(3), rule)


def test_write_all_refuses_mismatched_pairs_and_bad_arrays():
    """Three keys and two values were truncated to two pairs; lists raised AttributeError."""
    with pytest.raises(ValueError, match=r"write_all: expected as many keys as values .* got "
                                         r"keys \(3, 3\) and values \(3, 2\)"):
        sm.write_all(np.eye(3), np.ones((3, 2)), "delta")
    with pytest.raises(ValueError, match=r"write_all: expected keys as an array of numbers of "
                                         r"shape \(d_k, N\) .* got shape \(3,\)"):
        sm.write_all(np.ones(3), np.ones((3, 1)), "hebbian")
    with pytest.raises(ValueError, match=r"write_all: expected finite values, got nan"):
        sm.write_all(np.eye(2), np.array([[1.0, np.nan], [0.0, 1.0]]), "delta")
    with pytest.raises(ValueError, match=r"delta_write: expected S of shape \(d_v, d_k\) = "
                                         r"\(2, 3\)"):
        sm.delta_write(np.zeros((3, 3)), np.ones(3), np.ones(2), 1.0)
    with pytest.raises(ValueError, match=r"delta_write: expected beta, the step size"):
        sm.delta_write(np.zeros((2, 2)), np.ones(2), np.ones(2), "1")


@pytest.mark.parametrize("call, message", [
    (lambda: sm.recall_batch(np.random.default_rng(0), 4, 0),
     r"recall_batch: expected N \(pairs\) an integer ≥ 1, got 0\."),           # high <= 0
    (lambda: sm.recall_batch(0, 4, 2), r"recall_batch: expected rng to be a np\.random\."
                                       r"Generator"),
    (lambda: sm.recall_batch(np.random.default_rng(0), 4, 2, d=2.5), r"expected d an integer"),
    (lambda: sm.recall_layer("Softmax", np.random.default_rng(0)),
     r"recall_layer: expected kind one of \('softmax', 'linear', 'DeltaNet'\) .* got "
     r"'Softmax'\."),                                                          # KeyError
    (lambda: sm.train_recall("delta", 4, 0), r"train_recall: expected kind one of"),
    (lambda: sm.train_recall("linear", 0, 0), r"train_recall: expected N an integer ≥ 1"),
    (lambda: sm.trained_recall(0, kinds="lin"), r"trained_recall: expected kind one of"),
    (lambda: sm.recall_shares(0, Ns=(4, 0)), r"recall_shares: expected each N of Ns an "
                                             r"integer ≥ 1, got 0\."),
    (lambda: sm.recall_shares(0, d=0), r"recall_shares: expected d an integer ≥ 1"),
])
def test_recall_functions_name_their_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_recall_loss_reads_the_query_and_the_layer_trains_through_fit():
    """issue 77: train_recall's layer trains in a Sequential with LastPositionMSE, so fit's
    loop drives it (callbacks); the loss's gradient is the MSE's at the query's reading and
    0 everywhere else, as the hand loop it replaced wrote it."""
    rng = np.random.default_rng(0)
    out, v = rng.normal(size=(5, 3, 9)), rng.normal(size=(5, 4))
    loss = sm.LastPositionMSE(4)
    d = loss.gradient(v, out)
    assert d.shape == out.shape and not d[:, :-1].any() and not d[:, -1, 4:].any()
    np.testing.assert_array_equal(d[:, -1, :4], sm.MSE().grad(v, out[:, -1, :4]))
    assert loss.value(v, out) == sm.MSE()(v, out[:, -1, :4])
    with pytest.raises(ValueError, match=r"expected the values to recall, of shape \(m, 4\)"):
        loss.targets("train_recall", np.zeros((5, 3)), out.shape[1:], np.float64)
    steps = []

    class Count(nb.callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            steps.append(batch)

    layer, lost = sm.train_recall("linear", 4, 0, steps=6, fresh=50, callbacks=[Count()])
    assert steps == list(range(6)) and 0 < lost and isinstance(layer, sm.LinearAttention)
