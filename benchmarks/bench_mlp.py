"""MLP training-step benchmark: nnbook vs a hand-written NumPy baseline vs PyTorch.

One training step = forward, softmax cross-entropy, backward, SGD update of
the MLP  64 → w → ReLU → w → ReLU → 10 → Softmax.  PyTorch (when installed)
runs in a separate process, so its threads are idle while NumPy runs.

    python benchmarks/bench_mlp.py [--one-thread]     # prints a table
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import nnbook as nb  # noqa: E402
from threads import child_env, torch_threads  # noqa: E402
from timing import best_time, fmt_time, print_table  # noqa: E402,F401  (bench_mlp.best_time,
#   .fmt_time and .print_table: the tests and run_all.py use them)

CASES = [(8, 4), (32, 16), (64, 32), (128, 16), (128, 64), (128, 256), (256, 256)]
N_IN, N_OUT, LR = 64, 10, 0.01


def make_data(batch, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, N_IN)).astype(dtype)
    y = np.eye(N_OUT, dtype=dtype)[rng.integers(0, N_OUT, batch)]
    return x, y


def nnbook_step(width, batch, dtype=np.float64):
    rng = np.random.default_rng(1)
    model = nb.Sequential([
        nb.Dense(N_IN, width, rng=rng, dtype=dtype), nb.ReLU(),
        nb.Dense(width, width, rng=rng, dtype=dtype), nb.ReLU(),
        nb.Dense(width, N_OUT, rng=rng, dtype=dtype), nb.Softmax(),
    ])
    model.compile(nb.SGD(lr=LR), "crossentropy")
    x, y = make_data(batch, dtype)
    return lambda: model.train_step(x, y)["loss"]


def numpy_step(width, batch, dtype=np.float64):
    """The same step written directly in NumPy, as fast as we can: no classes, no checks,
    every array made once (``bench_walk.numpy_mlp_step``)."""
    from bench_walk import numpy_mlp_step
    return numpy_mlp_step((N_IN, width, width, N_OUT), batch, dtype)


TORCH_SCRIPT = r"""
import json, sys, time, torch
cases, n_in, n_out, lr, dtypes = json.loads(sys.argv[1])
torch.set_num_threads(int(sys.argv[2]))
def best_time(step, seconds=0.3):
    for _ in range(10): step()
    best, t_end = float("inf"), time.perf_counter() + seconds
    while True:
        t = time.perf_counter(); step(); t2 = time.perf_counter()
        best = min(best, t2 - t)
        if t2 > t_end: return best
out = {}
for dname in dtypes:
    dtype = getattr(torch, dname)
    for width, batch in cases:
        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Linear(n_in, width), torch.nn.ReLU(),
                                  torch.nn.Linear(width, width), torch.nn.ReLU(),
                                  torch.nn.Linear(width, n_out)).to(dtype)
        opt = torch.optim.SGD(net.parameters(), lr=lr)
        lossf = torch.nn.CrossEntropyLoss()
        x = torch.randn(batch, n_in, dtype=dtype); y = torch.randint(0, n_out, (batch,))
        def step():
            opt.zero_grad(set_to_none=True)
            loss = lossf(net(x), y)
            loss.backward()
            opt.step()
        out[f"{dname}:{width}:{batch}"] = best_time(step)
print(json.dumps({"version": torch.__version__, "threads": torch.get_num_threads(), "times": out}))
"""


def torch_times(cases, dtypes=("float64", "float32"), threads=None):
    """Run the PyTorch step in a child process (``threads``: 1, or None for the
    default counts); ``None`` when torch is missing."""
    try:
        import importlib.util
        if importlib.util.find_spec("torch") is None:
            return None
    except Exception:
        return None
    args = json.dumps([cases, N_IN, N_OUT, LR, list(dtypes)])
    res = subprocess.run([sys.executable, "-c", TORCH_SCRIPT, args, str(torch_threads(threads))],
                         capture_output=True, text=True, timeout=600, env=child_env(threads))
    if res.returncode != 0:
        print("PyTorch run failed:", res.stderr.strip().splitlines()[-1:], file=sys.stderr)
        return None
    return json.loads(res.stdout)


def digits_fit_time():
    """30 epochs of a 64-64-10 MLP on the 8×8 digits (1347 training images, batch 32, SGD)."""
    try:
        images, labels = nb.data.load_digits(flat=True)
    except Exception:                      # scikit-learn missing: same-sized synthetic data
        rng = np.random.default_rng(0)
        images, labels = rng.random((1797, 64)), rng.integers(0, 10, 1797)
    rng = np.random.default_rng(0)
    x, y = images[:1347], labels[:1347]
    best = float("inf")
    for _ in range(3):
        model = nb.Sequential([nb.Dense(64, 64, rng=rng), nb.ReLU(),
                               nb.Dense(64, 10, rng=rng), nb.Softmax()])
        model.compile(nb.SGD(lr=0.1), "crossentropy")
        t = time.perf_counter()
        model.fit(x, y, epochs=30, batch_size=32, verbose=0, rng=rng)
        best = min(best, time.perf_counter() - t)
    return best


def import_time(repeats=7):
    """Seconds ``import nnbook`` adds on top of an already imported NumPy (best of N), with
    Python's bytecode cache as a learner has it: PYTHONDONTWRITEBYTECODE (set on some
    machines) is dropped for the child, whose first run writes the cache; without the
    cache every import compiles nnbook's sources again (0.11 s against 0.03 s here)."""
    code = ("import time, numpy; t = time.perf_counter(); import nnbook; "
            "print(time.perf_counter() - t)")
    env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return min(float(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                    text=True, env=env, check=True).stdout) for _ in range(repeats))


def numpy_times():
    """{"float64:w:b": (nnbook time, NumPy baseline time)} for every case."""
    out = {}
    for dtype in (np.float64, np.float32):
        for width, batch in CASES:
            key = f"{np.dtype(dtype).name}:{width}:{batch}"
            out[key] = (best_time(nnbook_step(width, batch, dtype)),
                        best_time(numpy_step(width, batch, dtype)))
    return out


def numpy_times_in_child(threads=None):
    """``numpy_times()`` measured in a fresh process, like PyTorch's, with
    ``threads`` BLAS threads (None: the default count).

    A process's BLAS threads can land on a busy virtual core for its whole
    life (we saw one process in four run 1.7× slower here), so each round
    starts a new one and the best round counts, for every framework alike.
    """
    res = subprocess.run([sys.executable, os.path.abspath(__file__), "--child"],
                         capture_output=True, text=True, timeout=600, check=True, env=child_env(threads))
    return {k: tuple(v) for k, v in json.loads(res.stdout).items()}


def _row(name, t_nb, t_base=None, t_torch=None, target=None, ok=None):
    return {"name": name, "nnbook_s": t_nb, "baseline_s": t_base, "torch_s": t_torch,
            "ratio_vs_torch": None if not (t_torch and t_nb) else t_nb / t_torch,
            "ratio_vs_baseline": None if not (t_base and t_nb) else t_nb / t_base,
            "target": target, "value": None, "meets_target": ok}


def main(with_torch=True, rounds=3, threads=None):
    """Measure everything; returns (rows, torch version, torch threads).
    ``threads``: 1 for one thread each side, None for the default counts.

    Each row is a dict with name, nnbook_s, baseline_s, torch_s, ratio_vs_torch,
    ratio_vs_baseline, target and meets_target (None when there is no target or
    no PyTorch). nnbook (with the NumPy baseline) and PyTorch take turns
    ``rounds`` times, each round in a fresh process, and each keeps its best
    time, so one busy moment on a shared machine decides nothing.
    """
    t_nb, t_np, t_th, tt = {}, {}, {}, None
    for _ in range(rounds):
        for key, (a, b) in numpy_times_in_child(threads).items():
            t_nb[key] = min(t_nb.get(key, 1e9), a)
            t_np[key] = min(t_np.get(key, 1e9), b)
        tt = torch_times(CASES, threads=threads) if with_torch else None
        for key, t in (tt or {}).get("times", {}).items():
            t_th[key] = min(t_th.get(key, 1e9), t)
    rows = []
    for dname in ("float64", "float32"):
        for width, batch in CASES:
            key = f"{dname}:{width}:{batch}"
            # the targets: ≤ 0.5× PyTorch at width ≤ 128 and batch ≤ 64, no slower up to
            # batch 256 (width 256 is measured for information)
            limit = None if width > 128 else 0.5 if batch <= 64 else 1.0 if batch <= 256 else None
            r = _row(f"MLP step w={width} b={batch} {dname}", t_nb[key], t_np[key], t_th.get(key),
                     None if limit is None else f"≤ {limit:g}× torch")
            if limit is not None and r["ratio_vs_torch"] is not None:
                r["meets_target"] = r["ratio_vs_torch"] <= limit
            rows.append(r)
    overhead = (t_nb["float64:8:4"] - t_np["float64:8:4"]) / 6
    rows.append(_row("framework overhead per layer (w=8 b=4)", overhead, target="≤ 10 µs",
                     ok=overhead <= 10e-6))
    fit_s = digits_fit_time()
    rows.append(_row("digits MLP 64-64-10, 30 epochs", fit_s, target="< 0.15 s", ok=fit_s < 0.15))
    imp = import_time()
    rows.append(_row("import nnbook (on top of numpy)", imp, target="≤ 0.1 s", ok=imp <= 0.1))
    return rows, (tt or {}).get("version"), (tt or {}).get("threads")


if __name__ == "__main__":
    if "--child" in sys.argv:
        print(json.dumps(numpy_times()))
        sys.exit()
    rows, version, threads = main(threads=1 if "--one-thread" in sys.argv else None)
    print_table(rows, f"MLP benchmark (PyTorch {version or 'not installed'}, "
                      f"{threads or '-'} threads; NumPy {np.__version__})")
