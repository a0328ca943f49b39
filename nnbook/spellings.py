"""Other libraries' names for nnbook's arguments (Keras' mostly, a few of PyTorch's and of
Hugging Face's), in one table, and the messages that name nnbook's spelling instead. Every
layer that takes arguments, ``Dense``'s Keras form, the optimizers, ``generate`` and LoRA
check them here (chapter 00: the Keras-style API).
"""

from __future__ import annotations

__all__ = ["SPELLINGS", "spelling_message", "refuse_spellings",
           "one_size_message", "class_for", "dense_message", "CLASS_NAMES", "missing_name_message"]

_RECURRENT = {
    "units": "n_hidden, after n_in: {cls}(n_in, {value}), n_in the features per step (the "
             "previous layer's output size)",
    "hidden_size": "n_hidden=", "input_size": "n_in=",
    "activation": "nothing ({cls}'s activations are fixed: tanh, and sigmoid for the gates)",
    "recurrent_activation": "nothing (the gates are always sigmoids)",
    "return_state": "nothing (read the states with return_sequences=True)",
    "dropout": "a Dropout layer before this one (nb.Dropout(rate))",
    "recurrent_dropout": "nothing (no dropout inside the recurrence)",
    "input_shape": "Sequential([...], input_shape=(T, n_in))",
    "batch_first": "nothing (sequences are always (m, T, features), batch first)",
    "go_backwards": "nothing (reverse the sequences yourself: x[:, ::-1])",
    "stateful": "nothing (each batch starts from h_0 = 0)",
    "kernel_initializer": "nothing (W_x is Xavier uniform, W_h orthogonal; draw them with rng=)",
}
_ATTENTION = {
    "num_heads": "n_heads=", "nhead": "n_heads=",
    "num_key_value_heads": "n_kv_heads=", "num_kv_heads": "n_kv_heads=", "use_bias": "bias=",
    "key_dim": "d_model, the features per position (d_model = num_heads · key_dim): "
               "{cls}(d_model, n_heads)",
    "embed_dim": "d_model=", "d_k": "nothing (each head takes d_model / n_heads features)",
    "value_dim": "nothing (each head takes d_model / n_heads features)",
    "use_causal_mask": "causal=True, given when the layer is made",
    "dropout": "nothing (no dropout inside attention)",
    "batch_first": "nothing (sequences are always (m, T, d_model), batch first)",
    "input_shape": "Sequential([...], input_shape=(T, d_model))",
}
SPELLINGS: dict[str, dict[str, str]] = {
    # key: nnbook's class; value: {other spelling: what nnbook writes ({cls}, {value} filled in)}
    "Dense": {"units": "n_out", "input_dim": "n_in", "input_shape": "Sequential([...], input_shape=)",
              "activation": "a separate layer after it, e.g. nb.ReLU()",
              "kernel_initializer": "init=", "use_bias": "nothing (Dense always has a bias)",
              "in_features": "n_in=", "out_features": "n_out="},
    "Conv2D": {"filters": "c_out (Conv2D(c_in, c_out, kernel_size))", "strides": "stride=",
               "kernel_initializer": "init=", "activation": "a separate layer after it, e.g. nb.ReLU()",
               "use_bias": "nothing (Conv2D always has a bias)",
               "input_shape": "Sequential(..., input_shape=)",
               "data_format": "nothing (images are always channels last, NHWC)",
               "in_channels": "c_in=", "out_channels": "c_out="},
    "MaxPool2D": {"strides": "stride=", "data_format": "nothing (images are always channels last, NHWC)",
                  "kernel_size": "pool_size="},
    "AvgPool2D": {"strides": "stride=", "data_format": "nothing (images are always channels last, NHWC)",
                  "kernel_size": "pool_size="},
    "RNN": _RECURRENT, "LSTM": _RECURRENT, "GRU": _RECURRENT,
    "Embedding": {"input_dim": "vocab_size=", "output_dim": "dim=", "num_embeddings": "vocab_size=",
                  "embedding_dim": "dim=", "mask_zero": "nothing (no masking: every id is a token)",
                  "input_length": "nothing (any T works)",
                  "embeddings_initializer": "nothing (W starts N(0, 1); draw it with rng=)"},
    "PositionalEmbedding": {"sequence_length": "max_len=", "input_dim": "max_len=",
                            "output_dim": "dim=", "max_length": "max_len="},
    "MultiHeadAttention": _ATTENTION,
    "TransformerBlock": {**_ATTENTION, "dim_feedforward": "d_ff=", "ff_dim": "d_ff=",
                         "intermediate_dim": "d_ff=",
                         "norm_first": "prenorm=",
                         "activation": "ffn=\"relu\" or ffn=\"swiglu\""},
    "LayerNorm": {"epsilon": "eps=", "normalized_shape": "n_features=",
                  "axis": "nothing (it normalises the last axis)",
                  "center": "nothing (β is always learned)", "scale": "nothing (γ is always learned)",
                  "elementwise_affine": "nothing (γ and β are always learned)"},
    "BatchNorm": {"epsilon": "eps=", "num_features": "n_features=",
                  "axis": "nothing (the features are the last axis)",
                  "input_shape": "Sequential([...], input_shape=)"},
    "Dropout": {"p": "rate=", "seed": "rng=np.random.default_rng({value})",
                "noise_shape": "nothing (each entry is dropped on its own)"},
    "Flatten": {"input_shape": "Sequential([Flatten(), ...], input_shape={value})",
                "data_format": "nothing (images are always channels last, NHWC)"},
    "SGD": {}, "RMSProp": {"alpha": "rho=", "epsilon": "eps="},
    "Adam": {"beta_1": "beta1=", "beta_2": "beta2=", "epsilon": "eps=", "betas": "beta1= and beta2="},
    "RMSNorm": {"epsilon": "eps=", "normalized_shape": "n_features=",
                "elementwise_affine": "nothing (γ is always learned)"},
    "Sequential.fit": {
            "steps_per_epoch": "nothing: an epoch is one pass over x, ⌈len(x)/batch_size⌉ "
                               "steps (for shorter epochs, pass fewer samples)",
            "validation_steps": "nothing: validation reads all of validation_data",
            "validation_batch_size": "nothing: validation runs 1,024 samples at a time",
            "validation_freq": "nothing: validation runs after every epoch",
            "sample_weight": "nothing: every sample counts the same (repeat a sample in x "
                             "and y to weigh it more)",
            "class_weight": "nothing: every sample counts the same (repeat a class's "
                            "samples to weigh it more)",
            "workers": "nothing: fit reads NumPy arrays in this process",
            "use_multiprocessing": "nothing: fit reads NumPy arrays in this process",
            "max_queue_size": "nothing: fit reads NumPy arrays in this process"},
}
_PEFT = {"r": "rank=", "lora_alpha": "alpha=",
         "lora_dropout": "nothing (no dropout on the adapters' path)",
         "target_modules": "targets= (nnbook's names: \"W_q\", \"W_v\", …, or kinds such as "
                           "\"attention\")",
         "bias": "nothing (biases stay frozen)", "task_type": "nothing",
         "init_lora_weights": "nothing (A is drawn with rng=, B starts at zeros)"}
SPELLINGS.update({
    "LoRA": _PEFT, "add_lora": _PEFT,
    "generate": {"max_new_tokens": "n_new=",
                 "max_length": "n_new= (the tokens to add, not the length of prompt and text)",
                 "do_sample": "temperature=0 for greedy decoding (do_sample=False), a "
                              "temperature > 0 to sample",
                 "num_return_sequences": "nothing: repeat the prompts, "
                                         "np.repeat(ids, k, axis=0), for k texts each",
                 "input_ids": "ids=", "generator": "rng=",
                 "pad_token_id": "nothing (a batch holds prompts of one length)",
                 "eos_token_id": "nothing (generate writes n_new tokens; cut at the end "
                                 "token yourself)"},
})
SPELLINGS["AdamW"] = SPELLINGS["Adam"]
_HUGGING_FACE = frozenset({*_PEFT, "max_new_tokens", "max_length", "do_sample",
                           "num_return_sequences", "input_ids", "pad_token_id",
                           "eos_token_id"})
_PYTORCH = frozenset({"hidden_size", "input_size", "batch_first", "num_embeddings", "embedding_dim",
                      "embed_dim", "nhead", "dim_feedforward", "norm_first", "normalized_shape",
                      "elementwise_affine", "num_features", "p", "alpha", "betas", "in_features",
                      "out_features", "in_channels", "out_channels"})
_POSITIONAL = {   # nnbook's constructors that need both sizes where Keras takes one
    "RNN": "{cls}: nnbook's {cls} takes both sizes, {cls}(n_in, n_hidden). For Keras' "
           "{cls}({value!r}) write {cls}(n_in, {value!r}), n_in the features per step (the "
           "previous layer's output size).",
}
_POSITIONAL["LSTM"] = _POSITIONAL["GRU"] = _POSITIONAL["RNN"]


def _shown(value) -> str:
    text = " ".join(repr(value).split())
    return text if len(text) <= 40 else text[:39] + "…"


def _sentences(cls_name: str, given: dict) -> str:
    """"got k=v (Keras' spelling); nnbook writes …." for each of ``given``'s keywords that
    the table knows for ``cls_name``, joined; "" when there are none."""
    table = SPELLINGS.get(cls_name, {})
    parts = []
    for k in (k for k in given if k in table):
        lib = ("Hugging Face's" if k in _HUGGING_FACE and cls_name in ("LoRA", "add_lora",
                                                                       "generate")
               else "PyTorch's" if k in _PYTORCH or cls_name == "generate" else "Keras'")
        ours = table[k].format(cls=cls_name, value=_shown(given[k]))
        ours += _shown(given[k]) if ours.endswith("=") else ""      # beta1=0.8
        parts.append(f"got {k}={_shown(given[k])} ({lib} spelling); nnbook writes {ours}.")
    return " And ".join(parts)


def spelling_message(cls_name: str, given: dict, owner: str | None = None) -> str | None:
    """The message for the keywords in ``given`` that another library uses for
    ``cls_name``'s arguments (one sentence each), or ``None`` when there are none."""
    text = _sentences(cls_name, given)
    return f"{owner or cls_name}: {text}" if text else None


def refuse_spellings(owner: str, given: dict, cls_name: str | None = None, *,
                     unknown: bool = False) -> None:
    """Raise a ValueError naming nnbook's spelling if ``given`` holds another library's;
    ``cls_name`` (default: ``owner`` up to a parenthesis) picks the table. With
    ``unknown=True`` any other keyword is a ValueError too (for a ``**kwargs`` catch-all)."""
    cls_name = cls_name or owner.split("(")[0]
    msg = spelling_message(cls_name, given, owner)
    if msg:
        raise ValueError(msg)
    if unknown and given:
        raise ValueError(f"{owner}: got an unexpected argument {next(iter(given))}=. "
                         f"See help(nb.{cls_name}).")


def one_size_message(cls_name: str, value) -> str:
    """For Keras' ``LSTM(32)``: nnbook's recurrent layers take both sizes."""
    return _POSITIONAL[cls_name].format(cls=cls_name, value=value)


CLASS_NAMES = {    # another library's class → nnbook's (Keras' first, then PyTorch's)
    "SimpleRNN": "RNN", "BatchNormalization": "BatchNorm", "LayerNormalization": "LayerNorm",
    "MaxPooling2D": "MaxPool2D", "AveragePooling2D": "AvgPool2D", "Linear": "Dense",
    "Conv2d": "Conv2D", "MaxPool2d": "MaxPool2D", "AvgPool2d": "AvgPool2D",
    "BatchNorm1d": "BatchNorm", "BatchNorm2d": "BatchNorm", "MultiheadAttention":
    "MultiHeadAttention", "TransformerEncoderLayer": "TransformerBlock",
    "CategoricalCrossentropy": "CrossEntropy", "SparseCategoricalCrossentropy": "CrossEntropy",
    "CrossEntropyLoss": "CrossEntropy", "BinaryCrossentropy": "BinaryCrossEntropy",
    "BCELoss": "BinaryCrossEntropy", "MeanSquaredError": "MSE", "MSELoss": "MSE",
    "RMSprop": "RMSProp", "Model": "Sequential",
}


def missing_name_message(name) -> str:
    """The AttributeError's text for ``nb.<name>`` that nnbook lacks, naming nnbook's class
    when ``name`` is another library's (``nb.SimpleRNN`` → ``nb.RNN``)."""
    text = f"module 'nnbook' has no attribute {name!r}"
    if name in CLASS_NAMES:
        text += f"; nnbook calls it nb.{CLASS_NAMES[name]} (see help(nb.{CLASS_NAMES[name]}))"
    return text


def class_for(keras_name) -> str:
    """nnbook's class for a Keras activation name: 'relu' → 'ReLU()' (used in messages)."""
    names = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU", "softmax": "Softmax"}
    return f"{names[keras_name.lower()]}()" if str(keras_name).lower() in names else \
        "Sigmoid(), Tanh(), ReLU() or Softmax()"


def dense_message(n_in, n_out, keras: dict) -> str:
    """Explain nnbook's ``Dense(n_in, n_out)`` to someone who typed Keras' ``Dense(units, …)``."""
    keras = dict(keras)
    had_units = "units" in keras
    units = keras.pop("units", n_out if n_out is not None else n_in)
    act = keras.pop("activation", None)
    shape, dim = keras.pop("input_shape", None), keras.pop("input_dim", None)
    if dim is None and isinstance(shape, (tuple, list)) and shape:
        dim = shape[-1]
    others = _sentences("Dense", keras)
    unknown = sorted(k for k in keras if k not in SPELLINGS["Dense"])
    extra = (f" Also {others}" if others else "") + \
        (f" Unknown arguments: {unknown}." if unknown else "")
    if n_out is not None and not had_units and act is None and (shape or dim) is not None:
        given = tuple(shape) if isinstance(shape, (tuple, list)) else (dim,)
        return (f"Dense: Dense({n_in!r}, {n_out!r}) already knows its input size, so it takes "
                f"no input_shape/input_dim (Keras' way of giving it); the model's input shape "
                f"goes to Sequential([...], input_shape={given!r}).{extra}")
    then = f", then an activation layer such as {class_for(act)}" if act else ""
    was = "".join(f", {k}={v!r}" for k, v in (("activation", act), ("input_shape", shape),
                                               ("input_dim", None if shape else dim)) if v)
    return (f"Dense: nnbook's Dense takes both sizes, Dense(n_in, n_out), and no activation. "
            f"For Keras' Dense(units={units!r}{was}) write "
            f"Dense({'n_in' if dim is None else repr(dim)}, {units!r}){then}; n_in is the "
            f"previous layer's output size.{extra}")
