"""Tests for nnbook/spellings.py: one table of other libraries' names for nnbook's arguments,
used by every layer that takes keywords and by the optimizers; each message names nnbook's
spelling, and none names a private class."""

import re

import numpy as np
import pytest

import nnbook as nb
from nnbook import spellings
from nnbook.spellings import CLASS_NAMES


@pytest.mark.parametrize("make, match", [
    (lambda: nb.LSTM(units=32), r"^LSTM: got units=32 \(Keras' spelling\); nnbook writes n_hidden, "
                                r"after n_in: LSTM\(n_in, 32\)"),
    (lambda: nb.GRU(4, units=8), r"^GRU: got units=8 .*GRU\(n_in, 8\)"),
    (lambda: nb.RNN(units=8, return_sequences=True), r"^RNN: got units=8"),
    (lambda: nb.LSTM(32), r"^LSTM: nnbook's LSTM takes both sizes, LSTM\(n_in, n_hidden\)\. For "
                          r"Keras' LSTM\(32\) write LSTM\(n_in, 32\)"),
    (lambda: nb.GRU(16, return_sequences=True), r"^GRU: nnbook's GRU takes both sizes"),
    (lambda: nb.LSTM(hidden_size=5, input_size=3), r"^LSTM: got hidden_size=5 \(PyTorch's spelling\); "
                                                   r"nnbook writes n_hidden=5\. And got input_size=3"),
    (lambda: nb.LSTM(4, 5, return_state=True), r"^LSTM: got return_state=True"),
    (lambda: nb.Embedding(input_dim=10, output_dim=4), r"^Embedding: got input_dim=10 \(Keras' spelling\); "
                                                       r"nnbook writes vocab_size=10\. And got "
                                                       r"output_dim=4 .* nnbook writes dim=4\.$"),
    (lambda: nb.Embedding(10, 4, mask_zero=True), r"^Embedding: got mask_zero=True"),
    (lambda: nb.PositionalEmbedding(sequence_length=8, output_dim=4), r"nnbook writes max_len=8\."),
    (lambda: nb.MultiHeadAttention(num_heads=4, key_dim=16), r"^MultiHeadAttention: got num_heads=4 "
                                                             r"\(Keras' spelling\); nnbook writes "
                                                             r"n_heads=4\. And got key_dim=16 .*d_model"),
    (lambda: nb.MultiHeadAttention(8, 2, use_causal_mask=True), r"nnbook writes causal=True"),
    (lambda: nb.LayerNorm(epsilon=1e-6), r"^LayerNorm: got epsilon=1e-06 \(Keras' spelling\); nnbook "
                                         r"writes eps=1e-06\.$"),
    (lambda: nb.LayerNorm(8, axis=-1), r"^LayerNorm: got axis=-1 .*normalises the last axis"),
    (lambda: nb.TransformerBlock(16, 2, ff_dim=32), r"^TransformerBlock: got ff_dim=32 .*d_ff=32"),
    (lambda: nb.Flatten(input_shape=(28, 28)), r"^Flatten: got input_shape=\(28, 28\) \(Keras' "
                                               r"spelling\); nnbook writes Sequential\(\[Flatten\(\), "
                                               r"\.\.\.\], input_shape=\(28, 28\)\)"),
    (lambda: nb.Dropout(p=0.5), r"^Dropout: got p=0\.5 \(PyTorch's spelling\); nnbook writes rate=0\.5"),
    (lambda: nb.Dropout(0.5, seed=3), r"nnbook writes rng=np\.random\.default_rng\(3\)"),
    (lambda: nb.BatchNorm(8, epsilon=1e-3), r"^BatchNorm: got epsilon=0\.001 .*eps=0\.001"),
    (lambda: nb.Adam(beta_1=0.8), r"^Adam: got beta_1=0\.8 \(Keras' spelling\); nnbook writes beta1=0\.8"),
    (lambda: nb.Conv2D(filters=8, kernel_size=3), r"^Conv2D: got filters=8 \(Keras' spelling\)"),
    (lambda: nb.Dense(units=10, use_bias=False), r"^Dense: nnbook's Dense takes both sizes.*Also got "
                                                 r"use_bias=False \(Keras' spelling\)"),
])
def test_keras_spellings_name_nnbooks_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


PRIVATE = re.compile(r"\b_[A-Z]\w*")          # a private class name such as _Recurrent


@pytest.mark.parametrize("cls", [nb.RNN, nb.LSTM, nb.GRU, nb.Embedding, nb.PositionalEmbedding,
                                 nb.MultiHeadAttention, nb.TransformerBlock, nb.LayerNorm,
                                 nb.Conv2D, nb.MaxPool2D, nb.AvgPool2D, nb.Dense, nb.Flatten,
                                 nb.Dropout, nb.BatchNorm])
@pytest.mark.parametrize("args, kwargs", [((), {}), ((4,), {}), ((4, 2), {"bogus": 1}),
                                          ((4, 2), {"units": 3})])
def test_no_message_names_a_private_class(cls, args, kwargs):
    try:
        cls(*args, **kwargs)
    except (ValueError, TypeError) as exc:
        assert not PRIVATE.search(str(exc)), str(exc)
        assert cls.__name__ in str(exc)
    else:
        assert not kwargs                            # only the right form builds a layer


def test_the_table_is_the_one_place():
    """Every class the table names is nnbook's, and the layers' modules keep no table of
    their own (the spellings live in nnbook/spellings.py only)."""
    from pathlib import Path
    for name in spellings.SPELLINGS:                 # a class, or a method ("Sequential.fit")
        owner, _, method = name.partition(".")
        assert isinstance(getattr(nb, owner), type) or callable(getattr(nb, owner)), name
        assert not method or callable(getattr(getattr(nb, owner), method)), name
    root = Path(nb.__file__).parent
    for path in [*root.glob("layers/*.py"), *root.glob("training/*.py")]:
        text = path.read_text()
        assert "_KERAS" not in text and "nnbook writes" not in text, path.name
        assert "spells this argument" not in text, path.name
    assert spellings.spelling_message("Adam", {"lr": 0.1}) is None
    assert np.isclose(nb.Adam(learning_rate=0.1).lr, 0.1)      # Keras' name for lr is accepted


@pytest.mark.parametrize("theirs, ours", sorted(CLASS_NAMES.items()))
def test_another_librarys_class_name_points_to_nnbooks(theirs, ours):
    assert hasattr(nb, ours) and not hasattr(nb, theirs)
    with pytest.raises(AttributeError, match=rf"no attribute '{theirs}'; nnbook calls it "
                                             rf"nb\.{ours} \(see help\(nb\.{ours}\)\)"):
        getattr(nb, theirs)


def test_an_unknown_name_is_a_plain_attribute_error():
    with pytest.raises(AttributeError, match=r"^module 'nnbook' has no attribute 'Foo'$"):
        nb.Foo


def _lm():
    rng = np.random.default_rng(0)
    return nb.Sequential([nb.Embedding(5, 4, rng=rng), nb.Dense(4, 5, rng=rng)])


@pytest.mark.parametrize("call, match", [
    (lambda: nb.generate(_lm(), [[1, 2]], max_new_tokens=3),
     r"^generate: got max_new_tokens=3 \(Hugging Face's spelling\); nnbook writes n_new=3\."),
    (lambda: nb.generate(_lm(), [[1]], 3, do_sample=False),
     r"^generate: got do_sample=False .*temperature=0"),
    (lambda: nb.generate(_lm(), [[1]], 3, num_return_sequences=2),
     r"^generate: got num_return_sequences=2 .*np.repeat"),
    (lambda: nb.LoRA(nb.Dense(3, 4), r=4),
     r"^LoRA: got r=4 \(Hugging Face's spelling\); nnbook writes rank=4\."),
    (lambda: nb.LoRA(nb.Dense(3, 4), 2, lora_alpha=16),
     r"^LoRA: got lora_alpha=16 \(Hugging Face's spelling\); nnbook writes alpha=16\."),
    (lambda: nb.LoRA(nb.Dense(3, 4), 2, lora_dropout=0.1), r"^LoRA: got lora_dropout=0.1"),
    (lambda: nb.add_lora(_lm(), r=4), r"^add_lora: got r=4 .*rank=4"),
    (lambda: nb.add_lora(_lm(), 4, target_modules=["q_proj"]),
     r"^add_lora: got target_modules=\['q_proj'\] .*targets="),
])
def test_hugging_face_spellings_name_nnbooks_arguments(call, match):
    """They were a bare TypeError (unexpected keyword argument)."""
    with pytest.raises(ValueError, match=match):
        call()


def test_an_unknown_keyword_of_generate_or_lora_is_still_named():
    with pytest.raises(ValueError, match=r"^generate: got an unexpected argument bogus="):
        nb.generate(_lm(), [[1]], 2, bogus=1)
    with pytest.raises(ValueError, match=r"^LoRA: got an unexpected argument bogus="):
        nb.LoRA(nb.Dense(3, 4), 2, bogus=1)
