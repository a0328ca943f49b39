"""Chapter 31's layers, timed with one thread: forward + backward of ``nb.LinearAttention``
(each form) and ``nb.DeltaNet`` (recurrent, chunked) in float64 against a reference written
in PyTorch from the same equations (a loop over positions, autograd; PyTorch has no such
layer), each result first checked against nnbook's (1e-10); then one cached step of a
DeltaNet layer (its state) against a ``MultiHeadAttention`` with a KV cache of growing length.

    python benchmarks/bench_linear_attention.py           # prints the table (one thread)

``run_all.py`` runs it too (its block "linear" of results.md; ``--only linear`` alone).
Without PyTorch installed the reference's column is left empty.
"""

from __future__ import annotations

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

CASE = (8, 128, 64, 4)                      # m, T, d_model, heads
TINY = (2, 9, 8, 2)
CONTEXTS = (64, 256, 1024, 4096)
TINY_CONTEXTS = (8, 16)


def torch_step(torch, layer, x, dy):
    """The torch reference's forward and backward (tests/test_torch_parity_attention.py's
    equations); returns (y, ∂E/∂x)."""
    P = {k: torch.tensor(v, requires_grad=True) for k, v in layer.params.items()}
    xt = torch.tensor(x, requires_grad=True)
    m, T, d = x.shape
    h, dh = layer.n_heads, layer.d_head
    q, k, v = ((xt @ P[f"W_{n}"]).reshape(m, T, h, dh).transpose(1, 2) for n in "qkv")
    delta = "W_beta" in P
    if delta:
        q = q / torch.sqrt((q * q).sum(-1, keepdim=True) + 1e-12)
        k = k / torch.sqrt((k * k).sum(-1, keepdim=True) + 1e-12)
        beta = torch.sigmoid(xt @ P["W_beta"]).transpose(1, 2)
    S = torch.zeros(m, h, dh, dh, dtype=torch.float64)
    outs = []
    for t in range(T):
        kt, vt = k[:, :, t], v[:, :, t]
        w = vt - (S @ kt[..., None])[..., 0] if delta else vt
        b = beta[:, :, t, None, None] if delta else 1.0
        S = S + b * w[..., :, None] * kt[..., None, :]
        outs.append((S @ q[:, :, t, :, None])[..., 0])
    y = torch.stack(outs, 2).transpose(1, 2).reshape(m, T, d) @ P["W_o"]
    y.backward(torch.tensor(dy))
    return y.detach().numpy(), xt.grad.numpy()


def child(case, contexts, with_torch, seconds):
    import time

    import numpy as np

    sys.path.insert(0, HERE)
    import timing

    import nnbook as nb
    torch = None
    if with_torch:
        try:
            import torch
            torch.set_num_threads(1)
        except ImportError:                 # not installed: nnbook's column alone
            torch = None
    m, T, d, h = case
    rng = np.random.default_rng(31)
    x, dy = rng.standard_normal((2, m, T, d))
    rows = []
    for cls, form in ((nb.LinearAttention, "recurrent"), (nb.LinearAttention, "masked"),
                      (nb.LinearAttention, "chunked"), (nb.DeltaNet, "recurrent"),
                      (nb.DeltaNet, "chunked")):
        layer = cls(d, h, form=form, chunk=16, rng=np.random.default_rng(0))

        def ours():
            return layer.forward(x), layer.backward(dy)
        y, dx = ours()
        row = {"name": f"{cls.__name__} {form} {case}", "nnbook_s": timing.best_time(
            ours, seconds, warmup=1, clock=time.process_time), "torch_s": None}
        if torch is not None:
            ty, tdx = torch_step(torch, layer, x, dy)
            assert max(np.abs(ty - y).max(), np.abs(tdx - dx).max()) < 1e-10
            row["torch_s"] = timing.best_time(lambda: torch_step(torch, layer, x, dy),
                                              seconds, warmup=1, clock=time.process_time)
        rows.append(row)
    for L in contexts:                       # one cached token after L tokens, one sample
        r = np.random.default_rng(1)
        layers = {"MultiHeadAttention": nb.MultiHeadAttention(d, h, causal=True, rng=r),
                  "DeltaNet": nb.DeltaNet(d, h, rng=r)}
        row = {"name": f"cached step after {L} tokens (d={d}, {h} heads)"}
        for name, layer in layers.items():
            layer.start_cache()
            layer.forward(rng.standard_normal((1, L, d)))
            x1 = rng.standard_normal((1, 1, d))

            def step(layer=layer):
                layer.forward(x1)
                layer.cache.rewind()
            row[f"{name}_s"] = timing.best_time(step, seconds, warmup=2,
                                                clock=time.process_time)
            row[f"{name}_bytes"] = int(layer.cache.nbytes)
        rows.append(row)
    print(json.dumps(rows))


def main(with_torch=True, tiny=False):
    """Run ``child`` in a fresh process with one thread; returns its rows."""
    sys.path.insert(0, HERE)
    from timing import one_thread_child
    flags = ([] if with_torch else ["--no-torch"]) + (["--tiny"] if tiny else [])
    return one_thread_child(__file__, *flags)


def fmt(t):
    return "—" if t is None else f"{t * 1e3:.2f} ms"


def markdown(rows) -> str:
    lines = ["### Linear attention and DeltaNet (chapter 31)", "",
             "Forward + backward in float64, one thread, best call in CPU time; PyTorch: a "
             "reference loop over positions with autograd (equal to nnbook's to 1e-10).", "",
             "| case | nnbook | PyTorch reference |", "|---|---|---|"]
    lines += [f"| {r['name']} | {fmt(r['nnbook_s'])} | {fmt(r['torch_s'])} |"
              for r in rows if "nnbook_s" in r]
    lines += ["", "| one cached token | MultiHeadAttention (KV cache) | DeltaNet (state) |",
              "|---|---|---|"]
    lines += [f"| {r['name']} | {fmt(r['MultiHeadAttention_s'])}, "
              f"{r['MultiHeadAttention_bytes']:,} B | {fmt(r['DeltaNet_s'])}, "
              f"{r['DeltaNet_bytes']:,} B |" for r in rows if "DeltaNet_bytes" in r]
    return "\n".join(lines)


if __name__ == "__main__":
    if "--child" in sys.argv:
        tiny = "--tiny" in sys.argv
        child(TINY if tiny else CASE, TINY_CONTEXTS if tiny else CONTEXTS,
              "--no-torch" not in sys.argv, 0.02 if tiny else 0.5)
    else:
        print(markdown(main()))
