"""benchmarks/bench_masked.py compares like with like: the nnbook step and the PyTorch step
start from the same weights and compute the same numbers (chapter 28's training step: the
loss, every parameter gradient and every parameter after two AdamW steps; the unmasking
step: the same drawn tokens), the plain NumPy unmasking step draws nnbook's tokens, and the
script runs end to end in its tiny mode. Timings are never asserted here."""

import os
import sys

import numpy as np
import pytest

import nnbook as nb

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "benchmarks"))

import bench_masked  # noqa: E402

G = nb.generative
TOL = {"float64": 1e-10, "float32": 1e-4}
# nnbook's flat parameter names → to_torch's (the map of test_torch_parity_generative)
NAMES = {"W": "weight", "b": "bias", "gamma": "weight", "ln1.gamma": "norm1.weight",
         "ln2.gamma": "norm2.weight", "W_1": "ffn.w1.weight", "W_3": "ffn.w3.weight",
         "W_2": "ffn.w2.weight", **{f"attn.W_{n}": f"attn.{n}.weight" for n in "qkvo"}}


def pairs(model, tm, of):
    """(nnbook array, torch array as nnbook lays it out) for every parameter (of="params")
    or gradient (of="grads"), every one of both sides."""
    theirs = {n: (p.grad if of == "grads" else p).detach().numpy()
              for n, p in tm.named_parameters()}
    ours = {f"{i}.{NAMES[k]}": a for i, layer in enumerate(model.layers)
            for k, a in getattr(layer, of).items()}
    assert sorted(ours) == sorted(theirs)                    # none left out on either side
    return [(a, theirs[n].T if a.ndim == 2 and n[0] != "0" else theirs[n])
            for n, a in ours.items()]


def test_the_model_is_the_chapter_s_default():
    """Catches a benchmark that drifts from masked_diffusion_model's defaults or the
    chapter's data (T = 48 windows of the course language, AdamW, the masked loss)."""
    model, (ids, x, w) = bench_masked.model_and_data("train", bench_masked.SIZES["train"],
                                                     "float64")
    emb, b1, b2, norm, out = model.layers
    assert (emb.vocab_size, emb.params["W"].shape[1]) == (27, 32)
    assert all(b.attn.n_heads == 4 and b.attn.n_kv_heads == 2 and b.d_ff == 85
               and not b.attn.causal and b.attn.rope for b in (b1, b2))
    assert type(norm).__name__ == "RMSNorm" and out.params["W"].shape == (32, 26)
    assert ids.shape == x.shape == w.shape == (64, 48)
    np.testing.assert_array_equal(x, np.where(w > 0, 26, ids))   # the mask_batch mask
    assert type(model.optimizer).__name__ == "AdamW"
    assert isinstance(model.loss, G.MaskedDiffusionLoss)


@pytest.mark.parametrize("dtype", bench_masked.DTYPES)
def test_both_training_steps_compute_the_same_loss_gradients_and_weights(dtype):
    """Catches a PyTorch loss that is not MaskedDiffusionLoss (another weighting, a mean
    over the masked positions only, a mask not shared), an optimizer with other settings
    (AdamW's decay, lr) and a model that is not the same one: the loss of each of two steps,
    every gradient after the second step and every parameter after it."""
    pytest.importorskip("torch")
    size = bench_masked.TINY["train"]
    ours = bench_masked.nnbook_step("train", size, dtype)
    theirs = bench_masked.torch_step("train", size, dtype)
    tol = TOL[dtype]
    for _ in range(2):
        a, b = ours(), float(theirs().detach())
        assert np.isclose(a, b, rtol=tol, atol=tol)
    for of in ("grads", "params"):
        for a, b in pairs(ours.model, theirs.model, of):
            assert a.dtype == b.dtype == dtype
            np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", bench_masked.DTYPES)
@pytest.mark.parametrize("size", ["TINY", "SIZES"])
def test_both_unmasking_steps_draw_the_same_tokens(size, dtype):
    """Catches a PyTorch step that reads other positions, other noise or another model:
    it would draw other tokens (384 draws at the full sizes)."""
    pytest.importorskip("torch")
    size = getattr(bench_masked, size)["unmask"]
    a = bench_masked.nnbook_step("unmask", size, dtype)()
    b = bench_masked.torch_step("unmask", size, dtype)().numpy()
    assert a.shape == (size["m"], size["size"])
    np.testing.assert_array_equal(a, b)


def test_the_unmasking_step_is_unmask_sample_s():
    """Catches an nnbook step that is not the library's: given the same uniforms its tokens
    are gumbel_max's on the log of model_conditionals' rows at the drawn positions (masked
    ones), the noise in the model's dtype."""
    size = bench_masked.TINY["unmask"]
    for dtype in bench_masked.DTYPES:
        model, (ids, mask, pos, u) = bench_masked.model_and_data("unmask", size, dtype)
        rows = np.arange(len(ids))[:, None]
        assert (mask.sum(axis=1) == size["masked"]).all() and mask[rows, pos].all()
        assert u.dtype == dtype
        q = G.model_conditionals(model)(ids, mask)
        row_of = np.cumsum(mask.reshape(-1)).reshape(mask.shape) - 1
        logits = np.log(q[row_of[rows, pos]])                        # (n, size, V)

        class Fixed(np.random.Generator):   # gumbel_max's rng, drawing the step's uniforms
            def random(self, shape, dtype):
                assert shape == u.shape and np.dtype(dtype) == u.dtype
                return u.copy()
        want = G.gumbel_max(logits, rng=Fixed(np.random.PCG64(0)), dtype=dtype)
        np.testing.assert_array_equal(bench_masked.nnbook_step("unmask", size, dtype)(), want)


@pytest.mark.parametrize("dtype", bench_masked.DTYPES)
@pytest.mark.parametrize("size", ["TINY", "SIZES"])
def test_the_plain_numpy_unmasking_step_draws_nnbook_s_tokens(size, dtype):
    """Catches a floor that computes something else (RoPE, the grouped heads, the softmax
    or the norms written wrong draw other tokens), and one that reuses an array it should
    not (a second call on the same arrays)."""
    size = getattr(bench_masked, size)["unmask"]
    plain = bench_masked.numpy_step("unmask", size, dtype)
    ours = bench_masked.nnbook_step("unmask", size, dtype)
    for _ in range(2):
        np.testing.assert_array_equal(plain(), ours())
    assert bench_masked.numpy_step("train", bench_masked.TINY["train"], dtype) is None


def test_the_floor_s_check_fails_on_another_computation(monkeypatch):
    """numpy_step refuses to be timed when it draws other tokens than nnbook's step."""
    real = bench_masked.nnbook_step

    def shifted(kind, size, dtype):
        step = real(kind, size, dtype)
        return lambda: (step() + 1) % 26
    monkeypatch.setattr(bench_masked, "nnbook_step", shifted)
    with pytest.raises(AssertionError, match="draws other tokens"):
        bench_masked.numpy_step("unmask", bench_masked.TINY["unmask"], "float64")


def test_runs_end_to_end_tiny():
    rows = bench_masked.main(with_torch=False, rounds=1, tiny=True, seconds=0.01)
    assert len(rows) == 4 and all(r["nnbook_s"] > 0 and r["torch_s"] is None for r in rows)
    unmask = [r for r in rows if r["name"].startswith(bench_masked.NAMES["unmask"])]
    assert len(unmask) == 2 and all(r["numpy_s"] > 0 and r["numpy_cpu_s"] > 0 for r in unmask)
    assert all(r.get("numpy_s") is None for r in rows if r not in unmask)
    note = bench_masked.note(rows)
    assert note.count("× it") == 2 and "PyTorch's," not in note   # no PyTorch: no ratio to it


def test_the_note_says_when_the_floor_is_behind_too():
    """A row behind PyTorch whose floor is also behind says so; one whose floor is ahead
    does not (nnbook's to close)."""
    name = bench_masked.NAMES["unmask"]
    row = {"name": f"{name} float64, 1 thread", "nnbook_cpu_s": 3e-3, "torch_cpu_s": 1e-3,
           "numpy_cpu_s": 2e-3}
    assert "float64 nnbook's step is behind PyTorch's and so is the plain NumPy floor" in \
        bench_masked.note([row])
    assert "so is the plain NumPy floor" not in bench_masked.note([{**row, "numpy_cpu_s": 5e-4}])
    assert "so is the plain NumPy floor" not in bench_masked.note([{**row, "nnbook_cpu_s": 5e-4}])
    assert bench_masked.note([{**row, "name": "something else"}]) == ""


def test_run_all_puts_the_rows_and_the_note_in_part_four():
    """Catches benchmarks/run_all.py losing chapter 28: part4 runs bench_masked and
    part4_markdown prints its note under the table; breakdown has both rows' steps."""
    import breakdown
    import run_all
    name = bench_masked.NAMES["unmask"]
    row = {"name": f"{name} float32", "nnbook_1t_s": 3e-3, "torch_1t_s": 1e-3,
           "ratio_vs_torch_1t": 3.0, "ratio_vs_torch_cpu": 3.0, "nnbook_cpu_s": 3e-3,
           "torch_cpu_s": 1e-3, "numpy_cpu_s": 2e-3, "target": "≤ 1× torch",
           "meets_target": False}
    bpe = {"name": "BPE", "merges": 1, "nnbook_s": 1.0, "nnbook_cpu_s": 1.0, "naive_s": 2.0,
           "naive_cpu_s": 2.0, "speedup_cpu": 2.0, "target_s": 5.0, "naive_estimated": False}
    table = run_all.part4_markdown([row], bpe)
    assert f"| {name} float32 | 3.000 ms | 1.000 ms | 3.00 | 3.00 | ≤ 1× torch | ✘ |" in table
    assert "`bench_masked.numpy_step`" in table and "so is the plain NumPy floor" in table
    assert "bench_masked.main(" in open(run_all.__file__).read()
    assert {f"{bench_masked.NAMES[k]} {dt}" for k in bench_masked.KINDS
            for dt in bench_masked.DTYPES} <= set(breakdown.builders())


def test_floor_ratios_run_side_by_side_tiny():
    """``--paired``'s ratios: one list per dtype, as many as asked, each a positive ratio of
    the two steps' times (a floor that computed something else would refuse to run)."""
    got = bench_masked.floor_ratios(repeats=2, seconds=0.01, tiny=True)
    assert sorted(got) == sorted(bench_masked.DTYPES)
    assert all(len(r) == 2 and all(0 < x < 100 for x in r) for r in got.values())
