"""nnbook/training/batches.py: the sources of batches that the one training loop walks
(issue 68, "one fit for every model"). Each source gives the batches the loop it replaced
gave, in the same order from the same generator, so every stored number stays; the loop
then gives each model the same callbacks, progress and blame."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.training.batches import (FreshBatches, MeanOfBatches, OwnSteps, ShuffledEpochs,
                                     objective_step)
from nnbook.training.loop import fit_fresh

G = nb.generative


def test_shuffled_epochs_are_one_permutation_an_epoch_in_batches():
    x, y = np.arange(10.0).reshape(10, 1), np.arange(10)
    source = ShuffledEpochs(x, y, 4)
    rng, ref = np.random.default_rng(0), np.random.default_rng(0)
    for _ in range(2):                                     # a new order every epoch
        batches, perm = source.epoch(rng), ref.permutation(10)
        assert [len(xb) for xb, _ in batches] == [4, 4, 2] and source.steps == 3
        assert np.array_equal(np.concatenate([yb for _, yb in batches]), perm)
        assert all(np.array_equal(xb[:, 0], yb) for xb, yb in batches)   # rows stay paired
        assert not batches[0][0].flags.writeable                          # as the data
    assert source.where(2) == "batch starting at sample 8"


def test_unshuffled_epochs_keep_the_order_and_draw_nothing():
    x = np.arange(6.0).reshape(6, 1)
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    batches = ShuffledEpochs(x, None, 4, shuffle=False).epoch(rng)
    assert [b[0][:, 0].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5]]
    assert batches[0][1] is None and rng.bit_generator.state == state


def test_fresh_batches_draw_before_each_step_and_keep_each_loss():
    model = nb.Sequential([nb.Dense(1, 1, rng=np.random.default_rng(0))])
    model.compile(nb.SGD(lr=0.1), "mse")
    drawn = []

    def draw(rng):
        x = rng.normal(size=(8, 1))
        drawn.append(x)
        return x, 2 * x

    source = FreshBatches(model, draw, 5)
    rng = np.random.default_rng(1)
    for i, (xb, yb) in enumerate(source.epoch(rng)):
        assert len(drawn) == i + 1                       # drawn just before its step
        logs = source.step(xb, yb)
        assert source.losses[i] == logs["loss"]
    assert source.where(3) == "step 3"


def test_mean_of_batches_is_the_plain_mean():
    means = MeanOfBatches()
    for v in (1.0, 2.0, 4.0):
        means.add({"loss": v}, None)
    assert means.means() == {"loss": np.mean([1.0, 2.0, 4.0])}


def test_train_denoiser_gets_fit_callbacks_progress_and_blame(capsys):
    rng = np.random.default_rng(0)
    data = rng.normal(size=(64, 2))
    model = G.denoiser(2, hidden=8, rng=rng)
    model.compile(nb.Adam(lr=1e-3), "mse")
    seen = []

    class Count(nb.callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append(batch)

    losses = G.train_denoiser(model, data, schedule=G.LinearSchedule(), steps=7, batch_size=16,
                              rng=rng, callbacks=[Count()], verbose=2)
    assert seen == list(range(7)) and losses.shape == (7,) and np.isfinite(losses).all()
    assert "loss" in capsys.readouterr().out                              # the progress line
    model.compile(nb.SGD(lr=1e30), "mse")                                 # diverges at once
    with pytest.raises(FloatingPointError, match=r"train_denoiser: the loss became") as err:
        G.train_denoiser(model, data, schedule=G.LinearSchedule(), steps=50, batch_size=16,
                         rng=rng)
    assert "layer" in err.value.blame                                     # names a layer
    with pytest.raises(ValueError, match="train_denoiser: expected verbose 0, 1 or 2"):
        G.train_denoiser(model, data, schedule=G.LinearSchedule(), steps=2, verbose=3)


def test_vae_fit_walks_the_same_loop_with_its_own_step():
    vae = G.VAE(3, 1, hidden=(4,), rng=np.random.default_rng(0))
    x = np.random.default_rng(1).normal(size=(40, 3))
    stopped = nb.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=1e9)
    history = vae.fit(x, epochs=5, batch_size=8, rng=np.random.default_rng(2),
                      callbacks=[stopped])
    assert history.shape == (2,)                  # EarlyStopping stopped it after epoch 1
    source = OwnSteps(vae, x, 8, np.random.default_rng(0))
    assert source.weights(vae)[0] is vae.gradient_pairs()[0][0]
    vae.encoder.layers[0].params["W"][0, 0] = np.nan
    assert "parameter 0 of gradient_pairs()" in source.blame(vae, x[:8])


def test_objective_step_is_the_hand_loop_and_fit_fresh_gives_it_fit():
    """issue 77: the experiments' loops on a loss that is not a Loss object (chapter 22's
    policy gradient and DPO) run objective_step through fit_fresh: the same weights as the
    hand loop they replaced, then fit's callbacks, epochs, resuming and divergence error."""
    def objective(out, target, weight):               # not a Loss: ½ Σ w (out − target)²
        d = weight * (out - target)
        return 0.5 * float(np.vdot(d, out - target)), d

    def draw(rng):
        x = rng.normal(size=(8, 2))
        return x, (x @ np.array([[1.0], [-2.0]]), rng.uniform(size=(8, 1)))

    def model():
        net = nb.Sequential([nb.Dense(2, 4, rng=np.random.default_rng(0)), nb.Tanh(),
                             nb.Dense(4, 1, rng=np.random.default_rng(1))])
        net.compile(nb.Adam(lr=0.01), "mse")
        return net

    by_hand, rng = model(), np.random.default_rng(2)
    for _ in range(2 * 5):
        xb, (target, weight) = draw(rng)
        out = by_hand.forward(xb, training=True)
        _, d_out = objective(out, target, weight)
        by_hand.backward(d_out, need_dx=False)
        by_hand.optimizer.step(by_hand.gradient_pairs())
    looped, seen = model(), []

    class Count(nb.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append((epoch, logs["loss"]))

    losses = fit_fresh(looped, draw, 5, epochs=2, step=objective_step(looped, objective),
                       rng=np.random.default_rng(2), callbacks=[Count()])
    assert losses.shape == (10,) and [e for e, _ in seen] == [0, 1]
    assert seen[1][1] == np.mean(losses[5:])          # an epoch's loss: its steps' mean
    for a, b in zip(by_hand.get_weights(), looped.get_weights()):
        np.testing.assert_array_equal(a, b)            # the same numbers as the hand loop
    assert len(fit_fresh(looped, draw, 5, epochs=3, initial_epoch=2,
                         step=objective_step(looped, objective),
                         rng=np.random.default_rng(3))) == 5          # resumes at epoch 2
    looped.compile(nb.SGD(lr=1e30), "mse")
    with pytest.raises(FloatingPointError, match=r"my_loop: the loss became"):
        fit_fresh(looped, draw, 50, step=objective_step(looped, objective),
                  rng=np.random.default_rng(4), owner="my_loop")
