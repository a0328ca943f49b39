"""benchmarks/bench_grpo.py compares like with like: the policy is chapter 22's, and the
nnbook step, the plain NumPy step and the PyTorch step write the same answers from the same
uniforms and take the same GRPO step (the loss, every gradient and every weight after two
steps, float64 and float32); the script runs end to end in its tiny mode and run_all.py puts
its rows in Part IV's table. Timings are never asserted here."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "benchmarks"))

import bench_grpo  # noqa: E402

TOL = {"float64": 1e-10, "float32": 1e-4}
SIZE = dict(subjects=3, G=4, n_new=12)        # three prompt lengths: three cached batches


def bang(prompt, answer):
    """A 0/1 reward that varies on the untrained policy (chapter 22's habit: ends with !)."""
    return float(answer.endswith("!"))


def torch_names(i, key):
    """The name ``nb.to_torch``'s module gives the plain NumPy step's array ``key`` and
    whether it is stored transposed (a Linear's weight)."""
    if key in ("emb", "gf", "Wout", "bout"):
        return {"emb": ("0.weight", False), "gf": ("3.weight", False),
                "Wout": ("4.weight", True), "bout": ("4.bias", False)}[key]
    i, k = int(i) + 1, key.split(".", 1)[1]           # the blocks are the model's 1 and 2
    if k in ("g1", "g2"):
        return f"{i}.norm{k[1]}.weight", False
    if k in ("W1", "W2", "W3"):
        return f"{i}.ffn.w{k[1]}.weight", True
    return f"{i}.attn.{k[1]}.{'weight' if k[0] == 'W' else 'bias'}", k[0] == "W"


@pytest.fixture
def one_thread():
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)                 # as the benchmark's child: many threads on a
    yield torch                              # busy 2-core machine made a step 30× slower
    torch.set_num_threads(before)


def test_the_policy_is_chapter_22s():
    """Catches a benchmark that drifts from the chapter's policy: the same layers and, in
    float64, the same weights as ``sft_rl_dpo.modern_lm`` from the same seed."""
    from nnbook.experiments.sft_rl_dpo import modern_lm
    ours, theirs = bench_grpo.policy("float64"), modern_lm(np.random.default_rng(22))
    assert [type(l).__name__ for l in ours.layers] == [type(l).__name__ for l in theirs.layers]
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert all(w.dtype == np.float32 for w in bench_grpo.policy("float32").get_weights())


def test_the_step_is_chapter_29s():
    """The nnbook step's rewards are the exact verifier's on the answers it wrote (all 0 on
    this untrained policy, so every advantage is 0), its answers are cut at their first
    . ! or ?, and a second call draws the same uniforms (the same answers while the
    weights have not moved)."""
    from nnbook.experiments.sft_rl_dpo import TASK
    step = bench_grpo.nnbook_step(SIZE, "float64")
    prompts, _ = bench_grpo.task(SIZE)
    step()
    first = step.last
    assert len(first["written"]) == 12 and len(set(prompts)) == 3
    assert all(len(w) <= 12 and not any(c in w[:-1] for c in ".!?") for w in first["written"])
    want = [TASK.verify(p, TASK.answer_of(w)) for p, w in zip(prompts, first["written"])]
    np.testing.assert_array_equal(first["rewards"], want)
    step()
    assert step.last["written"] == first["written"] and first["loss"] == 0


@pytest.mark.parametrize("dtype", bench_grpo.DTYPES)
def test_the_plain_numpy_step_takes_nnbook_s_steps(dtype):
    """Catches a floor that computes something else: a RoPE turned the wrong way, the grouped
    heads read from other key/value heads, a norm or SwiGLU's backward written wrong, AdamW
    with another bias correction. Two steps: the same answers, the same loss, every gradient
    of the second step and every weight after it, within 1e-10 (float64) or 1e-4 (float32)."""
    ours = bench_grpo.nnbook_step(SIZE, dtype, reward=bang)
    plain = bench_grpo.numpy_step(SIZE, dtype, reward=bang)
    tol = TOL[dtype]
    for _ in range(2):
        a, b = ours(), plain()
        assert ours.last["written"] == plain.last["written"]
        np.testing.assert_array_equal(ours.last["rewards"], plain.last["rewards"])
        assert np.isclose(a, b, rtol=tol, atol=tol)
    assert 0 < ours.last["rewards"].mean() < 1 and a != 0      # the gradients are not zero
    for of, theirs in (("grads", plain.grads), ("params", plain.weights)):
        mine = bench_grpo.arrays(ours.model, of)
        assert sorted(mine) == sorted(theirs)                  # none left out on either side
        for key, value in theirs.items():
            assert value.dtype == dtype
            np.testing.assert_allclose(value, mine[key], rtol=tol, atol=tol, err_msg=key)


@pytest.mark.parametrize("dtype", bench_grpo.DTYPES)
def test_the_torch_step_takes_nnbook_s_steps(dtype, one_thread):
    """Catches a PyTorch step that reads other weights, draws from other uniforms, writes a
    cache at the wrong positions or computes another loss (a mean over tokens, a sign): the
    same answers, the same loss, every gradient of the second step and every weight after
    it."""
    ours = bench_grpo.nnbook_step(SIZE, dtype, reward=bang)
    theirs = bench_grpo.torch_step(SIZE, dtype, reward=bang)
    tol = TOL[dtype]
    for _ in range(2):
        a, b = ours(), float(theirs().detach())
        assert ours.last["written"] == theirs.last["written"]
        assert np.isclose(a, b, rtol=tol, atol=tol)
    named = dict(theirs.model.named_parameters())
    assert len(named) == len(bench_grpo.arrays(ours.model))    # every parameter compared
    for of in ("params", "grads"):
        for key, mine in bench_grpo.arrays(ours.model, of).items():
            name, transposed = torch_names(key.split(".")[0], key)
            p = named[name]
            value = (p.grad if of == "grads" else p).detach().numpy()
            value = value.T if transposed else value
            assert value.dtype == dtype
            np.testing.assert_allclose(mine, value, rtol=tol, atol=tol, err_msg=key)


def test_runs_end_to_end_tiny():
    rows = bench_grpo.main(with_torch=False, rounds=1, tiny=True, seconds=0.01)
    assert len(rows) == 2 and all(r["nnbook_s"] > 0 and r["torch_s"] is None
                                  and r["numpy_s"] > 0 and r["numpy_cpu_s"] > 0 for r in rows)
    note = bench_grpo.note(rows)
    assert note.count("× it") == 2 and "PyTorch's," not in note   # no PyTorch: no ratio


def test_run_all_puts_the_rows_and_the_note_in_part_four():
    """Catches benchmarks/run_all.py losing chapter 29: part4 runs bench_grpo,
    part4_markdown prints its note under the table, and breakdown has both rows' steps."""
    import run_all
    row = {"name": f"{bench_grpo.NAME} float64", "nnbook_1t_s": 0.3, "torch_1t_s": 0.6,
           "ratio_vs_torch_1t": 0.5, "ratio_vs_torch_cpu": 0.5, "nnbook_cpu_s": 0.3,
           "torch_cpu_s": 0.6, "numpy_cpu_s": 0.25, "target": "≤ 1× torch",
           "meets_target": True}
    bpe = {"name": "BPE", "merges": 1, "nnbook_s": 1.0, "nnbook_cpu_s": 1.0, "naive_s": 2.0,
           "naive_cpu_s": 2.0, "speedup_cpu": 2.0, "target_s": 5.0, "naive_estimated": False}
    table = run_all.part4_markdown([row], bpe)
    assert f"| {bench_grpo.NAME} float64 | 300.000 ms | 600.000 ms | 0.50 |" in table
    assert "`bench_grpo.numpy_step`" in table and "nnbook 1.20 × it" in table
    assert "bench_grpo.main(" in open(run_all.__file__).read()
    import breakdown
    assert {f"{bench_grpo.NAME} {dt}" for dt in bench_grpo.DTYPES} <= set(breakdown.builders())
