"""Chapter 24's explorable of attention's memory: the numbers each version holds, counted
by hand and against tracemalloc's peak for the plain version, the causal tiles computed,
the figure and the errors."""

import tracemalloc

import numpy as np
import pytest
from figure_helpers import close_figures  # noqa: F401

import nnbook as nb


def test_the_numbers_by_hand():
    n = nb.explore.tile_memory_numbers(256, 64, d=16)
    assert n["plain"] == 256 * 256 + 256 * 16
    assert n["tiled"] == 256 * 16 + 256 + 2 * 64 * 64 + 64 * 16 + 2 * 64
    assert (n["computed"], n["tiles"]) == (10, 16)
    assert nb.explore.tile_memory_numbers(10, 64)["tiles"] == 1      # one tile of 10


def test_the_plain_count_is_what_numpy_holds():
    q, k, v = np.random.default_rng(0).standard_normal((3, 512, 16))
    tracemalloc.start()
    nb.attention(q, k, v, causal=True)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    held = 8 * nb.explore.tile_memory_numbers(512, 64, d=16)["plain"]
    assert held <= peak < 3 * held                      # the weights, a mask, temporaries


def test_the_figure_and_its_title():
    fig = nb.explore.tile_memory_figure(1024, 64)
    ax = fig.axes[0]
    n = nb.explore.tile_memory_numbers(1024, 64)
    assert ax.get_title().endswith(f"{n['plain'] / n['tiled']:.0f}× less")
    assert len(ax.lines) == 3


def test_bad_input():
    with pytest.raises(ValueError, match="tile_memory: expected tile to be an integer ≥ 1"):
        nb.explore.tile_memory_numbers(64, 0)
    with pytest.raises(ValueError, match="tile_memory: expected T to be an integer"):
        nb.explore.tile_memory_figure(64.5, 8)
