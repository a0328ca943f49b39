"""nnbook/experiments/steering.py's ``judge``: the grammar's verdict on sampled texts
(chapter 36, section 8), on texts whose answers are known by reading them."""

import numpy as np

import nnbook as nb
from nnbook.experiments import steering as st


def test_judge_reads_the_question_and_the_bracket_off_the_followed_part_only():
    # the mistakes caught: a bracket counted at depth 2 only (the first text's bracket is
    # at depth 1), one counted after the first mistake (the second text opens its bracket
    # after "xq", the grammar's first mistake), the question's and the bracket's verdicts
    # swapped, or a followed share counted in characters instead of each text's share
    language = nb.data.Language()
    texts = ["the dog (that some cats see) runs. a",     # all followed, a bracket
             "the dog xq (that some cats see) runs.",    # 8 of 37 followed, no bracket
             "does a bird sing? the cat",                # all followed, a question
             "the dogs run. (",                          # 14 of 15 followed
             "do the cats sing? a dog"]                  # all followed, a question
    got = st.judge(language, texts)
    assert got["bracket"] == 1 / 5 and got["question"] == 2 / 5
    assert abs(got["followed"] - np.mean([1, 8 / 37, 1, 14 / 15, 1])) < 1e-15
