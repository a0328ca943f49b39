"""``generate`` (chapter 21): a language model writes by reading its own output, each step
running the model on the text so far and drawing the next token from its last position's
logits with the decoding rules of sampling.py (greedy, temperature, top-k, top-p). With a KV
cache (layers/attention/kv_cache.py) the model reads the prompt once, then one token a step;
``can_cache``, ``start_cache``, ``clear_cache`` and ``cache_nbytes`` act on a whole model.
Chapter 23 adds prompts of different lengths, ``stop_token`` and a ``draft`` model.
"""

from __future__ import annotations

import numbers

import warnings

import numpy as np

from ..layers.activations import Softmax
from ..spellings import refuse_spellings
from ..validate import positive_int
from .batching import check_stop_token, generate_rows, ragged_rows, stops
from .caches import (_layers_of, _vocab, cache_nbytes, can_cache, can_pad,  # noqa: F401
                     check_positions, clear_cache, start_cache)
from .speculative import speculative_generate
from .sampling import check_decoding, sample_next

__all__ = ["generate"]

_GREEDY = np.random.default_rng(0)       # handed to sample_next at temperature 0: never drawn


def generate(model, ids, n_new=None, *, temperature=1.0, top_k=None, top_p=None,
             use_cache=True, rng=None, return_logits=False, context=None, stop_token=None,
             draft=None, n_draft=4, **other_spellings):
    """The prompt ``ids`` followed by ``n_new`` tokens the model writes one at a time.

    At each step the model reads the text so far (in inference mode: ``training=False``),
    its logits at the last position, z (m, V), give the next token of every row through
    ``sample_next(z, rng, temperature=, top_k=, top_p=)``: ``temperature=0`` is greedy (the
    arg-max, no draw), else one ``rng.random()`` per row, so the same ``rng`` gives the same
    text. A model that ends in ``Softmax`` gives probabilities; their logarithms are used as
    its logits.

    Shapes:
        ids: (m, T0) integers in [0, V), T0 ≥ 1  →  (m, T0 + n_new) int64, the prompt first
        with ``return_logits=True``: ``(ids, logits)``, logits (m, n_new, V) in the model's
        dtype, row s the logits the token T0 + s was drawn from
        ids a list of 1-D prompts of different lengths, or ``stop_token`` given: a list of
        1-D arrays, one per prompt (its tokens, then the new ones), logits a list of
        (n_r, V)

    Args:
        model: a ``Sequential`` language model: ids (m, T) → logits (m, T, V).
        ids: the prompts, one per row (a list of lists works). Prompts of different
            lengths (chapter 23) run as one batch, padded on the left: the padded keys are
            masked and each row's positions count from its own first token, so each row's
            logits equal that prompt's alone (to round-off). A model without a KV cache,
            or with a state that cannot hide padding (linear attention, DeltaNet: chapter
            31), runs them one prompt at a time.
        n_new: how many tokens to add (≥ 0).
        temperature, top_k, top_p: the decoding rules (``next_token_probs``).
        use_cache: run with a KV cache when ``can_cache(model)``: the model reads the prompt
            once, then only the newest token at each step (the same ids, and the logits
            to round-off); other models (an RNN, a learner's layer) run without one.
        rng: a ``np.random.Generator`` for the draws; ``None`` (the library's convention)
            means a fresh ``np.random.default_rng()``, so pass a seeded one to repeat a text.
        return_logits: also return the logits of every step.
        context: the longest window the model reads: each step reads the last ``context``
            tokens of the text (a sliding window, chapter 18's ``sample_text``); ``None``:
            the whole text. A window that slides runs without a cache.
        stop_token: a token id; a row stops after writing it (its later tokens are not
            kept), and generation ends when every row has stopped (chapter 23).
        draft: a smaller language model of the same vocabulary for speculative decoding
            (chapter 23, ``speculative_generate``): it proposes ``n_draft`` tokens, the
            model checks them in one forward; the ids are distributed exactly as without
            it (identical at ``temperature=0``).
        n_draft: the tokens the draft proposes per round (k ≥ 1).

    Reading more positions than the windows ``fit`` trained the model on
    (``model.trained_length``) warns: past them the predictions get worse.

    A model with a ``PositionalEmbedding`` reads at most its ``max_len`` positions: the
    model reads T0 + n_new − 1 of them (the last token is written, never read), and more is
    a ``ValueError`` before anything runs, unless ``context`` ≤ ``max_len`` keeps the
    windows short enough. RoPE has no table and no such limit.
    """
    refuse_spellings("generate", other_spellings, unknown=True)    # max_new_tokens= …
    check_decoding("generate", temperature, top_k, top_p)
    layers = _layers_of(model)
    rows = ragged_rows(ids)
    if rows is not None:
        rows = [_prompt(row[None], layers)[0] for row in rows]     # each prompt checked
    else:
        ids = _prompt(ids, layers)
    n_new = _count(n_new)
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise ValueError(f"generate: rng must be a np.random.Generator, got {rng!r}. Pass "
                         f"rng=np.random.default_rng(seed).")
    if rng is None and temperature > 0:
        rng = np.random.default_rng()     # API.md: rng=None is a fresh, unseeded generator
    if context is not None:
        context = positive_int("generate", "context", context)
    stop_token = check_stop_token(stop_token, _vocab(layers))
    T0 = max(len(r) for r in rows) if rows is not None else ids.shape[1]
    _check_positions(layers, T0, n_new, context)
    warn_past_training(model, T0, n_new, context)
    decoding = {"temperature": temperature, "top_k": top_k, "top_p": top_p}
    if draft is not None:
        if return_logits or context is not None or not use_cache:
            raise ValueError("generate: speculative decoding (draft=…) runs with KV caches "
                             "and returns ids only; got return_logits=True, context= or "
                             "use_cache=False. Drop them, or drop draft=.")
        texts, _ = speculative_generate(model, draft, rows if rows is not None else ids,
                                        n_new, n_draft=n_draft, rng=rng,
                                        stop_token=stop_token, **decoding)
        return texts
    slides = context is not None and T0 + n_new - 1 > context      # the window moves on
    cached = bool(use_cache) and n_new > 0 and not slides and can_cache(model)
    draw = rng if temperature > 0 else _GREEDY

    def run(batch, pad):
        return _run(model, layers, batch, n_new, pad, cached, context if slides else None,
                    draw, decoding, stop_token)

    if rows is None and stop_token is None:
        out, logits, _ = run(ids, None)
        return (out, logits) if return_logits else out
    return generate_rows(run, rows if rows is not None else list(ids), n_new, stop_token,
                         cached and can_pad(model), return_logits)   # a state: one by one


def _run(model, layers, ids, n_new, pad, cached, context, draw, decoding, stop_token):
    """The generation loop on one batch ``ids`` (m, T0), left-padded by ``pad`` (None or
    (m,)): ``(out, logits, n_made)``, out (m, T0 + n_new), logits (m, steps, V) and the new
    tokens each row keeps (n_new, or up to its stop token)."""
    m, T0 = ids.shape
    out = np.zeros((m, T0 + n_new), dtype=np.int64)
    out[:, :T0] = ids
    probabilities = bool(layers) and isinstance(layers[-1], Softmax)
    pad = None if pad is None or not np.any(pad) else pad
    steps, done, n_made = [], np.zeros(m, bool), np.full(m, n_new)
    if cached:
        start_cache(model, max_len=T0 + n_new - 1, pad=pad)
    try:
        read = 0                                                    # positions cached
        for t in range(T0, T0 + n_new):
            if context is not None:
                read = max(0, t - context)
            z = _last_logits(model, out[:, read:t], probabilities, t - T0)   # (m, V)
            read = t if cached else 0
            steps.append(z)
            out[:, t] = sample_next(z, draw, **decoding)
            if stops(out[:, t], stop_token, done, n_made, t - T0):
                break
    finally:
        if cached:
            clear_cache(model)
    V = steps[0].shape[-1] if steps else _vocab(layers) or 0
    dtype = steps[0].dtype if steps else getattr(model, "dtype", np.float64)
    logits = np.stack(steps, axis=1) if steps else np.zeros((m, 0, V), dtype)
    return out, logits, n_made


def _prompt(ids, layers):
    try:
        a = np.asarray(ids)
    except ValueError:                               # rows of different lengths
        a = None
    try:
        lengths = sorted({len(row) for row in ids}) if a is None or a.dtype == object else []
    except TypeError:                                # not rows of tokens at all
        lengths = []
    if len(lengths) > 1:
        raise ValueError(f"generate: got prompts of different lengths ({lengths[0]} and "
                         f"{lengths[-1]} tokens); a batch holds prompts of the same length. "
                         f"Generate each length as its own batch (or pad the prompts at "
                         f"the start).")
    if a is None:
        raise ValueError(f"generate: expected integer token ids of shape (m, T0), got "
                         f"{type(ids).__name__}. Pass the prompts as integers, e.g. "
                         f"[tokenizer.encode(text)].")
    if a.size == 0:
        raise ValueError(f"generate: the prompt is empty (shape {a.shape}); the model "
                         f"writes each token after the ones before it, so it needs at least "
                         f"one token to start from: a start token will do, e.g. "
                         f"tokenizer.encode(' ').")
    if a.ndim == 1 and a.dtype.kind in "iu":
        fix = "ids[None]" if isinstance(ids, np.ndarray) else "[ids]"
        raise ValueError(f"generate: got one prompt of {a.size} tokens, shape {a.shape}; "
                         f"generate writes a batch of prompts, shape (m, T0). Make it a "
                         f"batch of one: {fix} (the result's row 0 is its text).")
    if a.dtype.kind in "US":
        raise ValueError(f"generate: got text, shape {a.shape}; the model reads token ids. "
                         f"Encode it first: [tokenizer.encode(text)] for one prompt.")
    if a.dtype.kind not in "iu":
        kind = "floats" if a.dtype.kind == "f" else f"values of dtype {a.dtype}"
        raise ValueError(f"generate: expected integer token ids, got {kind} of shape {a.shape}. "
                         f"Pass the prompt as integers: np.asarray(ids).astype(int) (or "
                         f"tokenizer.encode(text) for a text).")
    if a.ndim != 2:
        raise ValueError(f"generate: expected prompts of shape (m, T0), one row of token ids "
                         f"per prompt, got shape {a.shape}.")
    V = _vocab(layers)
    if V is not None and (a.min() < 0 or a.max() >= V):
        bad = int(a[(a < 0) | (a >= V)][0])
        raise ValueError(f"generate: the prompt holds the token id {bad}, outside the model's "
                         f"vocabulary [0, {V}) (its Embedding has vocab_size={V}). Encode the "
                         f"prompt with the tokenizer the model was trained with.")
    return a


def _count(n_new):
    if isinstance(n_new, bool) or not isinstance(n_new, numbers.Integral) or n_new < 0:
        raise ValueError(f"generate: n_new must be an integer ≥ 0 (how many tokens to add), "
                         f"got {n_new!r}.")
    return int(n_new)


def past_training(model, read):
    """``model.trained_length`` when reading ``read`` positions at once takes ``model``
    past the windows ``fit`` trained it on (``model.trained_length``) through attention,
    else ``None``: RoPE runs there, but worse, and byte tokens then decode to replacement
    characters (chapter 21). A recurrent model is never past them: it has no positions;
    nor is one whose every attention has a sliding window no longer than the training
    windows (chapter 23). Shared by ``generate`` and chapter 36's ``nb.interpret``."""
    trained = getattr(model, "trained_length", None)
    if not trained or read <= trained:
        return None
    attention = [layer for layer in _layers_of(model) if hasattr(layer, "n_heads")]
    windowed = all(getattr(layer, "window", None) is not None and layer.window <= trained
                   for layer in attention)       # a sliding window (ch. 23) stays inside
    return trained if attention and not windowed else None


def warn_past_training(model, T0, n_new, context, owner="generate"):
    """Warn (as ``owner``) when writing ``n_new`` tokens after a prompt of ``T0``, each step
    reading at most ``context`` of them (``None``: all), makes the model read more positions
    than it was trained on (``past_training``)."""
    read = T0 + n_new - 1 if context is None else min(T0 + n_new - 1, context)
    trained = past_training(model, read)
    if trained:
        warnings.warn(
            f"{owner}: the model will read {read} positions (a prompt of {T0} and {n_new} "
            f"new tokens), more than the {trained} of the windows it was trained on "
            f"(model.trained_length); past them its predictions get worse (chapter 21). "
            f"Pass context={trained} to read a sliding window of the last {trained} tokens, "
            f"or ask for at most {max(trained + 1 - T0, 0)} new tokens.", stacklevel=3)


def _check_positions(layers, T0, n_new, context=None):
    """The model reads T0 + n_new − 1 positions (at most ``context`` at a time)."""
    need = T0 + max(n_new - 1, 0)
    need = need if context is None else min(need, context)
    check_positions("generate", layers, need,
                    f"a prompt of {T0} tokens and n_new={n_new} make the model read",
                    "Use a prompt and n_new with T0 + n_new − 1 ≤ {max_len}, or train a model "
                    "with a larger max_len.")


def _last_logits(model, x, probabilities, step=0):
    """The model's output at the last position, (m, V), as logits (refused when NaN)."""
    y = np.asarray(model.forward(x, training=False))
    if y.ndim != 3 or y.shape[:2] != x.shape:
        raise ValueError(f"generate: the model returned shape {y.shape} for ids of shape "
                         f"{x.shape}; a language model returns logits per position, "
                         f"(m, T, V). Give its recurrent layers return_sequences=True and end "
                         f"it in Dense(d, V) or Unembedding.")
    z = y[:, -1]
    if np.isnan(z).any():                        # NaN would draw the first token every time
        raise ValueError(f"generate: the model's output is NaN at the last position (after "
                         f"the prompt and {step} new tokens), so there is no distribution to "
                         f"draw from; its training diverged or a weight is NaN. Retrain it with "
                         f"a smaller learning rate.")
    if probabilities:                              # log p are logits of the same distribution
        with np.errstate(divide="ignore"):
            z = np.log(z)
    return np.array(z)
