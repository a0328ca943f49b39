"""nb.interpret's sparse autoencoder (nnbook/interpret/sae.py)."""

import numpy as np
import pytest

import nnbook as nb

from nnbook.interpret import (SparseCode, UnitNormDecoder, feature_activity, residuals,
                              sparse_autoencoder)


def _data(n=400, d=8, rng=None):
    """Sparse sums of 16 unit directions: what an SAE should find."""
    rng = np.random.default_rng(0) if rng is None else rng
    D = rng.normal(size=(16, d))
    D /= np.linalg.norm(D, axis=1, keepdims=True)
    return (rng.random((n, 16)) < 0.15) * rng.random((n, 16)) @ D


def _train(callbacks, kind="relu", k=None, epochs=15):
    h = _data()
    sae = sparse_autoencoder(8, 32, kind=kind, k=k, l1=1e-3, rng=np.random.default_rng(1))
    sae.compile("adam", "mse")
    before = sae.evaluate(h, h)
    cbs = [UnitNormDecoder(sae.layers[-1])] if callbacks else []
    hist = sae.fit(h, h, epochs=epochs, batch_size=32, verbose=0,
                   rng=np.random.default_rng(2), callbacks=cbs)
    return sae, h, before, hist.history["loss"]


def test_the_decoder_rows_stay_at_unit_norm_and_reconstruction_improves():
    sae, h, before, losses = _train(callbacks=True)
    norms = np.linalg.norm(sae.layers[-1].params["W"], axis=1)
    assert np.allclose(norms, 1.0, atol=1e-12)
    assert losses[-1] < 0.5 * before                      # an untrained SAE reconstructs badly


def test_without_the_callback_the_rows_drift():
    """The check above catches a renormalisation dropped: Adam's steps move the norms."""
    sae, *_ = _train(callbacks=False)
    assert np.abs(np.linalg.norm(sae.layers[-1].params["W"], axis=1) - 1).max() > 1e-3


def test_the_l1_penalty_enters_the_gradient():
    z = np.array([[1.0, -2.0, 3.0], [0.5, 0.5, -1.0]])
    code = SparseCode(l1=0.4)
    f = code.forward(z)
    assert np.array_equal(f, np.maximum(z, 0))
    assert code.l1_penalty == pytest.approx(0.4 * (4.0 + 1.0) / 2)
    dz = code.backward(np.ones_like(z))
    assert np.allclose(dz, (z > 0) * (1 + 0.4 / 2))       # ∂(λ·mean Σ|f|)/∂z = λ/rows where f > 0


def test_topk_keeps_exactly_k_active():
    sae, h, before, losses = _train(callbacks=True, kind="topk", k=3, epochs=5)
    codes = residuals(sae, h, 1)
    assert (np.count_nonzero(codes, axis=1) <= 3).all()
    z = np.random.default_rng(3).normal(size=(50, 10)) + 5.0          # all positive
    active = np.count_nonzero(SparseCode("topk", k=4).forward(z), axis=1)
    assert (active == 4).all()
    assert losses[-1] < before


def test_a_saved_sae_loads_with_the_same_code(tmp_path):
    import nnbook as nb
    sae = sparse_autoencoder(4, 8, kind="topk", k=2, l1=0.01, rng=np.random.default_rng(0))
    sae.save(tmp_path / "sae.npz")
    back = nb.load_model(tmp_path / "sae.npz")
    x = np.random.default_rng(1).normal(size=(5, 4))
    assert np.array_equal(back.predict(x), sae.predict(x))
    assert (back.layers[1].kind, back.layers[1].k, back.layers[1].l1) == ("topk", 2, 0.01)


def test_dead_and_dense_features_are_counted_exactly():
    codes = np.zeros((10, 5))
    codes[:, 0] = 1.0                      # dense: active on every row
    codes[:2, 1] = 0.3                     # active on 2 of 10: dense above 0.1
    codes[0, 2] = 2.0                      # active once: neither
    act = feature_activity(codes, dense_above=0.15)   # features 3 and 4 never fire
    assert (act.dead, act.dense) == (2, 2)
    assert np.array_equal(act.rate, [1.0, 0.2, 0.1, 0.0, 0.0])


def test_misuse_is_named():
    with pytest.raises(ValueError, match="SparseCode: got kind='gelu'"):
        SparseCode("gelu")
    with pytest.raises(ValueError, match="expected k .* with 'topk' only"):
        SparseCode("topk")
    with pytest.raises(ValueError, match="SparseCode: k=9 is more than the 4 features"):
        SparseCode("topk", k=9).forward(np.ones((2, 4)))
    with pytest.raises(ValueError, match="feature_activity: got codes of shape"):
        feature_activity(np.ones(4))
    with pytest.raises(ValueError, match="UnitNormDecoder: got"):
        UnitNormDecoder(SparseCode())


def test_feature_auc_counts_ties_a_half():
    """Against the pairs counted by hand: wins 1, ties a half; a dead feature 0.5; a
    feature equal to the label 1; its negation 0."""
    rng = np.random.default_rng(3)
    y = (rng.random(50) < 0.3).astype(int)
    y[:2] = (0, 1)
    f = np.column_stack([np.maximum(rng.standard_normal(50) + y, 0), np.zeros(50), y, -y])
    pos, neg = f[y == 1, 0], f[y == 0, 0]
    by_hand = ((pos[:, None] > neg).sum() + 0.5 * (pos[:, None] == neg).sum()) / (
        len(pos) * len(neg))
    auc = nb.interpret.feature_auc(f, y)
    assert abs(auc[0] - by_hand) < 1e-12
    assert auc[1] == 0.5 and auc[2] == 1.0 and auc[3] == 0.0
    with pytest.raises(ValueError, match="both present"):
        nb.interpret.feature_auc(f, np.zeros(50, dtype=int))
