"""Part IV benchmark (chapter 21): writing 256 tokens after a 16-token prompt with chapter 20's
small modern language model (Embedding(256, 64), two blocks of d=64, 4 heads, 2 key/value
heads, RoPE, SwiGLU with d_ff=176, RMSNorm, no biases, the tied Unembedding), one sequence,
greedy, float64 and float32, one thread, each side in its own fresh process:

- nnbook's ``nb.generate`` with its KV cache (``use_cache=True``: the prompt read once, then
  one token a step) and without (``use_cache=False``: the whole text again at every step);
- PyTorch with a KV cache written here on the weights ``nb.to_torch`` exports (the bridge's
  modules' projections, norms and SwiGLU; the keys and values of each block kept in
  preallocated tensors; RoPE's tables made once; ``F.scaled_dot_product_attention`` with
  ``enable_gqa=True``), under ``torch.inference_mode()``.

Both sides write the same tokens (the tests check it). Each keeps the fastest whole
generation (timing.best_time) over ``rounds`` turns. Targets: the cache ≥ 5× faster than no
cache, nnbook's cached generation ≤ 1.5× PyTorch's.

    python benchmarks/bench_generate.py [--rounds N] [--tiny] [--no-torch]
"""

from __future__ import annotations

import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from timing import best_of_children, best_time  # noqa: E402

SIZE = dict(V=256, d=64, heads=4, kv=2, d_ff=176, blocks=2, prompt=16, n_new=256)
TINY = dict(V=11, d=8, heads=4, kv=2, d_ff=6, blocks=2, prompt=3, n_new=5)
DTYPES = ("float64", "float32")
NAME = "generate 256 tokens after 16, ch. 20 LM (2 blocks d=64 V=256 GQA RoPE)"
CACHE_TARGET, TORCH_TARGET = 5.0, 1.5


def model_and_prompt(size, dtype):
    """The nnbook model (weights from a fixed seed) and the prompt (1, prompt), both sides'."""
    import numpy as np

    import nnbook as nb
    rng = np.random.default_rng(0)
    emb = nb.Embedding(size["V"], size["d"], rng=rng, dtype=dtype)
    blocks = [nb.TransformerBlock(size["d"], size["heads"], size["d_ff"], norm="rmsnorm",
                                  ffn="swiglu", rope=True, n_kv_heads=size["kv"], bias=False,
                                  rng=rng, dtype=dtype) for _ in range(size["blocks"])]
    model = nb.Sequential([emb, *blocks, nb.Unembedding(emb)])
    return model, rng.integers(0, size["V"], (1, size["prompt"]))


def nnbook_generate(size, dtype, use_cache=True):
    import nnbook as nb
    model, ids = model_and_prompt(size, dtype)
    return lambda: nb.generate(model, ids, size["n_new"], temperature=0, use_cache=use_cache)


def torch_generate(size, dtype):
    """Greedy generation in PyTorch with a KV cache, on the exported weights."""
    import torch
    import torch.nn.functional as F

    import nnbook as nb
    model, ids = model_and_prompt(size, dtype)
    tm = nb.to_torch(model).eval()
    emb, blocks, out = tm[0], list(tm)[1:-1], tm[-1]
    attn = blocks[0].attn
    h, kv, dh = attn.n_heads, attn.n_kv_heads, attn.d_head
    T_max, n_new = size["prompt"] + size["n_new"], size["n_new"]
    tdtype = getattr(torch, dtype)
    freq = attn.rope_base ** (-torch.arange(0, dh, 2, dtype=torch.float64) / dh)
    theta = torch.arange(T_max, dtype=torch.float64)[:, None] * freq
    cos, sin = theta.cos().to(tdtype), theta.sin().to(tdtype)         # (T_max, dh/2)
    prompt = torch.tensor(ids)

    def rope(x, L):                                  # (1, heads, t, dh) at positions L …
        c, s = cos[L:L + x.shape[-2]], sin[L:L + x.shape[-2]]
        a, b = x[..., 0::2], x[..., 1::2]
        return torch.stack((a * c - b * s, a * s + b * c), dim=-1).flatten(-2)

    def step(x, L, K, V):
        """Logits at the last of the t new positions; their keys and values cached."""
        z = emb(x)                                               # (1, t, d)
        t = x.shape[1]
        for blk, Kb, Vb in zip(blocks, K, V):
            a, n = blk.attn, blk.norm1(z)
            q = rope(a.q(n).view(1, t, h, dh).transpose(1, 2), L)
            Kb[:, :, L:L + t] = rope(a.k(n).view(1, t, kv, dh).transpose(1, 2), L)
            Vb[:, :, L:L + t] = a.v(n).view(1, t, kv, dh).transpose(1, 2)
            y = F.scaled_dot_product_attention(q, Kb[:, :, :L + t], Vb[:, :, :L + t],
                                               is_causal=t > 1, enable_gqa=True)
            z = z + a.o(y.transpose(1, 2).reshape(1, t, -1))
            z = z + blk.ffn(blk.norm2(z))
        return out(z[:, -1])                                     # (1, V)

    def generate():
        with torch.inference_mode():
            K = [torch.empty((1, kv, T_max, dh), dtype=tdtype) for _ in blocks]
            V = [torch.empty((1, kv, T_max, dh), dtype=tdtype) for _ in blocks]
            ids_out = torch.empty((1, T_max), dtype=torch.int64)
            T0 = prompt.shape[1]
            ids_out[:, :T0] = prompt
            x, L = prompt, 0
            for t in range(T0, T0 + n_new):
                ids_out[:, t] = step(x, L, K, V).argmax(dim=-1)
                x, L = ids_out[:, t:t + 1], t
            return ids_out.numpy()
    return generate


def child(side, threads="1", tiny=False, seconds=1.0):
    if side == "torch" and threads == "1":
        import torch
        torch.set_num_threads(1)
    size = TINY if tiny else SIZE
    times = {}
    for dtype in DTYPES:
        cached = (nnbook_generate if side == "nnbook" else torch_generate)(size, dtype)
        times[f"cache:{dtype}"] = best_time(cached, seconds=seconds, warmup=2)
        times[f"cache:{dtype}:cpu"] = best_time(cached, seconds=seconds / 2, warmup=0,
                                                clock=time.process_time)
        if side == "nnbook":                         # whole text at every step: slow, so once
            times[f"full:{dtype}"] = best_time(nnbook_generate(size, dtype, use_cache=False),
                                               seconds=0, warmup=1 if tiny else 0)
    return times


def main(with_torch=True, rounds=3, tiny=False, seconds=1.0):
    """Rows in run_all's one-thread form: per dtype the cached generation against
    PyTorch's (``ratio_vs_torch``, target ≤ 1.5×), and the cache's speedup (``value``,
    no cache / cache, target ≥ 5×)."""
    sides = ("nnbook", "torch") if with_torch else ("nnbook",)
    args = [str(seconds)] + (["--tiny"] if tiny else [])
    best = {(side, key): t for (side, _, key), t          # one thread only
            in best_of_children(__file__, sides, rounds, args=args, timeout=1800).items()}
    rows = []
    for dtype in DTYPES:
        t_nb, t_full = best[("nnbook", f"cache:{dtype}")], best[("nnbook", f"full:{dtype}")]
        t_th = best.get(("torch", f"cache:{dtype}"))
        c_nb, c_th = best[("nnbook", f"cache:{dtype}:cpu")], best.get(("torch", f"cache:{dtype}:cpu"))
        ratio = None if t_th is None else t_nb / t_th
        common = {"baseline_s": None, "ratio_vs_baseline": None}
        rows.append({**common, "name": f"{NAME}, KV cache, {dtype}", "nnbook_s": t_nb,
                     "torch_s": t_th, "ratio_vs_torch": ratio, "nnbook_cpu_s": c_nb,
                     "torch_cpu_s": c_th, "ratio_vs_torch_cpu": None if not c_th else c_nb / c_th,
                     "value": None, "target": f"≤ {TORCH_TARGET:g}× torch",
                     "meets_target": None if ratio is None else ratio <= TORCH_TARGET})
        speedup = t_full / t_nb
        rows.append({**common, "name": f"{NAME}, no cache / KV cache, {dtype}", "nnbook_s": None,
                     "nnbook_full_s": t_full, "torch_s": None, "ratio_vs_torch": None,
                     "value": round(speedup, 2), "target": f"≥ {CACHE_TARGET:g}× (cache speedup)",
                     "meets_target": speedup >= CACHE_TARGET})
    return rows


def note(rows) -> str:
    """The line results.md adds under the table for these rows: the cached ratios in CPU
    time and the uncached generation's own times."""
    gen = [r for r in rows if r["name"].startswith(NAME)]
    cpu = "; ".join(f"{r['name'].rsplit(', ', 1)[1]} {r['ratio_vs_torch_cpu']:.2f}" for r in gen
                    if r.get("ratio_vs_torch_cpu") is not None)
    full = "; ".join(f"{r['name'].rsplit(', ', 1)[1]} {r['nnbook_full_s']:.2f} s" for r in gen
                     if r.get("nnbook_full_s") is not None)
    if not gen:
        return ""
    return (f"\nGeneration rows (`bench_generate.py`, one thread, greedy, one sequence): "
            f"nnbook without the cache took {full}"
            + (f"; nnbook cached / PyTorch cached in CPU time: {cpu}" if cpu else "") + ".\n")


def print_table(rows, title):
    print(title)
    print(f"{'case':<96}{'nnbook':>11}{'torch':>11}{'ratio':>7}{'cpu':>6}  target")
    for r in rows:
        mark = {True: "  ok", False: "  MISSED", None: ""}[r["meets_target"]]
        if r["value"] is not None:
            print(f"{r['name']:<96}{r['value']:>10.2f}×{'':>11}{'':>7}{'':>6}  {r['target']}"
                  f"{mark}   (no cache: {r['nnbook_full_s']:.3f} s)")
            continue
        torch_s = "—" if r["torch_s"] is None else f"{r['torch_s'] * 1e3:.1f} ms"
        ratio = "—" if r["ratio_vs_torch"] is None else f"{r['ratio_vs_torch']:.2f}"
        cpu = "—" if r["ratio_vs_torch_cpu"] is None else f"{r['ratio_vs_torch_cpu']:.2f}"
        print(f"{r['name']:<96}{r['nnbook_s'] * 1e3:>8.1f} ms{torch_s:>11}{ratio:>7}{cpu:>6}  "
              f"{r['target']}{mark}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(sys.argv[2], sys.argv[3], tiny="--tiny" in sys.argv,
                               seconds=float(sys.argv[4]))))
        sys.exit()
    n = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 3
    print_table(main(with_torch="--no-torch" not in sys.argv, rounds=n, tiny="--tiny" in sys.argv),
                "Chapter 21's generation with and without the KV cache: nnbook against PyTorch")
