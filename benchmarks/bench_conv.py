"""Convolution and pooling benchmark: nnbook vs its own readable version vs PyTorch.

Measures, in float64 and float32:
  * Conv2D forward + backward at three shapes (the "baseline" column is
    ``conv_impl.forward_strided`` + ``backward_strided``, the readable
    sliding-window version that Conv2D's im2col path replaces),
  * MaxPool2D 2×2 forward + backward,
  * one training epoch of the small digits CNN (8×8×1 → Conv 3×3, 8 filters,
    padding 1 → ReLU → MaxPool 2 → Flatten → Dense(128 → 10) → Softmax;
    cross-entropy, 1347 samples, batch 32, SGD),
  * the memory of Conv2D's im2col work arrays, relative to the input.

PyTorch (when installed) runs in a separate process, after nnbook, so its
threads are idle while NumPy runs; it gets as many threads as the machine has
cores (NumPy's BLAS uses the same number by default), or, with
``--one-thread``, both sides get one (``benchmarks/threads.py``). Times are the best mean
of several timed runs after a warm-up, which is the least disturbed by other
programs on a shared machine.

    python benchmarks/bench_conv.py [--no-torch] [--one-thread]

On a loaded machine, ``bench_conv_cpu.py`` times the same conv and pool rows in
CPU time (one thread each side), which other programs disturb far less.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tracemalloc

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import nnbook as nb  # noqa: E402
from nnbook import conv_impl  # noqa: E402
from threads import child_env, torch_threads  # noqa: E402
import timing  # noqa: E402
from timing import print_table  # noqa: E402  (one table format for every benchmark)

# (name, m, side, c_in, c_out, f, stride, padding, need_dx, target ratio vs torch: one number,
# or one per dtype)
CONV_CASES = [
    ("conv 64×28×28×1 → 8, 3×3 s1 p1", 64, 28, 1, 8, 3, 1, 1, True, 2.0),
    ("  the same as a first layer (no ∂E/∂x)", 64, 28, 1, 8, 3, 1, 1, False, 2.0),
    ("conv 64×14×14×8 → 16, 3×3 s1 p1", 64, 14, 8, 16, 3, 1, 1, True, {"float64": 2.0, "float32": 1.0}),
    ("conv 32×32×32×3 → 16, 5×5 s2 p2", 32, 32, 3, 16, 5, 2, 2, True, 4.0),
]
# (name, m, side, c, pool, target ratio vs torch)
POOL_CASES = [("maxpool 2×2 on 64×28×28×8", 64, 28, 8, 2, 1.0)]
DTYPES = ("float64", "float32")
EPOCH_TARGET_S = 0.020
MEMORY_TARGET = 30.0
THREADS = os.cpu_count() or 1
INFO = {}          # filled by main(): the PyTorch version and thread count of the last run


def best_time(step, seconds=0.4, least=15):
    """timing.best_time with this benchmark's budget: at least 15 calls, 3 to warm up."""
    return timing.best_time(step, seconds=seconds, least=least, warmup=3)


# nnbook ---------------------------------------------------------------------------------------
def conv_data(m, side, c_in, c_out, f, s, p, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((m, side, side, c_in)).astype(dtype)
    o = nb.output_size(side, f, p, s)
    return x, rng.standard_normal((m, o, o, c_out)).astype(dtype)


def nnbook_conv_step(m, side, c_in, c_out, f, s, p, need_dx, dtype):
    layer = nb.Conv2D(c_in, c_out, f, stride=s, padding=p, rng=np.random.default_rng(1), dtype=dtype)
    x, dy = conv_data(m, side, c_in, c_out, f, s, p, dtype)

    def step():
        layer.forward(x)
        layer.backward(dy, need_dx=need_dx)
    return step


def strided_conv_step(m, side, c_in, c_out, f, s, p, need_dx, dtype):
    """The readable sliding-window version (conv_impl), always with ∂E/∂x."""
    x, dy = conv_data(m, side, c_in, c_out, f, s, p, dtype)
    rng = np.random.default_rng(1)
    W, b = rng.standard_normal((f, f, c_in, c_out)).astype(dtype), np.zeros(c_out, dtype)

    def step():
        conv_impl.forward_strided(x, W, b, s, p)
        conv_impl.backward_strided(dy, x, W, s, p)
    return step


def nnbook_pool_step(m, side, c, f, dtype):
    rng = np.random.default_rng(0)
    pool = nb.MaxPool2D(f)
    x = rng.standard_normal((m, side, side, c)).astype(dtype)
    dy = rng.standard_normal((m, side // f, side // f, c)).astype(dtype)

    def step():
        pool.forward(x)
        pool.backward(dy)
    return step


def digits_cnn_epoch(dtype=np.float64, epochs=5):
    """Best time of one epoch of the digits CNN (1347 training images, batch 32)."""
    try:
        images, labels = nb.data.load_digits()
    except Exception:                      # scikit-learn missing: same-sized synthetic data
        rng = np.random.default_rng(0)
        images, labels = rng.random((1797, 8, 8, 1)), rng.integers(0, 10, 1797)
    x, y = images[:1347].astype(dtype), labels[:1347]
    rng = np.random.default_rng(0)
    model = nb.Sequential([nb.Conv2D(1, 8, 3, padding=1, rng=rng, dtype=dtype), nb.ReLU(),
                           nb.MaxPool2D(2), nb.Flatten(), nb.Dense(128, 10, rng=rng, dtype=dtype),
                           nb.Softmax()])
    model.compile(nb.SGD(lr=0.1), "crossentropy")
    model.fit(x, y, epochs=1, verbose=0, rng=rng)                       # warm-up
    best = float("inf")
    for _ in range(epochs):
        t = time.perf_counter()
        model.fit(x, y, epochs=1, batch_size=32, verbose=0, rng=rng)
        best = min(best, time.perf_counter() - t)
    return best


def conv_memory(m, side, c_in, c_out, f, s, p):
    """(work arrays kept by Conv2D, peak of everything allocated during forward +
    backward), both divided by the input's size in bytes."""
    layer = nb.Conv2D(c_in, c_out, f, stride=s, padding=p, rng=np.random.default_rng(1))
    x, dy = conv_data(m, side, c_in, c_out, f, s, p, np.float64)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        start = tracemalloc.get_traced_memory()[0]
        layer.forward(x)
        layer.backward(dy)
        peak = tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()
    work = sum(a.nbytes for w in layer._work.values() for a in w.values()
               if isinstance(a, np.ndarray) and a.base is None)
    return work / x.nbytes, peak / x.nbytes


# PyTorch, in a child process ------------------------------------------------------------------------
TORCH_SCRIPT = r"""
import json, sys, time, torch
import torch.nn.functional as F
conv_cases, pool_cases, dtypes, threads = json.loads(sys.argv[1])
torch.set_num_threads(threads)
def best_time(step, seconds=0.4, least=15):
    for _ in range(3): step()
    times, t_end = [], time.perf_counter() + seconds
    while len(times) < least or time.perf_counter() < t_end:
        t = time.perf_counter(); step(); times.append(time.perf_counter() - t)
    return min(times)
out = {}
for dname in dtypes:
    dt = getattr(torch, dname)
    torch.manual_seed(0)
    for name, m, side, c_in, c_out, f, s, p, need_dx, _ in conv_cases:
        x = torch.randn(m, c_in, side, side, dtype=dt, requires_grad=need_dx)
        w = torch.randn(c_out, c_in, f, f, dtype=dt, requires_grad=True)
        b = torch.zeros(c_out, dtype=dt, requires_grad=True)
        o = (side + 2 * p - f) // s + 1
        dy = torch.randn(m, c_out, o, o, dtype=dt)
        def step():
            F.conv2d(x, w, b, stride=s, padding=p).backward(dy)
        out[f"{dname}:{name}"] = best_time(step)
    for name, m, side, c, f, _ in pool_cases:
        x = torch.randn(m, c, side, side, dtype=dt, requires_grad=True)
        dy = torch.randn(m, c, side // f, side // f, dtype=dt)
        def step():
            F.max_pool2d(x, f).backward(dy)
        out[f"{dname}:{name}"] = best_time(step)
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                              torch.nn.Flatten(), torch.nn.Linear(128, 10)).to(dt)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    lossf = torch.nn.CrossEntropyLoss()
    X, Y = torch.rand(1347, 1, 8, 8, dtype=dt), torch.randint(0, 10, (1347,))
    def epoch():
        perm = torch.randperm(1347)
        for i in range(0, 1347, 32):
            idx = perm[i:i + 32]
            opt.zero_grad(set_to_none=True)
            lossf(net(X[idx]), Y[idx]).backward()
            opt.step()
    epoch()
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter(); epoch(); best = min(best, time.perf_counter() - t)
    out[f"{dname}:epoch"] = best
print(json.dumps({"version": torch.__version__, "threads": torch.get_num_threads(), "times": out}))
"""


def torch_times(threads=None):
    """PyTorch's times in a child process (``threads``: 1, or None for the default
    counts), or ``None`` (with a message) when torch is missing."""
    import importlib.util
    if importlib.util.find_spec("torch") is None:
        print("PyTorch is not installed: the torch column is skipped "
              "(pip install torch==2.13.0 to compare).", file=sys.stderr)
        return None
    args = json.dumps([CONV_CASES, POOL_CASES, list(DTYPES), torch_threads(threads)])
    res = subprocess.run([sys.executable, "-c", TORCH_SCRIPT, args], capture_output=True,
                         text=True, timeout=900, env=child_env(threads))
    if res.returncode != 0:
        print("PyTorch run failed:", res.stderr.strip().splitlines()[-1:], file=sys.stderr)
        return None
    return json.loads(res.stdout)


# the table ----------------------------------------------------------------------------------------------
def row(name, t_nb, t_base=None, t_torch=None, target=None, *, ratio_limit=None,
        time_limit=None, value_limit=None, value=None):
    """One result; ``meets_target`` compares the ratio to torch, the time, or the value."""
    ratio = None if t_torch is None or t_nb is None else t_nb / t_torch
    ok = None
    if ratio_limit is not None and ratio is not None:
        ok = ratio <= ratio_limit
    elif time_limit is not None:
        ok = t_nb < time_limit
    elif value_limit is not None:
        ok = value < value_limit
    return {"name": name, "nnbook_s": t_nb, "baseline_s": t_base, "torch_s": t_torch,
            "ratio_vs_torch": ratio, "ratio_vs_baseline": None if t_base is None else t_nb / t_base,
            "target": target, "value": value, "meets_target": ok}


def measure_nnbook(with_baseline):
    """{key: (nnbook time, strided-version time or None)} for every case and dtype."""
    measured = {}
    for dname in DTYPES:
        dtype = np.dtype(dname)
        for name, m, side, c_in, c_out, f, s, p, need_dx, _ in CONV_CASES:
            args = (m, side, c_in, c_out, f, s, p, need_dx, dtype)
            base = (best_time(strided_conv_step(*args), seconds=0.2, least=3)
                    if need_dx and with_baseline else None)
            measured[f"{dname}:{name}"] = (best_time(nnbook_conv_step(*args)), base)
        for name, m, side, c, f, _ in POOL_CASES:
            measured[f"{dname}:{name}"] = (best_time(nnbook_pool_step(m, side, c, f, dtype)), None)
        measured[f"{dname}:epoch"] = (digits_cnn_epoch(dtype), None)
    return measured


def measure_nnbook_in_child(with_baseline, threads=None):
    """``measure_nnbook`` in a fresh process, as PyTorch is measured, with
    ``threads`` BLAS threads (None: the default count).

    A process's BLAS threads can sit on a busy virtual core for its whole life
    (one process in four ran 1.7× slower here), so every round starts anew.
    """
    cmd = [sys.executable, os.path.abspath(__file__), "--child"] + (["--baseline"] if with_baseline else [])
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=True,
                         env=child_env(threads))
    return {k: tuple(v) for k, v in json.loads(res.stdout).items()}


def main(with_torch=True, rounds=3, threads=None):
    """Measure everything; returns the rows, a list of dicts with name, nnbook_s,
    baseline_s, torch_s, ratio_vs_torch, ratio_vs_baseline, target, value (the
    memory rows: a ratio, also written in the name) and meets_target (True, False,
    or None when there is nothing to compare). ``threads``: 1 for one thread
    each side, None for the default counts.

    nnbook and PyTorch take turns ``rounds`` times, each round in a fresh
    process, and each keeps its best time, so that a busy moment (or a busy
    core) on a shared machine does not decide a comparison.
    """
    measured, times, tt = {}, {}, None
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    for r in range(rounds):
        for key, (t_nb, base) in measure_nnbook_in_child(r == 0, threads).items():
            old_nb, old_base = measured.get(key, (float("inf"), None))
            measured[key] = (min(t_nb, old_nb), base if old_base is None else old_base)
        if with_torch:
            tt = torch_times(threads)
            for key, t in (tt or {}).get("times", {}).items():
                times[key] = min(t, times.get(key, float("inf")))
    rows = []
    memory = [(name, conv_memory(m, side, c_in, c_out, f, s, p))
              for name, m, side, c_in, c_out, f, s, p, need_dx, _ in CONV_CASES if need_dx]
    for dname in DTYPES:
        for name, *_, target in CONV_CASES + POOL_CASES:
            target = target[dname] if isinstance(target, dict) else target
            t_nb, t_base = measured[f"{dname}:{name}"]
            rows.append(row(f"{name} {dname}", t_nb, t_base, times.get(f"{dname}:{name}"),
                            f"≤ {target:g}× torch", ratio_limit=target))
        rows.append(row(f"digits CNN, one epoch {dname}", measured[f"{dname}:epoch"][0], None,
                        times.get(f"{dname}:epoch"), f"< {EPOCH_TARGET_S * 1e3:g} ms",
                        time_limit=EPOCH_TARGET_S))
    for name, (work, peak) in memory:
        short = name.split(",")[0].removeprefix("conv ")
        rows.append(row(f"im2col work arrays = {work:.1f}× input, {short}", None,
                        target=f"< {MEMORY_TARGET:g}×", value_limit=MEMORY_TARGET, value=round(work, 2)))
        rows.append(row(f"  peak allocated in fwd+bwd = {peak:.1f}× input", None,
                        target="(for information)", value=round(peak, 2)))
    INFO.update(torch_version=(tt or {}).get("version"), torch_threads=(tt or {}).get("threads"),
                load_before=load, load_after=os.getloadavg()[0] if load is not None else None)
    return rows


if __name__ == "__main__":
    if "--child" in sys.argv:
        print(json.dumps(measure_nnbook(with_baseline="--baseline" in sys.argv)))
        sys.exit()
    rows = main(with_torch="--no-torch" not in sys.argv[1:], threads=1 if "--one-thread" in sys.argv else None)
    version, threads = INFO["torch_version"], INFO["torch_threads"]
    print_table(rows, f"Convolution benchmark (NumPy {np.__version__}, {THREADS} cores; PyTorch "
                      f"{version or 'not run'}{f', torch.set_num_threads({threads})' if threads else ''})")
    if INFO["load_before"] is not None:
        print(f"Load average before/after: {INFO['load_before']:.2f}/{INFO['load_after']:.2f}. Above "
              f"about {THREADS - 1} other programs compete for the cores, and two-thread BLAS calls "
              f"(NumPy's and PyTorch's) can stall for whole scheduler time slices: rerun on a quiet machine.")
