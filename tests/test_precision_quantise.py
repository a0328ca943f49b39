"""Chapter 24's quantised weights (nnbook/precision/quantise.py): int8 per output channel
and int4 in groups, with |W − Ŵ| ≤ scale/2 for every entry and the codes in range; a
quantised copy of a language model (Embedding, a modern TransformerBlock, the tied
Unembedding; and an MLP of Dense layers) that predicts and generates from Ŵ, leaves the
float model alone, counts its bytes, refuses to train, and saves and loads exactly; bad
input."""

import os

import numpy as np
import pytest

import nnbook as nb

P = nb.precision


def lm(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    emb = nb.Embedding(11, 16, rng=rng, dtype=dtype)
    block = nb.TransformerBlock(16, 2, 32, norm="rmsnorm", ffn="swiglu", rope=True,
                                bias=False, rng=rng, dtype=dtype)
    return nb.Sequential([emb, block, nb.RMSNorm(16, dtype=dtype), nb.Unembedding(emb)])


def bound_holds(W, codes, scale, axis, g=None):
    g = g or W.shape[axis] // scale.shape[axis]
    full = np.repeat(scale.astype(np.float64), g, axis=axis)
    full = full[:W.shape[0]] if axis == 0 else full[:, :W.shape[1]]
    What = P.dequantise(codes, scale, axis=axis, group_size=g)
    return bool(np.all(np.abs(W - What) <= full / 2)), What


@pytest.mark.parametrize("axis", [0, 1])
def test_int8_per_output_channel(axis):
    W = np.random.default_rng(0).standard_normal((24, 10)) * np.arange(1, 11)
    codes, scale = P.quantise_weights(W, bits=8, axis=axis)
    assert codes.dtype == np.int8 and codes.shape == W.shape
    assert scale.dtype == np.float32
    assert scale.shape == ((1, 10) if axis == 0 else (24, 1))
    amax = np.abs(W).max(axis=axis, keepdims=True)
    assert np.allclose(scale, amax / 127, rtol=1e-7)
    assert np.abs(codes).max() == 127 and codes.min() >= -127
    ok, What = bound_holds(W, codes, scale, axis)
    assert ok
    assert np.abs(W - What).max() > 0                      # something was rounded


def test_int4_in_groups():
    W = np.random.default_rng(1).standard_normal((32, 6))
    codes, scale = P.quantise_weights(W, bits=4, group_size=8)
    assert scale.shape == (4, 6)
    assert codes.min() >= -7 and codes.max() <= 7
    ok, What = bound_holds(W, codes, scale, 0)
    assert ok
    g = W.reshape(4, 8, 6)
    assert np.allclose(scale, np.abs(g).max(axis=1) / 7, rtol=1e-7)
    # groups are closer than one scale for the whole channel
    c1, s1 = P.quantise_weights(W, bits=4)
    assert np.abs(W - P.dequantise(c1, s1)).mean() > np.abs(W - What).mean()


@pytest.mark.parametrize("axis", [0, 1])
def test_a_short_last_group(axis):
    W = np.random.default_rng(4).standard_normal((21, 21))
    codes, scale = P.quantise_weights(W, bits=4, group_size=8, axis=axis)
    assert scale.shape == ((3, 21) if axis == 0 else (21, 3))
    ok, What = bound_holds(W, codes, scale, axis, g=8)
    assert ok
    last = np.moveaxis(W, axis, 0)[16:]                    # the last group: 5 inputs
    assert np.allclose(np.moveaxis(scale, axis, 0)[2], np.abs(last).max(axis=0) / 7,
                       rtol=1e-7)


def test_rounding_by_hand():
    W = np.array([[1.27], [0.5], [-0.004], [0.0051], [-1.0]])
    codes, scale = P.quantise_weights(W, bits=8)
    assert scale[0, 0] == np.float32(0.01)
    assert codes[:, 0].tolist() == [127, 50, 0, 1, -100]   # -0.4 → 0, 0.51 → 1


def test_a_zero_channel():
    W = np.zeros((4, 2))
    W[:, 1] = [1.0, -2.0, 0.5, 0.0]
    codes, scale = P.quantise_weights(W, bits=4, group_size=2)
    assert np.all(codes[:, 0] == 0) and np.all(scale[:, 0] == 0)
    assert bound_holds(W, codes, scale, 0)[0]


@pytest.mark.parametrize("bits,group", [(8, None), (4, 8)])
def test_quantised_language_model(bits, group, tmp_path):
    model = lm()
    before = {k: p.copy() for k, p in model.params.items()}
    q = P.quantise(model, bits=bits, group_size=group)
    assert isinstance(q, P.QuantisedModel) and isinstance(q, nb.Sequential)
    for k, p in model.params.items():                     # the float model is untouched
        assert np.array_equal(p, before[k])
    assert sorted(q.codes) == ["0.W", "1.W_1", "1.W_2", "1.W_3", "1.attn.W_k",
                               "1.attn.W_o", "1.attn.W_q", "1.attn.W_v"]
    assert q.scales["0.W"].shape[0] == 11                  # the embedding: a scale per token
    for k in q.codes:
        axis = q.axes[k]
        ok, What = bound_holds(before[k], q.codes[k], q.scales[k], axis, g=group)
        assert ok
        assert np.array_equal(q.params[k], What)            # the model computes with Ŵ
    assert np.array_equal(q.params["1.ln1.gamma"], before["1.ln1.gamma"])
    assert q.layers[-1].embedding is q.layers[0]            # still tied
    ids = np.random.default_rng(2).integers(0, 11, (3, 6))
    z, zq = model.predict(ids), q.predict(ids)
    err = np.abs(z - zq).max() / np.abs(z).max()            # int8 close, int4 coarser
    assert zq.shape == z.shape and 0 < err < {8: 0.05, 4: 0.5}[bits]
    out = nb.generate(q, ids, 5, temperature=0)
    assert out.shape == (3, 11)
    # bytes: codes (one per entry, or half), a float32 scale per group, the rest as is
    n_q = sum(c.size for c in q.codes.values())
    n_s = sum(s.size for s in q.scales.values())
    rest = sum(p.size for k, p in model.params.items() if k not in q.codes)
    assert q.nbytes == n_q * bits // 8 + 4 * n_s + 8 * rest
    assert q.nbytes < P.nbytes_as(model, "bfloat16") < P.nbytes_as(model, "float64")
    assert P.nbytes_as(model, "float64") == 8 * model.count_params()
    path = q.save(tmp_path / "q")
    assert path.endswith(".npz")
    back = P.load_quantised(path)
    assert isinstance(back, P.QuantisedModel) and back.bits == bits
    assert back.group_size == group
    for k in q.codes:
        assert np.array_equal(back.codes[k], q.codes[k])
        assert np.array_equal(back.scales[k], q.scales[k])
    assert np.array_equal(back.predict(ids), zq)
    assert back.nbytes == q.nbytes
    with np.load(path) as data:                           # int4: two codes to a byte
        stored = data["quantised/1.W_1.codes"]
        assert stored.nbytes == q.codes["1.W_1"].size * bits // 8
        assert "1.W_1" not in data.files                  # no float copy of Ŵ
    assert os.path.getsize(path) < os.path.getsize(model.save(tmp_path / "f"))


def test_quantised_mlp_float32_and_chosen_keys():
    rng = np.random.default_rng(3)
    model = nb.Sequential([nb.Dense(8, 16, rng=rng, dtype=np.float32), nb.ReLU(),
                           nb.Dense(16, 3, rng=rng, dtype=np.float32)])
    q = P.quantise(model, bits=8, keys=["2.W"])
    assert list(q.codes) == ["2.W"] and q.params["0.W"].dtype == np.float32
    assert np.array_equal(q.params["0.W"], model.params["0.W"])
    x = rng.standard_normal((5, 8))
    assert np.abs(q.predict(x) - model.predict(x)).max() < 0.1


def test_a_quantised_model_does_not_train():
    q = P.quantise(lm(), bits=8)
    ids = np.zeros((2, 4), dtype=int)
    q.compile(loss=nb.CrossEntropy(from_logits=True))
    for call in (lambda: q.fit(ids, ids), lambda: q.train_step(ids, ids),
                 lambda: q.compute_gradients(ids, ids)):
        with pytest.raises(ValueError, match=r"QuantisedModel: a quantised model predicts "
                                             r"and generates; it does not train"):
            call()


def test_bad_input(tmp_path):
    W = np.ones((6, 4))
    with pytest.raises(ValueError, match=r"quantise_weights: expected bits to be 8 or 4"):
        P.quantise_weights(W, bits=3)
    with pytest.raises(ValueError, match=r"quantise_weights: expected group_size to be an "
                                         r"integer ≥ 1"):
        P.quantise_weights(W, bits=4, group_size=0)
    with pytest.raises(ValueError, match=r"quantise_weights: expected a 2-D weight matrix"):
        P.quantise_weights(np.ones(3))
    with pytest.raises(ValueError, match=r"quantise_weights: expected axis 0 or 1"):
        P.quantise_weights(W, axis=2)
    with pytest.raises(ValueError, match=r"quantise_weights: expected finite weights"):
        P.quantise_weights(np.full((2, 2), np.nan))
    with pytest.raises(ValueError, match=r"dequantise: codes of shape \(6, 4\) and scale "
                                         r"of shape \(1, 3\)"):
        P.dequantise(np.ones((6, 4), np.int8), np.ones((1, 3), np.float32))
    with pytest.raises(ValueError, match=r"dequantise: codes of shape \(6, 4\) and scale "
                                         r"of shape \(4, 4\) do not fit along axis 0 "
                                         r"\(group_size=None\)"):
        P.dequantise(np.ones((6, 4), np.int8), np.ones((4, 4), np.float32))
    with pytest.raises(ValueError, match=r"dequantise: .* \(group_size=4\)"):
        P.dequantise(np.ones((6, 4), np.int8), np.ones((3, 4), np.float32), group_size=4)
    with pytest.raises(ValueError, match=r"quantise: expected a Sequential"):
        P.quantise(nb.Dense(2, 2), bits=8)
    with pytest.raises(ValueError, match=r"quantise: no parameter '9.W' in the model; "
                                         r"its 2-D weights are"):
        P.quantise(lm(), keys=["9.W"])
    with pytest.raises(ValueError, match=r"quantise: expected group_size to be an integer"):
        P.quantise(lm(), bits=4, group_size=2.5)
    with pytest.raises(ValueError, match=r"nbytes_as: unknown format 'int8'"):
        P.nbytes_as(lm(), "int8")
    float_file = lm().save(tmp_path / "float")
    with pytest.raises(ValueError, match=r"load_quantised: .* holds no quantised weights.*"
                                         r"nb.load_model"):
        P.load_quantised(float_file)


def test_set_weights_refused_and_a_changed_matrix_not_saved(tmp_path):
    """Issue 50.2: set_weights would change predictions while save wrote the old codes.
    Catches accepting new weights (the file would give back another model)."""
    q = P.quantise(lm(), 8)
    with pytest.raises(ValueError, match=r"QuantisedModel.set_weights: .*quantise it again"):
        q.set_weights(q.get_weights())
    q.params["1.attn.W_q"][0, 0] += 1.0                       # an edit in place
    with pytest.raises(ValueError, match=r"QuantisedModel.save: the matrix '1.attn.W_q' is "
                                         r"no longer its int8 codes"):
        q.save(tmp_path / "q.npz")
    assert not os.path.exists(tmp_path / "q.npz")


def test_keys_as_one_string_is_one_name():
    """Issue 50.17: keys="0.W" is the one name (add_lora takes one target as a string too).
    Catches iterating the string ("no parameter '0'")."""
    model = lm()
    one, listed = P.quantise(model, 8, keys="0.W"), P.quantise(model, 8, keys=["0.W"])
    assert list(one.codes) == ["0.W"]
    assert np.array_equal(one.codes["0.W"], listed.codes["0.W"])
    with pytest.raises(ValueError, match=r"quantise: no parameter '0.V' in the model"):
        P.quantise(model, 8, keys="0.V")


def test_load_model_on_a_quantised_file_points_to_load_quantised(tmp_path):
    """Issue 50.18: nb.load_model on QuantisedModel.save's file names the right loader
    (it said the file was damaged)."""
    path = P.quantise(lm(), 4, group_size=8).save(tmp_path / "q4")
    with pytest.raises(ValueError, match=r"holds a quantised model .*"
                                         r"nb\.precision\.load_quantised\(path\)"):
        nb.load_model(path)
