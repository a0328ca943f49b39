"""Text from a trained character model (chapter 18; chapter 17 watches one train):
``sample_text`` feeds a model its own samples one character at a time, each drawn from
softmax(logits / temperature), and the callback ``SampleText`` prints such a sample while the
model trains. It is chapter 21's ``nb.generate`` on a text: prompt and result are strings.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..training.callback_base import Callback
from ..validate import make_rng, positive_int
from .generation import generate

__all__ = ["sample_text", "SampleText"]


def sample_text(model, corpus, n_chars: int, *, prompt: str, temperature: float = 1.0,
                n_samples: int = 1, context: int | None = None, rng=None) -> list:
    """``n_samples`` texts of ``n_chars`` new characters each, drawn from ``model`` after
    ``prompt`` (chapter 18).

    At each step the model reads the last ``context`` ids of every text, its output at the
    last position is turned into probabilities ``p = softmax(z / temperature)``, and the
    next id is drawn from p with one ``rng.random()`` per text (the first id whose running
    sum of p exceeds it), so the same ``rng`` gives the same texts on every NumPy.
    Temperature 1 samples the model's own distribution; below 1 sharpens it towards the
    most likely character, above 1 flattens it towards uniform. A model that ends in
    ``Softmax`` already outputs p: its probabilities are used as they are (raised to the
    power 1/temperature and renormalised, the same distribution as above), never put
    through a second softmax.

    It is ``nb.generate(model, ids, n_chars, temperature=, context=, rng=)`` on the
    encoded prompt repeated ``n_samples`` times, without a KV cache: one generator and one
    temperature for the whole course (chapter 21's ``apply_temperature``).

    Shapes:
        model.forward: ids (m, t) → logits (m, t, V);  returns n_samples strings, each
        prompt + n_chars characters

    Args:
        model: a trained model that returns a distribution over ``corpus.vocab`` at every
            position (``return_sequences=True`` on its recurrent layers): logits (a
            ``Sequential`` ending in ``Dense(·, V)``, trained with ``from_logits=True``) or
            probabilities (one ending in ``Softmax()``).
        corpus: the ``Corpus`` whose ``encode``/``decode`` the model was trained with.
        n_chars: how many characters to add (≥ 1).
        prompt: the text to start from (≥ 1 character of the vocabulary); ``" "``, the
            space between sentences, starts a new sentence.
        temperature: > 0.
        n_samples: how many texts to draw side by side (one batch per step).
        context: the longest window the model reads; ``None`` takes the ``max_len`` of
            the model's ``PositionalEmbedding`` (any layer with a ``max_len``), or the
            whole text if it has none.
        rng: ``np.random.Generator``; ``None``: a fresh one.
    """
    n_chars = positive_int("sample_text", "n_chars", n_chars)
    n_samples = positive_int("sample_text", "n_samples", n_samples)
    if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real) \
            or not 0 < temperature < float("inf"):
        raise ValueError(f"sample_text: expected a temperature > 0, got {temperature!r}. "
                         f"1 samples the model's distribution; 0.5 is sharper, 2 flatter.")
    if not isinstance(prompt, str) or not prompt:
        raise ValueError(f"sample_text: expected a prompt of at least one character, got "
                         f"{prompt!r}. prompt=' ' starts a new sentence.")
    if context is None:
        context = next((layer.max_len for layer in getattr(model, "layers", ())
                        if isinstance(getattr(layer, "max_len", None), int)), None)
    if context is not None:
        context = positive_int("sample_text", "context", context)
    rng = make_rng(rng, "sample_text")
    start = np.tile(corpus.encode(prompt), (n_samples, 1))               # (n_samples, T0)
    try:
        ids, logits = generate(model, start, n_chars, temperature=temperature,
                               context=context, use_cache=False, rng=rng, return_logits=True)
    except ValueError as exc:                    # generate's message, in this function's name
        raise ValueError(str(exc).replace("generate:", "sample_text:", 1)) from None
    V = len(corpus.vocab)
    if logits.shape[-1] != V:
        raise ValueError(f"sample_text: the model's output at the last position has shape "
                         f"{logits.shape[::2]}, expected ({n_samples}, {V}) logits over the "
                         f"corpus' vocabulary. End the model in Dense(·, {V}).")
    return [corpus.decode(row) for row in ids]


class SampleText(Callback):
    """After each epoch in ``epochs`` (counted from 1), print the steps so far, the held-out
    loss (when ``fit`` has validation data) and ``n_chars`` characters the model writes
    after ``prompt``, by ``nb.sample_text`` at ``temperature``. It draws from a
    generator of its own, ``default_rng(seed)``, so watching does not change the training.
    """

    def __init__(self, corpus, epochs, *, prompt="the cat runs. ", n_chars=64,
                 temperature=1.0, seed=0):
        super().__init__()
        try:
            epochs = set(epochs)
        except TypeError:
            epochs = None
        if not epochs or not all(isinstance(e, numbers.Integral) and e >= 1 for e in epochs):
            raise ValueError(f"SampleText: expected epochs as a set of whole numbers ≥ 1 "
                             f"(counted from 1), got {epochs!r}. Pass e.g. {{1, 2, 4, 8}}.")
        self.corpus, self.epochs, self.prompt = corpus, epochs, prompt
        self.n_chars, self.temperature, self.seed = n_chars, temperature, seed

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 not in self.epochs:
            return
        text = sample_text(self.model, self.corpus, self.n_chars, prompt=self.prompt,
                           temperature=self.temperature, rng=np.random.default_rng(self.seed))
        steps = (epoch + 1) * self.params.get("steps", 0)
        held_out = f", held-out {logs['val_loss']:.2f}" if "val_loss" in (logs or {}) else ""
        print(f"step {steps:4}{held_out}: {text[0][len(self.prompt):]}")
