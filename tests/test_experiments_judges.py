"""nnbook/experiments/judges.py: the writer's answers and their verdicts, the features (a bag
of words and the subject), the judge's confusion against the grammar, best-of-n's exact
acceptance at n = 1 equal to the writer's, the judge as a 0/1 reward and the RL table's row
from its per-step shares (the RL run itself: the notebook and the claims over seeds)."""

import numpy as np
import pytest

from nnbook.experiments import judges as jd


def test_the_writer_mixes_right_wrong_subject_and_broken_answers():
    prompts, answers, verdicts = jd.answer_set(600, np.random.default_rng(0))
    kinds = [jd.TASK.verdict(p, a) for p, a in zip(prompts, answers)]
    share = {k: kinds.count(k) / len(kinds) for k in set(kinds)}
    # a third right-subject sentences, a third another subject's (a broken one may still pass)
    assert 0.28 < share["wrong subject"] < 0.40 and 0.30 < share["accepted"] < 0.45
    assert share["not in the language"] > 0.2
    assert np.array_equal(verdicts, [k == "accepted" for k in kinds])


def test_features_count_words_and_name_the_subject():
    X = jd.features(["(cats) ", "(dog) "], ["the cats (that the cats see) run.", "."])
    index = {w: i for i, w in enumerate(jd.VOCAB)}
    assert X.shape == (2, len(jd.VOCAB) + 8)
    assert X[0, index["cats"]] == 2 and X[0, index["("]] == 1 and X[0, index["the"]] == 2
    assert X[0, len(jd.VOCAB) + jd.TASK.subjects.index("cats")] == 1
    assert X[1, len(jd.VOCAB) + jd.TASK.subjects.index("dog")] == 1 and X[1].sum() == 2


def test_confusion_counts_every_answer_against_the_grammar():
    judge = jd.train_judge(1, n=300, epochs=3)
    prompts, answers, verdicts = jd.answer_set(200, np.random.default_rng(2))
    cm = jd.judge_confusion(judge, prompts, answers, verdicts)
    said = jd.judge_scores(judge, prompts, answers) > 0.5
    assert cm.sum() == 200 and cm[1].sum() == verdicts.sum()
    assert cm[1, 1] == np.sum(said & (verdicts == 1)) and cm[0, 1] == np.sum(said & (verdicts == 0))


def test_answers_with_one_bag_of_words_get_one_score_bit_for_bit():
    # a judge whose output moves with the row's place in the batch, as a BLAS kernel's last
    # bit can: judge_scores must still give one bag one score (scoring each bag once)
    class ByPlace:
        def predict(self, X):
            return (X @ np.arange(X.shape[1]) / 100 + 1e-9 * np.arange(len(X)))[:, None]

    prompts = ["(cats) "] * 5
    answers = ["the cats run.", "some cats sing.", "run the cats.", "the cats run .",
               "the cats frun run."]                  # "frun" is no word: dropped
    s = jd.judge_scores(ByPlace(), prompts, answers)
    assert s[0] == s[2] == s[3] == s[4] and s[1] != s[0]
    # and a trained judge on a writer's policy: equal feature rows, equal scores
    judge = jd.train_judge(1, n=300, epochs=3)
    prompt, answers, _, _ = jd.writer_policy("frog", 5)
    X = jd.features([prompt] * len(answers), answers)
    scores = jd.judge_scores(judge, [prompt] * len(answers), answers)
    _, bag = np.unique(X, axis=0, return_inverse=True)
    bag = bag.reshape(-1)
    assert len(np.unique(bag)) < len(answers)         # some answers share a bag
    assert all(np.ptp(scores[bag == b]) == 0 for b in np.unique(bag))
    assert len(np.unique(scores)) == len(np.unique(bag))


def test_best_of_one_is_the_writer():
    judge = jd.train_judge(1, n=300, epochs=3)
    exact = np.mean([jd.writer_policy(s, 5)[2] @ jd.writer_policy(s, 5)[3]
                     for s in jd.TASK.subjects])
    assert jd.best_of_n_acceptance(judge, 5, ns=(1,))[0] == pytest.approx(exact, abs=1e-12)


def test_the_writer_sample_is_drawn_from_the_seed():
    # the stored seeds vary the writer's policy too, not only the judge
    first, second = jd.writer_policy("cats", 1), jd.writer_policy("cats", 2)
    assert first[1] != second[1] and first[2].sum() == pytest.approx(1)
    assert jd.writer_policy("cats", 1)[1] == first[1]              # the seed decides it
    assert jd.writer_seed(30) not in (30, 30 + 50_000, 30 + 60_000)


def test_rl_summary_averages_blocks_of_steps():
    true = np.array([0.2, 0.2, 0.2, 0.2, 0.2, 0.4, 0.4, 0.4, 0.4, 0.4, 0.0, 0, 0, 0, 0.1])
    proxy = np.linspace(0.3, 0.9, 15)
    row = jd.rl_summary(proxy, true)
    assert [row[f"true {k}"] for k in (5, 10, 15)] == pytest.approx([0.2, 0.4, 0.02])
    assert row["proxy 5"] == pytest.approx(proxy[:5].mean())
    assert row["true peak step"] == 10 and row["true fall"] == pytest.approx(0.38)
    assert row["proxy rise"] == pytest.approx(proxy[10:].mean() - proxy[:5].mean())


def test_the_judge_as_reward_pays_its_verdict():
    judge = jd.train_judge(1, n=300, epochs=3)
    prompts, answers, _ = jd.answer_set(50, np.random.default_rng(3))
    reward = jd.judge_reward(judge)
    paid = [reward(p, a) for p, a in zip(prompts, answers)]
    assert paid == list(jd.judge_verdicts(judge, prompts, answers).astype(float))
    assert 0 < sum(paid) < 50
