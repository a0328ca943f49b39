"""Callbacks and the progress display through the real ``Sequential.fit``: hook order,
params, logs, stopping, restoring, checkpoint files, the scheduler's ``"learning_rate"`` and the
exact printed lines. test_training_callbacks.py and test_training_progress.py test the same
code without fit.

"""

import re

import numpy as np
import pytest

import nnbook as nb
from nnbook.callbacks import Callback, EarlyStopping, LearningRateScheduler, ModelCheckpoint

def small_problem(m=10, seed=0):
    """A linear model on 10 samples of a noisy line: batch_size=4 gives 3 steps per epoch."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((m, 2))
    y = x @ np.array([[1.5], [-2.0]]) + 0.1 * rng.standard_normal((m, 1))
    model = nb.Sequential([nb.Dense(2, 1, rng=rng)])
    model.compile(optimizer=nb.SGD(lr=0.1), loss="mse")
    return model, x, y


class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.calls, self.epoch_logs, self.weights = [], [], []

    def on_train_begin(self, logs=None): self.calls.append(("train_begin",))
    def on_train_end(self, logs=None): self.calls.append(("train_end",))
    def on_epoch_begin(self, epoch, logs=None): self.calls.append(("epoch_begin", epoch))
    def on_batch_begin(self, batch, logs=None): self.calls.append(("batch_begin", batch))
    def on_batch_end(self, batch, logs=None): self.calls.append(("batch_end", batch))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch))
        self.epoch_logs.append(dict(logs))
        self.weights.append(self.model.get_weights())


def test_fit_calls_the_hooks_in_keras_order_with_params():
    model, x, y = small_problem()
    rec = Recorder()
    model.fit(x, y, epochs=2, batch_size=4, callbacks=[rec], verbose=0, rng=np.random.default_rng(1))
    per_epoch = lambda e: [("epoch_begin", e)] + [(h, b) for b in range(3)
                                                  for h in ("batch_begin", "batch_end")] + [("epoch_end", e)]
    assert rec.calls == [("train_begin",)] + per_epoch(0) + per_epoch(1) + [("train_end",)]
    assert rec.model is model
    assert {k: rec.params[k] for k in ("epochs", "steps", "verbose")} == {"epochs": 2, "steps": 3, "verbose": 0}


def test_epoch_logs_match_the_history():
    model, x, y = small_problem()
    rec = Recorder()
    hist = model.fit(x, y, epochs=3, batch_size=4, validation_data=(x[:4], y[:4]), callbacks=[rec],
                     verbose=0, rng=np.random.default_rng(1))
    assert hist.epoch == [0, 1, 2]
    assert [logs["loss"] for logs in rec.epoch_logs] == pytest.approx(hist.history["loss"])
    assert [logs["val_loss"] for logs in rec.epoch_logs] == pytest.approx(hist.history["val_loss"])


def test_stop_training_ends_fit_after_the_epoch():
    class StopAt1(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    model, x, y = small_problem()
    hist = model.fit(x, y, epochs=10, batch_size=4, callbacks=[StopAt1()], verbose=0,
                     rng=np.random.default_rng(1))
    assert hist.epoch == [0, 1] and len(hist.history["loss"]) == 2


def test_early_stopping_restores_the_weights_of_the_best_epoch():
    model, x, y = small_problem()
    model.compile(optimizer=nb.SGD(lr=0.9), loss="mse")     # too large: the loss jumps about
    rec = Recorder()
    es = EarlyStopping(monitor="loss", patience=1, restore_best_weights=True)
    hist = model.fit(x, y, epochs=8, batch_size=4, callbacks=[rec, es], verbose=0,
                     rng=np.random.default_rng(1))
    losses = hist.history["loss"]
    assert es.best_epoch == int(np.argmin(losses)) and es.best == min(losses)
    for w, w_best in zip(model.get_weights(), rec.weights[es.best_epoch]):
        np.testing.assert_array_equal(w, w_best)


def test_early_stopping_without_validation_names_the_keys():
    model, x, y = small_problem()
    with pytest.raises(ValueError, match=r"monitor='val_loss' is not in the logs.*'loss'"):
        model.fit(x, y, epochs=2, callbacks=[EarlyStopping()], verbose=0, rng=np.random.default_rng(1))


def test_model_checkpoint_writes_loadable_files(tmp_path):
    model, x, y = small_problem()
    ck = ModelCheckpoint(tmp_path / "m-{epoch:02d}.npz", monitor="loss")
    model.fit(x, y, epochs=2, batch_size=4, callbacks=[ck], verbose=0, rng=np.random.default_rng(1))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m-01.npz", "m-02.npz"]
    again = nb.load_model(tmp_path / "m-02.npz")
    np.testing.assert_array_equal(again.predict(x), model.predict(x))


def test_scheduler_sets_the_rate_at_each_epoch():
    model, x, y = small_problem()
    sched, rec = LearningRateScheduler(lambda epoch, lr: 0.1 * 0.5 ** epoch), Recorder()
    model.fit(x, y, epochs=3, batch_size=4, callbacks=[sched, rec], verbose=0,
              rng=np.random.default_rng(1))
    assert [logs["learning_rate"] for logs in rec.epoch_logs] == [0.1, 0.05, 0.025]
    assert model.optimizer.lr == 0.025


def test_history_records_the_rate_only_under_a_schedule():
    """As Keras: the learning rate enters History when a LearningRateScheduler sets it."""
    model, x, y = small_problem()
    hist = model.fit(x, y, epochs=3, batch_size=4, verbose=0, rng=np.random.default_rng(1),
                     callbacks=[LearningRateScheduler(lambda epoch: 0.2 / (epoch + 1))])
    assert hist.history["learning_rate"] == [0.2, 0.1, 0.2 / 3]
    assert "learning_rate" not in model.fit(x, y, epochs=1, verbose=0).history


def test_a_learners_rate_callback_is_recorded_through_the_callback_interface():
    """The loop knows no callback class: a learner's callback that sets the rate through
    Keras' name ``optimizer.learning_rate`` and declares ``changes_learning_rate`` gets
    the rate recorded, exactly as LearningRateScheduler does."""
    class Halve(Callback):
        changes_learning_rate = True

        def on_epoch_begin(self, epoch, logs=None):
            self.model.optimizer.learning_rate = 0.2 * 0.5 ** epoch

    model, x, y = small_problem()
    hist = model.fit(x, y, epochs=3, batch_size=4, verbose=0, rng=np.random.default_rng(1),
                     callbacks=[Halve()])
    assert hist.history["learning_rate"] == [0.2, 0.1, 0.05] and model.optimizer.lr == 0.05
    assert not Recorder().changes_learning_rate and LearningRateScheduler(abs).changes_learning_rate


def test_single_callback_not_in_a_list():
    model, x, y = small_problem()
    with pytest.raises(ValueError, match=r"Wrap it in a list"):
        model.fit(x, y, callbacks=EarlyStopping(monitor="loss"), verbose=0)


# --------------------------------------------------------------------------
# the progress display of fit


def final_lines(hist, epochs=2):
    return [f"Epoch {e + 1}/{epochs}  3/3 [{'=' * 20}] - loss: {hist.history['loss'][e]:.4g}"
            for e in range(epochs)]


def test_fit_verbose_2_prints_one_final_line_per_epoch(capsys):
    model, x, y = small_problem()
    hist = model.fit(x, y, epochs=2, batch_size=4, verbose=2, rng=np.random.default_rng(1))
    assert capsys.readouterr().out == "".join(line + "\n" for line in final_lines(hist))


def test_fit_verbose_2_prints_columns(capsys):
    model, x, y = small_problem()
    hist = model.fit(x, y, epochs=12, batch_size=4, verbose=2, validation_data=(x, y),
                     rng=np.random.default_rng(1))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Epoch  1/12  3/3 [") and lines[-1].startswith("Epoch 12/12  3/3 [")
    for key in (" - loss: ", " - val_loss: "):
        assert len({line.index(key) for line in lines}) == 1
    assert lines[-1].endswith(f" - val_loss: {hist.history['val_loss'][-1]:.4g}")


def test_fit_verbose_1_collapses_to_the_final_lines(capsys):
    model, x, y = small_problem()
    hist = model.fit(x, y, epochs=2, batch_size=4, verbose=1, rng=np.random.default_rng(1))
    out = capsys.readouterr().out
    collapsed = re.sub(r"^.*\r(?=[^\n])", "", out, flags=re.MULTILINE)    # what nbval keeps
    assert [line.rstrip() for line in collapsed.splitlines()] == final_lines(hist)
    assert "ETA" in out and "ETA" not in collapsed


def test_fit_verbose_0_is_silent(capsys):
    model, x, y = small_problem()
    model.fit(x, y, epochs=2, batch_size=4, verbose=0, rng=np.random.default_rng(1))
    assert capsys.readouterr().out == ""


def test_history_params_and_key_are_keras_3s():
    """Recorded from Keras 3.15 (torch backend): ``fit(x, y, epochs=2, batch_size=4,
    validation_split=0.2, verbose=0)`` on 23 samples gives ``history.params ==
    {'verbose': 0, 'epochs': 2, 'steps': 5}`` (18 training samples → 5 batches), and a
    LearningRateScheduler's rate is in ``history.history["learning_rate"]``."""
    model, x, y = small_problem(m=23)
    hist = model.fit(x, y, epochs=2, batch_size=4, validation_split=0.2, verbose=0,
                     callbacks=[LearningRateScheduler(lambda epoch, lr: lr)])
    assert hist.params == {"verbose": 0, "epochs": 2, "steps": 5}
    assert sorted(hist.history) == ["learning_rate", "loss", "val_loss"]


def test_model_checkpoint_makes_its_folder_as_keras_does(tmp_path):
    model, x, y = small_problem()
    ck = ModelCheckpoint(tmp_path / "runs" / "one" / "ckpt-{epoch:02d}")
    model.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0, callbacks=[ck])
    assert sorted(p.name for p in (tmp_path / "runs" / "one").iterdir()) == ["ckpt-01.npz", "ckpt-02.npz"]
    np.testing.assert_array_equal(nb.load_model(ck.last_path).predict(x), model.predict(x))
