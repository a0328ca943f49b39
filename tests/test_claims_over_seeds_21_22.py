"""Chapters 21 and 22's conclusions over seeds, re-run with seeds the notebooks and the
stored tables do not use (nnbook/experiments/ch21_decoding.py, ch22_posttraining.py):
every ordering the chapters assert on every stored seed must hold on a new one too."""

import numpy as np

from nnbook.data.language import Language
from nnbook.experiments import ch21_decoding as ch21
from nnbook.experiments import ch22_posttraining as ch22

FRESH_21, FRESH_SFT, FRESH_RL, FRESH_DPO = 31, 226, 2252, 2253


def test_decoding_orderings_hold_on_a_new_model():
    a, d, b = ch21.accepted(FRESH_21), ch21.distinct(FRESH_21), ch21.bits(FRESH_21)
    H = Language(max_depth=0).entropy_per_char / np.log(2)
    assert a["τ=0.5"] > a["τ=0.8"] > a["τ=1"] > a["τ=1.5"]
    assert a["τ=1"] < min(a["top-k=3"], a["top-p=0.9"])
    assert d["greedy"] < 0.01 and d["τ=0.5"] < d["τ=1"] < d["τ=1.5"]
    assert d["top-k=3"] < min(d["τ=1"], d["top-p=0.9"]) and d["top-p=0.9"] > d["τ=1"] - 0.08
    order = ["greedy", "τ=0.5", "τ=0.8", "τ=1", "τ=1.5"]
    assert all(b[u] < b[v] for u, v in zip(order, order[1:]))
    assert b["greedy"] < H and abs(b["τ=1"] - H) < 0.02 and b["τ=1.5"] > H


def test_sliding_window_keeps_what_the_whole_text_loses():
    w = ch21.window(FRESH_21)
    assert w["past"] < w["inside"] - 0.3
    assert w["past, sliding"] > w["inside"] - 0.1 and w["past, sliding"] > w["past"] + 0.25


def test_fine_tuning_fewer_weights_on_a_new_batch_order():
    a, b = ch22.sft_accepted(FRESH_SFT), ch22.sft_bits(FRESH_SFT)
    assert a["LoRA, output"] < 0.05
    assert min(a["blocks only"], a["LoRA, blocks"]) > 3 * a["LoRA, output"]
    assert max(b["blocks only"], b["LoRA, output"], b["LoRA, blocks"]) < b["every weight"]


def test_rl_and_dpo_on_new_seeds():
    sft_share, sft_bits, answers = ch22.judge(ch22.sft_model())
    sft = ch22.habits(answers)
    rl, dpo = ch22.rl_runs(FRESH_RL), ch22.dpo_runs(FRESH_DPO)
    assert rl["accepted"] > sft_share + 0.3 and rl["KL"] > 3
    assert rl["length"] < sft["length"] and rl["distinct"] < 0.6 * sft["distinct"]
    assert rl["clauses"] < sft["clauses"]
    assert dpo["accepted"] > sft_share + 0.05 and dpo["train pairs"] > dpo["new pairs"] + 0.1
    assert dpo["round 2"] > dpo["accepted"]
    assert sft_share < dpo["accepted"] < rl["accepted"]
    assert sft_bits < dpo["bits"] < rl["bits"] and dpo["distinct"] > rl["distinct"]
