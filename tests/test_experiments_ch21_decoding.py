"""Chapter 21's judge: the grammar's verdict on written text, and its loss per character over
the accepted sentences only. A model's one greedy text can hold no accepted sentence (one of
98 new models in tests/test_claims_over_seeds_21_22.py): its loss is then undefined (nan), and
the other rules' tables still come out instead of the whole seed failing."""

import math

import numpy as np

from nnbook.experiments import ch21_decoding as ch21

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
