"""``nb.add_lora`` and ``nb.merge_lora`` (chapter 22): adapters on a language model's
attention and feed-forward matrices by name or kind (chapter 18's block and chapter 20's,
grouped key/value heads), everything else frozen and counted so; ``fit`` moves the adapters
only; a LoRA assigned to a block's part trains; merging gives plain blocks with the same
outputs; saving, generating with the cache, ``to_torch`` after merging; every message."""

import numpy as np
import pytest

import nnbook as nb

V, D = 11, 8


def language_model(ffn="swiglu", seed=0, dtype=np.float64):
    """Embedding, a modern block (GQA, RoPE), chapter 18's block, RMSNorm, tied output."""
    rng = np.random.default_rng(seed)
    emb = nb.Embedding(V, D, rng=rng, dtype=dtype)
    return nb.Sequential([
        emb,
        nb.TransformerBlock(D, 2, 12, norm="rmsnorm", ffn=ffn, rope=True, n_kv_heads=1,
                            bias=False, rng=rng, dtype=dtype),
        nb.TransformerBlock(D, 2, 12, ffn=ffn, rng=rng, dtype=dtype),
        nb.RMSNorm(D, dtype=dtype), nb.Unembedding(emb)])


def tokens(seed=1, m=6, T=5):
    rng = np.random.default_rng(seed)
    return rng.integers(0, V, (m, T)), rng.integers(0, V, (m, T))


def test_adapters_by_name_start_as_the_model_and_count_alone(capsys):
    model = language_model()
    x, _ = tokens()
    before = model.predict(x)
    names = nb.add_lora(model, 2, rng=np.random.default_rng(2))    # W_q, W_v: the paper's
    assert names == ["1.attn.W_q", "1.attn.W_v", "2.attn.W_q", "2.attn.W_v"]
    assert np.array_equal(model.predict(x), before)
    # rank 2: W_q (8, 8) → 2·(8 + 8); W_v (8, 4) with one kv head → 2·(8 + 4), else (8, 8)
    assert model.count_params(trainable=True) == (2 * 16 + 2 * 12) + (2 * 16 + 2 * 16) == 120
    assert model.count_params() == model.count_params(trainable=False) + 120
    assert not model.layers[0].trainable and not model.layers[3].trainable
    assert "attn.W_q.A" in model.layers[1].params and "attn.W_q" in model.layers[1].frozen_params
    model.summary()
    out = capsys.readouterr().out
    assert "Trainable params: 120" in out and "LoRA rank 2 on W_q, W_v" in out


@pytest.mark.parametrize("ffn", ["swiglu", "relu"])
def test_fit_moves_the_adapters_and_nothing_else(ffn):
    model = language_model(ffn)
    x, y = tokens()
    nb.add_lora(model, 2, targets=("attention", "feedforward"), alpha=4.0,
                rng=np.random.default_rng(3))
    model.compile(nb.Adam(0.02), nb.CrossEntropy(from_logits=True))
    start = {k: np.array(v) for k, v in model.params.items()}
    loss0 = model.evaluate(x, y)
    model.fit(x, y, epochs=5, batch_size=6, verbose=0)
    moved = {k for k in start if not np.array_equal(start[k], model.params[k])}
    adapters = {k for k in start if k.endswith((".A", ".B")) or k.split(".")[-1][:2] in (
        "A_", "B_")}
    assert moved == adapters and len(adapters) == (28 if ffn == "swiglu" else 24)
    assert model.evaluate(x, y) < loss0


@pytest.mark.parametrize("part", ["ff1", "ff2", "attn"])
def test_a_lora_assigned_to_a_blocks_part_trains(part):
    """``block.ff1 = LoRA(block.ff1, …)`` used to run and never train: the block's params
    did not list the new arrays. The block's params now read its current parts (a view), so
    the adapters are listed at once, before any forward, and are the LoRA's own arrays."""
    rng = np.random.default_rng(4)
    block = nb.TransformerBlock(D, 2, 12, rng=rng)
    W = np.array(block.params["W_1"])
    setattr(block, part, nb.LoRA(getattr(block, part), 2, rng=rng,
                                 targets=("W_q", "W_o") if part == "attn" else None))
    name, key = ("attn.W_q.A", "W_q.A") if part == "attn" else (f"A_{part[-1]}", "A")
    assert block.params[name] is getattr(block, part).params[key]     # listed at once
    model = nb.Sequential([block])
    trained = model.count_params(trainable=True)
    assert trained == (2 * 2 * 16 if part == "attn" else 2 * (8 + 12))
    model.compile(nb.Adam(0.05), "mse")
    model.fit(rng.standard_normal((4, 3, D)), rng.standard_normal((4, 3, D)), epochs=3,
              verbose=0)
    B = [v for k, v in block.params.items() if k.endswith(".B") or k.startswith("B_")]
    assert len(B) == (2 if part == "attn" else 1) and all(np.abs(b).max() > 0 for b in B)
    assert np.array_equal(block.params["W_1"], W)


def test_merge_gives_plain_blocks_with_the_same_outputs():
    model = language_model("relu")
    x, _ = tokens()
    fresh = [list(layer.params) for layer in model.layers]
    nb.add_lora(model, 3, targets=("W_k", "W_o", "W_1", "W_2"), rng=np.random.default_rng(5))
    rng = np.random.default_rng(6)
    for k, p in model.params.items():
        if k.endswith(".B") or k.split(".")[-1].startswith("B_"):
            p[...] = rng.standard_normal(p.shape)
    adapted = model.predict(x)
    names = nb.merge_lora(model)
    assert names == ["1.attn.W_k", "1.attn.W_o", "1.W_1", "1.W_2",
                     "2.attn.W_k", "2.attn.W_o", "2.W_1", "2.W_2"]
    assert [list(layer.params) for layer in model.layers] == fresh
    assert type(model.layers[1].attn) is nb.MultiHeadAttention
    assert type(model.layers[1].ff1) is nb.Dense
    assert np.abs(model.predict(x) - adapted).max() < 1e-12
    assert model.layers[1].frozen_params == ()            # the blocks train all again
    assert not model.layers[0].trainable                   # what add_lora froze stays so
    assert nb.merge_lora(model) == []


def test_saved_and_loaded_with_adapters_and_frozen_layers(tmp_path):
    model = language_model()
    x, y = tokens()
    nb.add_lora(model, 2, targets="feedforward", rng=np.random.default_rng(7))
    model.compile(nb.Adam(0.02), nb.CrossEntropy(from_logits=True))
    model.fit(x, y, epochs=2, verbose=0)
    loaded = nb.load_model(model.save(tmp_path / "lm"))
    assert np.array_equal(loaded.predict(x), model.predict(x))
    assert loaded.count_params(trainable=True) == model.count_params(trainable=True) > 0
    assert isinstance(loaded.layers[2].ffn, nb.LoRA)
    assert loaded.layers[2].get_config()["adapters"] == {
        "ffn": {"rank": 2, "alpha": 2.0, "targets": ["W_1", "W_2", "W_3"]}}
    model.fit(x, y, epochs=1, verbose=0, rng=np.random.default_rng(0))
    loaded.fit(x, y, epochs=1, verbose=0, rng=np.random.default_rng(0))
    assert np.array_equal(loaded.predict(x), model.predict(x))
    nb.merge_lora(model)
    nb.merge_lora(loaded)
    assert [layer.frozen_params for layer in loaded.layers[1:3]] == [(), ()]
    assert loaded.count_params(trainable=True) == model.count_params(trainable=True)


def test_generating_with_the_cache_reads_the_adapters():
    model = language_model()
    nb.add_lora(model, 2, targets="attention", rng=np.random.default_rng(8))
    rng = np.random.default_rng(9)
    for k, p in model.params.items():
        if k.endswith(".B"):
            p[...] = rng.standard_normal(p.shape)
    prompt = tokens()[0][:2, :3]
    cached = nb.generate(model, prompt, 4, temperature=0)
    assert nb.inference.can_cache(model)
    nb.merge_lora(model)
    assert np.array_equal(nb.generate(model, prompt, 4, temperature=0), cached)


def test_dense_layers_and_a_bare_attention_by_kind():
    rng = np.random.default_rng(10)
    mlp = nb.Sequential([nb.Dense(3, 5, rng=rng), nb.ReLU(), nb.Dense(5, 2, rng=rng)])
    assert nb.add_lora(mlp, 1, targets="dense", rng=rng) == ["0.W", "2.W"]
    assert [type(layer).__name__ for layer in mlp.layers] == ["LoRA", "ReLU", "LoRA"]
    assert mlp.count_params(trainable=True) == (3 + 5) + (5 + 2)
    lm = nb.Sequential([nb.Embedding(V, D, rng=rng), nb.MultiHeadAttention(D, 2, causal=True,
                                                                          rng=rng),
                        nb.Dense(D, V, rng=rng)])
    assert nb.add_lora(lm, 2, targets=("W_v",), rng=rng) == ["1.W_v"]
    assert isinstance(lm.layers[1], nb.LoRA) and not lm.layers[2].trainable
    assert nb.merge_lora(lm) == ["1.W_v"] and type(lm.layers[1]) is nb.MultiHeadAttention


def test_float32_adapters_stay_float32():
    model = language_model(dtype=np.float32)
    nb.add_lora(model, 2, targets=("attention", "feedforward"), rng=np.random.default_rng(11))
    assert {p.dtype for p in model.params.values()} == {np.dtype(np.float32)}
    assert model.predict(tokens()[0]).dtype == np.float32


@pytest.mark.parametrize("targets, message", [
    (("W_x",), r"add_lora: expected targets among \['W_q', 'W_k', 'W_v', 'W_o', 'W_1', 'W_2', "
               r"'W_3', 'attention', 'feedforward', 'dense'\], got \('W_x',\)"),
    ((), r"add_lora: expected targets among"),
    ("dense", r"add_lora: no matrix of the model matches targets='dense'; it has layer 1: "
              r"attn\.W_q, attn\.W_k, attn\.W_v, attn\.W_o, W_1, W_2, W_3, layer 2: "),
])
def test_targets_that_match_nothing_are_refused(targets, message):
    with pytest.raises(ValueError, match=message):
        nb.add_lora(language_model(), 2, targets=targets)


def test_twice_and_not_a_model_are_refused():
    model = language_model()
    nb.add_lora(model, 2, rng=np.random.default_rng(12))
    with pytest.raises(ValueError, match=r"add_lora: layer 1 TransformerBlock\(.*already has "
                                         r"LoRA adapters; give every target in one call"):
        nb.add_lora(model, 2, targets="W_k")
    with pytest.raises(ValueError, match=r"add_lora: expected an nnbook Sequential, got list"):
        nb.add_lora([nb.Dense(2, 2)], 2)
    with pytest.raises(ValueError, match=r"merge_lora: expected an nnbook Sequential"):
        nb.merge_lora(nb.Dense(2, 2))


def test_to_torch_refuses_adapters_until_merged():
    torch = pytest.importorskip("torch")
    model = language_model()
    nb.add_lora(model, 2, rng=np.random.default_rng(13))
    with pytest.raises(ValueError, match=r"to_torch: layer 1 .*holds LoRA adapters.*"
                                         r"nb\.merge_lora\(model\), then nb\.to_torch\(model\)"):
        nb.to_torch(model)
    for k, p in model.params.items():
        if k.endswith(".B"):
            p[...] = 0.3
    x = tokens()[0]
    expected = model.predict(x)
    nb.merge_lora(model)
    got = nb.to_torch(model)(torch.tensor(x)).detach().numpy()
    assert np.abs(got - expected).max() < 1e-10


def test_one_target_as_a_string_is_that_one_name():
    """Issue 50.17: add_lora, like quantise(keys=) and LoRA(targets=), takes one name as a
    string: the same adapters as the name in a tuple (not its letters)."""
    one, listed = language_model(), language_model()
    assert (nb.add_lora(one, 2, targets="W_q", rng=np.random.default_rng(1))
            == nb.add_lora(listed, 2, targets=("W_q",), rng=np.random.default_rng(1))
            == ["1.attn.W_q", "2.attn.W_q"])
    assert all(np.array_equal(a, b) for a, b in zip(one.get_weights(), listed.get_weights()))
