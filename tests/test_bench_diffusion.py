"""benchmarks/bench_diffusion.py compares like with like: the nnbook step and the PyTorch step
start from the same weights and compute the same numbers (the denoiser's weights after two
training steps; the DDPM step's samples), as does the plain NumPy sampler step, and the
script runs end to end in its tiny mode. Timings are never asserted here."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "benchmarks"))

import bench_diffusion  # noqa: E402

CASES = [(kind, dtype) for kind in bench_diffusion.KINDS for dtype in bench_diffusion.DTYPES]


def test_the_denoiser_is_what_the_brief_names():
    model, x, y = bench_diffusion.model_and_data("train", bench_diffusion.SIZES["train"],
                                                 "float64")
    assert [type(layer).__name__ for layer in model.layers] == [
        "TimeEmbedding", "Dense", "SiLU", "Dense", "SiLU", "Dense"]
    assert x.shape == (256, 3) and y.shape == (256, 2)
    assert type(model.optimizer).__name__ == "Adam"


@pytest.mark.parametrize("kind, dtype", CASES)
def test_both_sides_compute_the_same_step(kind, dtype):
    torch = pytest.importorskip("torch")
    size = bench_diffusion.TINY[kind]
    ours = bench_diffusion.nnbook_step(kind, size, dtype)
    theirs = bench_diffusion.torch_step(kind, size, dtype)
    tol = 1e-10 if dtype == "float64" else 1e-4
    if kind == "sample":
        a, b = ours(), theirs().numpy()
        assert a.dtype == b.dtype == dtype
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
        return
    for _ in range(2):
        ours()
        theirs()
    first = ours.model.layers[1].params["W"]
    np.testing.assert_allclose(first, theirs.model[1].weight.detach().numpy().T, rtol=tol,
                               atol=tol)
    assert isinstance(theirs.model, torch.nn.Module)


@pytest.mark.parametrize("dtype", bench_diffusion.DTYPES)
@pytest.mark.parametrize("size", ["TINY", "SIZES"])
def test_the_plain_numpy_sampler_step_computes_nnbook_s_step(size, dtype):
    size = getattr(bench_diffusion, size)["sample"]
    plain, ours = (bench_diffusion.numpy_step("sample", size, dtype),
                   bench_diffusion.nnbook_step("sample", size, dtype))
    tol = 1e-10 if dtype == "float64" else 1e-4
    for _ in range(2):                      # its arrays are made once: a second call as well
        a = plain()
        assert a.dtype == dtype
        np.testing.assert_allclose(a, ours(), rtol=tol, atol=tol)
    assert bench_diffusion.numpy_step("train", bench_diffusion.TINY["train"], dtype) is None


def test_runs_end_to_end_tiny():
    rows = bench_diffusion.main(with_torch=False, rounds=1, tiny=True, seconds=0.01)
    assert len(rows) == 4 and all(r["nnbook_s"] > 0 and r["torch_s"] is None for r in rows)
    sampler = [r for r in rows if r["name"].startswith(bench_diffusion.NAMES["sample"])]
    assert len(sampler) == 2 and all(r["numpy_s"] > 0 and r["numpy_cpu_s"] > 0 for r in sampler)
    assert all(r.get("numpy_s") is None for r in rows if r not in sampler)
    note = bench_diffusion.note(rows)
    assert note.count("× it") == 2 and "PyTorch's," not in note   # no PyTorch: no ratio to it
