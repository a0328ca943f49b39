"""The conclusions chapters 15-18 draw over seeds, re-run on seeds the notebooks and their
stored tables do not use, in the form of tests/claims.py: each test asserts one conclusion
on one seed and states how often the chapter says it holds ("every", or (k, n) where a re-run
on new models found exceptions). In CI the seed is fixed (31; 32 too until 2026-12-01);
`nox -s fresh_seeds` runs them on seeds nobody chose and compares the rates.

Chapter 15's comparisons and chapter 16's draws at initialisation run in the notebooks
themselves: their cells are executed here with ``SEEDS`` replaced by the new seeds, so
the notebooks' own checks are the ones that run. Chapters 16-18's trained comparisons
come from ``nnbook/experiments`` (the functions behind the stored tables). Part III's
table of four networks (chapter 18): its ordering (the LSTM and the GRU ahead of the
RNN, the transformer last) adds the three recurrent networks, about 20 s a seed, to the
transformer's run, so that claim is marked `heavy` (tests/conftest.py): a default
`nox -s fresh_seeds` leaves it out, `--heavy` runs it, and CI skips it. Its count is in
the comment above it; tests/test_experiments.py re-runs the stored table's first seed.
"""

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from claims import seeds

from nnbook.experiments import long_recall, bigram_vs_attention, sequence_models

# Issue 76 (session 51): every claim here about trained models or sampled runs is a rate over
# a pool that includes the 30 fresh seeds of 2026-11-29 (`python tests/fresh_seeds.py --heavy
# --seeds 30`, commit 79766ba: 219900, 105392300, 121249900, 418744000, 531243100, 573014800,
# 584997000, 741051000, 842783200, 929566100, 959874300, 972831000, 1124537100, 1146760900,
# 1173063400, 1233287500, 1265746600, 1345326700, 1384345200, 1385633600, 1448770000,
# 1467375200, 1519791000, 1523877300, 1678136900, 1909874200, 2017658700, 2041625600,
# 2130162700, 2141360800): a claim stated "every" until then is now k of (30 + its CI fixed
# seeds), a stated (k, n) is (k + the fresh passes, n + 30).

FIXED = (31,)  # used by no notebook and no stored table of chapters 15-18
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
CHANCE = 0.25  # recall of one of 4 symbols


def run_cells(notebook, markers, replace=()):
    """Execute the notebook's first code cell and then, in order, every code cell that
    contains one of ``markers``, each source with the ``replace`` pairs applied; return the
    namespace. A marker that matches no cell is an error, so a renamed cell is noticed."""
    cells = [c for c in json.loads((NOTEBOOKS / notebook).read_text())["cells"]
             if c["cell_type"] == "code"]
    sources = ["".join(c["source"]) for c in cells]
    for marker in markers:
        assert any(marker in s for s in sources), f"{notebook}: no cell with {marker!r}"
    chosen = [sources[0]] + [s for s in sources[1:] if any(m in s for m in markers)]
    namespace = {}
    for source in chosen:
        for old, new in replace:
            source = source.replace(old, new)
        exec(compile(source, notebook, "exec"), namespace)
    return namespace


# Stated for every seed until the audit of session 39: over 162 new seeds (the tenth to
# thirteenth fresh runs, two of a timing run, multiples of 100 from 10,501,000 to 10,512,900)
# it held on 161; on seed 10505000 the unclipped run never exploded (its loss fell from 0.56
# to 0.14, as a clipped run's does).
@pytest.mark.claim(stated=(191, 192), text="ch15: unclipped runs pass 1000 and end > 10x "
                                           "predicting 0, clipped ones converge; the RNN's wave "
                                           "and digit checks (191 of 192 new seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_chapter_15_clipping_waves_and_digits_hold(seed, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    ns = run_cells(
        "15_recurrent_networks.ipynb",
        ["digits_split()", "def exploding_run", "# Check: on every seed, without clipping",
         "def wave_run", "# Check: on every seed the RNN's one-step-ahead",
         "def digits_run", "# Check: above the stated bar"],
        replace=[("SEEDS = range(5)", f"SEEDS = ({seed},)"),
                 ("default_rng(15)", f"default_rng({seed})")],
    )
    # the notebook's own checks ran on the tables of this seed
    for table in ("explosions", "wave_table", "digit_table"):
        assert ns[table].seeds == (seed,)


@pytest.mark.claim(stated=(32, 32), text="ch16: at initialisation the LSTM's gradient over 50 "
                                         "steps is > 1000 times the RNN's; 32 of 32 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_chapter_16_gradient_at_initialisation_holds(seed):
    ns = run_cells("16_gated_cells.ipynb", ["def fresh_ratios"],
                   replace=[("seeds=range(5)", f"seeds=({seed},)"),
                            ("default_rng(16)", f"default_rng({seed})"),
                            ("def fresh_ratios", "T_grad = 50\n\n\ndef fresh_ratios")])
    table = ns["init_table"]
    assert table.seeds == (seed,)
    assert table.every(lambda run: run["LSTM / RNN"] > 1e3)


@lru_cache(maxsize=None)
def recall(seed):
    return long_recall.recall_run(seed, epochs=5)


@pytest.mark.claim(stated=(39, 40), text="ch16: the plain RNN stays below 0.6 on the recall task "
                                         "within 5 epochs (39 of 40 new seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_chapter_16_rnn_stays_below_0_6(seed):
    # the stored twenty seeds: at most 0.524; fresh seed 640438300 (2026-11-25): 1.0 after
    # 5 epochs, while its LSTM stayed at chance
    run = recall(seed)
    assert max(run[f"RNN, epoch {e}"] for e in range(1, 6)) < 0.6


@pytest.mark.claim(stated=(32, 32), text="ch16: a learned LSTM's cuts bring it back to "
                                         "chance; 32 of 32 seeds")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_chapter_16_cuts_bring_a_learned_lstm_to_chance(seed):
    # when the LSTM learned the task, cutting either route of its memory brings it back
    # to chance, and the direct path alone carries almost nothing across 99 steps
    run = recall(seed)
    if run["LSTM, epoch 5"] >= 0.9:
        assert run["LSTM with W_h = 0"] <= CHANCE + 0.1
        assert run["LSTM with forget bias -30"] <= CHANCE + 0.1
        assert run["LSTM, largest product of f"] < 1e-2


@lru_cache(maxsize=None)
def attention(seed):
    return bigram_vs_attention.attention_run(seed)


EVEN_SHARE = np.mean([3 / (t + 1) for t in range(8, bigram_vs_attention.T)])  # last three, evenly


# Stated for every seed until the thirteenth fresh run (2026-11-27): on seed 2055483700 the
# network's rows differed from the counts' by 0.114, past the 0.1 asserted. On 200 new seeds
# (multiples of 100 from 10,300,100 to 10,320,000) the claim held on 200; with the 100 below
# and the thirteenth run's 9 of 10: 309 of 310 (the other fresh runs' seeds not counted).
@pytest.mark.claim(stated=(339, 340), text="ch17: the bigram network matches the counts; "
                                           "attention beats it by 0.3, is below it from the "
                                           "third pass on, and its most local head puts over "
                                           "half its weight on the last three (339 of 340 new "
                                           "seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_chapter_17_bigram_and_attention_hold(seed):
    # 100 new seeds (the 30 of the three recorded fresh runs, 100100-101000 by 100 and 60
    # more): the network within 0.009 of the counts, rows within 0.09; attention ahead by
    # 0.55 or more, ahead from the third pass by 0.048 or more; the most local head at 0.66
    # or more
    run = attention(seed)
    assert abs(run["bigram network"] - run["bigram counts"]) < 0.02
    assert run["network rows − counts"] < 0.1
    assert run["attention"] < run["bigram network"] - 0.3
    assert run["attention, pass 3"] < run["bigram network"]
    assert run["last three, most"] > 0.5


@pytest.mark.claim(stated=(127, 130), text="ch17: the attention model's held-out loss falls at "
                                           "every pass (127 of 130 new seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_chapter_17_attention_falls_at_every_pass(seed):
    # all ten stored seeds; on 2 of 100 new ones the last pass rose (by 0.001 and 0.006)
    assert attention(seed)["fell every pass"] == 1


@pytest.mark.claim(stated=(124, 130), text="ch17: even the least local head puts over twice an "
                                           "even spread's share on the last three (124 of 130 "
                                           "new seeds)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_chapter_17_every_head_looks_at_the_last_three(seed):
    # all ten stored seeds (0.46 at least); fresh seed 131503900 (2026-11-26): 0.23, one
    # head looking 9.9 characters back on average, against twice the even share's 0.17
    assert attention(seed)["last three, least"] > 2 * EVEN_SHARE


# -- chapter 18: one transformer per seed, several claims (cached: each costs ~20 s) -----
# The stated rates of the sampling claims pool seventy new models: seeds 7001-7010 (../shared/
# reviews/seeds-00-22-check.md), the first, tenth and eleventh fresh runs' ten each
# (benchmarks/results.md), and thirty drawn after the eleventh run, which found "τ = 1.5
# accepted least" on all ten, outside the interval of 13 of 20 (multiples of 100 from
# 10,100,100 to 10,103,000). Per claim below: the first twenty, then the three tens and thirty.
@lru_cache(maxsize=None)
def transformer(seed):
    return sequence_models.floors_run(seed), sequence_models.transformer_run(seed)


# Split from the claim below, stated for every seed until the tenth fresh run (2026-11-26):
# on seed 1091430600 the held-out loss rose at one epoch (the rest of the claim held there).
# The test is unchanged since the first fresh run, so its pool is seeds 7001-7010 and the
# nine earlier fresh runs' 90 (all held), the tenth's 9 of 10, and 20 new models drawn for
# this count (multiples of 100 from 10,000,100 to 10,002,000; all 20, and the claim below
# on all 20 too): 129 of 130; the eleventh run's ten and the thirty above all held it (and
# the claim below): 169 of 170. Chapter 18 says it of its five stored seeds only.
@pytest.mark.claim(stated=(199, 200), text="ch18: the transformer's held-out loss falls at "
                                           "every epoch (199 of 200 new models)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_chapter_18_transformer_losses_fall_every_epoch(seed):
    assert transformer(seed)[1]["fell every epoch"] == 1


@pytest.mark.claim(stated=(200, 200), text="ch18: the transformer beats the bigram by 0.6, ends "
                                           "between the window bound and grammar + 0.25; closing "
                                           "marks carry > 3x their share (200 of 200 new models: "
                                           "the 170 above and the pool's 30)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_chapter_18_transformer_losses(seed):
    floors, run = transformer(seed)
    assert run["held-out"] < floors["bigram"] - 0.6
    assert floors["window bound, t ≥ 16"] < run["t ≥ 16"] < floors["grammar, t ≥ 16"] + 0.25
    assert run["held-out"] > run["training windows, end"]
    assert run["closing marks: share of excess"] > 3 * run["closing marks: share of targets"]


# Stated for every seed until the ninth fresh run: on seed 1786161700 the grammar followed
# the transformer's τ = 0.5 samples 4.98 times as far as the bigram's (0.183 against
# 0.037). On 20 new models (multiples of 100 from 9,200,100 to 9,202,000) the claim held on
# all 20 (7.7 times at least, no bigram sentence accepted); with the 40 seeds of the fifth
# to eighth runs, 60 of 61. The tenth and eleventh runs and the thirty above: all 50, so
# 110 of 111.
@pytest.mark.claim(stated=(140, 141), text="ch18: the grammar follows the transformer's samples "
                                           "> 5x as far as the bigram's, and accepts no bigram "
                                           "sentence (140 of 141 new models)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_chapter_18_samples_against_the_bigram(seed):
    floors, run = transformer(seed)
    followed = [run[f"followed at τ = {tau}"] for tau in (0.5, 1.0, 1.5)]
    assert min(followed) > 5 * floors["bigram samples followed"]
    assert floors["bigram samples accepted"] == 0


# 16 of 20; 9 + 10 + 22 of the other 50: 57 of 70 (until 2026-11-27 this read
# "1 + 9 + 10 + 22", a stray term: the groups are the tenth run, the eleventh and the
# thirty, as below; re-run 2026-11-27: the tenth run's seeds 9 of 10, the thirty 22 of
# 30, and the eleventh's 10 follows from "accepted least" holding on all ten)
@pytest.mark.claim(stated=(79, 100), text="ch18: some sentences accepted at τ = 0.5 and τ = 1 "
                                          "(79 of 100 new models)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_chapter_18_some_accepted_at_tau_up_to_1(seed):
    _, run = transformer(seed)
    assert min(run["accepted at τ = 0.5"], run["accepted at τ = 1.0"]) > 0


# 19 of 20; 9 + 10 + 29 of the other 50: 67 of 70
@pytest.mark.claim(stated=(95, 100), text="ch18: τ = 1.5 is followed less far than τ = 1 "
                                          "(95 of 100 new models)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_chapter_18_tau_1_5_followed_less_far(seed):
    _, run = transformer(seed)
    assert run["followed at τ = 1.5"] < run["followed at τ = 1.0"]


# 13 of 20; 8 + 10 + 20 of the other 50: 51 of 70
@pytest.mark.claim(stated=(72, 100), text="ch18: τ = 1.5 is accepted least (72 of 100 new "
                                          "models)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_chapter_18_tau_1_5_accepted_least(seed):
    _, run = transformer(seed)
    assert run["accepted at τ = 1.5"] < min(run["accepted at τ = 0.5"],
                                            run["accepted at τ = 1.0"])


# 19 of 20; all 50 others: 69 of 70
@pytest.mark.claim(stated=(98, 100), text="ch18: after the clause, the forbidden share at τ = 1 "
                                          "is below one half (98 of 100 new models)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_chapter_18_forbidden_share_below_half(seed):
    _, run = transformer(seed)
    assert run["forbidden at τ = 1.0"] < 0.5


# 15 of 20; 8 + 9 + 25 of the other 50: 57 of 70
@pytest.mark.claim(stated=(79, 100), text="ch18: a lower temperature moves probability onto the "
                                          "allowed characters (79 of 100 new models)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_chapter_18_forbidden_share_ordered_by_temperature(seed):
    _, run = transformer(seed)
    forbidden = [run[f"forbidden at τ = {tau}"] for tau in (0.5, 1.0, 2.0)]
    assert forbidden[0] < forbidden[1] < forbidden[2]


# 17 of 20; 7 + 10 + 28 of the other 50: 62 of 70
@pytest.mark.claim(stated=(88, 100), text="ch18: P(s) after the clause is below one half "
                                          "(88 of 100 new models)")
@pytest.mark.parametrize("seed", seeds(*FIXED))
def test_chapter_18_p_s_after_the_clause_below_half(seed):
    _, run = transformer(seed)
    assert run["P(s) after the clause"] < 0.5


# -- Part III's table: the four networks on one budget (heavy: ~40 s of CPU a seed) --
# Held on the five stored seeds, on 7001-7005 (the review, re-run once at 2eeca69), on
# all ten of a heavy fresh run on 2026-11-27 (multiples of 100 from 10,740,000 to
# 10,740,900; 3.5 min of CPU per process for five seeds) and on the fixed seed 31.
@pytest.mark.heavy
# Issue 76: stated for every seed until a 10-seed fresh run found one where it failed
# (1026811799). Its pool now: those 16 (7001-7005, the ten, FIXED[0]), the 30 of 2026-11-29
# (all held) and that run's 10 (9 held): 55 of 56 new seeds, 50 of them nobody chose.
@pytest.mark.claim(stated=(55, 56), text="ch18: on one budget the LSTM and the GRU each "
                                         "beat the plain RNN on t ≥ 16, and the "
                                         "transformer is last of the four (55 of 56 new "
                                         "seeds)")
@pytest.mark.parametrize("seed", seeds(FIXED[0]))
def test_chapter_18_part3_gated_cells_beat_the_rnn_and_the_transformer_is_last(seed):
    # the mistake caught: a gate or a recurrent backward gone wrong, which leaves the
    # LSTM or the GRU no better than the plain RNN
    late = {"RNN": sequence_models.rnn_run(seed)["t ≥ 16"],
            "LSTM": sequence_models.lstm_run(seed)["t ≥ 16"],
            "GRU": sequence_models.gru_run(seed)["t ≥ 16"],
            "transformer": transformer(seed)[1]["t ≥ 16"]}
    assert max(late["LSTM"], late["GRU"]) < late["RNN"], late
    assert late["transformer"] > max(late["RNN"], late["LSTM"], late["GRU"]), late
