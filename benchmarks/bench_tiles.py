"""Chapter 24's attention in tiles, timed: forward + backward of causal attention in
float64, nnbook's tiles (``nb.precision.tiled_attention`` and its backward) against
nnbook's plain attention (``nb.attention`` and chapter 17's backward from the stored
weights) and PyTorch's ``scaled_dot_product_attention`` with autograd, all three in one
process with one thread, taking turns (``timing.alternate``), on the same arrays. Each
side's result is first checked against the plain one (1e-12), and NumPy's peak memory
(``tracemalloc``) is recorded beside the times.

    python benchmarks/bench_tiles.py            # prints the table (one thread)

``run_all.py`` runs it as ``--only tiles`` and in the full run.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# (heads, T, d_head, tile): one sample, causal, float64
CASES = ((4, 256, 64, 64), (4, 1024, 64, 64), (4, 1024, 64, 128), (4, 2048, 64, 128))
TINY = ((2, 33, 8, 8),)                              # the tests' case: seconds, not minutes


def plain_step(nb, q, k, v, d_out):
    """nb.attention's forward (its weights kept) and chapter 17's backward from them."""
    out, A = nb.attention(q, k, v, causal=True, return_weights=True)
    dS = d_out @ v.swapaxes(-1, -2)
    dS -= (d_out * out).sum(-1, keepdims=True)
    dS *= A
    scale = 1 / math.sqrt(q.shape[-1])
    return out, (dS @ k * scale, dS.swapaxes(-1, -2) @ q * scale, A.swapaxes(-1, -2) @ d_out)


def tiled_step(nb, q, k, v, d_out, tile):
    P = nb.precision
    out, lse = P.tiled_attention(q, k, v, tile=tile, causal=True, return_lse=True)
    return out, P.tiled_attention_backward(q, k, v, out, lse, d_out, tile=tile, causal=True)


def child(cases=CASES, seconds=0.2):
    """Measure every case in this process (the caller set one thread); print JSON rows."""
    import time
    import tracemalloc

    import numpy as np

    sys.path.insert(0, HERE)
    import timing

    import nnbook as nb
    try:
        import torch
        torch.set_num_threads(1)
        F = torch.nn.functional
    except ImportError:
        torch = None
    rows = []
    rng = np.random.default_rng(24)
    for h, T, d, tile in cases:
        q, k, v, d_out = rng.standard_normal((4, 1, h, T, d))
        steps = {"plain": lambda: plain_step(nb, q, k, v, d_out),
                 "tiles": lambda: tiled_step(nb, q, k, v, d_out, tile)}
        ref_out, ref_grads = steps["plain"]()
        out, grads = steps["tiles"]()
        err = {"tiles": max(np.abs(a - b).max() for a, b in
                            zip((out, *grads), (ref_out, *ref_grads)))}
        if torch is not None:
            tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
            td = torch.tensor(d_out)

            def torch_step():
                for t in (tq, tk, tv):
                    t.grad = None
                o = F.scaled_dot_product_attention(tq, tk, tv, is_causal=True)
                o.backward(td)
                return o
            o = torch_step()
            err["torch"] = max(np.abs(a - b).max() for a, b in zip(
                (o.detach().numpy(), tq.grad.numpy(), tk.grad.numpy(), tv.grad.numpy()),
                (ref_out, *ref_grads)))
            steps["torch"] = torch_step
        if max(err.values()) > 1e-12:
            raise AssertionError(f"bench_tiles: results differ from the plain ones: {err}")
        best = timing.alternate(steps, rounds=3, seconds=seconds, clock=time.process_time)
        peak = {}
        for name in ("plain", "tiles"):
            tracemalloc.start()
            steps[name]()
            peak[name] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        rows.append({"name": f"causal attention fwd+bwd, {h} heads, T={T}, d={d}, "
                             f"tiles of {tile}, float64",
                     "plain_s": best["plain"], "tiles_s": best["tiles"],
                     "torch_s": best.get("torch"), "plain_peak": peak["plain"],
                     "tiles_peak": peak["tiles"], "largest_difference": max(err.values())})
    ops = []
    if torch is not None:                    # which SDPA kernel PyTorch ran (the last case)
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
            steps["torch"]()
        ops = sorted({e.key for e in prof.key_averages() if "attention" in e.key.lower()})
    versions = {"numpy": np.__version__,
                "torch": None if torch is None else torch.__version__}
    print(json.dumps({"rows": rows, "versions": versions, "torch_ops": ops}))


def main(with_torch=True, tiny=False):
    """Run ``child`` in a fresh process with one thread (OpenBLAS, MKL, OpenMP and torch);
    returns its rows. ``with_torch=False`` hides PyTorch from the child; ``tiny=True``
    measures only the tests' small case, briefly."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.update({v: "1" for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                 "MKL_NUM_THREADS")})
    args = [sys.executable, os.path.abspath(__file__), "--child"]
    if not with_torch:
        args.append("--no-torch")
    if tiny:
        args.append("--tiny")
    res = subprocess.run(args, capture_output=True, text=True, env=env, timeout=1200)
    if res.returncode != 0:
        raise RuntimeError(res.stderr)
    found = json.loads(res.stdout.strip().splitlines()[-1])
    for r in found["rows"]:
        r["torch_ops"] = found["torch_ops"]
    return found["rows"]


def fmt(t):
    return "—" if t is None else f"{t * 1e3:.1f} ms"


def markdown(rows) -> str:
    lines = ["### Attention in tiles (chapter 24)", "",
             "Forward + backward of causal attention in float64, one sample, one thread, "
             "the three in one process taking turns (best call, CPU time; `bench_tiles.py`); "
             "every result equals the plain one to 1e-12 before it is timed. Peak: what "
             "NumPy held during one call (`tracemalloc`).", "",
             "| case | nnbook plain | nnbook tiles | PyTorch SDPA | tiles / plain | "
             "tiles / PyTorch | peak plain | peak tiles |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        vs_torch = "—" if r["torch_s"] is None else f"{r['tiles_s'] / r['torch_s']:.2f}"
        lines.append(f"| {r['name']} | {fmt(r['plain_s'])} | {fmt(r['tiles_s'])} | "
                     f"{fmt(r['torch_s'])} | {r['tiles_s'] / r['plain_s']:.2f} | {vs_torch} | "
                     f"{r['plain_peak'] / 2**20:.1f} MiB | {r['tiles_peak'] / 2**20:.1f} MiB |")
    ops = [o for o in (rows[0].get("torch_ops") or []) if o.startswith("aten::")] if rows \
        else []
    if ops:
        lines += ["", f"PyTorch ran {', '.join(f'`{o}`' for o in ops)}: its own tiled "
                  "(flash) kernel on the CPU."]
    if rows:
        lines += ["", honest_note(rows)]
    return "\n".join(lines) + "\n"


def honest_note(rows) -> str:
    """What NumPy gains and loses with the tiles, with this run's ratios."""
    by_plain = [r["tiles_s"] / r["plain_s"] for r in rows]      # rows: T grows
    first, last = rows[0], rows[-1]
    text = (f"In this run the tiles took {by_plain[0]:.2f} of the plain version's time at "
            f"the smallest T and {by_plain[-1]:.2f} at the largest, and held "
            f"{first['tiles_peak'] / first['plain_peak']:.2f} and "
            f"{last['tiles_peak'] / last['plain_peak']:.2f} of its peak memory. What NumPy "
            "gains: the causal tiles above the diagonal are never computed (almost half the "
            "products at large T, where the plain version computes every score and then masks "
            "it), and no T × T array is written and read back. What it does not gain: "
            "FlashAttention's reason on a GPU, keeping each tile in fast on-chip memory, has "
            "no counterpart in NumPy, and every tile costs several separate NumPy calls and "
            "their Python overhead, which weighs most at small T.")
    if all(r["torch_s"] for r in rows):
        by_torch = [r["tiles_s"] / r["torch_s"] for r in rows]
        text += (f" Against PyTorch's fused kernel in float64 on one thread the tiles took "
                 f"{min(by_torch):.2f}–{max(by_torch):.2f} of its time here (float32 and more "
                 "threads were not measured).")
    return text


if __name__ == "__main__":
    if "--child" in sys.argv:
        if "--no-torch" in sys.argv:
            sys.modules["torch"] = None                  # import torch raises ImportError
        child(TINY, 0.01) if "--tiny" in sys.argv else child()
    else:
        print(markdown(main()))
