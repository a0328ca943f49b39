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

# Issue 76 (session 52): every claim here about trained models or sampled runs is a rate over
# a pool that includes the 30 fresh seeds of 2026-11-29 (`python tests/fresh_seeds.py --heavy
# --seeds 30`, commit 79766ba: 219900, 105392300, 121249900, 418744000, 531243100, 573014800,
# 584997000, 741051000, 842783200, 929566100, 959874300, 972831000, 1124537100, 1146760900,
# 1173063400, 1233287500, 1265746600, 1345326700, 1384345200, 1385633600, 1448770000,
# 1467375200, 1519791000, 1523877300, 1678136900, 1909874200, 2017658700, 2041625600,
# 2130162700, 2141360800): a claim stated "every" until then is now k of (30 + its CI fixed
# seeds), a stated (k, n) is (k + the fresh passes, n + 30).


@lru_cache(maxsize=None)
def row(seed):
    return {**ch19.tokens_and_characters(seed), **ch19.characters_same_bytes(seed),
            **ch19.window_bound(seed)}


@pytest.mark.heavy
@pytest.mark.claim(stated=(31, 31), text="ch19: tokens beat the characters that read as many "
                                         "bytes by > 0.1 bits/byte, which beat the same steps; "
                                         "all above the grammar; reading as many bytes explains "
                                         "more than half of the gain; 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(24))
def test_the_ranking_and_what_reading_explains(seed):
    r = row(seed)
    assert (r["the grammar"] < r["tokens"] < r["characters, same bytes"] - 0.1
            < r["characters"]), r
    gain = r["characters"] - r["tokens"]
    assert (r["characters"] - r["characters, same bytes"]) / gain > 0.5, r


@pytest.mark.heavy
@pytest.mark.claim(stated=(31, 31), text="ch19: the character model that read as many bytes "
                                         "stays above the 32-character window bound; "
                                         "31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(24))
def test_the_characters_stay_above_their_window_bound(seed):
    # a model that reads 32 characters cannot beat the bound in expectation: it catches a
    # model that reads past its window, or a bound computed on other targets
    r = row(seed)
    assert r["best 32-character window"] < r["characters, same bytes"], r


@pytest.mark.heavy
@pytest.mark.claim(stated=(49, 50), text="ch19: the token model stays above the 32-character "
                                         "window bound (49 of 50 new seeds)")
@pytest.mark.parametrize("seed", seeds(24))
def test_the_tokens_stay_above_the_character_window_bound(seed):
    r = row(seed)
    assert r["best 32-character window"] < r["tokens"], r
