"""RNN, LSTM and GRU against ``torch.nn.RNN/LSTM/GRU(batch_first=True)`` on equal
weights (float64): the forward, ∂E/∂x and every parameter gradient, for both
``return_sequences`` (False: PyTorch's last step), to 1e-10 relative; then the
bridge: ``to_torch`` computes what ``predict`` computes, ``from_torch`` reads it
back, and a small sequence model trained by SGD in nnbook and, exported, in
PyTorch follows the same loss curve. Skipped without PyTorch.
"""

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="the parity tests need torch (pip install torch==2.13.0, CPU build)")
nn = torch.nn

import nnbook as nb  # noqa: E402
from nnbook.torch_bridge._modules import AllSteps, LastStep  # noqa: E402

TOL = 1e-10
KINDS = [nb.RNN, nb.LSTM, nb.GRU]


def rel(a, b):
    """max |a − b| / max |b|: the error relative to the size of the reference."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape
    return float(np.abs(a - b).max() / np.abs(b).max())


def pair(cls, rng, n_in=3, h=5):
    """An nnbook layer with random weights and biases, and the PyTorch module with the same.
    RNN/LSTM: b is split at random between PyTorch's bias_ih and bias_hh (only their sum counts)."""
    layer = cls(n_in, h, rng=rng)
    for p in layer.params.values():
        p[...] = rng.normal(scale=0.5, size=p.shape)
    m = getattr(nn, cls.__name__)(n_in, h, batch_first=True, dtype=torch.float64)
    P = layer.params
    b_ih, b_hh = ((P["b_x"], P["b_h"]) if cls is nb.GRU else
                  (lambda part: (part, P["b"] - part))(rng.normal(size=P["b"].shape)))
    with torch.no_grad():
        for name, value in (("weight_ih_l0", P["W_x"].T), ("weight_hh_l0", P["W_h"].T),
                            ("bias_ih_l0", b_ih), ("bias_hh_l0", b_hh)):
            getattr(m, name).copy_(torch.from_numpy(np.ascontiguousarray(value)))
    return layer, m


def torch_grads(cls, m):
    """PyTorch's gradients under nnbook's names and layouts."""
    g = {"W_x": m.weight_ih_l0.grad.numpy().T, "W_h": m.weight_hh_l0.grad.numpy().T}
    if cls is nb.GRU:
        g.update(b_x=m.bias_ih_l0.grad.numpy(), b_h=m.bias_hh_l0.grad.numpy())
    else:
        # ∂E/∂bias_ih = ∂E/∂bias_hh = ∂E/∂b: both enter as b does
        assert rel(m.bias_hh_l0.grad.numpy(), m.bias_ih_l0.grad.numpy()) < TOL
        g["b"] = m.bias_ih_l0.grad.numpy()
    return g


@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
def test_forward_and_every_gradient_match_pytorch(cls, return_sequences):
    rng = np.random.default_rng(0)
    layer, m = pair(cls, rng)
    layer.return_sequences = return_sequences
    x = rng.normal(size=(4, 7, 3))
    y = layer.forward(x)
    dy = rng.normal(size=y.shape)
    dx = layer.backward(dy)

    xt = torch.from_numpy(x).requires_grad_()
    out = m(xt)[0]                                            # (m, T, h): every step
    yt = out if return_sequences else out[:, -1]              # the last step: h_T
    (yt * torch.from_numpy(dy)).sum().backward()              # E = Σ y ⊙ dy

    errors = {"y": rel(y, yt.detach().numpy()), "x": rel(dx, xt.grad.numpy())}
    errors.update({k: rel(layer.grads[k], g) for k, g in torch_grads(cls, m).items()})
    assert set(errors) == {"y", "x"} | set(layer.params)
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
def test_float32_matches_pytorch_to_float32_precision(cls):
    rng = np.random.default_rng(1)
    layer, m = pair(cls, rng)
    layer32 = cls(3, 5, return_sequences=True, dtype=np.float32, rng=rng)
    for k, p in layer.params.items():
        layer32.params[k][...] = p
    x = rng.normal(size=(4, 6, 3)).astype(np.float32)
    with torch.no_grad():
        ref = m.float()(torch.from_numpy(x))[0].numpy()
    y = layer32.forward(x)
    assert y.dtype == np.float32
    assert rel(y, ref) < 1e-5


# --- the bridge ------------------------------------------------------------------------------------

def sequence_model(rng, dtype=np.float64):
    """GRU (every step) → LSTM (last step) → Dense, with random weights and biases."""
    model = nb.Sequential([nb.GRU(3, 6, return_sequences=True, rng=rng, dtype=dtype),
                           nb.LSTM(6, 5, rng=rng, dtype=dtype),
                           nb.Dense(5, 2, rng=rng, dtype=dtype)])
    for p in model.params.values():
        p[...] = rng.normal(scale=0.5, size=p.shape)
    return model


def test_to_torch_predicts_the_same_and_from_torch_reads_it_back():
    rng = np.random.default_rng(2)
    model, x = sequence_model(rng), rng.normal(size=(5, 8, 3))
    state = torch.random.get_rng_state()
    t = nb.to_torch(model)
    assert torch.equal(torch.random.get_rng_state(), state)  # PyTorch's own init drew nothing
    kinds = [type(m) for m in t]
    assert kinds == [nn.GRU, AllSteps, nn.LSTM, LastStep, nn.Linear]
    assert all(p.dtype == torch.float64 for p in t.parameters())
    # RNN/LSTM: PyTorch's second bias is 0 and frozen, so both models train the same parameters
    assert not t[2].bias_hh_l0.requires_grad and not t[2].bias_hh_l0.detach().any()
    assert t[0].bias_hh_l0.requires_grad                      # GRU's b_h is a parameter of its own
    assert sum(p.numel() for p in t.parameters() if p.requires_grad) == model.count_params()
    with torch.no_grad():
        y = t(torch.from_numpy(x)).numpy()
    assert rel(y, model.predict(x)) < TOL

    back = nb.from_torch(t)
    assert [repr(layer) for layer in back.layers] == ["GRU(3 → 6)", "LSTM(6 → 5)", "Dense(5 → 2)"]
    assert [layer.return_sequences for layer in back.layers[:2]] == [True, False]
    for k, p in model.params.items():
        np.testing.assert_array_equal(back.params[k], p)
    np.testing.assert_array_equal(back.predict(x), model.predict(x))


@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
def test_from_torch_adds_pytorchs_two_biases(cls):
    rng = np.random.default_rng(3)
    layer, m = pair(cls, rng)
    back = nb.from_torch(nn.Sequential(m, LastStep()))
    for k, p in layer.params.items():
        np.testing.assert_allclose(back.layers[0].params[k], p, rtol=0, atol=1e-15)
    assert back.layers[0].return_sequences is False


def test_from_torch_explains_what_it_cannot_read():
    lstm = nn.LSTM(3, 4, batch_first=True)
    with pytest.raises(ValueError, match=r"module 0 LSTM\(3, 4, batch_first=True\) must be followed "
                                         r"by LastStep\(\) .* or AllSteps\(\)"):
        nb.from_torch(nn.Sequential(lstm))
    with pytest.raises(ValueError, match=r"module 0 .* must be followed by LastStep"):
        nb.from_torch(nn.Sequential(lstm, nn.Linear(4, 1)))
    with pytest.raises(ValueError, match=r"module 0 GRU\(3, 4, num_layers=2\) has num_layers=2, "
                                         r"batch_first=False; nnbook's GRU is one layer"):
        nb.from_torch(nn.Sequential(nn.GRU(3, 4, num_layers=2), LastStep()))
    with pytest.raises(ValueError, match=r"has nonlinearity='relu'"):
        nb.from_torch(nn.Sequential(nn.RNN(3, 4, nonlinearity="relu", batch_first=True),
                                    AllSteps()))
    with pytest.raises(ValueError, match=r"module 0 LastStep\(\) must follow a torch.nn.RNN"):
        nb.from_torch(nn.Sequential(LastStep()))


def sine_batches(rng, n=48, T=12):
    """Windows of T steps of sine waves (random frequency and phase) → the next value."""
    freq, phase = rng.uniform(0.2, 0.6, (n, 1)), rng.uniform(0, 2 * np.pi, (n, 1))
    wave = np.sin(freq * np.arange(T + 1) + phase)            # (n, T + 1)
    return wave[:, :T, None], wave[:, T:]                     # x (n, T, 1), y (n, 1)


def test_sgd_steps_give_the_same_loss_curve_in_both_frameworks():
    rng = np.random.default_rng(4)
    model = nb.Sequential([nb.LSTM(1, 8, rng=rng), nb.Dense(8, 1, rng=rng)])
    model.compile(nb.SGD(lr=0.1), "mse")
    t = nb.to_torch(model)                                     # the same weights, before training
    opt = torch.optim.SGD(t.parameters(), lr=0.1)
    x, y = sine_batches(rng)
    ours, theirs = [], []
    for step in range(8):
        xb, yb = x[step % 3 * 16:][:16], y[step % 3 * 16:][:16]
        ours.append(model.train_step(xb, yb)["loss"])
        opt.zero_grad()
        loss = nn.functional.mse_loss(t(torch.from_numpy(xb)), torch.from_numpy(yb))
        loss.backward()
        opt.step()
        theirs.append(loss.item())
    assert ours[-1] < ours[0]                                  # it learns
    np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=0)
