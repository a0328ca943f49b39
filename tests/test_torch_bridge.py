"""nnbook.torch_bridge: ``to_torch`` and ``from_torch`` give models that compute
the same thing (float64, to 1e-10), round trips keep every parameter, one SGD
step updates the weights identically in both frameworks, and unsupported
layers raise. Needs PyTorch (`pip install torch==2.13.0`, the CPU build);
skipped without it. Importing nnbook never imports torch.
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="the PyTorch bridge tests need torch (pip install torch==2.13.0, CPU build)")
nn = torch.nn

import nnbook as nb  # noqa: E402
from nnbook.torch_bridge._modules import NCHWToNHWC, NHWCToNCHW, SamePad2d, SamePool2d  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TOL = 1e-10


def randomise(model, rng, scale=0.5):
    """Random weights and biases (not the zero biases of a fresh layer)."""
    for layer in model.layers:
        for p in layer.params.values():
            p[...] = rng.normal(scale=scale, size=p.shape)
    return model


def mlp(rng, dtype=np.float64):
    return randomise(nb.Sequential([
        nb.Dense(5, 7, rng=rng, dtype=dtype), nb.Sigmoid(),
        nb.Dense(7, 6, rng=rng, dtype=dtype), nb.Tanh(),
        nb.Dense(6, 4, rng=rng, dtype=dtype), nb.ReLU(),
        nb.Dense(4, 3, rng=rng, dtype=dtype), nb.Softmax(),
    ]), rng)


def cnn(rng, dtype=np.float64):
    """Conv2D, ReLU, MaxPool2D, AvgPool2D, Flatten, Dense, Softmax on (m, 9, 10, 2) images."""
    return randomise(nb.Sequential([
        nb.Conv2D(2, 4, 3, padding=1, rng=rng, dtype=dtype), nb.ReLU(),    # (9, 10, 4)
        nb.MaxPool2D(2), nb.Tanh(),                                         # (4, 5, 4)
        nb.Conv2D(4, 3, 2, stride=1, rng=rng, dtype=dtype), nb.ReLU(),      # (3, 4, 3)
        nb.AvgPool2D(2, stride=1),                                          # (2, 3, 3)
        nb.Flatten(), nb.Dense(18, 5, rng=rng, dtype=dtype), nb.Softmax(),
    ]), rng)


def images(rng, m=6):
    return rng.normal(size=(m, 9, 10, 2))


def run(module, x):
    with torch.no_grad():
        return module(torch.from_numpy(x)).numpy()


CASES = [(mlp, lambda rng: rng.normal(size=(8, 5))), (cnn, images)]
IDS = ["mlp", "cnn"]


# --- same predictions ------------------------------------------------------

@pytest.mark.parametrize("make, data", CASES, ids=IDS)
def test_to_torch_predicts_the_same(make, data):
    rng = np.random.default_rng(0)
    model, x = make(rng), data(rng)
    t = nb.to_torch(model)
    assert isinstance(t, nn.Sequential)
    assert all(p.dtype == torch.float64 for p in t.parameters())
    y = run(t, x)
    assert y.shape == model.predict(x).shape
    np.testing.assert_allclose(y, model.predict(x), rtol=0, atol=TOL)


@pytest.mark.parametrize("make, data", CASES, ids=IDS)
def test_round_trip_keeps_every_parameter(make, data):
    rng = np.random.default_rng(1)
    model, x = make(rng), data(rng)
    back = nb.from_torch(nb.to_torch(model))
    assert [type(l) for l in back.layers] == [type(l) for l in model.layers]
    assert [l.get_config() for l in back.layers] == [l.get_config() for l in model.layers]
    assert back.params.keys() == model.params.keys()
    for k, p in model.params.items():
        assert back.params[k].dtype == p.dtype
        np.testing.assert_array_equal(back.params[k], p, err_msg=k)
    np.testing.assert_allclose(back.predict(x), model.predict(x), rtol=0, atol=TOL)


def test_from_torch_predicts_the_same_for_a_torch_built_mlp():
    torch.manual_seed(0)
    t = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3), nn.Softmax(dim=1)).double()
    x = np.random.default_rng(2).normal(size=(5, 4))
    model = nb.from_torch(t)
    assert [type(l) for l in model.layers] == [nb.Dense, nb.Tanh, nb.Dense, nb.Softmax]
    np.testing.assert_allclose(model.predict(x), run(t, x), rtol=0, atol=TOL)
    np.testing.assert_array_equal(model.layers[0].params["W"], t[0].weight.detach().numpy().T)


def test_torch_model_layout_modules_sit_around_the_image_layers():
    t = nb.to_torch(cnn(np.random.default_rng(3)))
    kinds = [type(m) for m in t]
    assert kinds[0] is NHWCToNCHW
    assert kinds[kinds.index(nn.Flatten) - 1] is NCHWToNHWC
    assert t[-1].dim == -1
    # the Linear after Flatten holds exactly W.T: Flatten sees channels-last maps
    dense = [m for m in t if isinstance(m, nn.Linear)][0]
    assert dense.weight.shape == (5, 18)


def test_a_model_that_ends_with_images_returns_nhwc():
    rng = np.random.default_rng(4)
    model = randomise(nb.Sequential([nb.Conv2D(2, 3, 3, stride=2, padding=2, rng=rng),
                                     nb.Softmax()]), rng)        # softmax over the channels
    x = images(rng)
    t = nb.to_torch(model)
    assert t[-2].dim == 1 and type(t[-1]) is NCHWToNHWC
    np.testing.assert_allclose(run(t, x), model.predict(x), rtol=0, atol=TOL)
    back = nb.from_torch(t)
    np.testing.assert_allclose(back.predict(x), model.predict(x), rtol=0, atol=TOL)


def test_float32_stays_float32():
    rng = np.random.default_rng(5)
    model, x = cnn(rng, dtype=np.float32), images(rng).astype(np.float32)
    t = nb.to_torch(model)
    assert all(p.dtype == torch.float32 for p in t.parameters())
    np.testing.assert_allclose(run(t, x), model.predict(x), rtol=0, atol=1e-5)
    back = nb.from_torch(t)
    assert back.dtype == np.float32


def test_weights_are_copies_and_torch_random_state_is_untouched():
    model = mlp(np.random.default_rng(6))
    state = torch.get_rng_state()
    t = nb.to_torch(model)
    assert torch.equal(state, torch.get_rng_state()), "to_torch drew from torch's global RNG"
    before = model.layers[0].params["W"].copy()
    with torch.no_grad():
        t[0].weight += 1.0
    np.testing.assert_array_equal(model.layers[0].params["W"], before)
    back = nb.from_torch(t)
    back.layers[0].params["W"][...] = 0.0
    assert torch.all(t[0].weight != 0)


# --- plain PyTorch conv models (NCHW) ---------------------------------------

def plain_cnn():
    torch.manual_seed(1)
    return nn.Sequential(
        nn.Conv2d(2, 4, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),    # (4, 4, 5)
        nn.Sequential(nn.Conv2d(4, 3, (2, 2), stride=(1, 1)), nn.Sigmoid()),  # (3, 3, 4), nested
        nn.Flatten(), nn.ReLU(), nn.Linear(36, 5), nn.Softmax(dim=-1),
    ).double()


def test_plain_nchw_model_with_input_shape():
    t = plain_cnn()
    x = images(np.random.default_rng(7))                     # NHWC for nnbook
    y_torch = run(t, np.ascontiguousarray(x.transpose(0, 3, 1, 2)))   # NCHW for torch
    model = nb.from_torch(t, input_shape=(9, 10, 2))
    assert model.input_shape == (9, 10, 2)
    assert model.layers[0].padding == "same"                 # PyTorch's stride-1 "same" is Keras'
    np.testing.assert_allclose(model.predict(x), y_torch, rtol=0, atol=TOL)
    # and back: to_torch's version takes the NHWC images
    np.testing.assert_allclose(run(nb.to_torch(model), x), y_torch, rtol=0, atol=TOL)


def test_plain_nchw_model_needs_the_image_size_to_reorder_the_flatten():
    with pytest.raises(ValueError, match=r"module 7 Linear.*flattened channels first.*"
                                         r"pass input_shape=\(h, w, c\)"):
        nb.from_torch(plain_cnn())


def test_plain_nchw_model_with_one_channel_needs_no_image_size():
    torch.manual_seed(2)
    t = nn.Sequential(nn.Conv2d(1, 1, 3), nn.Flatten(), nn.Linear(42, 2)).double()
    x = np.random.default_rng(8).normal(size=(3, 8, 9, 1))
    model = nb.from_torch(t)
    np.testing.assert_allclose(model.predict(x), run(t, x.transpose(0, 3, 1, 2).copy()),
                               rtol=0, atol=TOL)


def test_plain_nchw_model_that_pools_first_needs_the_image_size():
    torch.manual_seed(3)
    t = nn.Sequential(nn.AvgPool2d(2), nn.Flatten(), nn.Linear(18, 2)).double()
    with pytest.raises(ValueError, match=r"module 2 Linear.*pass input_shape"):
        nb.from_torch(t)
    with pytest.raises(ValueError, match=r"module 2 Linear.*does not fit.*2·2·3 = 12 features, expected 18"):
        nb.from_torch(t, input_shape=(4, 4, 3))
    x = np.random.default_rng(10).normal(size=(3, 4, 6, 3))
    model = nb.from_torch(t, input_shape=(4, 6, 3))
    np.testing.assert_allclose(model.predict(x), run(t, x.transpose(0, 3, 1, 2).copy()),
                               rtol=0, atol=TOL)


# --- one training step -------------------------------------------------------

def torch_sgd_step(t, loss_fn, x, y, lr):
    opt = torch.optim.SGD(t.parameters(), lr=lr)
    opt.zero_grad()
    loss = loss_fn(t, torch.from_numpy(x), y)
    loss.backward()
    opt.step()
    return loss.item()


@pytest.mark.parametrize("make, data", CASES, ids=IDS)
@pytest.mark.parametrize("loss", ["mse", "crossentropy"])
def test_one_sgd_step_updates_the_same_weights(make, data, loss):
    rng = np.random.default_rng(9)
    model, x = make(rng), data(rng)
    labels = rng.integers(0, model.predict(x).shape[1], size=len(x))
    t = nb.to_torch(model)
    lr = 0.3
    if loss == "mse":
        target = np.eye(model.predict(x).shape[1])[labels]
        value = torch_sgd_step(t, lambda t, xb, _: nn.MSELoss()(t(xb), torch.from_numpy(target)),
                               x, None, lr)
        y_nb = target
    else:
        # CrossEntropyLoss takes logits: run the model without its final Softmax.
        value = torch_sgd_step(t, lambda t, xb, _: nn.CrossEntropyLoss()(t[:-1](xb), torch.from_numpy(labels)),
                               x, None, lr)
        y_nb = labels
    model.compile(nb.SGD(lr=lr), loss)
    history = model.fit(x, y_nb, epochs=1, batch_size=len(x), shuffle=False, verbose=0)
    assert history.history["loss"][0] == pytest.approx(value, rel=1e-10)
    after = nb.from_torch(t)
    for k, p in model.params.items():
        np.testing.assert_allclose(after.params[k], p, rtol=0, atol=TOL, err_msg=k)


# --- what is not supported --------------------------------------------------

class Doubler(nb.Layer):
    def forward(self, x):
        return 2 * x


def test_to_torch_rejects_unknown_layers():
    model = nb.Sequential([nb.Dense(2, 3), Doubler()])
    with pytest.raises(ValueError, match=r"layer 1 Doubler\(\) has no PyTorch counterpart.*"
                                         r"supported: Dense ↔ Linear"):
        nb.to_torch(model)
    with pytest.raises(ValueError, match="expected an nnbook Sequential, got Dense"):
        nb.to_torch(nb.Dense(2, 3))


@pytest.mark.parametrize("module, match", [
    (nn.Sequential(nn.Linear(3, 3), nn.Dropout1d(0.5)), r"module 1 Dropout1d.*no nnbook counterpart.*supported"),
    (nn.Sequential(nn.Conv2d(1, 2, 3), nn.GroupNorm(1, 2)), r"module 1 GroupNorm.*no nnbook counterpart"),
    (nn.Sequential(nn.Linear(3, 3), nn.GELU()), r"module 1 GELU.*no nnbook counterpart"),
    (nn.Sequential(nn.Linear(3, 2, bias=False)), r"module 0 Linear.*has no bias"),
    (nn.Sequential(nn.Conv2d(1, 2, 3, dilation=2)), r"module 0 Conv2d.*dilation"),
    (nn.Sequential(nn.Conv2d(2, 2, 3, groups=2)), r"module 0 Conv2d.*groups"),
    (nn.Sequential(nn.Conv2d(1, 2, 3, padding_mode="reflect", padding=1)), r"padding_mode"),
    (nn.Sequential(nn.Conv2d(1, 2, (3, 2))), r"kernel_size=\(3, 2\); nnbook needs the same value"),
    (nn.Sequential(nn.Conv2d(1, 2, 3, stride=(1, 2))), r"stride=\(1, 2\)"),
    (nn.Sequential(SamePad2d(3, 2), nn.Conv2d(1, 2, 3, stride=1)), r"module 1 Conv2d.*follows SamePad2d"
                                                                  r".*expected the same values and padding=0"),
    (nn.Sequential(SamePad2d(3, 2), nn.ReLU()), r"module 0 SamePad2d.*must be followed by a Conv2d"),
    (nn.Sequential(SamePad2d(3, 2)), r"module 0 SamePad2d.*must be followed by a Conv2d"),
    (nn.Sequential(nn.MaxPool2d(2, ceil_mode=True)), r"module 0 MaxPool2d.*ceil_mode"),
    (nn.Sequential(nn.AvgPool2d(3, padding=1)), r"module 0 AvgPool2d.*counts padded cells.*"
                                                r"count_include_pad=False"),
    (nn.Sequential(nn.Linear(3, 3), nn.Softmax(dim=0)), r"module 1 Softmax.*dim=0.*last axis"),
    (nn.Sequential(nn.Conv2d(1, 2, 3), nn.Softmax(dim=-1)), r"dim=-1.*which is dim=1 here"),
    (nn.Sequential(nn.Flatten(start_dim=2)), r"module 0 Flatten.*start_dim=1"),
    (nn.Sequential(nn.Conv2d(1, 2, 3), nn.Linear(3, 2)), r"module 1 Linear.*acts on images.*Flatten"),
    (nn.Sequential(nn.Conv2d(1, 2, 3), nn.Conv2d(3, 2, 3)), r"module 1 Conv2d.*does not fit"),
    (nn.Sequential(NHWCToNCHW(), nn.Conv2d(1, 2, 3), NCHWToNHWC(), nn.ReLU(), nn.Conv2d(2, 2, 1)),
     r"module 4 Conv2d.*channels-last or flattened data.*need NCHW"),
    (nn.Sequential(NCHWToNHWC()), r"module 0 NCHWToNHWC.*does not fit here"),
    (nn.Sequential(nn.Conv2d(2, 3, 3), nn.Flatten()), r"ends with features flattened from channels-first"),
    (nn.Linear(3, 2), r"expected a torch.nn.Sequential, got Linear"),
    (nn.Sequential(nn.Linear(3, 2)).half(), r"dtype torch.float16.*\.double\(\) or \.float\(\)"),
    (nn.Sequential(nn.Linear(3, 2).double(), nn.Linear(2, 2).float()), r"mix dtypes"),
], ids=lambda v: "" if isinstance(v, str) else None)
def test_from_torch_rejects_what_nnbook_does_not_have(module, match):
    with pytest.raises(ValueError, match=match):
        nb.from_torch(module)


# --- torch stays optional ------------------------------------------------------

def python(code):
    # 600 s: a limit only turns a hang into a failure; importing torch in a fresh
    # interpreter on a loaded machine can take tens of seconds
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_nnbook_does_not_import_torch():
    result = python("import json, sys, nnbook; "
                    "print(json.dumps({'torch': 'torch' in sys.modules, "
                    "'has': callable(nnbook.to_torch) and callable(nnbook.from_torch)}))")
    assert result == {"torch": False, "has": True}


def test_without_torch_the_bridge_says_how_to_install_it():
    # sys.modules["torch"] = None makes `import torch` fail as if it were not installed.
    result = python(
        "import json, sys; sys.modules['torch'] = None\n"
        "import nnbook as nb\n"
        "msgs = []\n"
        "for call in (lambda: nb.to_torch(nb.Sequential([nb.Dense(2, 1)])), lambda: nb.from_torch(None)):\n"
        "    try:\n"
        "        call()\n"
        "    except ImportError as e:\n"
        "        msgs.append(str(e))\n"
        "print(json.dumps(msgs))")
    assert len(result) == 2
    for msg in result:
        assert "needs PyTorch" in msg and "pip install torch==2.13.0" in msg


# --- Dropout and BatchNorm (chapters 12, 13): eval outputs, training steps, round trips ---------

def with_statistics(model, rng):
    """Random γ, β and running statistics in every BatchNorm (not the fresh 1, 0, 0, 1)."""
    randomise(model, rng)
    for layer in model.layers:
        if isinstance(layer, nb.BatchNorm):
            layer.buffers["running_mean"][...] = rng.normal(size=layer.n_features)
            layer.buffers["running_var"][...] = rng.uniform(0.5, 2.0, layer.n_features)
    return model


def bn_mlp(rng, dtype=np.float64):
    return with_statistics(nb.Sequential([
        nb.Dense(5, 7, rng=rng, dtype=dtype), nb.BatchNorm(7, dtype=dtype), nb.ReLU(),
        nb.Dropout(0.3), nb.Dense(7, 3, rng=rng, dtype=dtype), nb.Softmax()]), rng)


def bn_cnn(rng, dtype=np.float64):
    """BatchNorm first on NHWC images (needs input_shape), after a conv, and on vectors."""
    return with_statistics(nb.Sequential([
        nb.BatchNorm(2, dtype=dtype, momentum=0.2, eps=1e-3),
        nb.Conv2D(2, 4, 3, padding=1, rng=rng, dtype=dtype), nb.BatchNorm(4, dtype=dtype),
        nb.ReLU(), nb.Dropout(0.5), nb.MaxPool2D(2), nb.Flatten(),
        nb.Dense(4 * 4 * 5, 6, rng=rng, dtype=dtype), nb.BatchNorm(6, dtype=dtype), nb.Tanh(),
        nb.Dense(6, 3, rng=rng, dtype=dtype), nb.Softmax()], input_shape=(9, 10, 2)), rng)


BN_CASES = [(bn_mlp, lambda rng: rng.normal(size=(8, 5))), (bn_cnn, images)]


@pytest.mark.parametrize("make, data", BN_CASES, ids=IDS)
def test_bn_dropout_eval_outputs_and_round_trip(make, data):
    rng = np.random.default_rng(5)
    model, x = make(rng), data(rng)
    t = nb.to_torch(model)
    norms = [m for m in t if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.Dropout))]
    assert norms and not any(m.training for m in norms)             # eval mode, as nnbook
    np.testing.assert_allclose(run(t, x), model.predict(x), rtol=0, atol=TOL)
    back = nb.from_torch(t, input_shape=model.input_shape)
    assert [l.get_config() for l in back.layers] == [l.get_config() for l in model.layers]
    for a, b in zip(model.layers, back.layers):
        for k in getattr(a, "buffers", {}):
            np.testing.assert_array_equal(b.buffers[k], a.buffers[k])
    np.testing.assert_allclose(back.predict(x), model.predict(x), rtol=0, atol=TOL)


def test_batchnorm_on_images_becomes_batchnorm2d_between_the_layout_modules():
    t = nb.to_torch(bn_cnn(np.random.default_rng(0)))
    kinds = [type(m).__name__ for m in t]
    assert kinds[:3] == ["NHWCToNCHW", "BatchNorm2d", "Conv2d"]
    assert kinds[3] == "BatchNorm2d" and "BatchNorm1d" in kinds
    assert t[1].momentum == 0.2 and t[1].eps == 1e-3


@pytest.mark.parametrize("shape", [(6, 4), (3, 5, 2, 4)], ids=["dense", "images"])
def test_batchnorm_training_step_matches_pytorch(shape):
    """Training mode: the same output, gradients and running statistics as PyTorch
    (the same momentum convention and the unbiased running variance)."""
    rng = np.random.default_rng(6)
    model = with_statistics(nb.Sequential([nb.BatchNorm(4)], input_shape=shape[1:]), rng)
    bn = model.layers[0]
    t = nb.to_torch(model).train()
    x, dy = rng.normal(size=shape), rng.normal(size=shape)
    xt = torch.tensor(x, requires_grad=True)
    yt = t(xt)
    yt.backward(torch.from_numpy(dy))
    bn.training = True
    y = bn.forward(x)
    dx = bn.backward(dy)
    tb = [m for m in t if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))][0]
    np.testing.assert_allclose(y, yt.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(bn.grads["gamma"], tb.weight.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(bn.grads["beta"], tb.bias.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(bn.buffers["running_mean"], tb.running_mean.numpy(), atol=1e-14)
    np.testing.assert_allclose(bn.buffers["running_var"], tb.running_var.numpy(), atol=1e-14)


def test_from_torch_reads_a_plain_nchw_model_with_batchnorm():
    torch.manual_seed(0)
    t = nn.Sequential(nn.BatchNorm2d(2), nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3, momentum=0.3),
                      nn.ReLU(), nn.Dropout(0.2), nn.Flatten(), nn.Linear(3 * 4 * 5, 4),
                      nn.BatchNorm1d(4), nn.Softmax(dim=1)).double()
    t.train()
    t(torch.randn(16, 2, 6, 7, dtype=torch.float64))           # running statistics move
    t.eval()
    model = nb.from_torch(t, input_shape=(6, 7, 2))
    assert [type(l).__name__ for l in model.layers][:3] == ["BatchNorm", "Conv2D", "BatchNorm"]
    assert model.layers[2].momentum == 0.3 and model.layers[4].rate == 0.2
    x = np.random.default_rng(7).normal(size=(5, 6, 7, 2))
    np.testing.assert_allclose(model.predict(x), run(t, x.transpose(0, 3, 1, 2).copy()),
                               rtol=0, atol=TOL)


@pytest.mark.parametrize("module, match", [
    (nn.Sequential(nn.BatchNorm1d(3, affine=False)), r"module 0 BatchNorm1d.*affine=False"),
    (nn.Sequential(nn.BatchNorm1d(3, momentum=None)), r"momentum=None"),
    (nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm1d(2)), r"module 1 BatchNorm1d.*gets images"),
    (nn.Sequential(nn.Flatten(), nn.BatchNorm2d(2)), r"module 1 BatchNorm2d.*channels-last or flattened data.*need NCHW"),
], ids=lambda v: "" if isinstance(v, str) else None)
def test_from_torch_rejects_batchnorm_it_cannot_read(module, match):
    with pytest.raises(ValueError, match=match):
        nb.from_torch(module)


# --- padding: integers, "valid" and Keras' "same" ------------------------------------------------

def same_cnn(rng, side_h, side_w, dtype=np.float64):
    """Every padding mode of Conv2D and both pools, stride 1 and 2, on (m, side_h, side_w, 2) images."""
    return randomise(nb.Sequential([
        nb.Conv2D(2, 3, 3, stride=2, padding="same", rng=rng, dtype=dtype), nb.ReLU(),
        nb.Conv2D(3, 4, 2, padding="same", rng=rng, dtype=dtype), nb.Tanh(),
        nb.MaxPool2D(2, padding="same"), nb.AvgPool2D(3, stride=2, padding="same"),
        nb.MaxPool2D(3, stride=1, padding=1), nb.AvgPool2D(3, stride=1, padding=1),
        nb.Conv2D(4, 2, 2, padding="valid", rng=rng, dtype=dtype),
    ], input_shape=(side_h, side_w, 2)), rng)


@pytest.mark.parametrize("side_h, side_w", [(12, 12), (13, 11), (14, 15)])
def test_same_padding_gives_equal_outputs_both_ways(side_h, side_w):
    rng = np.random.default_rng(side_h)
    model = same_cnn(rng, side_h, side_w)
    x = rng.normal(size=(3, side_h, side_w, 2)) - 0.5
    t = nb.to_torch(model)
    assert any(isinstance(m, SamePad2d) for m in t) and any(isinstance(m, SamePool2d) for m in t)
    np.testing.assert_allclose(run(t, x), model.predict(x), rtol=0, atol=TOL)
    back = nb.from_torch(t)
    assert [l.get_config() for l in back.layers] == [l.get_config() for l in model.layers]
    np.testing.assert_allclose(back.predict(x), model.predict(x), rtol=0, atol=TOL)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")   # PyTorch's own note
def test_from_torch_reads_pytorch_paddings():
    torch.manual_seed(3)
    t = nn.Sequential(nn.Conv2d(2, 3, 4, padding="same"), nn.MaxPool2d(3, stride=2, padding=1),
                      nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)).double()
    model = nb.from_torch(t)
    assert [l.padding for l in model.layers] == ["same", 1, 1]
    x = np.random.default_rng(4).normal(size=(2, 8, 9, 2))
    y_torch = run(t, np.ascontiguousarray(x.transpose(0, 3, 1, 2))).transpose(0, 2, 3, 1)
    np.testing.assert_allclose(model.predict(x), y_torch, rtol=0, atol=TOL)
