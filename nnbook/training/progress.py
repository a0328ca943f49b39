"""The progress display of ``Sequential.fit``: one line per epoch, redrawn in place
with ``\\r`` while the epoch runs (a terminal and JupyterLab both show it live), and
rewritten without any timing when the epoch ends, so nbval compares no timing.
Chapter 00 shows it first; ``verbose=0`` in the notebooks keeps it out of their outputs.
"""

from __future__ import annotations

import numbers
import time

from .callback_base import Callback

__all__ = ["ProgressLogger"]

BAR_WIDTH = 20        # characters between the brackets
INTERVAL = 0.1        # seconds between two redraws of the live line (at most ~10 a second)
VALUE_WIDTH = 9       # verbose=2: characters per value, the widest {:.4g} of a positive
                      # number (0.0001234, 1.235e+06), so each column starts where it did


def format_eta(seconds: float) -> str:
    """Time left as ``"7s"``, ``"2:05"`` (minutes) or ``"1:02:05"`` (hours), whole seconds."""
    s = max(int(seconds), 0)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}:{s % 60:02d}"
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    """``[=====>..........]``: ``done`` of ``total`` steps as a bar of ``width`` characters."""
    if done >= total:
        return "[" + "=" * width + "]"
    filled = width * done // total
    return "[" + "=" * filled + ">" + "." * (width - filled - 1) + "]"


class ProgressLogger(Callback):
    """What ``fit(verbose=…)`` prints, as a callback.

    - ``verbose=0``: nothing.
    - ``verbose=1``: one live line per epoch on stdout, redrawn with ``\\r`` after
      the first batch, the last batch, and otherwise at most every ``INTERVAL``
      seconds::

          Epoch 3/10  12/32 [=======>............] - loss: 0.1234 - accuracy: 0.9 - ETA: 2s

      When the epoch ends the line is rewritten in its final form, with the
      epoch's logs (validation values included) and no timing, then a newline::

          Epoch 3/10  32/32 [====================] - loss: 0.1234 - val_loss: 0.2 - accuracy: 0.9

      The final line is padded with spaces to the length of the live line it
      replaces (a terminal would otherwise show the live line's tail); that
      live line is the one drawn at the last batch, whose ETA is always ``0s``,
      so even the padding does not depend on timing.
    - ``verbose=2``: only the final line of each epoch, in columns: the epoch counter
      is padded to the width of the total and every value, left-aligned, takes
      ``VALUE_WIDTH`` characters, so each value sits under the one of the epoch before
      (the line's trailing spaces are dropped)::

          Epoch  9/10  32/32 [====================] - loss: 0.1234    - accuracy: 0.9
          Epoch 10/10  32/32 [====================] - loss: 0.09876   - accuracy: 0.9375

    Numbers are shown with 4 significant digits (``{:.4g}``), in the order of
    the logs; ``"learning_rate"`` is left out (it is in ``History``, and
    ``LearningRateScheduler(verbose=1)`` prints it).

    How ``fit`` drives it: ``set_params({"epochs": E, "steps": S, "verbose": v})``
    before training (it reads the numbers of epochs and of batches per epoch
    from ``params``), then the hooks in Keras' order, with ``logs`` of
    ``on_batch_end`` holding the epoch's running means so far. Put it first in
    the ``CallbackList``, so its line is finished before another callback
    prints at the end of an epoch.

    Args:
        verbose: 0, 1 or 2; ``None`` takes ``params["verbose"]`` (1 if absent).
        epochs, steps: used only when ``params`` lacks them (for a caller that
            builds the logger itself instead of calling ``set_params``).
        clock: a function returning seconds, ``time.monotonic`` by default;
            tests pass a fake one to get a known ETA.
    """

    def __init__(self, verbose=None, epochs=None, steps=None, *, clock=time.monotonic):
        super().__init__()
        if verbose not in (None, 0, 1, 2):
            raise ValueError(f"ProgressLogger: expected verbose 0, 1 or 2, got {verbose!r}.")
        self.verbose = verbose
        self._given = {"epochs": epochs, "steps": steps}
        self.clock = clock
        self._shown = 0            # length of the live line on screen (0: none)

    def _mode(self) -> int:
        v = self.params.get("verbose", 1) if self.verbose is None else self.verbose
        if v not in (0, 1, 2):
            raise ValueError(f"ProgressLogger: expected params['verbose'] 0, 1 or 2, got {v!r}.")
        return v

    def _need(self, key) -> int:
        value = self.params.get(key, self._given[key])
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(
                f"ProgressLogger: params[{key!r}] is {value!r}, expected a whole number ≥ 1. "
                f"fit must call set_params({{'epochs': E, 'steps': S, 'verbose': v}}) before "
                f"training starts (steps = batches per epoch)."
            )
        return int(value)

    def _head(self, done: int, aligned: bool = False) -> str:
        """``Epoch 3/10  12/32 [===>...]``; ``aligned`` pads the epoch to the total's width."""
        epochs, steps = self._need("epochs"), self._need("steps")
        epoch = self._epoch + 1
        counter = f"{epoch:>{len(str(epochs))}}" if aligned else f"{epoch}"
        return (f"Epoch {counter}/{epochs}  {done:>{len(str(steps))}}/{steps} "
                f"{bar(done, steps)}")

    @staticmethod
    def _values(logs, width: int | None = None) -> str:
        """`` - loss: 0.1234 - …`` for the numbers of ``logs``; each value padded to ``width``."""
        spec = ".4g" if width is None else f"<{width}.4g"
        return "".join(f" - {k}: {float(v):{spec}}" for k, v in (logs or {}).items()
                       if k != "learning_rate" and isinstance(v, numbers.Real) and not isinstance(v, bool))

    def _write(self, text: str) -> None:
        print(text, end="", flush=True)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._start = self._last = self.clock()
        self._shown = 0

    def on_batch_end(self, batch, logs=None):
        if self._mode() != 1:
            return
        done, steps = batch + 1, self._need("steps")
        now = self.clock()
        if done not in (1, steps) and now - self._last < INTERVAL:
            return
        self._last = now
        eta = (now - self._start) / done * (steps - done)
        text = f"{self._head(done)}{self._values(logs)} - ETA: {format_eta(eta)}"
        self._write("\r" + text.ljust(self._shown))
        self._shown = len(text)

    def on_epoch_end(self, epoch, logs=None):
        mode = self._mode()
        if mode == 0:
            return
        self._epoch = epoch
        steps = self._need("steps")
        if mode == 1:
            text = self._head(steps) + self._values(logs)
            self._write("\r" + text.ljust(self._shown) + "\n")
        else:
            text = self._head(steps, aligned=True) + self._values(logs, VALUE_WIDTH)
            self._write(text.rstrip() + "\n")
        self._shown = 0
