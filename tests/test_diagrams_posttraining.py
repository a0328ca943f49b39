"""The diagrams of chapter 22: the masked targets of a fine-tuning example, LoRA's matrices
beside W, and one RL step, drawn from their numbers, and their errors."""

import numpy as np
import pytest
from figure_helpers import arrows, boxes, close_figures, texts  # noqa: F401

import nnbook as nb


def test_sft_targets_masks_the_prompts_targets_and_trains_the_answers():
    ax = nb.diagrams.sft_targets("(cats) ", "cats run.")
    text = "(cats) cats run."
    assert len(boxes(ax, "input")) == len(text) - 1
    masked, trained = boxes(ax, "masked"), boxes(ax, "trained")
    assert len(masked) == len("(cats) ") - 1 and len(trained) == len("cats run.")
    # each target is the next character; the first trained one is the answer's first
    shown = texts(ax)
    assert shown[:4] == ["input", "target", "(", "c"]
    assert "6 prompt targets: ignored" in shown and "9 answer targets: trained" in shown
    assert max(b.get_x() for b in masked) < min(b.get_x() for b in trained)
    assert len(arrows(ax)) == len(text) - 1 and "'(cats) '" in ax.get_title()
    with pytest.raises(ValueError, match="non-empty strings"):
        nb.diagrams.sft_targets("(cat) ", "")


def test_lora_matrices_counts_the_frozen_and_trained_parameters():
    ax = nb.diagrams.lora_matrices(32, 26, 4, alpha=8)
    assert len(boxes(ax, "frozen")) == 1 and len(boxes(ax, "trained")) == 2
    assert "858 frozen (W, b), 232 trained (A, B)" in ax.get_title()
    assert "2·" in texts(ax) and "A\n32×4" in texts(ax)
    W, (A, B) = boxes(ax, "frozen")[0], boxes(ax, "trained")
    # drawn to scale: A as tall as W, B as wide as W, both r units thin
    assert np.isclose(A.get_height(), W.get_height()) and np.isclose(B.get_width(), W.get_width())
    assert np.isclose(A.get_width(), B.get_height())
    assert np.isclose(A.get_width() / W.get_height(), 4 / 32)
    with pytest.raises(ValueError, match="rank=30 is larger than min"):
        nb.diagrams.lora_matrices(32, 26, 30)
    with pytest.raises(ValueError, match="expected rank to be an integer ≥ 1"):
        nb.diagrams.lora_matrices(32, 26, 0)


def test_rl_step_shows_each_answers_reward_and_advantage():
    answers = ["the cats run.", "the cat runs.", "", "some cats that a big dog sees sleep."]
    rewards = np.array([1.0, 0.0, 0.0, 1.0])
    adv = nb.training.posttraining.group_advantages(rewards, 4)
    ax = nb.diagrams.rl_step("(cats) ", answers, rewards, adv)
    shown = texts(ax)
    assert "(no sentence)" in shown and "the cats run." in shown
    assert "some cats that a big dog sees…" in shown               # long answers are cut
    assert shown.count("+1.00") == 2 and shown.count("−1.00") == 2
    assert ax.get_title() == "one RL step: the verifier accepts 2 of 4"
    assert len(boxes(ax, "policy")) == 1 and len(boxes(ax, "prompt")) == 1
    with pytest.raises(ValueError, match="one reward and one advantage per answer"):
        nb.diagrams.rl_step("(cats) ", answers, rewards[:3], adv)


# --- the gallery: each diagram of nnbook/diagrams/posttraining.py as the chapters draw it
# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
GALLERY = {
    "sft_targets": [lambda: nb.diagrams.sft_targets("(cats) ", "the cats (that a dog sees) run.")],
    "lora_matrices": [lambda: nb.diagrams.lora_matrices(32, 26, 4, alpha=8),
                      lambda: nb.diagrams.lora_matrices(256, 8, 1)],
    "rl_step": [lambda: nb.diagrams.rl_step("(cats) ", ["the cats run.", ""], [1.0, 0.0],
                                            [1.0, -1.0])],
}
