"""Part IV benchmark (chapter 20): nnbook against PyTorch, one thread, each side in its own
fresh process, float64 and float32.

- ``block``: one forward + backward (∂E/∂x and every parameter gradient) of the modern block,
  m=16, T=64, d=64, 4 heads, 2 key/value heads, RoPE, SwiGLU (d_ff=176 ≈ 8/3·d), RMSNorm, no
  biases, causal. PyTorch runs the same block as ``to_torch`` makes it (``nn.RMSNorm``,
  ``nn.Linear``, ``F.scaled_dot_product_attention(enable_gqa=True)``) on the same weights,
  ``autograd.grad`` with ∂E/∂y = dy.
- ``lm``: one full training step of a small modern language model: Embedding(256, 64), two
  such blocks, the tied Unembedding, cross-entropy over batch 16 × T=64 next tokens and an
  AdamW step (nnbook's ``train_step``; PyTorch's ``zero_grad``, ``F.cross_entropy``,
  ``backward``, ``torch.optim.AdamW.step``).

The sides take turns ``rounds`` times (the machine may be busy) and each keeps its fastest
single call (timing.best_time), by the wall clock and by the process's CPU time (``cpu``:
``time.process_time``, which leaves out the time other programs held the core). OMP,
OpenBLAS and MKL are limited to 1 thread before import, and ``torch.set_num_threads(1)``.
Target: nnbook ≤ 1.0× PyTorch.

    python benchmarks/bench_modern.py [--rounds N] [--tiny]     # prints a table
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

SIZES = {"block": dict(m=16, T=64, d=64, heads=4, kv=2, d_ff=176),
         "lm": dict(m=16, T=64, d=64, heads=4, kv=2, d_ff=176, V=256, blocks=2)}
TINY = {"block": dict(m=2, T=5, d=8, heads=4, kv=2, d_ff=6),
        "lm": dict(m=2, T=5, d=8, heads=4, kv=2, d_ff=6, V=11, blocks=2)}
KINDS = ("block", "lm")
DTYPES = ("float64", "float32")
NAMES = {"block": "modern block fwd+bwd m=16 T=64 d=64 4 heads 2 kv RoPE SwiGLU RMSNorm",
         "lm": "modern LM train step 2 blocks d=64 V=256 T=64 batch 16 tied AdamW"}
TARGET = 1.0


def block(size, dtype, rng):
    import nnbook as nb
    return nb.TransformerBlock(size["d"], size["heads"], size["d_ff"], norm="rmsnorm",
                               ffn="swiglu", rope=True, n_kv_heads=size["kv"], bias=False,
                               rng=rng, dtype=dtype)


def model_and_data(kind, size, dtype):
    """The nnbook model (weights from a fixed seed) and the batch, shared by both sides."""
    import numpy as np

    import nnbook as nb
    rng = np.random.default_rng(0)
    if kind == "block":
        model = nb.Sequential([block(size, dtype, rng)])
        x = rng.standard_normal((size["m"], size["T"], size["d"])).astype(dtype)
        return model, x, rng.standard_normal(x.shape).astype(dtype)
    emb = nb.Embedding(size["V"], size["d"], rng=rng, dtype=dtype)
    model = nb.Sequential([emb] + [block(size, dtype, rng) for _ in range(size["blocks"])]
                          + [nb.Unembedding(emb)])
    model.compile(nb.AdamW(lr=1e-3), nb.CrossEntropy(from_logits=True))
    ids = rng.integers(0, size["V"], (size["m"], size["T"] + 1))
    return model, ids[:, :-1], ids[:, 1:]


def nnbook_step(kind, size, dtype):
    model, x, y = model_and_data(kind, size, dtype)
    if kind == "block":
        layer = model.layers[0]
        layer.training = True      # as fit sets it and as PyTorch's side runs (tm.train()):
        # in inference a block's SwiGLU keeps only x, and a backward then recomputes its gate

        def step():
            layer.forward(x)
            return layer.backward(y)
        return step
    from nnbook.training.inputs import prepare_xy
    xb, yb = prepare_xy(model, x, y, "fit")
    model.set_training(True)

    def step():
        return model.train_step(xb, yb)
    step.model = model                      # the tests compare the weights after a step
    return step


def torch_step(kind, size, dtype):
    import torch

    import nnbook as nb
    model, x, y = model_and_data(kind, size, dtype)
    tm = nb.to_torch(model)
    tm.train()
    if kind == "block":
        xt, dy = torch.tensor(x, requires_grad=True), torch.tensor(y)
        inputs = [xt, *tm.parameters()]
        return lambda: torch.autograd.grad(tm(xt), inputs, dy)
    xt, yt = torch.tensor(x), torch.tensor(y).reshape(-1)
    opt = torch.optim.AdamW(tm.parameters(), lr=1e-3)
    V = size["V"]

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(tm(xt).reshape(-1, V), yt)
        loss.backward()
        opt.step()
    step.model = tm
    return step


def child(side, threads="1", tiny=False, seconds=0.3):
    if side == "torch" and threads == "1":
        import torch
        torch.set_num_threads(1)
    make = {"nnbook": nnbook_step, "torch": torch_step}[side]
    sizes = TINY if tiny else SIZES
    times = {}
    for kind in KINDS:
        for dtype in DTYPES:
            step = make(kind, sizes[kind], dtype)
            times[f"{kind}:{dtype}"] = best_time(step, seconds=seconds)
            times[f"{kind}:{dtype}:cpu"] = best_time(step, seconds=seconds, warmup=3,
                                                     clock=time.process_time)
    return times


def main(with_torch=True, rounds=3, tiny=False, seconds=0.3):
    """Rows like bench_sequences.main's (one thread only): name, nnbook_s, torch_s,
    ratio_vs_torch, target, meets_target."""
    sides = ("nnbook", "torch") if with_torch else ("nnbook",)
    args = [str(seconds)] + (["--tiny"] if tiny else [])
    best = {(side, key): t for (side, _, key), t          # one thread only
            in best_of_children(__file__, sides, rounds, args=args, timeout=900).items()}
    rows = []
    for kind in KINDS:
        for dtype in DTYPES:
            key = f"{kind}:{dtype}"
            t_nb, t_th = best[("nnbook", key)], best.get(("torch", key))
            c_nb, c_th = best[("nnbook", key + ":cpu")], best.get(("torch", key + ":cpu"))
            ratio = None if t_th is None else t_nb / t_th
            rows.append({"name": f"{NAMES[kind]} {dtype}, 1 thread", "nnbook_s": t_nb,
                         "torch_s": t_th, "ratio_vs_torch": ratio,
                         "nnbook_cpu_s": c_nb, "torch_cpu_s": c_th,
                         "ratio_vs_torch_cpu": None if not c_th else c_nb / c_th,
                         "target": f"≤ {TARGET:g}× torch",
                         "meets_target": None if ratio is None else ratio <= TARGET})
    return rows


def print_table(rows, title):
    print(title)
    print(f"{'case':<84}{'nnbook':>10}{'torch':>10}{'nb/torch':>9}{'cpu':>6}  target")
    for r in rows:
        ratio = "—" if r["ratio_vs_torch"] is None else f"{r['ratio_vs_torch']:.2f}"
        cpu = "—" if r["ratio_vs_torch_cpu"] is None else f"{r['ratio_vs_torch_cpu']:.2f}"
        torch_s = "—" if r["torch_s"] is None else f"{r['torch_s'] * 1e3:.2f} ms"
        mark = {True: "  ok", False: "  MISSED", None: ""}[r["meets_target"]]
        print(f"{r['name']:<84}{r['nnbook_s'] * 1e3:>7.2f} ms{torch_s:>10}{ratio:>9}{cpu:>6}  "
              f"{r['target']}{mark}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(sys.argv[2], sys.argv[3], tiny="--tiny" in sys.argv,
                               seconds=float(sys.argv[4]))))
        sys.exit()
    n = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 3
    print_table(main(with_torch="--no-torch" not in sys.argv, rounds=n, tiny="--tiny" in sys.argv),
                "Chapter 20's modern block and a small modern LM: nnbook against PyTorch")
