"""The one timing rule of every benchmark here: the fastest single call; and the one way
bench_generate, bench_modern, bench_layers and bench_sequences run each side in its own
fresh process and keep its fastest round (``best_of_children``).

On a shared machine the minimum is the least disturbed estimate (other programs only ever
add time), and it treats every framework alike. The PyTorch child scripts, which run from a
string in their own interpreter, carry a copy of these few lines.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from threads import THREAD_VARS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # the nnbook checkout


TOP_PAD = 64 << 20      # bytes glibc keeps at the top of its heap instead of returning them


def steady_malloc(pad=TOP_PAD) -> bool:
    """Keep the C allocator's state the same for every side of every benchmark: glibc gives
    freed memory at the top of its heap back to the system, and the next arrays of 128 kB
    or more (a batch of 256 × 128 floats) then fault their pages in again, every step. Whether
    that happens depends on what the process freed before (glibc moves its thresholds): in
    a fresh process nnbook's step at batch 256 took 1.2× as long as with the setting below
    (39,000 page faults in half a second against 470), while the NumPy step, which
    allocates nothing, did not move.
    ``M_TOP_PAD`` keeps ``pad`` bytes instead, in this process (``mallopt``) and in every
    child started after this call (``MALLOC_TOP_PAD_``). The notebooks do not change speed
    with it (chapters 10, 13 and 18 under nbval, measured). Returns whether this process
    took it: False off glibc (macOS, Windows, musl), where nothing changes.

    Opt-in (``run_all.py --steady-malloc``, ``bench_walk.py --steady-malloc``) since
    2026-11-25: on the 2-core Intel Xeon, PyTorch's side under it took 1.4-1.7x as long for
    the small LM's training step (float64 21.5 -> 36.7 ms, float32 11.6 -> 15.8 ms; nnbook's
    side 26.5 -> 27.8 ms): setting ``M_TOP_PAD`` also turns off glibc's sliding mmap
    threshold, so PyTorch's large temporaries were mapped and faulted in afresh each step.
    A learner runs both under glibc's defaults, and so does the table now."""
    os.environ.setdefault("MALLOC_TOP_PAD_", str(pad))
    try:
        import ctypes
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return mallopt(-2, int(pad)) == 1                  # -2: M_TOP_PAD in glibc's malloc.h


def best_time(step, seconds=0.3, least=1, warmup=10, clock=None):
    """The fastest of at least ``least`` single calls of ``step`` over about ``seconds``,
    after ``warmup`` calls. ``clock``: what to time with (``time.perf_counter``, wall
    time, by default; ``time.process_time``, CPU time, leaves out the moments another
    program held the core, which a shared machine has many of)."""
    clock = clock or time.perf_counter
    for _ in range(warmup):
        step()
    best, n, t_end = float("inf"), 0, time.perf_counter() + seconds
    while n < least or time.perf_counter() < t_end:
        t = clock()
        step()
        best = min(best, clock() - t)
        n += 1
    return best


def alternate(steps: dict, rounds=5, seconds=0.1, clock=None) -> dict:
    """``best_time`` of each of ``steps`` (name → callable), taking turns ``rounds`` times
    (in reverse order every other round) and keeping each one's best: a busy moment of
    the machine then falls on all alike, and no step always runs right after the same
    other, so the ratios hold on a loaded machine where the times do not."""
    best = {name: float("inf") for name in steps}
    for r in range(rounds):
        order = list(steps.items())
        for name, step in order if r % 2 == 0 else order[::-1]:   # A B, then B A
            best[name] = min(best[name], best_time(step, seconds, least=3, warmup=2,
                                                   clock=clock))
    return best


def run_child(script, side, threads="1", args=(), timeout=600):
    """The times ``python script --child side threads *args`` prints as JSON, measured in
    a fresh process that imports nnbook from this checkout. ``threads`` "1": OMP, OpenBLAS
    and MKL limited to 1 thread before the child imports NumPy or torch (the child itself
    calls ``torch.set_num_threads(1)``); "default": those variables removed, so every
    library picks its own count. None when the "torch" side fails (PyTorch missing: said
    on stderr); any other side's failure raises RuntimeError with the child's stderr."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for var in THREAD_VARS:
        if threads == "1":
            env[var] = "1"
        else:
            env.pop(var, None)
    res = subprocess.run([sys.executable, os.path.abspath(script), "--child", side, threads,
                          *args], capture_output=True, text=True, env=env, timeout=timeout)
    if res.returncode != 0:
        if side != "torch":
            raise RuntimeError(res.stderr)
        print("PyTorch run failed:", res.stderr.strip().splitlines()[-1:], file=sys.stderr)
        return None
    return json.loads(res.stdout)


def one_thread_child(script, *flags, timeout=1200):
    """The last line ``python script --child *flags`` prints, read as JSON, from a fresh
    process that imports nnbook from this checkout with one thread in every BLAS/OpenMP
    library (bench_linear_attention and bench_part7, which time both sides in one child);
    RuntimeError with the child's stderr when it fails."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.update({var: "1" for var in THREAD_VARS})
    res = subprocess.run([sys.executable, os.path.abspath(script), "--child", *flags],
                         capture_output=True, text=True, env=env, timeout=timeout)
    if res.returncode != 0:
        raise RuntimeError(res.stderr)
    return json.loads(res.stdout.strip().splitlines()[-1])


def best_of_children(script, sides, rounds=3, modes=("1",), args=(), timeout=600) -> dict:
    """Each side's fastest time of every measurement, each run in its own fresh process.

    ``rounds`` times, for each thread mode in ``modes`` and each of ``sides`` in turn, a new
    ``run_child(script, side, mode, args, timeout)``: the sides take turns, so a busy moment
    of the machine falls on all alike, and a process whose threads landed on a busy core
    for its whole life costs only its own round. Returns ``{(side, mode, name): seconds}``,
    the least of the rounds; a value that is not a number (bench_sequences' list of the
    attention kernels PyTorch ran) is kept as the last round gave it. A failed "torch"
    child adds nothing, so its keys are missing when PyTorch is."""
    best = {}
    for _ in range(rounds):
        for mode in modes:
            for side in sides:
                for name, value in (run_child(script, side, mode, args, timeout) or {}).items():
                    key = (side, mode, name)
                    if isinstance(value, (int, float)):
                        value = min(best.get(key, float("inf")), value)
                    best[key] = value
    return best


def fmt_time(t):
    if t is None:
        return "—"
    return f"{t * 1e3:.3f} ms" if t >= 1e-3 else f"{t * 1e6:.1f} µs"


def print_table(rows, title):
    print(title)
    print(f"{'case':<52}{'nnbook':>11}{'baseline':>11}{'torch':>11}{'nb/base':>8}{'nb/torch':>9}"
          f"{'1 thread':>9}  target")
    for r in rows:
        def ratio(key):
            return "—" if r.get(key) is None else f"{r[key]:.2f}"
        mark = {True: "  ok", False: "  MISSED", None: ""}[r.get("meets_target")]
        first = fmt_time(r["nnbook_s"]) if r.get("value") is None else f"{r['value']:.2f}×"
        print(f"{r['name']:<52}{first:>11}{fmt_time(r['baseline_s']):>11}"
              f"{fmt_time(r['torch_s']):>11}{ratio('ratio_vs_baseline'):>8}{ratio('ratio_vs_torch'):>9}"
              f"{ratio('ratio_vs_torch_1t'):>9}  {r['target'] or ''}{mark}")
