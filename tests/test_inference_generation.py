"""nb.generate (chapter 21): shapes, greedy decoding equal to the arg-max of logits recomputed
on the whole text, the same rng giving the same ids, the logits it returns, inference mode,
every message; the KV cache: the same ids and the logits to 1e-12 over 100 tokens with and
without it, which models can cache, and the cache always cleared afterwards."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.inference import generate


def modern(seed=0, V=13, d=16, dtype=np.float64, blocks=2):
    """A chapter-20 model: RoPE, GQA, RMSNorm, SwiGLU, no biases, tied Unembedding."""
    rng = np.random.default_rng(seed)
    emb = nb.Embedding(V, d, rng=rng, dtype=dtype)
    return nb.Sequential([emb] + [nb.TransformerBlock(d, 4, 24, norm="rmsnorm", ffn="swiglu",
                                                      rope=True, n_kv_heads=2, bias=False,
                                                      rng=rng, dtype=dtype)
                                  for _ in range(blocks)] + [nb.RMSNorm(d, dtype=dtype),
                                                             nb.Unembedding(emb)])


def classic(seed=0, V=11, d=8, max_len=12, dtype=np.float64):
    """A chapter-18 model: learned positions, LayerNorm blocks, Dense output."""
    rng = np.random.default_rng(seed)
    return nb.Sequential([nb.Embedding(V, d, rng=rng, dtype=dtype),
                          nb.PositionalEmbedding(max_len, d, rng=rng, dtype=dtype),
                          nb.TransformerBlock(d, 2, 16, rng=rng, dtype=dtype),
                          nb.LayerNorm(d, dtype=dtype), nb.Dense(d, V, rng=rng, dtype=dtype)])


#: every mixer a TransformerBlock takes, each in both blocks, and two hybrids (chapter 31)
MIXERS = ("softmax", *nb.layers.attention.mixers.MIXERS)
MIXER_KINDS = [(m, m) for m in MIXERS] + [("delta", "softmax"), ("softmax", "linear")]


def mixed(mixers, seed=0, V=13, d=16):
    """A chapter-31 model: chapter 20's blocks with these ``mixers``, tied Unembedding."""
    rng = np.random.default_rng(seed)
    emb = nb.Embedding(V, d, rng=rng)
    return nb.Sequential([emb] + [nb.TransformerBlock.modern(d, 4, mixer=m, rng=rng)
                                  for m in mixers] + [nb.RMSNorm(d), nb.Unembedding(emb)])


def prompt(m=3, T0=4, V=11, seed=1):
    return np.random.default_rng(seed).integers(0, V, (m, T0))


def test_shapes_and_the_prompt_comes_first():
    model, ids = modern(), prompt(V=13)
    out = generate(model, ids, 5, rng=np.random.default_rng(0))
    assert out.shape == (3, 9) and out.dtype == np.int64
    assert np.array_equal(out[:, :4], ids)
    assert out.min() >= 0 and out.max() < 13
    out, logits = generate(model, ids, 5, rng=np.random.default_rng(0), return_logits=True)
    assert logits.shape == (3, 5, 13) and logits.dtype == np.float64
    assert nb.generate is generate and "generate" in nb.__all__ and "generate" in nb.inference.__all__


def test_no_new_tokens_returns_the_prompt():
    ids = prompt()
    out, logits = generate(classic(), ids, 0, return_logits=True)
    assert np.array_equal(out, ids) and out is not ids
    assert logits.shape == (3, 0, 11)
    assert np.array_equal(generate(classic(), ids.tolist(), 0), ids)   # a list of lists


@pytest.mark.parametrize("make", [modern, classic])
@pytest.mark.parametrize("use_cache", [False, True])
def test_greedy_is_the_argmax_of_the_recomputed_logits(make, use_cache):
    model = make()
    V = model.layers[0].vocab_size
    ids = prompt(V=V)
    out, logits = generate(model, ids, 6, temperature=0, return_logits=True,
                           use_cache=use_cache)
    for s in range(6):
        t = 4 + s
        z = model.predict(out[:, :t])[:, -1]                 # the whole text again
        assert np.abs(logits[:, s] - z).max() <= (1e-12 if use_cache else 0)
        assert np.array_equal(out[:, t], np.argmax(z, axis=-1))


def test_the_same_rng_gives_the_same_ids():
    model, ids = modern(), prompt(V=13)
    a = generate(model, ids, 8, temperature=1.3, top_k=5, top_p=0.9, rng=np.random.default_rng(7))
    b = generate(model, ids, 8, temperature=1.3, top_k=5, top_p=0.9, rng=np.random.default_rng(7))
    c = generate(model, ids, 8, temperature=1.3, top_k=5, top_p=0.9, rng=np.random.default_rng(8))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_each_step_is_sample_next_on_the_returned_logits():
    model, ids = modern(), prompt(V=13)
    out, logits = generate(model, ids, 5, temperature=0.8, top_p=0.7,
                           rng=np.random.default_rng(3), return_logits=True)
    rng = np.random.default_rng(3)
    for s in range(5):
        assert np.array_equal(out[:, 4 + s], nb.inference.sample_next(
            logits[:, s], rng, temperature=0.8, top_p=0.7))


def test_runs_in_inference_mode():
    rng = np.random.default_rng(0)
    model = nb.Sequential([nb.Embedding(7, 4, rng=rng), nb.Dropout(0.5, rng=rng),
                           nb.Dense(4, 7, rng=rng)])
    ids = prompt(V=7)
    a = generate(model, ids, 4, temperature=0)
    b = generate(model, ids, 4, temperature=0)
    assert np.array_equal(a, b)
    assert not any(layer.training for layer in model.layers)


def test_a_model_ending_in_softmax_samples_its_own_probabilities():
    rng = np.random.default_rng(0)
    emb, dense = nb.Embedding(7, 4, rng=rng), nb.Dense(4, 7, rng=rng)
    logits_model = nb.Sequential([emb, dense])
    probs_model = nb.Sequential([emb, dense, nb.Softmax()])
    ids = prompt(V=7)
    a = generate(logits_model, ids, 6, rng=np.random.default_rng(2))
    b = generate(probs_model, ids, 6, rng=np.random.default_rng(2))
    assert np.array_equal(a, b)


def test_a_recurrent_model_generates_too():
    rng = np.random.default_rng(0)
    model = nb.Sequential([nb.Embedding(9, 5, rng=rng), nb.LSTM(5, 6, return_sequences=True,
                                                                  rng=rng),
                           nb.Dense(6, 9, rng=rng)])
    out = generate(model, prompt(V=9), 5, temperature=0)
    assert out.shape == (3, 9)
    assert np.array_equal(out[:, 4], np.argmax(model.predict(out[:, :4])[:, -1], axis=-1))


def test_float32_models_give_float32_logits():
    model = modern(dtype=np.float32)
    out, logits = generate(model, prompt(V=13), 3, temperature=0, return_logits=True)
    assert logits.dtype == np.float32


def test_the_position_table_limits_the_length():
    model, ids = classic(max_len=12), prompt(T0=4)
    assert generate(model, ids, 9, temperature=0).shape == (3, 13)   # reads 12 positions
    with pytest.raises(ValueError, match=r"past its position table.*max_len = 12.*larger max_len"):
        generate(model, ids, 10, temperature=0)
    with pytest.raises(ValueError, match="position table"):
        generate(model, prompt(T0=13), 1, temperature=0)
    # RoPE has no table: any length
    assert generate(modern(), prompt(T0=4, V=13), 40, temperature=0).shape == (3, 44)


@pytest.mark.parametrize("ids, match", [
    (np.array([[1.0, 2.0]]), "integer token ids.*astype"),
    (np.array([[True, False]]), "integer token ids"),
    (np.array([1, 2]), r"ids\[None\]"),
    (np.zeros((2, 0), int), "at least one token"),
    (np.array([[1, 11]]), r"token id 11, outside.*\[0, 11\)"),
    (np.array([[-1, 2]]), "token id -1"),
])
def test_bad_prompts(ids, match):
    with pytest.raises(ValueError, match=match):
        generate(classic(), ids, 2, temperature=0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_new=-1), "n_new must be an integer ≥ 0"),
    (dict(n_new=2.0), "n_new must be an integer"),
    (dict(n_new=True), "n_new must be an integer"),
    (dict(temperature=-0.5), "temperature must be a number ≥ 0"),
    (dict(top_k=0), "top_k must be an integer ≥ 1"),
    (dict(top_p=0.0), r"top_p must be a number in \(0, 1\]"),
    (dict(top_p=1.5), "top_p"),
    (dict(rng=3), "rng must be a np.random.Generator"),
    (dict(temperature=0, rng=np.random.RandomState(0)), "rng must be a np.random.Generator"),
])
def test_bad_arguments_name_the_fix(kwargs, match):
    args = dict(n_new=3, rng=np.random.default_rng(0))
    args.update(kwargs)
    n_new = args.pop("n_new")
    with pytest.raises(ValueError, match=match) as info:
        generate(classic(), prompt(), n_new, **args)
    assert str(info.value).startswith("generate:")


def test_rng_none_is_a_fresh_generator_as_everywhere_in_the_library():
    """rng=None means np.random.default_rng(), as for every rng= here: defaults just work."""
    out = generate(classic(), prompt(), 5)
    assert out.shape == (3, 9) and np.array_equal(out[:, :4], prompt())


def test_greedy_needs_no_rng_and_zero_new_tokens_need_none():
    assert generate(classic(), prompt(), 2, temperature=0).shape == (3, 6)
    assert generate(classic(), prompt(), 0).shape == (3, 4)


def test_not_a_language_model():
    with pytest.raises(ValueError, match="expected a Sequential language model"):
        generate(nb.Dense(2, 3), prompt(), 1, temperature=0)
    rng = np.random.default_rng(0)
    many_to_one = nb.Sequential([nb.Embedding(11, 4, rng=rng), nb.LSTM(4, 5, rng=rng),
                                 nb.Dense(5, 11, rng=rng)])
    with pytest.raises(ValueError, match="return_sequences=True"):
        generate(many_to_one, prompt(), 1, temperature=0)


# the KV cache ---------------------------------------------------------------------------------
def caches(model):
    return [l.cache for l in model.layers if getattr(l, "cache", None) is not None]


@pytest.mark.parametrize("make, V", [(modern, 13), (lambda: classic(max_len=110), 11)])
@pytest.mark.parametrize("decoding", [dict(temperature=0), dict(temperature=1.0),
                                      dict(temperature=0.7, top_k=6, top_p=0.9)])
def test_the_cache_gives_the_same_ids_and_logits_over_100_tokens(make, V, decoding):
    model, ids = make(), prompt(T0=5, V=V)
    assert nb.inference.can_cache(model)
    runs = [generate(model, ids, 100, use_cache=c, rng=np.random.default_rng(11),
                     return_logits=True, **decoding) for c in (True, False)]
    (a, la), (b, lb) = runs
    assert np.array_equal(a, b)
    assert np.abs(la - lb).max() <= 1e-12
    assert caches(model) == []


def test_float32_with_and_without_the_cache():
    model = modern(dtype=np.float32)
    (a, la), (b, lb) = [generate(model, prompt(V=13), 20, temperature=0, use_cache=c,
                                 return_logits=True) for c in (True, False)]
    assert la.dtype == np.float32 and np.abs(la - lb).max() < 1e-4


def test_which_models_can_cache():
    rng = np.random.default_rng(0)
    lstm = nb.Sequential([nb.Embedding(9, 5, rng=rng), nb.LSTM(5, 6, return_sequences=True,
                                                                 rng=rng), nb.Dense(6, 9, rng=rng)])
    bigram = nb.Sequential([nb.Embedding(9, 5, rng=rng), nb.Dense(5, 9, rng=rng)])
    open_attention = nb.Sequential([nb.Embedding(9, 4, rng=rng),
                                    nb.MultiHeadAttention(4, 2, rng=rng), nb.Dense(4, 9, rng=rng)])

    class Doubler(nb.Layer):                         # a learner's layer: not marked
        def forward(self, x):
            return 2 * x

    custom = nb.Sequential([nb.Embedding(9, 4, rng=rng), Doubler(), nb.Dense(4, 9, rng=rng)])
    assert nb.inference.can_cache(bigram) and nb.inference.can_cache(modern())
    assert nb.inference.can_cache(classic())
    for model in (lstm, open_attention, custom):
        assert not nb.inference.can_cache(model)
        a = generate(model, prompt(V=9), 5, rng=np.random.default_rng(1))   # silently uncached
        assert np.array_equal(a, generate(model, prompt(V=9), 5, use_cache=False,
                                          rng=np.random.default_rng(1)))
    with pytest.raises(ValueError, match=r"start_cache: the model cannot keep a KV cache: "
                                         r"LSTM.*without one"):
        nb.inference.start_cache(lstm)
    a, la = generate(bigram, prompt(V=9), 5, temperature=0, return_logits=True)
    b, lb = generate(bigram, prompt(V=9), 5, temperature=0, return_logits=True, use_cache=False)
    assert np.array_equal(a, b) and np.abs(la - lb).max() <= 1e-12


def test_the_cache_is_cleared_on_error_too():
    model = modern()
    calls = []
    unembedding = model.layers[-1]
    forward = unembedding.forward

    def failing(x):
        calls.append(x.shape)
        if len(calls) == 3:
            raise ValueError("a failure in the third step")
        return forward(x)

    unembedding.forward = failing
    with pytest.raises(ValueError, match="third step"):
        generate(model, prompt(V=13), 10, temperature=0)
    assert calls[0][1] == 4 and calls[1][1] == 1 and caches(model) == []   # prompt once, then 1
    with pytest.raises(ValueError, match="top_k"):
        generate(model, prompt(V=13), 10, top_k=0)
    assert caches(model) == []


@pytest.mark.parametrize("empty", [[], [[]], np.array([]), np.zeros((0, 3), int), [[], []]])
def test_an_empty_prompt_is_named_as_empty(empty):
    """An empty list is floats to NumPy: the message said "floats" and suggested
    astype(int); the real problem is the missing token."""
    with pytest.raises(ValueError, match=r"generate: the prompt is empty.*at least one "
                                         r"token") as info:
        generate(classic(), empty, 2, temperature=0)
    assert "astype" not in str(info.value) and "floats" not in str(info.value)


@pytest.mark.parametrize("one", [[3, 4, 5], (3, 4, 5), np.array([3, 4, 5])])
def test_one_prompt_without_a_batch_axis_gets_a_fix_that_works_for_it(one):
    """For a list, ``ids[None]`` fails (a list cannot be indexed by None): the message
    names the fix for what was given, and that fix runs."""
    with pytest.raises(ValueError, match=r"one prompt of 3 tokens.*batch of one") as info:
        generate(classic(), one, 2, temperature=0)
    fix = str(info.value).split("batch of one: ")[1].split(".")[0].split(" ")[0]
    names = {"ids": one, "np": np}
    assert generate(classic(), eval(fix.replace("ids", "ids"), names), 2,
                    temperature=0).shape == (1, 5)


def test_prompts_of_different_lengths_run_as_one_batch():
    """Chapter 23: a ragged list of prompts is padded on the left (test_inference_batching)."""
    out = generate(classic(), [[1, 2], [3, 4, 5]], 2, temperature=0)
    assert [len(row) for row in out] == [4, 5]


@pytest.mark.parametrize("use_cache", [True, False])
def test_generate_leaves_the_models_summary_as_it_was(use_cache):
    """The cached steps read one position each: the model's sample shape became (1,) and
    summary() showed (None, 1, V) after generate."""
    model = classic()
    model.predict(prompt(T0=5))
    before = model.output_shapes()
    lines = []
    model.summary(print_fn=lines.append)
    generate(model, prompt(T0=3), 4, temperature=0, use_cache=use_cache)   # reads 6 at last
    assert model.output_shapes() == before and model.sample_shape() == (5,)
    after = []
    model.summary(print_fn=after.append)
    assert after == lines


class Windows:
    """A stand-in language model: fixed logits at every position; records what it read."""

    def __init__(self, logits):
        self.logits, self.seen, self.layers = np.asarray(logits, float), [], []

    def forward(self, ids, training=None):
        self.seen.append(ids.shape[1])
        return np.broadcast_to(self.logits, ids.shape + self.logits.shape[-1:])


def test_context_reads_the_last_tokens_only():
    """``context=k``: each step reads the last k tokens (chapter 18's sliding window), so a
    model with a position table writes past it; without, the text so far."""
    model = Windows(np.zeros(5))
    generate(model, [[1, 2, 3]], 6, context=4, rng=np.random.default_rng(0))
    assert model.seen == [3, 4, 4, 4, 4, 4]
    learned = classic(max_len=6)
    out = generate(learned, prompt(T0=4), 20, context=6, temperature=0)
    by_hand = prompt(T0=4)
    for _ in range(20):
        z = learned.predict(by_hand[:, -6:])[:, -1]
        by_hand = np.concatenate([by_hand, z.argmax(-1)[:, None]], axis=1)
    np.testing.assert_array_equal(out, by_hand)
    with pytest.raises(ValueError, match=r"generate: expected context to be an integer ≥ 1"):
        generate(learned, prompt(), 2, context=0)


def test_a_model_whose_logits_are_nan_is_named():
    with pytest.raises(ValueError, match=r"generate: the model's output is NaN .*after the "
                                         r"prompt and 0 new tokens.*diverged"):
        generate(Windows(np.full(5, np.nan)), [[1, 2]], 3, rng=np.random.default_rng(0))


def test_generating_past_the_training_windows_warns_with_the_fix(tmp_path):
    """Issue 42: past the windows fit trained on, RoPE runs but worse (replacement
    characters for byte tokens), and nothing said so outside chapter 21."""
    import warnings
    rng = np.random.default_rng(0)
    model = nb.Sequential([nb.Embedding(11, 8, rng=rng),
                           nb.TransformerBlock.modern(8, 2, rng=rng),
                           nb.Dense(8, 11, rng=rng)])
    model.compile(optimizer=nb.AdamW(), loss=nb.CrossEntropy(from_logits=True))
    x = rng.integers(0, 11, (4, 6))
    model.fit(x, x, epochs=1, batch_size=4, verbose=0, rng=rng)
    assert model.trained_length == 6
    prompt = x[:1, :3]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nb.generate(model, prompt, 4, rng=rng)                    # reads 6: no warning
        nb.generate(model, prompt, 20, context=6, rng=rng)        # a sliding window
    with pytest.warns(UserWarning, match=r"generate: the model will read 7 positions.*"
                      r"trained on \(model.trained_length\).*context=6.*at most 4 new"):
        nb.generate(model, prompt, 5, rng=rng)
    model.save(tmp_path / "m.npz")
    assert nb.load_model(tmp_path / "m.npz").trained_length == 6


def test_the_mixer_kinds_cover_every_mixer_a_block_takes():
    with pytest.raises(ValueError, match=r"mixer= one of \[(.*)\]") as info:
        nb.TransformerBlock(8, 2, 16, mixer="none of them")
    taken = {s.strip(" '") for s in str(info.value).split("[")[1].split("]")[0].split(",")}
    assert taken == set(MIXERS) == {m for kind in MIXER_KINDS for m in kind}


@pytest.mark.parametrize("mixers", MIXER_KINDS, ids="+".join)
def test_the_cache_gives_the_uncached_ids_for_every_mixer(mixers):
    model, ids = mixed(mixers), prompt(m=2, T0=3, V=13)
    plain = generate(model, ids, 12, temperature=0, use_cache=False)
    assert np.array_equal(generate(model, ids, 12, temperature=0), plain)
    rng = np.random.default_rng
    assert np.array_equal(generate(model, ids, 12, rng=rng(5)),
                          generate(model, ids, 12, rng=rng(5), use_cache=False))


@pytest.mark.parametrize("mixers", MIXER_KINDS, ids="+".join)
def test_ragged_prompts_on_every_mixer_give_each_prompts_own_text(mixers):
    """Issue 82: ragged prompts on a DeltaNet model stopped with an error about a ``pad=``
    nobody passed. A state cannot hide left padding, so such a model writes each prompt
    on its own (as a model without a cache does); softmax blocks still run one batch."""
    model, prompts = mixed(mixers), [[1, 2], [3, 4, 5], [6]]
    ragged = generate(model, prompts, 6, temperature=0)
    alone = [generate(model, [p], 6, temperature=0)[0] for p in prompts]
    assert all(np.array_equal(a, b) for a, b in zip(ragged, alone))
    stopped = generate(model, prompts, 6, temperature=0, stop_token=int(alone[0][2]))
    assert np.array_equal(stopped[0], alone[0][:3])                # its first new token
    assert nb.inference.caches.can_pad(model) == ("linear" not in mixers
                                                   and "delta" not in mixers)
