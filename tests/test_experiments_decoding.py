"""Chapter 21's judge: the grammar's verdict on written text, and its loss per character over
the accepted sentences only. A model's one greedy text can hold no accepted sentence (one of
98 new models in tests/test_claims_over_seeds_21_22.py): its loss is then undefined (nan), and
the other rules' tables still come out instead of the whole seed failing."""

import math

import numpy as np

import nnbook as nb
from nnbook.experiments import decoding as ch21

LANGUAGE = ch21.LANGUAGE
RIGHT, WRONG = "the bird sings.", "the bird sing."


def test_the_loss_is_over_the_accepted_sentences_and_their_spaces():
    assert LANGUAGE.accepts(RIGHT) and not LANGUAGE.accepts(WRONG)
    row = ch21.judge([f"{RIGHT} {WRONG} ", f"{RIGHT} "])
    assert row["sentences"] == 3
    assert math.isclose(row["accepted"], 2 / 3) and math.isclose(row["distinct"], 2 / 3)
    # two copies of RIGHT: 2 · nll / (2 · (characters + 1)), in bits
    by_hand = LANGUAGE.nll(RIGHT) / (len(RIGHT) + 1) / np.log(2)
    assert math.isclose(row["bits"], by_hand, rel_tol=1e-12)


def test_no_accepted_sentence_gives_nan_bits_not_an_error():
    row = ch21.judge([f"{WRONG} {WRONG} "] * 3)
    assert row["sentences"] == 6 and row["accepted"] == 0
    assert math.isnan(row["bits"])


def test_held_out_bits_of_a_uniform_model_is_log2_V_and_the_grammars_is_its_entropy():
    """A model whose logits are all equal costs log2(V) bits on every character; the
    grammar's exact loss on the same characters is near its entropy (4,000 characters)."""
    val = nb.data.language_corpus(4_000, rng=np.random.default_rng(0), language=LANGUAGE)
    V = len(val.vocab)
    flat = nb.Sequential([nb.Embedding(V, 4, rng=np.random.default_rng(0)),
                          nb.Dense(4, V, rng=np.random.default_rng(0))])
    flat.layers[1].params["W"][...] = 0.0                # every logit equal: uniform
    model_bits, grammar = ch21.held_out_bits(flat, val)
    assert math.isclose(model_bits, np.log2(V), rel_tol=1e-12)
    assert abs(grammar - LANGUAGE.entropy_per_char / np.log(2)) < 0.05
