"""Chapter 22's pieces against PyTorch in float64: CrossEntropy(ignore_index=) ↔
torch.nn.functional.cross_entropy(ignore_index=) (loss and gradient), and the sequence
log-probabilities' log-softmax gathers ↔ torch.log_softmax + gather. Skipped without torch
(CI's torch job runs it)."""

import numpy as np
import pytest

import nnbook as nb

torch = pytest.importorskip("torch")
F = torch.nn.functional


@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize("ignore", [-100, 0, 3])
def test_cross_entropy_ignore_index_matches_pytorch(from_logits, ignore):
    rng = np.random.default_rng(5)
    z = rng.standard_normal((3, 7, 5))
    y = rng.integers(0, 5, (3, 7))
    y[rng.random((3, 7)) < 0.3] = ignore
    zt = torch.tensor(z, requires_grad=True)
    ref = F.cross_entropy(zt.reshape(-1, 5), torch.tensor(y).reshape(-1), ignore_index=ignore)
    ref.backward()
    loss = nb.CrossEntropy(from_logits=from_logits, ignore_index=ignore)
    if from_logits:
        ours, grad = loss(y, z), loss.grad(y, z)
    else:                                  # through the Softmax's own backward
        sm = nb.Softmax()
        p = sm.forward(z)
        ours, grad = loss(y, p), sm.backward(loss.grad(y, p))
    assert ours == pytest.approx(ref.item(), rel=1e-12)
    assert nb.relative_error(grad, zt.grad.numpy()) < 1e-10


def test_sequence_logprobs_gather_matches_pytorch():
    rng = np.random.default_rng(6)
    z = 3 * rng.standard_normal((4, 6, 9))
    t = rng.integers(0, 9, (4, 6))
    mask = (rng.random((4, 6)) < 0.6).astype(float)
    zt = torch.tensor(z, requires_grad=True)
    picked = torch.log_softmax(zt, dim=-1).gather(-1, torch.tensor(t)[..., None])[..., 0]
    ref = (picked * torch.tensor(mask)).sum(dim=1)
    d = rng.standard_normal(4)
    ref.backward(torch.tensor(d))
    assert nb.relative_error(nb.sequence_logprobs(z, t, mask), ref.detach().numpy()) < 1e-12
    assert nb.relative_error(nb.sequence_logprobs_backward(z, t, mask, d),
                             zt.grad.numpy()) < 1e-12


def test_sequence_kl_matches_pytorch_kl_div():
    rng = np.random.default_rng(7)
    z, r = rng.standard_normal((3, 4, 6)), rng.standard_normal((3, 4, 6))
    mask = np.ones((3, 4))
    ref = F.kl_div(torch.log_softmax(torch.tensor(r), -1), torch.log_softmax(torch.tensor(z), -1),
                   reduction="none", log_target=True).sum(dim=(1, 2))
    assert nb.relative_error(nb.sequence_kl(z, r, mask), ref.numpy()) < 1e-12
