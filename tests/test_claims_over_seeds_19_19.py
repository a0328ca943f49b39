"""Chapter 19's conclusions over seeds (tests/claims.py), re-run with a seed the notebook and
the stored tables (nnbook/experiments/tokens_vs_characters.py, seeds 19–23) do not use: the token
model beats the character model that read as many bytes, which beats the one trained for
the same steps; reading as many bytes gives the characters most of the tokens' gain; every
model stays above the grammar and the character model above its 32-character window bound.
One seed trains three models and computes the window bound (about 40 s), so these claims are
marked `heavy` (tests/conftest.py): a default `nox -s fresh_seeds` leaves them out, `--heavy`
runs them, and CI skips them.

The stated rates come from 20 new seeds, the multiples of 100 from 8,200,100 to 8,202,000,
drawn once on 2026-11-26 (session 37): the ranking, the window bound below the character
model and "more than half of the gain" held on all 20 (the tokens' gain 0.56 to 0.75 bits
per byte; the share that reading as many bytes explains 73 % to 79 %; what is left 0.149 to
0.173; the character model 0.165 to 0.190 above the bound). The token model stayed above
the 32-character bound on 19 of the 20, by up to 0.026; on the other it was 0.008 below:
its windows hold about 137 bytes, so the bound is not its floor, and the chapter states it
as a count."""

from functools import lru_cache

import pytest
from claims import seeds

from nnbook.experiments import tokens_vs_characters as ch19


@lru_cache(maxsize=None)
def row(seed):
    return {**ch19.tokens_and_characters(seed), **ch19.characters_same_bytes(seed),
            **ch19.window_bound(seed)}


@pytest.mark.heavy
@pytest.mark.claim(stated="every", text="ch19: tokens beat the characters that read as many "
                                        "bytes by > 0.1 bits/byte, which beat the same steps; "
                                        "all above the grammar; reading as many bytes explains "
                                        "more than half of the gain")
@pytest.mark.parametrize("seed", seeds(24))
def test_the_ranking_and_what_reading_explains(seed):
    r = row(seed)
    assert (r["the grammar"] < r["tokens"] < r["characters, same bytes"] - 0.1
            < r["characters"]), r
    gain = r["characters"] - r["tokens"]
    assert (r["characters"] - r["characters, same bytes"]) / gain > 0.5, r


@pytest.mark.heavy
@pytest.mark.claim(stated="every", text="ch19: the character model that read as many bytes "
                                        "stays above the 32-character window bound")
@pytest.mark.parametrize("seed", seeds(24))
def test_the_characters_stay_above_their_window_bound(seed):
    # a model that reads 32 characters cannot beat the bound in expectation: it catches a
    # model that reads past its window, or a bound computed on other targets
    r = row(seed)
    assert r["best 32-character window"] < r["characters, same bytes"], r


@pytest.mark.heavy
@pytest.mark.claim(stated=(19, 20), text="ch19: the token model stays above the 32-character "
                                         "window bound (19 of 20 new seeds)")
@pytest.mark.parametrize("seed", seeds(24))
def test_the_tokens_stay_above_the_character_window_bound(seed):
    r = row(seed)
    assert r["best 32-character window"] < r["tokens"], r
