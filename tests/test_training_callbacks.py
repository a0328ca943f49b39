"""Tests for nnbook.callbacks against hand-worked epochs: a tiny fake model (the public
side a callback may use: get_weights/set_weights/save/optimizer.lr/stop_training) and a
loop that calls the hooks in fit's order, so these tests do not depend on fit."""

import math
import pathlib
from types import SimpleNamespace

import numpy as np
import pytest

from nnbook.callbacks import (Callback, CallbackList, EarlyStopping, LearningRateScheduler,
                              ModelCheckpoint)


class FakeModel:
    """One weight, set to the epoch number during each epoch (so weights name their epoch)."""

    def __init__(self, lr=0.1):
        self.w = [np.array([-1.0])]
        self.optimizer = SimpleNamespace(lr=lr)
        self.stop_training = False
        self.saved = []                       # (path, weights) of every save

    def get_weights(self):
        return [w.copy() for w in self.w]

    def set_weights(self, weights):
        self.w = [np.array(w, dtype=float) for w in weights]

    def save(self, path):
        path = path if path.endswith(".npz") else path + ".npz"
        self.saved.append((path, self.get_weights()[0][0]))
        return path


def train(callbacks, logs_per_epoch, model=None):
    """fit's order of hooks; epoch e's training sets the weight to e. Returns (model, epochs run)."""
    model = model or FakeModel()
    cl = CallbackList(callbacks, model=model,
                      params={"epochs": len(logs_per_epoch), "steps": 1, "verbose": 0})
    model.stop_training = False
    cl.on_train_begin({})
    ran = 0
    for epoch, logs in enumerate(logs_per_epoch):
        cl.on_epoch_begin(epoch, {})
        cl.on_batch_begin(0, {})
        model.w = [np.array([float(epoch)])]
        cl.on_batch_end(0, {"loss": 0.0})
        cl.on_epoch_end(epoch, dict(logs))
        ran += 1
        if model.stop_training:
            break
    cl.on_train_end({})
    return model, ran


def val(*values):
    return [{"loss": 1.0, "val_loss": v} for v in values]


# --------------------------------------------------------------------------
# Callback and CallbackList


class Recorder(Callback):
    def __init__(self, name, calls):
        super().__init__()
        self.name, self.calls = name, calls

    def on_train_begin(self, logs=None): self.calls.append((self.name, "train_begin", None, id(logs)))
    def on_train_end(self, logs=None): self.calls.append((self.name, "train_end", None, id(logs)))
    def on_epoch_begin(self, epoch, logs=None): self.calls.append((self.name, "epoch_begin", epoch, id(logs)))
    def on_epoch_end(self, epoch, logs=None): self.calls.append((self.name, "epoch_end", epoch, id(logs)))
    def on_batch_begin(self, batch, logs=None): self.calls.append((self.name, "batch_begin", batch, id(logs)))
    def on_batch_end(self, batch, logs=None): self.calls.append((self.name, "batch_end", batch, id(logs)))


def test_base_callback_hooks_do_nothing_and_keep_model_and_params():
    cb, model = Callback(), FakeModel()
    assert cb.model is None and cb.params == {}
    for hook in ("on_train_begin", "on_train_end"):
        assert getattr(cb, hook)({"loss": 1.0}) is None
    for hook in ("on_epoch_begin", "on_epoch_end", "on_batch_begin", "on_batch_end"):
        assert getattr(cb, hook)(0, {"loss": 1.0}) is None
    cb.set_model(model)
    params = {"epochs": 3, "steps": 2, "verbose": 1}
    cb.set_params(params)
    params["epochs"] = 99
    assert cb.model is model and cb.params == {"epochs": 3, "steps": 2, "verbose": 1}


def test_callback_list_calls_each_callback_in_order_with_the_same_logs():
    calls = []
    a, b = Recorder("a", calls), Recorder("b", calls)
    model = FakeModel()
    cl = CallbackList([a, b], model=model, params={"epochs": 1, "steps": 2, "verbose": 0})
    assert len(cl) == 2 and list(cl) == [a, b]
    assert a.model is model and b.params == {"epochs": 1, "steps": 2, "verbose": 0}
    logs = {"loss": 1.0}
    cl.on_train_begin(logs)
    cl.on_epoch_begin(0, logs)
    cl.on_batch_begin(1, logs)
    cl.on_batch_end(1, logs)
    cl.on_epoch_end(0, logs)
    cl.on_train_end(logs)
    assert [c[:3] for c in calls] == [
        (n, h, i) for h, i in [("train_begin", None), ("epoch_begin", 0), ("batch_begin", 1),
                               ("batch_end", 1), ("epoch_end", 0), ("train_end", None)]
        for n in "ab"]
    assert {c[3] for c in calls} == {id(logs)}


def test_callback_list_lets_a_callback_add_to_the_logs_of_the_next():
    seen = {}

    class Reader(Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.update(logs)

    model = FakeModel(lr=0.5)
    cl = CallbackList([LearningRateScheduler(lambda e, lr: lr), Reader()], model=model)
    cl.on_epoch_begin(0, {})
    cl.on_epoch_end(0, {"loss": 2.0})
    assert seen == {"loss": 2.0, "learning_rate": 0.5}


def test_callback_list_empty_and_none():
    assert len(CallbackList()) == 0 and len(CallbackList(None)) == 0
    CallbackList([]).on_epoch_end(0, {})          # nothing to call, no error


def test_callback_list_refuses_a_class():
    with pytest.raises(ValueError, match=r"item 1 is the class EarlyStopping.*Did you mean EarlyStopping\(\)\?"):
        CallbackList([Callback(), EarlyStopping])


def test_callback_list_refuses_a_single_callback():
    with pytest.raises(ValueError, match=r"single callback EarlyStopping\. Wrap it in a list"):
        CallbackList(EarlyStopping())


def test_callback_list_refuses_other_objects():
    with pytest.raises(ValueError, match=r"item 0 is 'stop', expected a Callback.*subclass of nb\.callbacks\.Callback"):
        CallbackList(["stop"])


# --------------------------------------------------------------------------
# EarlyStopping, worked by hand
#   wait counts epochs since the best; stop when wait >= patience (not at epoch 0)


def test_early_stopping_patience_2():
    # epoch:     0    1    2     3
    # val_loss: 1.0  0.8  0.9  0.85  → best 0.8 at 1; wait 1 at epoch 2, 2 at epoch 3 → stop
    es = EarlyStopping(patience=2)
    model, ran = train([es], val(1.0, 0.8, 0.9, 0.85, 0.7))
    assert ran == 4 and es.stopped_epoch == 3
    assert es.best == 0.8 and es.best_epoch == 1 and es.wait == 2
    assert model.w[0][0] == 3.0                       # weights not restored by default


def test_early_stopping_patience_0_stops_at_the_first_epoch_without_improvement():
    es = EarlyStopping(monitor="val_loss")
    _, ran = train([es], val(1.0, 0.9, 0.9, 0.5))     # equal is not better
    assert ran == 3 and es.stopped_epoch == 2 and es.best_epoch == 1


def test_early_stopping_restores_the_best_weights_when_it_stops():
    es = EarlyStopping(patience=2, restore_best_weights=True)
    model, ran = train([es], val(1.0, 0.8, 0.9, 0.85, 0.7))
    assert ran == 4 and model.w[0][0] == 1.0          # the weights of epoch 1
    assert es.best_weights[0][0] == 1.0


def test_early_stopping_restores_the_best_weights_even_without_stopping():
    # Keras 3: the best weights come back at the end of training in any case
    es = EarlyStopping(patience=5, restore_best_weights=True)
    model, ran = train([es], val(1.0, 0.5, 0.7))
    assert ran == 3 and es.stopped_epoch == 0
    assert model.w[0][0] == 1.0


def test_early_stopping_min_delta():
    # 0.95 + 0.1 < 1.0 is false: no improvement, stop at epoch 1
    es = EarlyStopping(min_delta=0.1, patience=1)
    _, ran = train([es], val(1.0, 0.95, 0.5))
    assert ran == 2 and es.stopped_epoch == 1 and es.best == 1.0
    # 0.85 + 0.1 < 1.0 is true: improvement; min_delta's sign is ignored, as in Keras
    es = EarlyStopping(min_delta=-0.1, patience=1)
    _, ran = train([es], val(1.0, 0.85, 0.8))
    assert ran == 3 and es.stopped_epoch == 2 and es.best == 0.85


def test_early_stopping_auto_mode_maximises_accuracy():
    es = EarlyStopping(monitor="val_accuracy")
    logs = [{"val_accuracy": a} for a in (0.5, 0.6, 0.6, 0.9)]
    _, ran = train([es], logs)
    assert es.mode == "max" and ran == 3 and es.best == 0.6 and es.best_epoch == 1


@pytest.mark.parametrize("monitor, mode", [
    ("loss", "min"), ("val_loss", "min"), ("accuracy", "max"), ("val_acc", "max"),
    ("binary_accuracy", "max"), ("val_mse", "min"),
])
def test_auto_mode(monitor, mode):
    assert EarlyStopping(monitor=monitor).mode == mode
    assert ModelCheckpoint("m", monitor=monitor).mode == mode


def test_early_stopping_explicit_max_mode_on_a_loss_name():
    es = EarlyStopping(monitor="loss", mode="max")
    _, ran = train([es], [{"loss": v} for v in (1.0, 2.0, 1.5)])
    assert ran == 3 and es.best == 2.0 and es.stopped_epoch == 2


def test_early_stopping_baseline():
    # Keras 3: an improvement over the best resets wait only if it also beats the baseline.
    # epoch 0: wait 1, best 1.0 (not < 0.5: wait stays); epoch 1: wait 2, best 0.9;
    # epoch 2: 0.95 is no improvement, wait 3 ≥ 2 → stop
    es = EarlyStopping(patience=2, baseline=0.5)
    _, ran = train([es], val(1.0, 0.9, 0.95, 0.1))
    assert ran == 3 and es.stopped_epoch == 2 and es.wait == 3
    # without the baseline the same numbers go on (wait is 1 at epoch 2)
    es = EarlyStopping(patience=2)
    _, ran = train([es], val(1.0, 0.9, 0.95, 0.1))
    assert ran == 4 and es.stopped_epoch == 0 and es.best == 0.1
    # beating the baseline resets wait as usual
    es = EarlyStopping(patience=1, baseline=0.5)
    _, ran = train([es], val(0.4, 0.3, 0.2))
    assert ran == 3 and es.wait == 0


def test_early_stopping_start_from_epoch():
    es = EarlyStopping(monitor="loss", start_from_epoch=2)
    _, ran = train([es], [{"loss": v} for v in (1.0, 2.0, 3.0, 4.0, 0.1)])
    assert ran == 4 and es.best == 3.0 and es.best_epoch == 2 and es.stopped_epoch == 3


def test_early_stopping_can_be_reused():
    es = EarlyStopping(patience=0, restore_best_weights=True)
    train([es], val(1.0, 2.0))
    assert es.stopped_epoch == 1
    model, ran = train([es], val(5.0, 4.0, 3.0))
    assert ran == 3 and es.best == 3.0 and es.stopped_epoch == 0 and model.w[0][0] == 2.0


def test_early_stopping_verbose_messages(capsys):
    train([EarlyStopping(patience=1, verbose=1, restore_best_weights=True)], val(1.0, 0.5, 0.7))
    assert capsys.readouterr().out == (
        "Epoch 3: early stopping\n"
        "Restoring model weights from the end of the best epoch: 2.\n")


def test_early_stopping_missing_monitor_is_an_error_naming_the_keys():
    es = EarlyStopping()
    with pytest.raises(ValueError, match=r"EarlyStopping: monitor='val_loss' is not in the logs "
                       r"of this epoch; the logs hold 'loss', 'accuracy'\. .*validation_split"):
        train([es], [{"loss": 1.0, "accuracy": 0.5}])


@pytest.mark.parametrize("kwargs, match", [
    ({"mode": "smallest"}, r"expected mode 'auto', 'min' or 'max', got 'smallest'"),
    ({"monitor": "val_f2"}, r"cannot tell whether monitor='val_f2'.*mode='min'.*mode='max'"),
    ({"patience": -1}, r"patience to be an integer ≥ 0, got -1"),
    ({"patience": 1.5}, r"patience to be an integer ≥ 0"),
    ({"min_delta": "0.1"}, r"min_delta to be a number, got '0.1'"),
    ({"baseline": math.nan}, r"baseline to be a number, got nan"),
])
def test_early_stopping_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match="EarlyStopping: .*" + match):
        EarlyStopping(**kwargs)


# --------------------------------------------------------------------------
# ModelCheckpoint


def test_checkpoint_every_epoch_formats_epoch_from_1_and_logs():
    ck = ModelCheckpoint("m-{epoch:02d}-{val_loss:.2f}")
    model, _ = train([ck], val(0.5, 0.25, 0.75))
    assert model.saved == [("m-01-0.50.npz", 0.0), ("m-02-0.25.npz", 1.0), ("m-03-0.75.npz", 2.0)]
    assert ck.last_path == "m-03-0.75.npz"


def test_checkpoint_save_best_only():
    ck = ModelCheckpoint("best.npz", save_best_only=True)
    model, _ = train([ck], val(0.5, 0.6, 0.4, 0.4))
    assert model.saved == [("best.npz", 0.0), ("best.npz", 2.0)]   # 0.4 again is not better
    assert ck.best == 0.4


def test_checkpoint_save_best_only_max_mode():
    ck = ModelCheckpoint("m{epoch}", monitor="val_accuracy", save_best_only=True)
    model, _ = train([ck], [{"val_accuracy": a} for a in (0.5, 0.7, 0.6)])
    assert [p for p, _ in model.saved] == ["m1.npz", "m2.npz"] and ck.best == 0.7


def test_checkpoint_accepts_a_path(tmp_path):
    ck = ModelCheckpoint(tmp_path / "ep{epoch}.npz", monitor="loss")
    model, _ = train([ck], [{"loss": 1.0}])
    assert model.saved[0][0] == str(tmp_path / "ep1.npz")
    assert isinstance(ck.filepath, str) and isinstance(tmp_path, pathlib.Path)


def test_checkpoint_verbose_messages(capsys):
    train([ModelCheckpoint("b", save_best_only=True, verbose=1)], val(0.5, 0.6))
    train([ModelCheckpoint("e{epoch}", verbose=1)], val(0.5))
    assert capsys.readouterr().out == (
        "Epoch 1: val_loss improved from inf to 0.5, saving model to b\n"
        "Epoch 2: val_loss did not improve from 0.5\n"
        "Epoch 1: saving model to e1\n")


def test_checkpoint_unknown_key_in_filepath():
    ck = ModelCheckpoint("m-{val_acc:.2f}")
    with pytest.raises(ValueError, match=r"ModelCheckpoint: filepath 'm-\{val_acc:.2f\}' names "
                       r"'val_acc'.*keys are 'epoch', 'loss', 'val_loss'"):
        train([ck], val(0.5))


def test_checkpoint_missing_monitor():
    ck = ModelCheckpoint("m", save_best_only=True)
    with pytest.raises(ValueError, match=r"ModelCheckpoint: monitor='val_loss' is not in the logs.*'loss'"):
        train([ck], [{"loss": 1.0}])


# --------------------------------------------------------------------------
# LearningRateScheduler


def test_scheduler_two_argument_schedule():
    sched = LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    seen = []

    class Watch(Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append((self.model.optimizer.lr, logs["learning_rate"]))

    model, _ = train([sched, Watch()], [{"loss": 1.0}] * 3, FakeModel(lr=0.1))
    assert seen == [(0.05, 0.05), (0.025, 0.025), (0.0125, 0.0125)]
    assert model.optimizer.lr == 0.0125


def test_scheduler_one_argument_schedule_counts_epochs_from_0():
    model, _ = train([LearningRateScheduler(lambda epoch: 0.1 / (1 + epoch))],
                     [{"loss": 1.0}] * 3, FakeModel(lr=7.0))
    assert model.optimizer.lr == pytest.approx(0.1 / 3)


def test_scheduler_accepts_functions_and_callable_objects():
    def step_decay(epoch, lr, drop=0.5):
        return lr * drop if epoch == 1 else lr

    class Constant:
        def __call__(self, epoch):
            return 0.3

    model, _ = train([LearningRateScheduler(step_decay)], [{"loss": 1.0}] * 3, FakeModel(lr=0.2))
    assert model.optimizer.lr == 0.1
    model, _ = train([LearningRateScheduler(Constant())], [{"loss": 1.0}], FakeModel())
    assert model.optimizer.lr == 0.3


def test_scheduler_puts_lr_into_the_logs():
    sched = LearningRateScheduler(lambda e, lr: 0.25)
    sched.set_model(FakeModel())
    sched.on_epoch_begin(0, {})
    logs = {"loss": 1.0}
    sched.on_epoch_end(0, logs)
    assert logs == {"loss": 1.0, "learning_rate": 0.25} and type(logs["learning_rate"]) is float


def test_scheduler_verbose(capsys):
    train([LearningRateScheduler(lambda e, lr: lr / 10, verbose=1)], [{"loss": 1.0}] * 2)
    assert capsys.readouterr().out == (
        "Epoch 1: LearningRateScheduler setting learning rate to 0.01.\n"
        "Epoch 2: LearningRateScheduler setting learning rate to 0.001.\n")


@pytest.mark.parametrize("value", [math.nan, -0.1, math.inf, "0.1", None, True])
def test_scheduler_bad_value(value):
    with pytest.raises(ValueError, match=r"schedule\(0, lr\) returned .*expected a finite number ≥ 0"):
        train([LearningRateScheduler(lambda e, lr: value)], [{"loss": 1.0}])


def test_scheduler_needs_a_callable_and_an_optimizer():
    with pytest.raises(ValueError, match=r"expected a function schedule\(epoch, lr\), got 0.1"):
        LearningRateScheduler(0.1)
    model = FakeModel()
    model.optimizer = None
    with pytest.raises(ValueError, match=r"no optimizer with an lr yet.*model\.compile"):
        train([LearningRateScheduler(lambda e, lr: lr)], [{"loss": 1.0}], model)


# the names ------------------------------------------------------------------------------------
def test_every_callback_is_still_reached_through_nb_callbacks():
    import nnbook as nb
    from nnbook.training import callback_base, callbacks, monitoring

    assert all(getattr(nb.callbacks, n) is getattr(callbacks, n) for n in callbacks.__all__)
    assert sorted(callbacks.__all__) == ["Callback", "CallbackList", "EarlyStopping",
                                         "LearningRateScheduler", "ModelCheckpoint"]
    assert nb.callbacks.SampleText is nb.inference.text.SampleText   # beside sample_text
    assert (Callback, CallbackList) == (callback_base.Callback, callback_base.CallbackList)
    assert (EarlyStopping, ModelCheckpoint) == (monitoring.EarlyStopping,
                                                monitoring.ModelCheckpoint)
    assert all(issubclass(getattr(callbacks, n), Callback) for n in callbacks.__all__
               if n != "CallbackList")
