"""Chapter 22's fine-tuning data (issue 54): the answer's mask keeps exactly the positions
whose targets are the answer's characters. A mask that starts one position late leaves the
first answer token out of the loss (OpenRLHF #973); one that starts early trains the prompt."""

import numpy as np

import nnbook as nb
from nnbook.experiments import sft_rl_dpo as ch22


def test_the_answer_mask_keeps_exactly_the_answers_targets(monkeypatch):
    text = nb.data.language_corpus(2_000, rng=np.random.default_rng(0))
    # answer_arrays reads only the vocabulary of base_model()'s text: no model is trained here
    monkeypatch.setattr(ch22, "base_model", lambda: (None, text, None))
    prompts, answers = zip(*ch22.TASK.sample(6, rng=np.random.default_rng(1)))
    X, Y, M = ch22.answer_arrays(prompts, answers)
    for i, (p, a) in enumerate(zip(prompts, answers)):
        answer = (p + a)[: ch22.T + 1][len(p):]                   # cut where the window ends
        assert len(answer) > 1
        assert text.decode(Y[i][M[i] == 1]) == answer, i          # the answer, all of it
        assert text.decode(X[i][: len(p)]) == p                   # the inputs start with the prompt
