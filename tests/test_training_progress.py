"""Tests for nnbook.training.progress: the exact text of the progress line for verbose 0, 1 and 2,
driven by hand through the callback hooks with a fake clock (so the ETA is known), and
the text nbval sees once it collapses the ``\\r`` redraws (no timing left)."""

import re

import numpy as np
import pytest

from nnbook.training.progress import INTERVAL, ProgressLogger, bar, format_eta


class FakeClock:
    """A clock that moves only when the test says so."""

    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def run_epochs(logger, clock, epochs, steps, batch_logs, epoch_logs, dt=1.0, verbose=1):
    """Drive ``logger`` as fit does: each batch takes ``dt`` seconds of fake time."""
    logger.set_params({"epochs": epochs, "steps": steps, "verbose": verbose})
    logger.on_train_begin({})
    for e in range(epochs):
        logger.on_epoch_begin(e, {})
        for b in range(steps):
            logger.on_batch_begin(b, {})
            clock.t += dt
            logger.on_batch_end(b, batch_logs(e, b))
        logger.on_epoch_end(e, epoch_logs(e))
    logger.on_train_end({})


def collapse(text):
    """What nbval keeps of a stream: each line's text after its last ``\\r``."""
    return re.sub(r"^.*\r(?=[^\n])", "", text, flags=re.MULTILINE)


# --------------------------------------------------------------------------
# the pieces


@pytest.mark.parametrize("done, total, expected", [
    (0, 4, "[>" + "." * 19 + "]"),
    (1, 4, "[" + "=" * 5 + ">" + "." * 14 + "]"),
    (3, 4, "[" + "=" * 15 + ">" + "." * 4 + "]"),
    (4, 4, "[" + "=" * 20 + "]"),
    (1, 3, "[" + "=" * 6 + ">" + "." * 13 + "]"),       # 20 // 3 = 6
])
def test_bar(done, total, expected):
    assert bar(done, total) == expected
    assert len(bar(done, total)) == 22


@pytest.mark.parametrize("seconds, text", [
    (0, "0s"), (0.99, "0s"), (7.6, "7s"), (59.9, "59s"), (60, "1:00"), (125, "2:05"),
    (3599, "59:59"), (3600, "1:00:00"), (3725, "1:02:05"), (-3, "0s"),
])
def test_format_eta(seconds, text):
    assert format_eta(seconds) == text


# --------------------------------------------------------------------------
# verbose=1: the live line and its final form


def test_verbose_1_exact_stream(capsys):
    clock = FakeClock()
    logger = ProgressLogger(clock=clock)
    run_epochs(logger, clock, epochs=2, steps=4,
               batch_logs=lambda e, b: {"loss": 1.0 / (b + 1), "accuracy": 0.25 * (b + 1)},
               epoch_logs=lambda e: {"loss": 0.5208333, "val_loss": 0.75, "accuracy": 0.625})
    out = capsys.readouterr().out
    # each batch takes 1 s ≥ INTERVAL, so every batch redraws; ETA = elapsed/done × left
    live = [
        "Epoch {e}/2  1/4 [=====>..............] - loss: 1 - accuracy: 0.25 - ETA: 3s",
        "Epoch {e}/2  2/4 [==========>.........] - loss: 0.5 - accuracy: 0.5 - ETA: 2s",
        "Epoch {e}/2  3/4 [===============>....] - loss: 0.3333 - accuracy: 0.75 - ETA: 1s",
        "Epoch {e}/2  4/4 [====================] - loss: 0.25 - accuracy: 1 - ETA: 0s",
    ]
    final = "Epoch {e}/2  4/4 [====================] - loss: 0.5208 - val_loss: 0.75 - accuracy: 0.625"
    expected = ""
    for e in (1, 2):
        shown = 0
        for line in live:
            line = line.format(e=e)
            expected += "\r" + line.ljust(shown)
            shown = len(line)
        expected += "\r" + final.format(e=e).ljust(shown) + "\n"
    assert out == expected
    # what nbval compares: the final lines only, without any timing
    assert collapse(out) == "".join(final.format(e=e) + "\n" for e in (1, 2))
    assert "ETA" not in collapse(out)


def test_verbose_1_final_line_padded_to_cover_the_live_line(capsys):
    clock = FakeClock()
    logger = ProgressLogger(verbose=1, clock=clock)
    run_epochs(logger, clock, epochs=1, steps=2,
               batch_logs=lambda e, b: {"loss": 0.123456},
               epoch_logs=lambda e: {"loss": 0.5})
    out = capsys.readouterr().out
    last_live = "Epoch 1/1  2/2 [====================] - loss: 0.1235 - ETA: 0s"
    final = "Epoch 1/1  2/2 [====================] - loss: 0.5"
    assert out.endswith("\r" + last_live + "\r" + final + " " * (len(last_live) - len(final)) + "\n")
    assert collapse(out) == final + " " * (len(last_live) - len(final)) + "\n"


def test_verbose_1_redraws_at_most_every_interval(capsys):
    clock = FakeClock()
    logger = ProgressLogger(verbose=1, clock=clock)
    steps = 10
    run_epochs(logger, clock, epochs=1, steps=steps, dt=INTERVAL / 4,
               batch_logs=lambda e, b: {"loss": 1.0}, epoch_logs=lambda e: {"loss": 1.0})
    out = capsys.readouterr().out
    drawn = [int(m) for m in re.findall(r"\rEpoch 1/1 +(\d+)/10", out)]
    # the first and last batches always; in between only after INTERVAL seconds
    # (batch b ends at (b+1)·INTERVAL/4: batches 1, 5, 9 (time ≥ +0.1 each), 10, then the final line)
    assert drawn == [1, 5, 9, 10, 10]
    assert out.count("\n") == 1


def test_verbose_1_eta_rounds_down_and_shows_minutes(capsys):
    clock = FakeClock()
    logger = ProgressLogger(verbose=1, clock=clock)
    logger.set_params({"epochs": 1, "steps": 100, "verbose": 1})
    logger.on_epoch_begin(0)
    clock.t += 2.5                               # 2.5 s for the first batch → 99 × 2.5 s left
    logger.on_batch_end(0, {"loss": 2.0})
    assert capsys.readouterr().out == (
        "\rEpoch 1/1    1/100 [>...................] - loss: 2 - ETA: 4:07")


def test_numbers_use_four_significant_digits_and_skip_lr(capsys):
    logger = ProgressLogger(verbose=2)
    logger.set_params({"epochs": 12, "steps": 3})
    logger.on_epoch_end(9, {"loss": 1234567.0, "val_loss": 1.2345e-05, "learning_rate": 0.01,
                            "accuracy": np.float32(0.5), "note": "text"})
    assert capsys.readouterr().out == (
        "Epoch 10/12  3/3 [====================] - loss: 1.235e+06 - val_loss: 1.234e-05"
        " - accuracy: 0.5\n")


# --------------------------------------------------------------------------
# verbose=2 and 0


def test_verbose_2_prints_only_the_final_line(capsys):
    clock = FakeClock()
    logger = ProgressLogger(clock=clock)
    logger.set_params({"epochs": 3, "steps": 2, "verbose": 2})
    for e in range(3):
        logger.on_epoch_begin(e)
        for b in range(2):
            clock.t += 5
            logger.on_batch_end(b, {"loss": 9.0})
        logger.on_epoch_end(e, {"loss": 1.0 / (e + 1)})
    assert capsys.readouterr().out == (
        "Epoch 1/3  2/2 [====================] - loss: 1\n"
        "Epoch 2/3  2/2 [====================] - loss: 0.5\n"
        "Epoch 3/3  2/2 [====================] - loss: 0.3333\n")


LOGS = [{"loss": 2.303, "val_loss": 2.1, "accuracy": 0.1, "learning_rate": 0.1},
        {"loss": 0.6931, "val_loss": 0.7, "accuracy": 0.5, "learning_rate": 0.1},
        {"loss": 0.09876, "val_loss": 0.1234, "accuracy": 0.9375, "learning_rate": 0.1},
        {"loss": 0.001234, "val_loss": 0.00012345, "accuracy": 1.0, "learning_rate": 0.1}]


def print_epochs(verbose, first_epoch=7, epochs=12):
    """The final lines of epochs first_epoch + 1 … of ``epochs``, one per entry of LOGS."""
    logger = ProgressLogger(verbose=verbose)
    logger.set_params({"epochs": epochs, "steps": 32})
    for e, logs in enumerate(LOGS, start=first_epoch):
        logger.on_epoch_begin(e)
        logger.on_epoch_end(e, logs)


def test_verbose_2_lines_up_in_columns(capsys):
    print_epochs(verbose=2)
    assert capsys.readouterr().out == (
        "Epoch  8/12  32/32 [====================] - loss: 2.303     - val_loss: 2.1       - accuracy: 0.1\n"
        "Epoch  9/12  32/32 [====================] - loss: 0.6931    - val_loss: 0.7       - accuracy: 0.5\n"
        "Epoch 10/12  32/32 [====================] - loss: 0.09876   - val_loss: 0.1234    - accuracy: 0.9375\n"
        "Epoch 11/12  32/32 [====================] - loss: 0.001234  - val_loss: 0.0001234 - accuracy: 1\n")


@pytest.mark.parametrize("epochs", [9, 10, 100, 1000])
def test_verbose_2_every_column_starts_at_the_same_place(capsys, epochs):
    print_epochs(verbose=2, first_epoch=epochs - len(LOGS) - 1, epochs=epochs)
    lines = capsys.readouterr().out.splitlines()
    for key in ("/", "[", " - loss: ", " - val_loss: ", " - accuracy: "):
        assert len({line.index(key) for line in lines}) == 1, key
    assert all(line == line.rstrip() for line in lines)           # no trailing spaces
    assert all(len(line.split("/")[0]) == len(f"Epoch {epochs}") for line in lines)


def test_verbose_2_widest_values_still_line_up(capsys):
    logger = ProgressLogger(verbose=2)
    logger.set_params({"epochs": 2, "steps": 1})
    logger.on_epoch_end(0, {"loss": 1234567.0, "val_loss": 0.5})
    logger.on_epoch_end(1, {"loss": 1.2345e-05, "val_loss": float("nan")})
    first, second = capsys.readouterr().out.splitlines()
    assert first.index(" - val_loss") == second.index(" - val_loss")
    assert second.endswith("- loss: 1.234e-05 - val_loss: nan")


def test_verbose_1_final_lines_are_not_padded(capsys):
    print_epochs(verbose=1)
    out = capsys.readouterr().out
    assert out.split("\n")[0] == (
        "\rEpoch 8/12  32/32 [====================] - loss: 2.303 - val_loss: 2.1 - accuracy: 0.1")


@pytest.mark.parametrize("how", ["argument", "params"])
def test_verbose_0_is_silent(capsys, how):
    clock = FakeClock()
    logger = ProgressLogger(0, clock=clock) if how == "argument" else ProgressLogger(clock=clock)
    run_epochs(logger, clock, 2, 3, lambda e, b: {"loss": 1.0}, lambda e: {"loss": 1.0}, verbose=0)
    assert capsys.readouterr().out == ""


def test_argument_overrides_params(capsys):
    logger = ProgressLogger(verbose=2)
    logger.set_params({"epochs": 1, "steps": 1, "verbose": 0})
    logger.on_epoch_begin(0)
    logger.on_batch_end(0, {"loss": 3.0})
    logger.on_epoch_end(0, {"loss": 3.0})
    assert capsys.readouterr().out == "Epoch 1/1  1/1 [====================] - loss: 3\n"


# --------------------------------------------------------------------------
# errors


def test_missing_params_names_set_params():
    logger = ProgressLogger(verbose=2)
    logger.set_params({"steps": 3})
    logger.on_epoch_begin(0)
    with pytest.raises(ValueError, match=r"params\['epochs'\] is None.*fit must call set_params"):
        logger.on_epoch_end(0, {"loss": 1.0})


def test_missing_steps_with_verbose_1():
    logger = ProgressLogger()
    logger.set_params({"epochs": 2, "verbose": 1})
    logger.on_epoch_begin(0)
    with pytest.raises(ValueError, match=r"params\['steps'\] is None.*batches per epoch"):
        logger.on_batch_end(0, {"loss": 1.0})


def test_epochs_and_steps_from_the_constructor_when_params_lack_them(capsys):
    logger = ProgressLogger(2, 5, np.int64(7))
    logger.on_epoch_end(0, {"loss": 1.0})
    logger.set_params({"epochs": 3, "steps": 2})          # params win when they have them
    logger.on_epoch_end(1, {"loss": 1.0})
    assert capsys.readouterr().out == (
        "Epoch 1/5  7/7 [====================] - loss: 1\n"
        "Epoch 2/3  2/2 [====================] - loss: 1\n")


@pytest.mark.parametrize("verbose", [3, -1, "yes"])
def test_bad_verbose(verbose):
    with pytest.raises(ValueError, match=r"ProgressLogger: expected verbose 0, 1 or 2"):
        ProgressLogger(verbose)
