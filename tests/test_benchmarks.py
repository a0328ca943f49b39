"""The benchmarks compare like with like: the hand-written NumPy baseline and
nnbook run the same training step from the same weights (benchmarks/bench_mlp.py),
and the conv benchmark's nnbook step runs. Timings are never asserted here."""

import os
import platform
import subprocess
import sys
import types

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))

import bench_mlp  # noqa: E402


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_numpy_baseline_and_nnbook_take_the_same_steps(dtype, rtol):
    nnbook_step = bench_mlp.nnbook_step(16, 8, dtype)
    numpy_step = bench_mlp.numpy_step(16, 8, dtype)
    losses_nb = [nnbook_step() for _ in range(5)]
    losses_np = [float(numpy_step()) for _ in range(5)]
    assert np.allclose(losses_nb, losses_np, rtol=rtol, atol=0)
    assert losses_nb[-1] < losses_nb[0]          # the same batch, so the loss falls


class FakeClock:
    """``time.perf_counter`` for best_time: it moves only when a step says so, so what
    best_time computes is known whatever the machine's speed or load."""

    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def test_best_time_is_the_fastest_call_after_the_warm_up(monkeypatch):
    import timing

    clock = FakeClock()
    monkeypatch.setattr(timing, "time", types.SimpleNamespace(perf_counter=clock))   # here only
    assert bench_mlp.best_time is timing.best_time
    durations = iter([9.0] * 10 + [0.3, 0.1, 0.2, 0.5] + [5.0] * 10)    # 10 warm-up calls first
    calls = []

    def step():
        calls.append(1)
        clock.t += next(durations)

    # the warm-up calls (9 s each) are not timed; then calls until ~1 s has gone by
    assert bench_mlp.best_time(step, seconds=1.0) == pytest.approx(0.1)
    assert len(calls) == 10 + 4                     # 0.3 + 0.1 + 0.2 + 0.5 > 1 s: stop
    calls.clear()
    durations = iter([1.0] * 10 + [2.0, 3.0, 0.5])
    assert bench_mlp.best_time(step, seconds=0.0, least=3) == pytest.approx(0.5)   # at least 3
    assert len(calls) == 13


import bench_conv  # noqa: E402
import run_all  # noqa: E402
import threads  # noqa: E402


def test_one_thread_children_get_every_thread_variable(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    env = threads.child_env(1)
    assert all(env[name] == "1" for name in threads.THREAD_VARS)
    assert threads.child_env(None)["OMP_NUM_THREADS"] == "4"         # the defaults are left alone
    assert threads.torch_threads(1) == 1 and threads.torch_threads(None) == (os.cpu_count() or 1)


def test_ratio_targets_are_judged_on_one_thread():
    one = [{"name": "conv", "nnbook_s": 2.0, "torch_s": 2.5, "ratio_vs_torch": 0.8, "meets_target": True}]
    default = [{"name": "conv", "nnbook_s": 3.0, "torch_s": 1.5, "ratio_vs_torch": 2.0,
                "target": "≤ 1× torch", "meets_target": False},
               {"name": "epoch", "nnbook_s": 0.01, "target": "< 20 ms", "meets_target": True}]
    rows = run_all.merge(one, default)
    assert rows[0]["ratio_vs_torch_1t"] == 0.8 and rows[0]["meets_target"] is True
    assert rows[1]["meets_target"] is True and rows[1]["ratio_vs_torch_1t"] is None
    table = run_all.markdown(rows, "header")
    assert "| conv | 2000.000 ms | 2500.000 ms | 0.80 | 3000.000 ms | 1500.000 ms | 2.00 |" in table
    assert "0.80" in table and "2.00" in table


def test_layer_rows_pair_their_thread_modes():
    rows = [{"name": "BatchNorm (256, 128) float64, 1 thread", "nnbook_s": 1.0, "torch_s": 0.8,
             "ratio_vs_torch": 1.25, "meets_target": True, "target": "≤ 1.5× torch"},
            {"name": "BatchNorm (256, 128) float64, default threads", "nnbook_s": 1.0, "torch_s": 0.5,
             "ratio_vs_torch": 2.0, "meets_target": False, "target": "≤ 1.5× torch"}]
    (row,) = run_all.merge_suffixed(rows)
    assert row["name"] == "BatchNorm (256, 128) float64"
    assert row["ratio_vs_torch_1t"] == 1.25 and row["ratio_vs_torch"] == 2.0
    assert row["meets_target"] is True            # judged on one thread, as merge() does


@pytest.mark.parametrize("case", bench_conv.CONV_CASES, ids=lambda c: c[0].strip())
def test_conv_benchmark_steps_run(case):
    _, m, side, c_in, c_out, f, s, p, need_dx, _ = case
    step = bench_conv.nnbook_conv_step(2, side, c_in, c_out, f, s, p, need_dx, np.float32)
    step()
    base = bench_conv.strided_conv_step(2, side, c_in, c_out, f, s, p, need_dx, np.float32)
    base()


import bench_conv_cpu  # noqa: E402


def test_cpu_time_benchmark_rows_and_child():
    rows = bench_conv_cpu.cases("14×14×8")
    assert [r[2] for r in rows] == ["float64", "float32"] and all(r[1] == "conv" for r in rows)
    assert len(bench_conv_cpu.cases()) == len(bench_conv.DTYPES) * (len(bench_conv.CONV_CASES)
                                                                     + len(bench_conv.POOL_CASES))
    small = [["conv", "conv", "float32", [2, 6, 3, 2, 3, 1, 1, True]],
             ["pool", "pool", "float64", [2, 6, 2, 2]]]
    times = bench_conv_cpu.run("nnbook", small, reps=2)
    assert set(times) == {"conv", "pool"} and all(t >= 0 for t in times.values())


import bench_walk  # noqa: E402
import nnbook as nb  # noqa: E402
import timing  # noqa: E402


@pytest.mark.parametrize("sizes, batch", [((64, 8, 8, 10), 4), ((64, 128, 64, 10), 32),
                                          ((784, 256, 128, 10), 8), ((64, 128, 128, 10), 256)])
def test_the_walk_tables_steps_are_nnbooks_step(sizes, batch):
    """The fastest NumPy step the overhead ratio divides by, and the bare walk that splits the
    ratio in two, do nnbook's arithmetic: the losses of train_step, step after step, from
    the weights nnbook's Dense layers draw."""
    model = bench_walk.nnbook_mlp(nb, sizes)
    x, labels, onehot = bench_walk.data(sizes[0], sizes[-1], batch, np.float64)
    ours = [model.train_step(x, onehot)["loss"] for _ in range(4)]
    assert ours[-1] < ours[0]
    for make in (bench_walk.numpy_mlp_step, bench_walk.bare_walk_step):
        step = make(sizes, batch)
        np.testing.assert_allclose(ours, [float(step()) for _ in range(4)], rtol=1e-12,
                                   err_msg=make.__name__)
    from nnbook.layers import base                          # the bare walk keeps nnbook's arrays
    assert bench_walk.KEEP_FROM == base.KEEP_FROM
    fresh = bench_walk.nnbook_mlp(nb, sizes).params           # the same starting weights
    for i, W in enumerate(bench_walk.glorot(sizes, np.float64)):
        np.testing.assert_array_equal(fresh[f"{2 * i}.W"], W)


def test_alternate_keeps_each_steps_best_turn(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(timing, "time", types.SimpleNamespace(perf_counter=clock))
    costs = {"a": iter([3.0, 1.0, 2.0] * 20), "b": iter([5.0, 4.0, 6.0] * 20)}

    def make(name):
        def step():
            clock.t += next(costs[name])
        return step

    best = timing.alternate({"a": make("a"), "b": make("b")}, rounds=2, seconds=0.0,
                            clock=clock)
    assert best == {"a": 1.0, "b": 4.0}


def test_walk_overhead_ratios_are_printed_never_asserted(capsys):
    """The CI job prints nnbook's step against the fastest NumPy step and fit against a
    loop of train_step (targets 1.10 and 1.05; see benchmarks/results.md). Timings vary
    with the machine, so only the table's form is checked: quick, each turn timed over 3
    calls and each median over 5 pairs (5 s of CPU before, most of this file's)."""
    rows = bench_walk.ratios(rounds=1, rows=bench_walk.MLP_ROWS[:1] + bench_walk.MLP_ROWS[-2:-1],
                             paired_seconds=0.01, quick=True)
    table = bench_walk.markdown(rows)
    with capsys.disabled():
        print("\n" + table)
    assert [r["name"] for r in rows] == ["MLP 64-8-8-10 b4", "MLP 64-128-64-10 b32 (issue 28)"]
    assert all(r["step_ratio"] > 0 and r["fit_ratio"] > 0 and r["bare_ratio"] > 0 for r in rows)
    assert all(r["step_median"] > 0 and r["fit_median"] > 0 for r in rows)
    assert table.count("\n| MLP 64-") == 2
    assert all(row.count("|") == 13 for row in table.splitlines() if row.startswith("| MLP"))
    assert [bench_walk.step_target(b) for b in (4, 16, 32, 256)] == [1.25, 1.25, 1.10, 1.10]
    # rows stored before the medians were measured print — there
    old = {k: v for k, v in rows[0].items() if k not in ("step_median", "fit_median", "batch")}
    assert bench_walk.markdown([old]).splitlines()[-1].count("| — |") == 2


def test_the_older_nnbook_is_read_from_a_folder(tmp_path):
    (tmp_path / "nnbook").mkdir()
    assert bench_walk.old_tree(str(tmp_path)) == str(tmp_path)
    assert bench_walk.load_as(bench_walk.ROOT, "nnbook_again").Sequential is not nb.Sequential


def test_results_keep_one_section_per_cpu_family():
    text = run_all.family_section(run_all.INTRO, "AMD", "| amd table |")
    text = run_all.family_section(text, "Intel", "| intel table |")
    text = run_all.family_section(text, "AMD", "| amd again |")      # a second AMD run
    assert text.startswith("# Benchmark results")
    assert "| amd table |" not in text and text.count("## AMD") == 1
    assert text.index("| amd again |") < text.index("## Intel") < text.index("| intel table |")
    assert run_all.cpu()["family"] and run_all.numpy_side()["simd"] != ""


def test_a_part_of_a_family_section_is_replaced_alone():
    """``benchmarks/run_all.py --only part4`` (or ``walk``) rewrites only its own block."""
    text = run_all.family_section(run_all.INTRO, "AMD", "| main table |\n\n"
                                  + run_all.part_block("walk", "old walk"))
    text = run_all.replace_part(text, "walk", "new walk")
    text = run_all.replace_part(text, "part4", "part four")
    assert "old walk" not in text and text.count("new walk") == 1
    assert text.index("| main table |") < text.index("new walk") < text.index("part four")
    text = run_all.replace_part(text, "part4", "part four again")
    assert "part four\n" not in text and text.count("<!-- part: part4 -->") == 1


def test_part_four_rows_make_their_table():
    row = {"name": "modern block float64", "nnbook_s": 0.017, "torch_1t_s": 0.022,
           "ratio_vs_torch_1t": 0.78, "ratio_vs_torch_cpu": 0.79, "target": "≤ 1× torch",
           "meets_target": True}
    bpe = {"name": "BPE training, vocab 1000, 1 MB", "merges": 744, "nnbook_s": 4.2,
           "nnbook_cpu_s": 2.8, "naive_s": 108.0, "naive_cpu_s": 66.4, "speedup_cpu": 23.7,
           "target_s": 5.0, "naive_estimated": True, "naive_prefix_bytes": 100_000,
           "naive_prefix_s": 10.8, "nnbook_prefix_s": 0.99}
    table = run_all.part4_markdown([row], bpe)
    assert "| modern block float64 | 17.000 ms | 22.000 ms | 0.78 | 0.79 | ≤ 1× torch | ✔ |" in table
    assert "4.20 s (2.80 s CPU) | ≈ 108.0 s (≈ 66.4 s CPU) | 24× | ≤ 5 s | ✔ |" in table


# --- run_all.py's command line ----------------------------------------------------------------
BENCH = os.path.dirname(os.path.abspath(run_all.__file__))
FLAGS = ("-h", "--help", "--no-torch", "--no-write", "--chart-only", "--only", "--against",
         "--steady-malloc")


def run_a_copy(tmp_path, *flags):
    """benchmarks/run_all.py run with ``flags`` from a copy in ``tmp_path`` (it writes next to
    itself, so a run that measured would write there, never into the repository), with a
    timeout that fails a run that started measuring instead of stopping."""
    import shutil
    import subprocess

    shutil.copy(os.path.join(BENCH, "run_all.py"), tmp_path)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([BENCH, os.path.dirname(BENCH)]),
               PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, str(tmp_path / "run_all.py"), *flags], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)


def results_mtimes():
    names = ("results.md", "results.json", "results.png")
    return {n: os.stat(os.path.join(BENCH, n)).st_mtime_ns for n in names
            if os.path.exists(os.path.join(BENCH, n))}


def test_run_all_help_names_every_flag_and_measures_nothing(tmp_path):
    before = results_mtimes()
    res = run_a_copy(tmp_path, "--help")
    assert res.returncode == 0, res.stderr
    for word in FLAGS + ("part4", "walk", "REF", "results.md", "results.png"):
        assert word in res.stdout, f"--help does not name {word}"
    assert set(run_all.flags().accepted) <= {
        "-h/--help", "--no-torch", "--no-write", "--chart-only", "--only {part4,walk,tiles,linear,part7,breakdown}",
        "--against REF", "--steady-malloc"}, "a new flag: add it to FLAGS above"
    assert os.listdir(tmp_path) == ["run_all.py"] and results_mtimes() == before


@pytest.mark.parametrize("flags, named", [
    (["--onyl", "part4"], "--onyl"),              # a typo: before, it started the full run
    (["--on", "part4"], "--on"),                  # no abbreviations either
    (["--only"], "--only"),                       # the value missing
    (["--only", "part5"], "part5"),
    (["--against"], "--against"),
    (["results"], "results"),                     # a stray word
    (["--chart-only", "--bogus"], "--bogus"),     # even with the flag that measures nothing
])
def test_run_all_stops_on_a_bad_flag_before_measuring(flags, named, capsys):
    with pytest.raises(SystemExit) as stop:
        run_all.main(flags)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and named in err and "--only {part4,walk,tiles,linear,part7,breakdown}" in err
    assert all(flag in err for flag in FLAGS[1:])


def test_an_unknown_flag_exits_2_and_writes_nothing(tmp_path):
    before = results_mtimes()
    res = run_a_copy(tmp_path, "--onyl", "part4")
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr.startswith("run_all.py: unrecognized arguments: --onyl part4;")
    assert os.listdir(tmp_path) == ["run_all.py"] and results_mtimes() == before


def _documented_commands():
    """The benchmarks/run_all.py command lines that CONTRIBUTING, README, the benchmarks'
    README and results give."""
    import re

    root = os.path.dirname(BENCH)
    found = set()
    for name in ("CONTRIBUTING.md", "README.md", os.path.join("benchmarks", "README.md"),
                 os.path.join("benchmarks", "results.md")):
        with open(os.path.join(root, name), encoding="utf-8") as f:
            text = f.read()
        found |= {m.strip() for m in re.findall(r"benchmarks/run_all\.py([^`\n#]*)", text)}
        found |= {m for m in re.findall(r"`(--only \w+)`", text)}
    return sorted(found | {"--no-torch --no-write", "--chart-only", "--only part4"})


@pytest.mark.parametrize("command", _documented_commands())
def test_the_documented_run_all_commands_still_parse(command, capsys):
    if command in ("-h", "--help"):
        with pytest.raises(SystemExit) as stop:
            run_all.flags().parse_args([command])
        assert stop.value.code == 0 and "--only" in capsys.readouterr().out
        return
    args = run_all.flags().parse_args(command.split())
    assert args.only is None or args.only in run_all.ONLY


def test_run_all_passes_its_flags_on(monkeypatch):
    """``--only`` goes to main_only with the other flags, as before argparse read them."""
    calls = []
    monkeypatch.setattr(run_all, "main_only", lambda *a: calls.append(a) or "stub")
    monkeypatch.setattr(run_all.timing, "steady_malloc", lambda: calls.append("malloc"))
    assert run_all.main(["--only", "walk", "--against", "98b401b", "--no-write",
                         "--steady-malloc"]) == "stub"
    assert run_all.main(["--no-torch", "--only", "part4"]) == "stub"
    assert calls[0] == "malloc" and "malloc" not in calls[2:]   # the allocator only on request
    (only, torch, _, no_write, saved, against), second = calls[1], calls[2]
    assert (only, torch, no_write, against) == ("walk", True, True, "98b401b")
    assert saved == os.path.join(BENCH, "results.json")
    assert (second[0], second[1], second[3], second[5]) == ("part4", False, False, None)


def test_steady_malloc_reaches_this_process_and_its_children(monkeypatch):
    """Every side of a benchmark runs with glibc keeping TOP_PAD bytes at the top of its
    heap: this process through mallopt, the children through MALLOC_TOP_PAD_."""
    monkeypatch.delenv("MALLOC_TOP_PAD_", raising=False)
    took = timing.steady_malloc()
    assert os.environ["MALLOC_TOP_PAD_"] == str(timing.TOP_PAD)
    child = subprocess.run([sys.executable, "-c", "import os; print(os.environ['MALLOC_TOP_PAD_'])"],
                           capture_output=True, text=True, check=True)
    assert child.stdout.strip() == str(timing.TOP_PAD)
    if sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc":
        assert took is True
        import resource
        a, eye = np.ones((256, 128)), np.eye(128)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(200):                  # 256 kB results, freed at once: no page faults
            np.dot(a, eye)
        assert resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before < 200


def test_breakdown_records_the_products_a_step_makes_and_puts_its_arrays_back():
    """breakdown.products_of: the three Dense layers' products, forward and backward (the
    first layer's ∂E/∂x skipped), with their shapes; the model's arrays are plain again."""
    import numpy as np

    import breakdown
    import nnbook as nb
    rng = np.random.default_rng(0)
    model = nb.Sequential([nb.Dense(6, 5, rng=rng), nb.ReLU(), nb.Dense(5, 3, rng=rng),
                           nb.Softmax()])
    model.compile(nb.SGD(lr=0.1), "crossentropy")
    x, y = rng.standard_normal((4, 6)), np.eye(3)[[0, 1, 2, 0]]
    step = lambda: model.train_step(x, y)            # noqa: E731
    step()
    found = breakdown.products_of(step)
    assert sorted(found) == sorted([((4, 6), (6, 5), "<f8"), ((4, 5), (5, 3), "<f8"),
                                    ((5, 4), (4, 3), "<f8"), ((4, 3), (3, 5), "<f8"),
                                    ((6, 4), (4, 5), "<f8")])
    assert all(type(p) is np.ndarray for p, _ in model.gradient_pairs())
    assert np.empty(2).__class__ is np.ndarray


def test_breakdown_says_who_is_behind():
    import breakdown
    rows = [{"name": "a", "nnbook_1t_s": 3.0, "torch_1t_s": 2.0},
            {"name": "b", "nnbook_1t_s": 3.0, "torch_1t_s": 2.0},
            {"name": "c", "nnbook_1t_s": 1.0, "torch_1t_s": 2.0}]
    measured = {"a": {"products": 2, "numpy": 2.0, "torch": 1.0, "total_nnbook": 3.0,
                      "total_torch": 2.0},                    # rest 1.0 / 1.0: the BLAS
                "b": {"products": 1, "numpy": 1.0, "torch": 1.0},   # rest 2 / 1: nnbook
                "c": {"products": 0, "numpy": 0.0, "torch": 0.0}}
    table = {b["name"]: b for b in breakdown.combine(rows, measured)}
    assert table["a"]["verdict"] == "BLAS" and table["a"]["rest"] == 1.0
    assert table["b"]["verdict"] == "nnbook" and table["b"]["rest"] == 2.0
    assert table["c"]["verdict"] == "ahead" and table["c"]["products"] is None
    assert "| a | 1.50 | 2.00 | 1.00 |" in breakdown.markdown(list(table.values()), "", "")
    measured["b"]["fused"] = ["aten::mkldnn_rnn_layer"]  # PyTorch's products inside a kernel
    table = {b["name"]: b for b in breakdown.combine(rows, measured)}
    assert table["b"]["verdict"] == "fused" and table["a"]["verdict"] == "BLAS"
    text = breakdown.markdown(list(table.values()), "", "")
    assert "| fused | `mkldnn_rnn_layer` |" in text and "| BLAS | — |" in text
    del measured["b"]["fused"]                            # a plain NumPy floor of its own:
    rows[1].update(numpy_cpu_s=2.4, torch_cpu_s=2.0)      # slower than PyTorch → NumPy
    assert {b["name"]: b for b in breakdown.combine(rows, measured)}["b"]["verdict"] == "NumPy"
    rows[1].update(numpy_cpu_s=1.8)                       # a floor ahead: nnbook's own rest
    assert {b["name"]: b for b in breakdown.combine(rows, measured)}["b"]["verdict"] == "nnbook"
    assert breakdown.floor_ratio({"numpy_cpu_s": 1.0}) is None
