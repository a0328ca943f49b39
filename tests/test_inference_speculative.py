"""Chapter 23, speculative decoding (nnbook/inference/speculative.py): the accept/reject
rule's output distribution equals the target's to 1e-12 by enumeration, sampled tokens
agree with it, greedy speculative ids equal greedy ids, the caches are cut back, the
statistics add up, and the messages."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.inference import (accept_or_resample, generate, next_token_probs,
                              speculative_generate, speculative_probs)

from test_inference_generation import MIXER_KINDS, classic, mixed, modern


@pytest.mark.parametrize("seed", range(5))
def test_the_rule_gives_the_target_by_enumeration(seed):
    rng = np.random.default_rng(seed)
    p, q = rng.dirichlet(np.full(9, 0.5), size=2)
    q[3] = 0.0                                            # a token the draft never proposes
    q /= q.sum()
    assert np.allclose(speculative_probs(p, q), p, rtol=0, atol=1e-12)


def test_sampled_tokens_follow_the_target():
    rng = np.random.default_rng(0)
    p, q = rng.dirichlet(np.ones(6), size=2)
    n, counts = 20_000, np.zeros(6)
    for _ in range(n):
        x = int((np.cumsum(q) <= rng.random()).sum())
        counts[accept_or_resample(p, q, min(x, 5), rng)[0]] += 1
    assert np.all(np.abs(counts / n - p) <= 5 * np.sqrt(p * (1 - p) / n))


@pytest.mark.parametrize("n_draft", [1, 3, 6])
def test_greedy_speculative_ids_equal_greedy(n_draft):
    target, draft = modern(seed=0), modern(seed=1, blocks=1)
    ids = np.array([[1, 2, 3], [4, 5, 6]])
    plain = generate(target, ids, 25, temperature=0)
    fast = generate(target, ids, 25, temperature=0, draft=draft, n_draft=n_draft)
    assert np.array_equal(plain, fast)


@pytest.mark.parametrize("n_draft", [1, 4])
@pytest.mark.parametrize("mixers", MIXER_KINDS, ids="+".join)
def test_greedy_speculative_ids_equal_uncached_for_every_mixer(mixers, n_draft):
    """Issue 82: a state cache (linear attention, DeltaNet) cut back after refused drafts
    kept their writes in its state, and the text changed. The draft (the target, its
    weights moved by 0.003) is kept and refused, so the caches of both are cut back to
    positions inside their last forwards, the draft's over several of them."""
    target, draft = mixed(mixers), mixed(mixers)
    rng = np.random.default_rng(1)
    for layer in draft.layers:
        for p in layer.params.values():
            p += 0.003 * rng.standard_normal(p.shape)
    ids = np.array([[1, 2, 3], [4, 5, 6]])
    plain = generate(target, ids, 16, temperature=0, use_cache=False)
    fast, stats = speculative_generate(target, draft, ids, 16, n_draft=n_draft,
                                       temperature=0)
    assert np.array_equal(plain, fast)
    assert 0 < stats["accepted"] < stats["proposed"]          # drafts kept and refused


def test_a_perfect_draft_is_always_kept():
    target = modern()
    out, stats = speculative_generate(target, target, np.array([[1, 2]]), 20, n_draft=4,
                                      rng=np.random.default_rng(0))
    assert stats["accepted"] == stats["checked"] == stats["proposed"] == 16
    assert stats["target_forwards"] == 4 and np.isclose(stats["expected_accepted"], 16)


def test_statistics_add_up_and_first_token_distribution():
    target, draft = modern(seed=0), modern(seed=1, blocks=1)
    rng, n = np.random.default_rng(2), 1500
    counts = np.zeros(13)
    for _ in range(n):
        out, stats = speculative_generate(target, draft, np.array([[1, 2]]), 2, rng=rng)
        counts[out[0, 2]] += 1
    p = next_token_probs(target.forward(np.array([[1, 2]]), training=False)[0, -1])
    assert np.all(np.abs(counts / n - p) <= 5 * np.sqrt(p * (1 - p) / n) + 1e-9)
    _, stats = speculative_generate(target, draft, [[1, 2], [3]], 30, n_draft=3, rng=rng)
    assert stats["accepted"] <= stats["checked"] <= stats["proposed"]
    assert stats["proposed"] <= 3 * stats["target_forwards"]
    assert stats["draft_forwards"] == stats["proposed"]


def test_learned_positions_and_stop_token():
    target, draft = classic(max_len=30), classic(seed=3, max_len=30)
    plain = generate(target, [[1, 2], [3, 4, 5]], 20, temperature=0, stop_token=4)
    fast = generate(target, [[1, 2], [3, 4, 5]], 20, temperature=0, stop_token=4,
                    draft=draft)
    assert all(np.array_equal(a, b) for a, b in zip(plain, fast))


def test_the_caches_are_cleared_afterwards():
    target, draft = modern(), modern(seed=1)
    generate(target, [[1, 2]], 5, draft=draft, rng=np.random.default_rng(0))
    assert all(getattr(l, "cache", None) is None for l in target.layers + draft.layers)


def test_bad_input():
    target = modern()
    with pytest.raises(ValueError, match=r"speculative_generate: the draft's vocabulary has "
                                         r"11 tokens, the model's 13.*same tokenizer"):
        generate(target, [[1, 2]], 5, draft=classic())
    with pytest.raises(ValueError, match=r"n_draft"):
        generate(target, [[1, 2]], 5, draft=modern(seed=1), n_draft=0)
    with pytest.raises(ValueError, match=r"speculative decoding \(draft=…\) runs with KV "
                                         r"caches.*return_logits=True"):
        generate(target, [[1, 2]], 5, draft=modern(seed=1), return_logits=True)
    windowed = modern(seed=2)
    windowed.layers[1].window = 3
    with pytest.raises(ValueError, match=r"the draft has a sliding window.*window=None"):
        generate(target, [[1, 2]], 5, draft=windowed)
    rnn = nb.Sequential([nb.Embedding(13, 4), nb.RNN(4, 4, return_sequences=True),
                         nb.Dense(4, 13)])
    with pytest.raises(ValueError, match=r"the draft cannot keep a KV cache"):
        generate(target, [[1, 2]], 5, draft=rnn)
    with pytest.raises(ValueError, match=r"speculative_probs: expected p and q.*\(V,\)"):
        speculative_probs(np.ones(3) / 3, np.ones(4) / 4)


def test_the_drafts_own_mistakes_name_the_draft():
    """Issue 50.16: a draft whose position table is too short is refused before any token,
    as the draft's fault (it failed halfway through, never saying "draft"); a draft that
    is not a model (draft="small") is named as the draft, not as the target. The draft
    reads T0 + n_new − 2 positions: a table of exactly that many still works."""
    target = classic(max_len=30)
    with pytest.raises(ValueError, match=r"speculative_generate: the draft reads up to 11 "
                                         r"positions.*max_len = 10.*draft with max_len ≥ 11"):
        generate(target, [[1, 2, 3]], 10, draft=classic(seed=3, max_len=10))
    plain = generate(target, [[1, 2, 3]], 10, temperature=0)
    fast = generate(target, [[1, 2, 3]], 10, temperature=0, draft=classic(seed=3, max_len=11))
    assert np.array_equal(plain, fast)
    with pytest.raises(ValueError, match=r"speculative_generate: expected draft, a smaller "
                                         r"Sequential language model.*got 'small' \(str\)"):
        generate(target, [[1, 2]], 5, draft="small")
