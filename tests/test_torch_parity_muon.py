"""Chapter 34's ``nb.Muon`` against ``torch.optim.Muon`` (PyTorch 2.9 and later) on the same
matrices, step for step. Where the two definitions differ, the test says so and sets them
equal:

- layout: nnbook's W is (fan_in, fan_out) (x @ W), torch's weight (out, in) is Wᵀ; the
  shape scale is the same number, nnbook's √max(1, fan_out/fan_in) is torch's
  √max(1, A/B) on (A, B) = (out, in) (``adjust_lr_fn=None``, "original");
- the defaults: torch's lr 1e-3 and weight_decay 0.1, nnbook's 0.02 and 0.0: every test
  passes them explicitly; momentum 0.95, Nesterov, the coefficients (3.4445, −4.7750,
  2.0315), 5 steps and eps 1e-7 are the same on both sides;
- precision: torch's Newton–Schulz casts the update to bfloat16 (8 bits of mantissa) and
  nnbook's keeps the gradient's dtype. With that one function run in the parameters'
  dtype (``ns_in_dtype``, torch's code without the cast) torch's optimizer computes
  nnbook's numbers to 1e-10 (float64) and 1e-4 (float32); as shipped, its update equals
  nnbook's to a few per cent (bfloat16's rounding through five steps).

Skipped without torch or without ``torch.optim.Muon`` (CI's torch job runs it)."""

import os
import sys

import numpy as np
import pytest

import nnbook as nb

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "benchmarks"))

torch = pytest.importorskip("torch")
if not hasattr(torch.optim, "Muon"):
    pytest.skip("this PyTorch has no torch.optim.Muon (2.9 and later)", allow_module_level=True)
from torch.optim import _muon  # noqa: E402

# torch's Newton–Schulz without its cast to bfloat16, the one the benchmark times too
from bench_part7 import torch_ns_in_dtype as ns_in_dtype  # noqa: E402

TOL = {np.float64: 1e-10, np.float32: 1e-4}
SHAPES = [(6, 6), (5, 9), (9, 4)]            # nnbook's (fan_in, fan_out): square, wide, tall


def both(dtype, seed, **settings):
    """nnbook's weights and Muon, torch's parameters (Wᵀ) and Muon, the same settings."""
    rng = np.random.default_rng(seed)
    W = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    params = [torch.tensor(w.T.copy(), requires_grad=True) for w in W]
    ours = nb.Muon(**settings)
    theirs = torch.optim.Muon(params, **settings)
    return rng, W, ours, params, theirs


def run(rng, W, ours, params, theirs, dtype, steps=4):
    for _ in range(steps):
        G = [rng.standard_normal(w.shape).astype(dtype) for w in W]
        ours.step(tuple(zip(W, G)))
        for p, g in zip(params, G):
            p.grad = torch.tensor(g.T.copy())
        theirs.step()


@pytest.fixture
def torch_ns_in_dtype(monkeypatch):
    monkeypatch.setattr(_muon, "_zeropower_via_newtonschulz", ns_in_dtype)


def test_ns_in_dtype_is_torchs_function_without_the_cast():
    """The stand-in and torch's own function agree to bfloat16's rounding (a stand-in that
    computed something else, say without the division by the norm, would not)."""
    G = torch.tensor(np.random.default_rng(0).standard_normal((7, 4)))
    shipped = _muon._zeropower_via_newtonschulz(G, (3.4445, -4.7750, 2.0315), 5, 1e-7)
    ours = ns_in_dtype(G, (3.4445, -4.7750, 2.0315), 5, 1e-7)
    assert shipped.dtype == torch.bfloat16 and ours.dtype == torch.float64
    err = (shipped.double() - ours).norm() / ours.norm()
    assert err < 5e-2, err


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("settings", [
    {"lr": 0.02, "momentum": 0.95, "weight_decay": 0.0},
    {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.1, "nesterov": False},
    {"lr": 0.01, "momentum": 0.8, "weight_decay": 0.0, "ns_steps": 3,
     "ns_coefficients": (1.5, -0.5, 0.0)},
])
def test_muon_step_for_step(dtype, settings, torch_ns_in_dtype):
    """Four steps on a square, a wide and a tall matrix: Nesterov or not, decoupled decay
    (W(1 − lr·λ), with lr not scaled by the shape, on both sides), the cubic's coefficients
    and step count passed through, the shape scale the same number (a scale read on the
    wrong side of the layout would move the wide and the tall matrix by the wrong amount)."""
    case = both(dtype, 1, **settings)
    rng, W, ours, params, theirs = case
    W0 = [w.copy() for w in W]
    run(*case, dtype)
    for w, w0, p in zip(W, W0, params):
        moved = p.detach().numpy().T - w0
        assert np.abs(w - w0).max() > 1e-3                 # the steps moved the weights
        assert nb.relative_error(w - w0, moved) < TOL[dtype]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_muon_against_torch_as_shipped(dtype):
    """torch.optim.Muon as it ships (Newton–Schulz in bfloat16): four steps move each matrix
    as nnbook's do to within 5 % of the move."""
    case = both(dtype, 2, lr=0.02, momentum=0.95, weight_decay=0.0)
    rng, W, ours, params, theirs = case
    W0 = [w.copy() for w in W]
    run(*case, dtype)
    for w, w0, p in zip(W, W0, params):
        err = nb.relative_error(w - w0, p.detach().numpy().T - w0)
        assert err < 5e-2, err


def test_the_shape_scale_is_the_same_number():
    """nnbook's scale of W (fan_in, fan_out) is torch's of Wᵀ, for both of torch's choices."""
    from nnbook.optimizers.polar import SHAPE_SCALES
    for n_in, n_out in SHAPES:
        assert SHAPE_SCALES["original"](n_in, n_out) == _muon._adjust_lr(
            1.0, "original", torch.Size((n_out, n_in)))
        assert SHAPE_SCALES["match_rms_adamw"](n_in, n_out) == pytest.approx(
            _muon._adjust_lr(1.0, "match_rms_adamw", torch.Size((n_out, n_in))), rel=1e-15)
