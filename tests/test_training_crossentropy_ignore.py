"""``CrossEntropy(ignore_index=...)`` (chapter 22): ignored positions add nothing to the loss
or its gradient and the mean is over the others; hand-computed values, finite differences,
the fused path in a model, saving, and every message. PyTorch's parity is in
tests/test_torch_parity_posttraining.py."""

import numpy as np
import pytest

import nnbook as nb

LOGITS = np.array([[[1.0, 2.0, 0.0], [0.5, 0.5, 0.5]],
                   [[3.0, 0.0, 1.0], [0.0, -1.0, 2.0]]])      # (m=2, T=2, V=3)
TARGETS = np.array([[1, -100], [0, 2]])


def test_ignored_positions_leave_the_mean_over_the_rest_by_hand():
    lsm = LOGITS - np.log(np.exp(LOGITS).sum(-1, keepdims=True))
    expected = -(lsm[0, 0, 1] + lsm[1, 0, 0] + lsm[1, 1, 2]) / 3
    loss = nb.CrossEntropy(from_logits=True, ignore_index=-100)
    assert loss(TARGETS, LOGITS) == pytest.approx(expected, abs=1e-14)
    probs = np.exp(lsm)
    assert nb.CrossEntropy(ignore_index=-100)(TARGETS, probs) == pytest.approx(expected, abs=1e-12)


def test_an_ignored_position_gets_zero_gradient_and_others_divide_by_the_kept_count():
    loss = nb.CrossEntropy(from_logits=True, ignore_index=-100)
    g = loss.grad(TARGETS, LOGITS)
    assert np.array_equal(g[0, 1], np.zeros(3))
    p = nb.softmax(LOGITS)
    assert np.allclose(g[1, 1], (p[1, 1] - np.eye(3)[2]) / 3, atol=1e-15)


@pytest.mark.parametrize("from_logits", [True, False])
def test_gradient_matches_finite_differences(from_logits):
    rng = np.random.default_rng(0)
    z = rng.standard_normal((3, 4, 5))
    y = rng.integers(0, 5, (3, 4))
    y[0, :2] = 7
    y[2, 3] = 7
    loss = nb.CrossEntropy(from_logits=from_logits, ignore_index=7)
    x = z if from_logits else nb.softmax(z)
    num = nb.numerical_gradient(lambda v: loss(y, v), x.copy())
    assert nb.relative_error(loss.grad(y, x), num) < 1e-7
    assert np.array_equal(loss.grad(y, x)[0, :2], np.zeros((2, 5)))


def test_the_ignored_label_may_be_a_real_class():
    z = np.array([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y = np.array([0, 1, 1])
    full = nb.CrossEntropy(from_logits=True)
    skip = nb.CrossEntropy(from_logits=True, ignore_index=1)
    assert skip(y, z) == pytest.approx(full(y[:1], z[:1]), abs=1e-15)


def test_every_target_ignored_gives_zero_loss_and_zero_gradient():
    loss = nb.CrossEntropy(from_logits=True, ignore_index=-1)
    y = -np.ones((2, 2), dtype=int)
    assert loss(y, LOGITS) == 0.0
    assert np.array_equal(loss.grad(y, LOGITS), np.zeros_like(LOGITS))


def test_fused_softmax_path_in_a_model_skips_ignored_rows():
    rng = np.random.default_rng(1)
    model = nb.Sequential([nb.Dense(3, 4, rng=rng), nb.Softmax()])
    x = rng.standard_normal((6, 3))
    y = np.array([0, 3, -100, 1, -100, 2])
    loss = nb.CrossEntropy(ignore_index=-100)
    model.compile("sgd", loss)
    model.compute_gradients(x, loss.targets("test", y, (4,), np.float64))
    assert loss.fuses(model.layers[-1])
    fused = np.array(model.layers[0].grads["W"])
    keep = y != -100
    plain = nb.CrossEntropy()
    model.compile("sgd", plain)
    model.compute_gradients(x[keep], plain.targets("test", y[keep], (4,), np.float64))
    assert np.allclose(fused, model.layers[0].grads["W"], atol=1e-14)


def test_fit_with_ignored_targets_never_moves_on_them():
    rng = np.random.default_rng(2)
    emb = nb.Embedding(5, 4, rng=rng)
    model = nb.Sequential([emb, nb.Dense(4, 5, rng=rng)])
    model.compile(nb.SGD(0.1), nb.CrossEntropy(from_logits=True, ignore_index=-100))
    ids = np.array([[0, 1, 2], [1, 2, 3]])
    y = np.full((2, 3), -100)
    before = model.get_weights()
    model.fit(ids, y, epochs=1, batch_size=2, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_ignore_index_is_saved_and_loaded(tmp_path):
    model = nb.Sequential([nb.Dense(2, 3)])
    model.compile("sgd", nb.CrossEntropy(from_logits=True, ignore_index=-100))
    loaded = nb.load_model(model.save(tmp_path / "m"))
    assert loaded.loss.ignore_index == -100 and loaded.loss.from_logits
    assert repr(loaded.loss) == "CrossEntropy(from_logits=True, ignore_index=-100)"


@pytest.mark.parametrize("bad", [1.5, "pad", True, [0]])
def test_a_non_integer_ignore_index_is_refused_naming_the_fix(bad):
    with pytest.raises(ValueError, match=r"CrossEntropy: ignore_index must be an integer.*"
                                         r"ignore_index=-100"):
        nb.CrossEntropy(ignore_index=bad)


def test_without_ignore_index_an_out_of_range_label_is_still_refused():
    with pytest.raises(ValueError):
        nb.CrossEntropy(from_logits=True)(np.array([[0, -100]]), LOGITS[:1])


def test_accuracy_leaves_ignored_positions_out():
    from nnbook.training.loop import accuracy_of
    loss = nb.CrossEntropy(from_logits=True, ignore_index=-100)
    out = np.array([[[2.0, 0.0], [0.0, 2.0], [2.0, 0.0]]])         # predicts 0, 1, 0
    yt = loss.targets("test", np.array([[0, 0, -100]]), (3, 2), np.float64)
    assert accuracy_of(yt, out, True) == 0.5                       # 1 of the 2 kept
    yt_all = loss.targets("test", np.array([[-100, -100, -100]]), (3, 2), np.float64)
    assert np.isnan(accuracy_of(yt_all, out, True))


def _ignoring_model(rng, metrics=None):
    model = nb.Sequential([nb.Embedding(5, 4, rng=rng), nb.Dense(4, 5, rng=rng)])
    model.compile(nb.SGD(0.1), nb.CrossEntropy(from_logits=True, ignore_index=-100),
                  metrics=metrics)
    return model


# one sample keeps 1 position, the other 3, the third none: batches of rows weigh differently
IDS = np.array([[0, 1, 2], [1, 2, 3], [4, 0, 1]])
KEPT = np.array([[2, -100, -100], [2, 3, 4], [-100, -100, -100]])


def test_evaluate_averages_over_kept_positions_whatever_the_batch_size():
    """The mean over the data's kept positions, not a mean of batch means weighted by
    rows: an issue-40 probe scored the same data 2.016 with batch_size=2, 1.008 with 1."""
    model = _ignoring_model(np.random.default_rng(3), metrics=["accuracy"])
    out = model.predict(IDS)
    whole = model.loss(KEPT, out)                           # one mean over the 4 kept
    hits = out.argmax(-1) == KEPT
    for batch_size in (1, 2, 3):
        loss, acc = model.evaluate(IDS, KEPT, batch_size=batch_size)
        assert loss == pytest.approx(whole, abs=1e-12), batch_size
        assert acc == pytest.approx(hits[KEPT != -100].mean(), abs=1e-12), batch_size


def test_fit_history_and_val_loss_average_over_kept_positions_and_skip_empty_batches():
    """With every layer frozen the weights stay put, so each epoch's training loss is the
    loss of the data: the same at every batch size, and no NaN from the batch whose
    targets are all ignored (its accuracy is undefined, it adds nothing)."""
    model = _ignoring_model(np.random.default_rng(4), metrics=["accuracy"])
    model.trainable = False
    expected = model.evaluate(IDS, KEPT)
    for batch_size in (1, 2, 3):
        hist = model.fit(IDS, KEPT, epochs=1, batch_size=batch_size, shuffle=False,
                         validation_data=(IDS, KEPT), verbose=0).history
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            assert np.isfinite(hist[key][0]), (batch_size, key)
        assert [hist["loss"][0], hist["accuracy"][0]] == pytest.approx(expected, abs=1e-12)
        assert [hist["val_loss"][0], hist["val_accuracy"][0]] == pytest.approx(expected,
                                                                               abs=1e-12)
