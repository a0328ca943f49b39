"""Chapter 23, many prompts at once (nnbook/inference/batching.py and generate): ragged
prompts padded on the left give each row the logits of that prompt alone to 1e-12 (RoPE and
learned positions, cached and uncached), rows stop at their own stop token, and the
messages for bad input."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.inference import generate, left_pad

from test_inference_generation import classic, modern


PROMPTS = [[1, 2, 3], [4], [5, 6, 7, 8, 9, 10], [2, 2]]


def test_left_pad_pushes_each_row_to_the_right():
    ids, pad = left_pad([np.array([1, 2]), np.array([3, 4, 5])], pad_id=0)
    assert ids.tolist() == [[0, 1, 2], [3, 4, 5]] and pad.tolist() == [1, 0]


@pytest.mark.parametrize("make", [modern, lambda: classic(max_len=40)])
@pytest.mark.parametrize("use_cache", [True, False])
def test_each_row_equals_its_prompt_alone_over_50_tokens(make, use_cache):
    model = make()
    texts, logits = generate(model, PROMPTS, 30 if make is not modern else 50,
                             rng=np.random.default_rng(0), return_logits=True,
                             use_cache=use_cache)
    for p, text, z in zip(PROMPTS, texts, logits):
        assert text[:len(p)].tolist() == p and len(text) == len(p) + z.shape[0]
        alone = model.forward(text[None, :-1], training=False)[0, len(p) - 1:]
        assert np.allclose(z, alone, rtol=0, atol=1e-12)
        again = generate(model, [text[:-1]], 1, temperature=0, return_logits=True)[1][0]
        assert np.allclose(again, alone[-1:], rtol=0, atol=1e-12)


def test_greedy_rows_equal_greedy_prompts_alone():
    model = modern()
    together = generate(model, PROMPTS, 20, temperature=0)
    for p, row in zip(PROMPTS, together):
        assert np.array_equal(row, generate(model, [p], 20, temperature=0)[0])


def test_rows_stop_at_their_own_stop_token():
    model = modern(V=13)
    full = generate(model, PROMPTS, 40, temperature=0)
    stop = int(full[0][len(PROMPTS[0]) + 3])                # row 0 writes it at step 3
    texts = generate(model, PROMPTS, 40, temperature=0, stop_token=stop)
    for p, row, f in zip(PROMPTS, texts, full):
        new = f[len(p):].tolist()
        n = new.index(stop) + 1 if stop in new else 40
        assert row.tolist() == f[:len(p) + n].tolist()        # nothing after the stop
    assert len(texts[0]) <= len(PROMPTS[0]) + 4            # row 0 stopped early


def test_stop_token_on_an_equal_batch_gives_a_list():
    model = modern()
    ids = np.array([[1, 2], [3, 4]])
    texts = generate(model, ids, 5, temperature=0, stop_token=12)
    assert isinstance(texts, list) and all(t.ndim == 1 for t in texts)


def test_cache_keeps_pad_and_start_cache_checks_it():
    model = modern()
    with pytest.raises(ValueError, match=r"start_cache: expected pad as one count ≥ 0 per "
                                         r"row.*got \[-1, 0\].*pad=\[0, 3\]"):
        nb.inference.start_cache(model, pad=[-1, 0])
    nb.inference.start_cache(model, pad=[0, 2])
    with pytest.raises(ValueError, match=r"started for 2 padded rows, got a batch of 3"):
        model.forward(np.zeros((3, 4), int), training=False)
    nb.inference.clear_cache(model)


@pytest.mark.parametrize("bad, match", [
    (-1, r"generate: expected stop_token as one token id ≥ 0 < 13.*got -1.*end token"),
    (13, r"stop_token.*got 13"), (1.5, r"stop_token.*got 1.5"), (True, r"got True")])
def test_bad_stop_token(bad, match):
    with pytest.raises(ValueError, match=match):
        generate(modern(), [[1], [2, 3]], 3, stop_token=bad)


def test_a_bad_row_among_ragged_prompts_is_named():
    with pytest.raises(ValueError, match=r"token id 99, outside the model's vocabulary"):
        generate(modern(), [[1, 2], [99]], 3)
    with pytest.raises(ValueError, match=r"the prompt is empty"):
        generate(modern(), [[1, 2], []], 3)
