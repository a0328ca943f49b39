"""Convolution and pooling rows of ``bench_conv.py`` timed in CPU time, one thread each side.

On a loaded shared machine wall-clock times mostly measure the other programs;
``time.process_time()`` in a one-thread process counts only this process's own
work. nnbook and PyTorch take turns, each round in fresh processes, and each keeps
its best mean over ``--reps`` calls (CPU time still rises when another program
shares the core's caches, so the best round is the least disturbed one).

    python benchmarks/bench_conv_cpu.py [--rounds 6] [--reps 30] [--only 14]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from bench_conv import CONV_CASES, DTYPES, POOL_CASES  # noqa: E402
from threads import child_env  # noqa: E402

CHILD = r"""
import json, sys, time
side, cases, reps, here = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
import numpy as np
def cpu_time(step):
    for _ in range(3):
        step()
    t = time.process_time()
    for _ in range(reps):
        step()
    return (time.process_time() - t) / reps
if side == "torch":
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(1)
else:                                 # the very steps bench_conv.py times
    sys.path.insert(0, here)
    from bench_conv import nnbook_conv_step, nnbook_pool_step
out = {}
for key, kind, dname, args in cases:
    if kind == "conv":
        m, n, c_in, c_out, f, s, p, need_dx = args
        if side == "torch":
            o = (n + 2 * p - f) // s + 1
            dt = getattr(torch, dname)
            x = torch.randn(m, c_in, n, n, dtype=dt, requires_grad=need_dx)
            w = torch.randn(c_out, c_in, f, f, dtype=dt, requires_grad=True)
            b = torch.zeros(c_out, dtype=dt, requires_grad=True)
            dy = torch.randn(m, c_out, o, o, dtype=dt)
            def step():
                F.conv2d(x, w, b, stride=s, padding=p).backward(dy)
        else:
            step = nnbook_conv_step(m, n, c_in, c_out, f, s, p, need_dx, np.dtype(dname))
    else:
        m, n, c, f = args
        if side == "torch":
            dt = getattr(torch, dname)
            x = torch.randn(m, c, n, n, dtype=dt, requires_grad=True)
            dy = torch.randn(m, c, n // f, n // f, dtype=dt)
            def step():
                F.max_pool2d(x, f).backward(dy)
        else:
            step = nnbook_pool_step(m, n, c, f, np.dtype(dname))
    out[key] = cpu_time(step)
print(json.dumps(out))
"""


def cases(only=None):
    """[key, "conv" or "pool", dtype name, arguments] for every row (whose name contains ``only``)."""
    rows = []
    for dname in DTYPES:
        for name, m, n, c_in, c_out, f, s, p, need_dx, _ in CONV_CASES:
            rows.append([f"{name} {dname}", "conv", dname, [m, n, c_in, c_out, f, s, p, need_dx]])
        for name, m, n, c, f, _ in POOL_CASES:
            rows.append([f"{name} {dname}", "pool", dname, [m, n, c, f]])
    return [r for r in rows if only is None or only in r[0]]


def run(side, rows, reps):
    env = child_env(1, PYTHONPATH=os.pathsep.join(filter(None, [os.path.dirname(HERE),
                                                                 os.environ.get("PYTHONPATH")])))
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        env.pop(name, None)
    res = subprocess.run([sys.executable, "-c", CHILD, side, json.dumps(rows), str(reps), HERE],
                         capture_output=True, text=True, timeout=900, env=env, check=True)
    return json.loads(res.stdout)


def main(rounds=6, reps=30, only=None, with_torch=True):
    """{row name: (nnbook CPU seconds, torch CPU seconds or None)}, best of ``rounds``."""
    rows = cases(only)
    best = {r[0]: [float("inf"), float("inf") if with_torch else None] for r in rows}
    for _ in range(rounds):
        for k, t in run("nnbook", rows, reps).items():
            best[k][0] = min(best[k][0], t)
        if with_torch:
            for k, t in run("torch", rows, reps).items():
                best[k][1] = min(best[k][1], t)
    return {k: tuple(v) for k, v in best.items()}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--only", default=None, help="only rows whose name contains this text")
    ap.add_argument("--no-torch", action="store_true")
    a = ap.parse_args()
    for name, (t_nb, t_torch) in main(a.rounds, a.reps, a.only, not a.no_torch).items():
        ratio = f"{t_nb / t_torch:5.2f}×" if t_torch else "   –  "
        torch_ms = f"{t_torch * 1e3:8.3f}" if t_torch else "       –"
        print(f"{name:<48} nnbook {t_nb * 1e3:8.3f} ms  torch {torch_ms} ms  {ratio}")
