"""nnbook/experiments/steering.py's ``judge``: the grammar's verdict on sampled texts
(chapter 36, section 8), on texts whose answers are known by reading them."""

import numpy as np
import pytest

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


def test_a_layer_whose_output_is_not_the_residual_stream_is_refused():
    """The eighteenth cold reading of 36: direction(data, seed, layer=4) fitted a probe on
    the Unembedding's logits and returned a 26-wide "direction"; the final RMSNorm's output
    has the residual's width but is not the residual stream either."""
    from nnbook.experiments.modern_block import V, modern
    rng = np.random.default_rng(0)
    model = nb.Sequential(modern(12)(rng))
    x = rng.integers(0, V, (8, 12))
    data = {"model": model, "x_val": x, "val": None,
            "labels": {"question": rng.integers(0, 2, (8, 12))}}
    for layer, name in ((4, r"\(Unembedding\)"), (3, r"\(RMSNorm\)"),
                        (7, r"\(the model has 5 layers\)"),
                        (-1, r"\(the model has 5 layers\)")):
        with pytest.raises(ValueError, match=rf"direction: got layer={layer!r} {name}, "
                                             r"whose output is not the residual stream.*"
                                             r"layers \[0, 1, 2\].*Pass layer=1"):
            st.direction(data, 0, layer)
    # the nineteenth reading: layer=2.0 was told block 2's output is not the residual
    # stream, when what is wrong is the float
    for layer, kind in ((2.0, "float"), (True, "bool"), (None, "NoneType"), ("1", "str")):
        with pytest.raises(ValueError, match=rf"direction: got layer={layer!r} \(a {kind}\); "
                                             r"the layer must be an integer index.*"
                                             r"layers \[0, 1, 2\].*Pass layer=1"):
            st.direction(data, 0, layer)
    with pytest.raises(ValueError, match=r"steer_row: got layer=3 \(RMSNorm\)"):
        st.steer_row(data, 0, layer=3)
    assert st.direction(data, 0, 2)["u"].shape == (32,)      # a block's output: the stream
