"""How the bridge maps the recurrent layers of chapters 15–16 both ways: RNN, LSTM
and GRU ↔ ``torch.nn.RNN/LSTM/GRU(batch_first=True)`` followed by ``AllSteps()``
(return_sequences=True) or ``LastStep()`` (False), two modules of _modules.py that
pick from the (output, state) pair PyTorch's recurrent modules return.
``mappings.py`` lists these functions.
"""

from __future__ import annotations

import numpy as np

from ..layers.recurrent.gru import GRU
from ..layers.recurrent.lstm import LSTM
from ..layers.recurrent.rnn import RNN
from ._shared import fail_at, to_numpy

__all__ = ["TO_TORCH", "FROM_TORCH"]


# ---------------------------------------------------------------------------
# nnbook → PyTorch (out: _shared.ToTorch)

def recurrent_to_torch(layer, out):
    """Weights: ``weight_ih_l0 = W_xᵀ``, ``weight_hh_l0 = W_hᵀ`` (the gate order is the
    same); GRU: ``bias_ih_l0 = b_x``, ``bias_hh_l0 = b_h``. RNN/LSTM: PyTorch adds two
    biases where nnbook has one b: ``bias_ih_l0 = b`` and ``bias_hh_l0 = 0``, frozen
    (``requires_grad=False``). With both trainable, each would get ∂E/∂b and gradient
    descent would move their sum twice as far as nnbook moves b; frozen, the PyTorch
    model trains as the nnbook model does, with the same number of parameters."""
    if out.channels_first:
        out.fail("follows an image layer; a recurrent layer reads sequences (m, T, n_in). "
                 "Reshape the images into rows first.")
    torch, p = out.torch, layer.params
    with torch.random.fork_rng(devices=[]):     # PyTorch's own init draws; leave its RNG as it was
        m = getattr(out.nn, type(layer).__name__)(layer.n_in, layer.n_hidden, batch_first=True,
                                                  dtype=out.dtype)
    out.copy(m.weight_ih_l0, p["W_x"].T)                                # (gates·h, n_in)
    out.copy(m.weight_hh_l0, p["W_h"].T)                                # (gates·h, h)
    if isinstance(layer, GRU):
        out.copy(m.bias_ih_l0, p["b_x"])
        out.copy(m.bias_hh_l0, p["b_h"])
    else:
        out.copy(m.bias_ih_l0, p["b"])
        out.copy(m.bias_hh_l0, np.zeros_like(p["b"]))
        m.bias_hh_l0.requires_grad_(False)                              # see the docstring
    return [m, out.tl.AllSteps() if layer.return_sequences else out.tl.LastStep()]


TO_TORCH = {RNN: recurrent_to_torch, LSTM: recurrent_to_torch, GRU: recurrent_to_torch}


# ---------------------------------------------------------------------------
# PyTorch → nnbook (inp: _shared.FromTorch). from_torch keeps an nn.RNN/LSTM/GRU
# in ``inp.recurrent`` until the LastStep or AllSteps after it says what the layer returns.

def steps_from_torch(m, inp):
    rnn = inp.recurrent
    if rnn is None:
        inp.fail("must follow a torch.nn.RNN, LSTM or GRU: it picks from their (output, state).")
    inp.recurrent = None
    kind = type(rnn).__name__
    settings = (("num_layers", rnn.num_layers, 1), ("bidirectional", rnn.bidirectional, False),
                ("batch_first", rnn.batch_first, True), ("bias", rnn.bias, True),
                ("proj_size", getattr(rnn, "proj_size", 0), 0),
                ("nonlinearity", getattr(rnn, "nonlinearity", "tanh"), "tanh"))
    wrong = [f"{name}={got!r}" for name, got, want in settings if got != want]
    if wrong:
        fail_at(inp.i - 1, rnn, f"has {', '.join(wrong)}; nnbook's {kind} is one layer, one "
                f"direction, with biases, no projection and tanh, and reads (m, T, n_in) "
                f"(batch_first=True). Build the PyTorch module so (one module per layer).")
    if inp.layout != "same":
        fail_at(inp.i - 1, rnn, "gets images or channels-first features; a recurrent layer "
                "reads sequences (m, T, n_in).")
    layer = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}[kind](
        rnn.input_size, rnn.hidden_size, return_sequences=type(m) is inp.tl.AllSteps,
        rng=np.random.default_rng(0), dtype=inp.dtype)
    p = layer.params
    p["W_x"][...] = to_numpy(rnn.weight_ih_l0).T
    p["W_h"][...] = to_numpy(rnn.weight_hh_l0).T
    b_ih, b_hh = to_numpy(rnn.bias_ih_l0), to_numpy(rnn.bias_hh_l0)
    if kind == "GRU":
        p["b_x"][...], p["b_h"][...] = b_ih, b_hh
    else:
        p["b"][...] = b_ih + b_hh                                       # they always add up
    return layer


# keys: class names in torch_bridge._modules (nn.RNN, nn.LSTM, nn.GRU wait in from_torch)
FROM_TORCH = {"LastStep": steps_from_torch, "AllSteps": steps_from_torch}
