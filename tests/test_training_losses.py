"""Tests of nnbook/training/losses.py: values and gradients on tiny hand examples,
clipping, integer labels, from_logits, and the shape rules."""

import math

import numpy as np
import pytest

import nnbook as nb
from nnbook.training.losses import get_loss


# MSE ---------------------------------------------------------------------------------------
def test_mse_by_hand():
    yt, yp = np.array([[1.0], [2.0]]), np.array([[1.5], [1.0]])
    assert nb.MSE()(yt, yp) == pytest.approx((0.25 + 1.0) / 2)
    # 2 (ŷ − y) / n
    np.testing.assert_allclose(nb.MSE().grad(yt, yp), [[0.5], [-1.0]])


def test_mse_averages_over_all_elements():
    yt = np.zeros((2, 3))
    yp = np.arange(6.0).reshape(2, 3)
    assert nb.MSE()(yt, yp) == pytest.approx(sum(v * v for v in range(6)) / 6)
    np.testing.assert_allclose(nb.MSE().grad(yt, yp), 2 * yp / 6)


def test_loss_returns_python_float_and_grad_has_pred_shape():
    for loss, yt, yp in [(nb.MSE(), np.ones((3, 2)), np.zeros((3, 2))),
                         (nb.BinaryCrossEntropy(), np.ones((3, 1)), np.full((3, 1), 0.3)),
                         (nb.CrossEntropy(), np.array([0, 1, 1]), np.full((3, 2), 0.5))]:
        value = loss(yt, yp)
        assert type(value) is float
        assert loss.grad(yt, yp).shape == yp.shape


def test_grad_does_not_modify_inputs():
    yt, yp = np.array([[0.0, 1.0]]), np.array([[0.4, 0.6]])
    before = yt.copy(), yp.copy()
    for loss in (nb.MSE(), nb.BinaryCrossEntropy(), nb.CrossEntropy()):
        loss.grad(yt, yp)
        loss(yt, yp)
    np.testing.assert_array_equal(yt, before[0])
    np.testing.assert_array_equal(yp, before[1])


# BinaryCrossEntropy ----------------------------------------------------------------------------
def test_bce_by_hand():
    yt, yp = np.array([1.0, 0.0]), np.array([0.8, 0.4])
    expected = -(math.log(0.8) + math.log(0.6)) / 2
    assert nb.BinaryCrossEntropy()(yt, yp) == pytest.approx(expected, rel=1e-12)
    # (ŷ − y) / (ŷ (1 − ŷ) n)
    np.testing.assert_allclose(nb.BinaryCrossEntropy().grad(yt, yp),
                               [-0.2 / (0.16 * 2), 0.4 / (0.24 * 2)], rtol=1e-12)


def test_bce_clips_a_confident_wrong_answer():
    bce = nb.BinaryCrossEntropy()
    assert bce(np.array([1.0]), np.array([0.0])) == pytest.approx(16.118, abs=1e-3)  # −log 1e-7
    assert bce(np.array([0.0]), np.array([1.0])) == pytest.approx(16.118, abs=1e-3)
    g = bce.grad(np.array([1.0, 0.0]), np.array([0.0, 1.0]))
    assert np.all(np.isfinite(g))
    np.testing.assert_array_equal(g, [0.0, 0.0])          # the clip is flat there
    assert bce(np.array([1.0]), np.array([1.0])) == pytest.approx(0.0, abs=1e-6)


def test_bce_from_logits_matches_bce_of_sigmoid():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((5, 2)) * 3
    y = (rng.random((5, 2)) > 0.5).astype(float)
    assert nb.BinaryCrossEntropy(from_logits=True)(y, z) == pytest.approx(
        nb.BinaryCrossEntropy()(y, nb.sigmoid(z)), rel=1e-10)
    np.testing.assert_allclose(nb.BinaryCrossEntropy(from_logits=True).grad(y, z),
                               (nb.sigmoid(z) - y) / z.size, rtol=1e-12)


def test_bce_from_logits_is_exact_for_huge_logits():
    # no clipping: a logit of −1000 for a positive sample costs 1000
    assert nb.BinaryCrossEntropy(from_logits=True)(np.array([1.0]), np.array([-1000.0])) \
        == pytest.approx(1000.0)


# CrossEntropy --------------------------------------------------------------------------------
Y_ONEHOT = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
Y_LABELS = np.array([1, 0])
P = np.array([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]])


def test_crossentropy_by_hand():
    expected = -(math.log(0.7) + math.log(0.5)) / 2
    assert nb.CrossEntropy()(Y_ONEHOT, P) == pytest.approx(expected, rel=1e-12)
    # −y / (ŷ m)
    np.testing.assert_allclose(nb.CrossEntropy().grad(Y_ONEHOT, P),
                               [[0.0, -1 / 1.4, 0.0], [-1.0, 0.0, 0.0]], rtol=1e-12)


def test_crossentropy_labels_and_onehot_agree():
    ce = nb.CrossEntropy()
    assert ce(Y_LABELS, P) == ce(Y_ONEHOT, P)
    np.testing.assert_array_equal(ce.grad(Y_LABELS, P), ce.grad(Y_ONEHOT, P))
    assert ce(Y_LABELS.astype(float), P) == ce(Y_ONEHOT, P)   # 1.0 is a label too
    assert ce(list(Y_LABELS), P.tolist()) == ce(Y_ONEHOT, P)


@pytest.mark.parametrize("labels, bad", [([1, 3], 3), ([-1, 0], -1)])
def test_crossentropy_label_outside_range(labels, bad):
    with pytest.raises(ValueError, match=rf"CrossEntropy: label {bad} is outside \[0, 3\)"):
        nb.CrossEntropy()(np.array(labels), P)


def test_crossentropy_label_errors():
    with pytest.raises(ValueError, match=r"CrossEntropy: expected integer class labels, got 0.5.*non-integer"):
        nb.CrossEntropy()(np.array([0.5, 1.0]), P)
    with pytest.raises(ValueError, match=r"got 3 labels for 2 predictions"):
        nb.CrossEntropy()(np.array([0, 1, 2]), P)
    with pytest.raises(ValueError, match=r"y has shape \(2, 4\) but the predictions have shape \(2, 3\)"):
        nb.CrossEntropy()(np.ones((2, 4)) / 4, P)
    with pytest.raises(ValueError, match=r"expected y_pred of shape \(m, k\).*got \(3,\)"):
        nb.CrossEntropy()(np.array([0, 1, 0]), np.array([0.2, 0.5, 0.3]))


def test_crossentropy_clips_zero_probability():
    value = nb.CrossEntropy()(np.array([0]), np.array([[0.0, 1.0]]))
    assert value == pytest.approx(16.118, abs=1e-3)
    np.testing.assert_array_equal(nb.CrossEntropy().grad(np.array([0]), np.array([[0.0, 1.0]])),
                                  [[0.0, 0.0]])


def test_crossentropy_from_logits():
    rng = np.random.default_rng(1)
    z = rng.standard_normal((4, 3)) * 4
    labels = np.array([0, 2, 1, 2])
    ce_logits = nb.CrossEntropy(from_logits=True)
    assert ce_logits(labels, z) == pytest.approx(nb.CrossEntropy()(labels, nb.softmax(z)), rel=1e-10)
    onehot = np.eye(3)[labels]
    np.testing.assert_allclose(ce_logits.grad(labels, z), (nb.softmax(z) - onehot) / 4, rtol=1e-12)
    # huge logits stay finite
    assert math.isfinite(ce_logits(np.array([0]), np.array([[-1000.0, 1000.0]])))


def test_crossentropy_empty_raises():
    with pytest.raises(ValueError, match=r"CrossEntropy: got empty arrays"):
        nb.CrossEntropy()(np.zeros(0, dtype=int), np.zeros((0, 3)))


# shape rules -------------------------------------------------------------------------------------
@pytest.mark.parametrize("loss", [nb.MSE(), nb.BinaryCrossEntropy()])
def test_losses_never_broadcast(loss):
    name = type(loss).__name__
    m_col, m_flat = np.full((4, 1), 0.5), np.full(4, 0.5)
    with pytest.raises(ValueError, match=rf"{name}: y_true has shape \(4,\) but y_pred has shape "
                                         rf"\(4, 1\).*y_true.reshape\(-1, 1\)"):
        loss(m_flat, m_col)
    with pytest.raises(ValueError, match=r"y_pred.reshape\(-1, 1\)"):
        loss.grad(m_col, m_flat)
    with pytest.raises(ValueError, match=r"expected the same shape"):
        loss(np.zeros((4, 2)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match=rf"{name}: got empty arrays"):
        loss(np.zeros((0, 1)), np.zeros((0, 1)))
    with pytest.raises(ValueError, match=rf"{name}: expected numbers in y_true"):
        loss(np.array(["a"] * 4), m_flat)


def test_get_loss_names_and_repr():
    assert isinstance(get_loss("mse"), nb.MSE)
    assert isinstance(get_loss("mean_squared_error"), nb.MSE)
    assert isinstance(get_loss("binary_crossentropy"), nb.BinaryCrossEntropy)
    assert isinstance(get_loss("crossentropy"), nb.CrossEntropy)
    assert isinstance(get_loss("categorical_crossentropy"), nb.CrossEntropy)
    ce = nb.CrossEntropy(from_logits=True)
    assert get_loss(ce) is ce
    assert repr(ce) == "CrossEntropy(from_logits=True)"
    assert repr(nb.BinaryCrossEntropy()) == "BinaryCrossEntropy()"
    with pytest.raises(ValueError, match=r"unknown loss 'hinge'"):
        get_loss("hinge")


def test_crossentropy_labels_as_a_column_like_keras():
    ce = nb.CrossEntropy()
    assert ce(Y_LABELS.reshape(-1, 1), P) == ce(Y_LABELS, P)


@pytest.mark.parametrize("loss, yt, yp, match", [
    (nb.CrossEntropy(), [[0.5, 0.6]], [[0.5, 0.5]], r"targets must be distributions.*row 0"),
    (nb.CrossEntropy(), [[1.5, -0.5]], [[0.5, 0.5]], r"targets must be distributions"),
    (nb.BinaryCrossEntropy(), [[2.0]], [[0.5]], r"targets must lie in \[0, 1\].*got 2\. "),
    (nb.BinaryCrossEntropy(), [[1.0]], [[1.7]], r"expects probabilities.*Sigmoid\(\).*from_logits=True"),
    (nb.CrossEntropy(), [[1.0, 0.0]], [[2.0, -1.0]], r"expects probabilities.*Softmax\(\).*from_logits=True"),
    (nb.CrossEntropy(), [[1.0, 0.0]], [[0.9, 0.9]], r"row sums to 1.8.*Softmax\(\).*from_logits"),
])
def test_loss_refuses_targets_and_predictions_of_the_wrong_kind(loss, yt, yp, match):
    with pytest.raises(ValueError, match=match):
        loss(np.array(yt), np.array(yp))


def test_from_logits_takes_any_scores():
    assert nb.CrossEntropy(from_logits=True)(np.array([[1.0, 0.0]]), np.array([[2.0, -1.0]])) > 0
    assert nb.BinaryCrossEntropy(from_logits=True)(np.array([[1.0]]), np.array([[1.7]])) > 0


def test_huge_float_label_is_shown_as_given():
    with pytest.raises(ValueError, match=r"label 1e\+20 is outside \[0, 2\)|1e\+20"):
        nb.CrossEntropy()(np.array([1e20, 0.0]), P)


def test_fuses_with_is_an_activation_class():
    assert nb.CrossEntropy().fuses(nb.Softmax()) and nb.BinaryCrossEntropy().fuses(nb.Sigmoid())
    assert not nb.CrossEntropy(from_logits=True).fuses(nb.Softmax())
    assert not nb.MSE().fuses(nb.Sigmoid())


# where the losses live, and what a subclass inherits ------------------------------------------
def test_losses_module_keeps_every_public_name():
    import nnbook.training.losses as losses
    from nnbook.registry import registered
    for name in ("Loss", "MSE", "BinaryCrossEntropy", "CrossEntropy"):
        assert getattr(losses, name) is getattr(nb, name)
    assert losses.get_loss is get_loss and sorted(losses.__all__) == sorted(
        ["Loss", "MSE", "BinaryCrossEntropy", "CrossEntropy", "get_loss"])
    for cls in (nb.MSE, nb.BinaryCrossEntropy, nb.CrossEntropy):
        assert registered()[cls.__name__] is cls          # saved models find them by name
    assert isinstance(get_loss("sparse_categorical_crossentropy"), nb.CrossEntropy)


def test_a_crossentropy_subclass_names_itself():
    class Tokens(nb.CrossEntropy):
        """What Part III's sequence loss over (m, T, V) can build on."""

    assert repr(Tokens()) == "Tokens()" and repr(Tokens(from_logits=True)) == "Tokens(from_logits=True)"
    assert repr(nb.CrossEntropy()) == "CrossEntropy()"
    assert repr(nb.CrossEntropy(from_logits=True)) == "CrossEntropy(from_logits=True)"


@pytest.mark.parametrize("loss, config", [
    (nb.MSE(), {}),
    (nb.BinaryCrossEntropy(), {"from_logits": False}),
    (nb.BinaryCrossEntropy(from_logits=True), {"from_logits": True}),
    (nb.CrossEntropy(), {"from_logits": False, "ignore_index": None}),
    (nb.CrossEntropy(from_logits=True, ignore_index=-100),
     {"from_logits": True, "ignore_index": -100}),
])
def test_every_loss_gives_its_constructor_arguments(loss, config):
    """``get_config`` (as a layer's and an optimizer's): what rebuilds the loss."""
    assert loss.get_config() == config
    again = type(loss)(**loss.get_config())
    assert repr(again) == repr(loss) and again.get_config() == config
