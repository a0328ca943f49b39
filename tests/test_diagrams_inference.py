"""The diagrams of chapter 21: the KV cache filling step by step and the top-p cut on a
sorted distribution, drawn from their numbers, and their errors."""

import numpy as np
import pytest
from figure_helpers import boxes, close_figures, texts  # noqa: F401

import nnbook as nb


@pytest.mark.parametrize("P, n", [(3, 5), (1, 1), (4, 8)])
def test_kv_cache_computes_the_prompt_then_one_position_a_step(P, n):
    ax = nb.diagrams.kv_cache(P, n, n_layers=2, n_kv_heads=3, d_head=4, itemsize=4)
    new, cached = boxes(ax, "new"), boxes(ax, "cached")
    assert len(new) == P + n - 1                     # the prompt at step 0, then one a step
    assert len(cached) == sum(P + s - 1 for s in range(1, n))
    step_rows = [t for t in texts(ax) if t.startswith("step ")]
    assert step_rows == [f"step {s}" for s in range(n)]
    # what the cache holds after each step: 2 · layers · positions · K/V heads · d_head · bytes
    sizes = [t for t in texts(ax) if t.startswith("writes ")]
    assert sizes == [f"writes token {P + s}; cache {2 * 2 * (P + s) * 3 * 4 * 4:,} bytes"
                     for s in range(n)]


def test_kv_cache_refuses_bad_sizes():
    with pytest.raises(ValueError, match="n_prompt to be an integer ≥ 1, got 0"):
        nb.diagrams.kv_cache(0, 3)
    with pytest.raises(ValueError, match="d_head to be an integer ≥ 1"):
        nb.diagrams.kv_cache(2, 3, d_head=2.5)
    with pytest.raises(ValueError, match="do not fit in one picture"):
        nb.diagrams.kv_cache(30, 30)


def test_top_p_cut_keeps_the_smallest_set_reaching_p():
    probs = np.array([0.05, 0.4, 0.25, 0.15, 0.1, 0.05])
    ax = nb.diagrams.top_p_cut(probs, 0.8, list("abcdef"))
    bars = ax.patches
    heights = [b.get_height() for b in bars]
    assert heights == sorted(probs, reverse=True)
    blue = [b for b in bars if b.get_facecolor()[:3] != bars[-1].get_facecolor()[:3]]
    assert len(blue) == 3                             # 0.4 + 0.25 + 0.15 = 0.8 reaches p
    assert [t.get_text() for t in ax.get_xticklabels()] == list("bcdeaf")
    assert ax.get_title() == "top-p = 0.8: keeps 3 of 6 tokens, holding 0.800"
    running = ax.lines[0].get_ydata()
    assert np.allclose(running, np.cumsum(sorted(probs, reverse=True)))


def test_top_p_cut_always_keeps_the_most_probable_token():
    ax = nb.diagrams.top_p_cut([0.7, 0.2, 0.1], 0.05)
    assert ax.get_title().startswith("top-p = 0.05: keeps 1 of 3 tokens, holding 0.700")


def test_top_p_cut_refuses_bad_input():
    with pytest.raises(ValueError, match="top_p must be a number in"):
        nb.diagrams.top_p_cut([0.5, 0.5], 1.5)
    with pytest.raises(ValueError, match="each row summing to 1"):
        nb.diagrams.top_p_cut([0.5, 0.6], 0.9)
    with pytest.raises(ValueError, match="2 labels for 3 probabilities"):
        nb.diagrams.top_p_cut([0.5, 0.3, 0.2], 0.9, ["a", "b"])
    with pytest.raises(ValueError, match="at least 2 probabilities"):
        nb.diagrams.top_p_cut([1.0], 0.9)


# --- the gallery: each diagram of nnbook/diagrams/inference.py as the chapters draw it
# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
GALLERY = {
    "kv_cache": [lambda: nb.diagrams.kv_cache(3, 5, n_layers=2, n_kv_heads=2, d_head=8),
                 lambda: nb.diagrams.kv_cache(12, 20)],
    "top_p_cut": [lambda: nb.diagrams.top_p_cut([0.05, 0.4, 0.25, 0.15, 0.1, 0.05], 0.8),
                  lambda: nb.diagrams.top_p_cut(np.full(20, 0.05), 0.5, list("abcdefghijklmnopqrst"))],
}
