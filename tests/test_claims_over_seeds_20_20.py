"""Chapter 20's conclusions over seeds, re-run on a seed the notebook and the stored tables do
not use (nnbook/experiments/modern_block.py), in the form of tests/claims.py: the orderings the
chapter says hold on every seed must hold on a new one too, and post-norm's lead, which a fresh
seed broke, is stated as the count the chapter gives. In CI the seed is 27 (27 and 28 were
tried when the tied start changed); `nox -s fresh_seeds` draws new ones."""

from functools import lru_cache

import pytest
from claims import seeds

from nnbook.experiments import modern_block as ch20

# Issue 76 (session 52): every claim here about trained models or sampled runs is a rate over
# a pool that includes the 30 fresh seeds of 2026-11-29 (`python tests/fresh_seeds.py --heavy
# --seeds 30`, commit 79766ba: 219900, 105392300, 121249900, 418744000, 531243100, 573014800,
# 584997000, 741051000, 842783200, 929566100, 959874300, 972831000, 1124537100, 1146760900,
# 1173063400, 1233287500, 1265746600, 1345326700, 1384345200, 1385633600, 1448770000,
# 1467375200, 1519791000, 1523877300, 1678136900, 1909874200, 2017658700, 2041625600,
# 2130162700, 2141360800): a claim stated "every" until then is now k of (30 + its CI fixed
# seeds), a stated (k, n) is (k + the fresh passes, n + 30).


# The seven models these claims compare (ch20.ablation trains only those: the other four
# swaps, which the chapter says fall on both sides of the modern block, are not trained on a
# fresh seed). That every model stays above the window bound is the bound's definition (no
# model that reads 16 characters can do better in expectation; the held-out text's noise is
# far below the 0.1 bits of margin); it is checked here on the seven, and on all eleven on
# the stored seeds by the notebook. It catches a model that reads past its window.
COMPARED = ("modern block", "no norm", "post-norm", "no positions", "untied output",
            "tied, N(0, 1) start", "chapter 18's block")


@lru_cache(maxsize=None)
def ablation_row(seed):
    """The seven variants' held-out bits per character and the bounds on `seed` (both
    claims read one run)."""
    return ch20.ablation(seed, COMPARED)


@pytest.mark.claim(stated=(31, 31), text="ch20: the ablation's orderings (no "
                                         "positions, N(0, 1) start, chapter 18's block worse; "
                                         "each above the window bound); 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(27))
def test_the_ablations_every_seed_orderings_hold(seed):
    row = ablation_row(seed)
    delta = {name: row[name] - row["modern block"] for name in COMPARED}
    assert delta["no positions"] > 0.1
    assert all(delta[name] > 0 for name in ("tied, N(0, 1) start", "chapter 18's block"))
    assert row["chapter 18's block"] > row["untied output"]
    assert all(row[name] > row["best with window"] for name in COMPARED)


# Split from the claim above, stated for every seed until the twelfth fresh run (2026-11-26):
# on seed 621518900 the model without norms was 0.004 bits/char better than the modern
# block (the other orderings held there). The claim is unchanged since before the first
# fresh run, so its pool is the eleven earlier runs' 110 seeds (all held), the twelfth's 9
# of 10, and 20 new seeds drawn for this count (multiples of 100 from 10,200,100 to
# 10,202,000; all 20, with the claim above and post-norm's): 139 of 140.
@pytest.mark.claim(stated=(169, 170), text="ch20: no norm is worse than the modern block "
                                           "(169 of 170 new seeds)")
@pytest.mark.parametrize("seed", seeds(27))
def test_no_norm_is_worse(seed):
    row = ablation_row(seed)
    assert row["no norm"] > row["modern block"]


# post-norm beat pre-norm on all 7 stored seeds and on 96 of 100 new ones: the 30 of the
# three recorded fresh runs (26 of them; worse by 0.007 on 1536028300 and by 0.001 to 0.003
# on 257774200, 817312300 and 1797904100) and 70 more (all), re-run on today's code. Its
# lead over the 100 averages 0.03 bits/char with a spread of about 0.018, so a seed where it
# changes sign is rare but expected: the chapter says so, and this is its own claim
@pytest.mark.claim(stated=(126, 130), text="ch20: post-norm beats pre-norm (126 of 130 new seeds)")
@pytest.mark.parametrize("seed", seeds(27))
def test_post_norm_beats_pre_norm(seed):
    row = ablation_row(seed)
    assert row["post-norm"] < row["modern block"]



# -- the rematch (section 8), heavy: about 23 s a seed beyond the ablation ----------------
# Re-run once on 20 new seeds, the multiples of 100 from 8,100,100 to 8,102,000 (2026-11-26,
# session 37). Over all targets the LSTM won on all 20 with either window (Δ 0.034 to 0.070
# bits/char with 16, 0.022 to 0.067 with 32), and on agreement on all 20 (0.023 to 0.216;
# 0.076 to 0.308). On the closing brackets it was ahead on 18 of 20 with 16 and 18 of 20
# with 32 (−0.275 at worst): the chapter's "on every seed with 32" held on the 7 stored seeds
# only, and now says so. On the final marks: 16 and 15 of 20. The window bound on ")" sat
# more than 1 bit above the grammar on all 20, and was lower with 32 characters than with
# 16 on each. Marked `heavy`: a default `nox -s fresh_seeds` leaves them out to stay within
# its 15 minutes (`-- --heavy` runs them), and CI skips them (tests/conftest.py).
@lru_cache(maxsize=None)
def rematch(seed):
    return {16: ch20.rematch(seed), 32: ch20.rematch_32(seed)}


@pytest.mark.heavy
@pytest.mark.claim(stated=(31, 31), text="ch20: the LSTM wins the rematch over all targets and "
                                         "on agreement, with windows of 16 and of 32; the "
                                         "window bound on ')' far above the grammar, lower "
                                         "with 32; 31 of 31 seeds")
@pytest.mark.parametrize("seed", seeds(27))
def test_the_lstm_wins_the_rematch(seed):
    r = rematch(seed)
    for T in (16, 32):
        assert r[T]["Δ all"] > 0 and r[T]["Δ agreement"] > 0, (T, r[T])
        assert r[T]["window )"] > r[T]["grammar )"] + 1, (T, r[T])
    assert r[32]["window )"] < r[16]["window )"]


@pytest.mark.heavy
@pytest.mark.claim(stated=(44, 50), text="ch20: the LSTM wins the rematch on the closing "
                                         "brackets with windows of 32 (44 of 50 new seeds)")
@pytest.mark.parametrize("seed", seeds(27))
def test_the_lstm_wins_the_closing_brackets_with_32(seed):
    assert rematch(seed)[32]["Δ )"] > 0


@pytest.mark.heavy
@pytest.mark.claim(stated=(45, 50), text="ch20: the LSTM wins the rematch on the closing "
                                         "brackets with windows of 16 (45 of 50 new seeds; "
                                         "4 of 7 stored)")
@pytest.mark.parametrize("seed", seeds(27))
def test_the_lstm_wins_the_closing_brackets_with_16(seed):
    assert rematch(seed)[16]["Δ )"] > 0


@pytest.mark.heavy
@pytest.mark.claim(stated=(39, 50), text="ch20: the LSTM wins the rematch on the final marks "
                                         "with windows of 16 (39 of 50 new seeds)")
@pytest.mark.parametrize("seed", seeds(27))
def test_the_lstm_wins_the_final_marks_with_16(seed):
    assert rematch(seed)[16]["Δ . ! ?"] > 0


@pytest.mark.heavy
@pytest.mark.claim(stated=(39, 50), text="ch20: the LSTM wins the rematch on the final marks "
                                         "with windows of 32 (39 of 50 new seeds)")
@pytest.mark.parametrize("seed", seeds(27))
def test_the_lstm_wins_the_final_marks_with_32(seed):
    assert rematch(seed)[32]["Δ . ! ?"] > 0
