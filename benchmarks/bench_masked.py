"""Part V benchmark (chapter 28): the masked diffusion language model, nnbook against
PyTorch on the same weights (``nb.to_torch``), one thread, each side in its own fresh
process, float64 and float32.

The model is ``masked_diffusion_model``'s defaults on the course language: Embedding of the
26 characters and the mask id (27 ids) to d = 32, two of chapter 20's modern blocks without
the causal mask (4 heads, 2 key/value heads, RoPE, SwiGLU with d_ff = 85, RMSNorm, no
biases), a final RMSNorm and Dense(32, 26). Windows of T = 48 characters of a
``language_corpus``.

- ``train``: one training step on a batch of 64 windows with one mask drawn once
  (``mask_batch``) and shared by both sides, so the two compute the same loss: the forward,
  ``MaskedDiffusionLoss`` (the weights T/k at the masked positions), the backward and an
  AdamW step (lr 3e-3, the docstring's; nnbook's ``train_step``; PyTorch's ``zero_grad``,
  the same loss as the weighted ``F.cross_entropy`` over every position, ``backward``,
  ``torch.optim.AdamW.step``).
- ``unmask``: one step of ``unmask_sample`` on 64 windows halfway through (24 of the 48
  positions masked, the others characters of the corpus), 8 steps in all so 6 positions
  per window are drawn: the model's conditionals at the masked positions
  (``model_conditionals``: the mask id put in, the forward, the softmax in float64), their
  log at the positions drawn now, Gumbel noise from the same uniforms on every side (drawn
  once, outside the timed call, in the model's dtype) and the arg-max (nnbook's
  ``gumbel_noise`` and the arg-max, the body of ``gumbel_max`` after its draw; PyTorch's
  model under ``torch.inference_mode()``, ``log_softmax`` in float64 at the positions
  drawn). Beside them the same step in plain NumPy with the fewest passes we could write
  (``numpy_step``): the floor NumPy's passes set.

The sides take turns ``rounds`` times and each keeps its fastest single call
(timing.best_time), by the wall clock and by the process's CPU time. OMP, OpenBLAS and MKL
are limited to 1 thread before import, and ``torch.set_num_threads(1)``.
Target: nnbook ≤ 1.0× PyTorch.

    python benchmarks/bench_masked.py [--rounds N] [--tiny] [--no-torch]
    python benchmarks/bench_masked.py --paired    # nnbook / its NumPy floor, in one process
"""

from __future__ import annotations

import json
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from timing import best_of_children, best_time  # noqa: E402

# d, heads, blocks: masked_diffusion_model's defaults (None: its own); the tiny sizes are the
# tests' (V is always the course language's 26 characters).
SIZES = {"train": dict(m=64, T=48, d=None, heads=None, blocks=None),
         "unmask": dict(m=64, T=48, d=None, heads=None, blocks=None, masked=24, size=6)}
TINY = {"train": dict(m=3, T=7, d=8, heads=4, blocks=2),
        "unmask": dict(m=3, T=7, d=8, heads=4, blocks=2, masked=4, size=2)}
KINDS = ("train", "unmask")
DTYPES = ("float64", "float32")
NAMES = {"train": "ch. 28 masked diffusion LM train step (2 bidirectional blocks d=32, "
                  "T=48, batch 64, AdamW)",
         "unmask": "ch. 28 unmasking step, 64 windows, 6 of 24 masked positions drawn "
                   "(same model)"}
TARGET = 1.0
LR = 3e-3


def model_and_data(kind, size, dtype):
    """The nnbook model (weights from a fixed seed) and the data both sides share.
    ``train``: the model compiled with AdamW and MaskedDiffusionLoss, (ids, masked ids,
    weights) of one ``mask_batch``; ``unmask``: the model, (ids, mask, pos, u): the windows
    with their masked positions set to 0, the mask (``size["masked"]`` per window), the
    positions drawn in this step (n, size) and the uniforms of the Gumbel noise
    (n, size, V) in ``dtype``."""
    import numpy as np

    import nnbook as nb
    G = nb.generative
    rng = np.random.default_rng(28)
    V, T, m = 26, size["T"], size["m"]
    sizes = {k: size[v] for k, v in (("d_model", "d"), ("n_heads", "heads"),
                                     ("n_blocks", "blocks")) if size[v] is not None}
    model = G.masked_diffusion_model(V, T, rng=rng, dtype=dtype, **sizes)
    corpus = nb.data.language_corpus(m * T + 1, rng=rng)
    assert len(corpus.vocab) == V
    ids = corpus.ids[:m * T].reshape(m, T)
    if kind == "train":
        model.compile(nb.AdamW(lr=LR), G.MaskedDiffusionLoss())
        x, _, w = G.mask_batch(ids, mask_id=V, rng=rng)
        return model, (ids, x, w)
    order = np.argsort(rng.random((m, T)), axis=1)         # unmask_sample's random order
    done = T - size["masked"]                              # the positions already drawn
    mask = np.ones((m, T), dtype=bool)
    mask[np.arange(m)[:, None], order[:, :done]] = False
    pos = order[:, done:done + size["size"]]               # (n, size): drawn in this step
    u = rng.random((m, size["size"], V), dtype=dtype)
    return model, (np.where(mask, 0, ids), mask, pos, u)


def nnbook_step(kind, size, dtype):
    import numpy as np

    import nnbook as nb
    G = nb.generative
    model, data = model_and_data(kind, size, dtype)
    if kind == "train":
        from nnbook.training.inputs import prepare_xy
        ids, x, w = data
        y = G.masked_targets(ids, w, 26).astype(dtype)
        xb, yb = prepare_xy(model, x, y, "fit")
        model.set_training(True)

        def step():
            return model.train_step(xb, yb)["loss"]
        step.model = model
        return step
    ids, mask, pos, u = data
    conditionals = G.model_conditionals(model)
    n, T = ids.shape
    rows = np.arange(n)[:, None]

    def step():                                 # one pass of unmask_sample's loop
        q = conditionals(ids, mask)                                      # (n_masked, V)
        row_of = np.cumsum(mask.reshape(-1)).reshape(n, T) - 1
        with np.errstate(divide="ignore"):
            logits = np.log(q[row_of[rows, pos]])                        # (n, size, V)
        g = G.gumbel_noise(u)                   # gumbel_max after its draw of u
        g += logits.astype(u.dtype, copy=False)
        return g.argmax(axis=-1)
    return step


def _weights(model):
    """The model's arrays for the plain NumPy step, each made once: the embedding; per block
    W_qkv (W_q with 1/√d_head in its columns, W_k, W_v side by side), W_o, W_13 (−W_1 and
    W_3 side by side) and −W_2, each norm's γ folded into the rows of the product after it
    (γ ⊙ x̂ W = x̂ (diag(γ) W)) and SiLU's sign into W_1 and W_2 (``numpy_step`` says why);
    the final W (γ folded in) and b."""
    import numpy as np
    emb, *blocks, norm, out = model.layers
    kept = []
    for b in blocks:
        p, dh = b.params, b.attn.d_head
        g1, g2 = p["ln1.gamma"][:, None], p["ln2.gamma"][:, None]
        kept.append((g1 * np.concatenate((p["attn.W_q"] / math.sqrt(dh), p["attn.W_k"],
                                          p["attn.W_v"]), axis=1),
                     p["attn.W_o"].copy(),
                     g2 * np.concatenate((-p["W_1"], p["W_3"]), axis=1), -p["W_2"]))
    return (emb.params["W"].copy(), kept, norm.params["gamma"][:, None] * out.params["W"],
            out.params["b"].copy())


def numpy_step(kind, size, dtype):
    """The unmasking step in plain NumPy, the fewest passes we could write for the same
    computation: the same weights and products (Q, K and V in one product with 1/√d_head in
    Q's columns, W_1 and W_3 in one), every array made once and written with ``out=``, no
    checks, and:

    - RMSNorm as one sum of squares per row (``einsum``) and one pass dividing by the root,
      γ folded into the weights of the product after it (once, before timing);
    - RoPE in place on q and k together (three passes over them);
    - the scores laid out keys × queries, K Qᵀ of shape (m, kv, T, g·T): their max and the
      sum of their exponentials are then reductions over the second-last axis, which NumPy
      runs as element-wise passes over whole rows (the max over a last axis of 48 took
      about 3× as long, the products' other layout costing less than that saves); the
      softmax unnormalised until the (g·T, d_head) outputs are divided by the sums, not
      the (g·T, T) weights;
    - SiLU(h₁) ⊙ h₃ from −h₁ (−W_1 in the product): e^(−h₁) in place, + 1, −h₁ / ·,
      · h₃, four passes, the sign undone by −W_2;
    - the final norm and the output layer at the drawn positions only; the log-softmax in
      float64 there, as ``model_conditionals``.

    ``None`` for ``train``. Checked against nnbook's step (the same tokens) before it is
    timed."""
    if kind != "unmask":
        return None
    import numpy as np

    model, (ids, mask, pos, u) = model_and_data(kind, size, dtype)
    E, blocks, W_out, b_out = _weights(model)
    attn = model.layers[1].attn
    h, kv, dh, eps = attn.n_heads, attn.n_kv_heads, attn.d_head, model.layers[1].ln1.eps
    eps_out = model.layers[-2].eps
    n, T = ids.shape
    V, d, grp = len(b_out), E.shape[1], h // kv
    kd, f = kv * dh, blocks[0][3].shape[0]
    M = n * T
    cos, sin = (a.astype(dtype) for a in attn.rotation_tables(T, dtype))  # (T, h + kv, dh/2)
    mask_id = E.shape[0] - 1
    sel = (np.arange(n)[:, None] * T + pos).reshape(-1)       # rows of the drawn positions
    X, N, Y = (np.empty((M, d), dtype) for _ in range(3))
    r = np.empty((M, 1), dtype)
    QKV = np.empty((M, d + 2 * kd), dtype)
    half = np.empty((n, T, h + kv, dh // 2), dtype)
    tmp = np.empty((n, T, h + kv, dh // 2), dtype)
    Qg = np.empty((n, kv, grp * T, dh), dtype)                # the g query heads stacked
    St = np.empty((n, kv, T, grp * T), dtype)                 # scores, keys × queries
    smax = np.empty((n, kv, 1, grp * T), dtype)
    ssum = np.empty((n, kv, grp * T, 1), dtype)
    O = np.empty((n, kv, grp * T, dh), dtype)
    Ocat = np.empty((n, T, h, dh), dtype)
    H = np.empty((M, 2 * f), dtype)
    D = np.empty((M, f), dtype)
    ns = len(sel)
    Xs, rs = np.empty((ns, d), dtype), np.empty((ns, 1), dtype)
    Z = np.empty((ns, V), dtype)

    def rmsnorm(A, out, r, eps):                # out = A / √(mean(A²) + ε), γ in the weights
        np.einsum("ij,ij->i", A, A, out=r[:, 0])
        np.multiply(r, 1.0 / A.shape[1], out=r)
        np.add(r, eps, out=r)
        np.sqrt(r, out=r)
        np.divide(A, r, out=out)

    def step():
        np.take(E, np.where(mask, mask_id, ids).reshape(-1), axis=0, out=X)
        for Wqkv, Wo, W13, W2 in blocks:
            rmsnorm(X, N, r, eps)
            np.matmul(N, Wqkv, out=QKV)
            x4 = QKV[:, :(h + kv) * dh].reshape(n, T, h + kv, dh)     # RoPE on q and k
            a, b = x4[..., 0::2], x4[..., 1::2]
            np.multiply(b, sin, out=tmp)                               # b sin
            np.multiply(a, sin, out=half)                              # a sin
            np.multiply(a, cos, out=a)                                 # a cos
            np.subtract(a, tmp, out=a)                                 # a cos − b sin
            np.multiply(b, cos, out=b)
            np.add(b, half, out=b)                                     # a sin + b cos
            q = QKV[:, :d].reshape(n, T, kv, grp, dh).transpose(0, 2, 3, 1, 4)
            Qg.reshape(n, kv, grp, T, dh)[...] = q
            k = QKV[:, d:d + kd].reshape(n, T, kv, dh).transpose(0, 2, 1, 3)
            v = QKV[:, d + kd:].reshape(n, T, kv, dh).transpose(0, 2, 1, 3)
            np.matmul(k, Qg.swapaxes(-1, -2), out=St)                  # (n, kv, T, gT)
            np.max(St, axis=-2, keepdims=True, out=smax)
            np.subtract(St, smax, out=St)
            np.exp(St, out=St)
            np.sum(St, axis=-2, keepdims=True, out=ssum.reshape(n, kv, 1, grp * T))
            np.matmul(St.swapaxes(-1, -2), v, out=O)                   # (n, kv, gT, dh)
            np.divide(O, ssum, out=O)
            Ocat.reshape(n, T, kv, grp, dh)[...] = O.reshape(n, kv, grp, T, dh).transpose(
                0, 3, 1, 2, 4)
            np.matmul(Ocat.reshape(M, d), Wo, out=Y)
            np.add(X, Y, out=X)
            rmsnorm(X, N, r, eps)
            np.matmul(N, W13, out=H)                                   # [−h₁ | h₃]
            h1n, h3 = H[:, :f], H[:, f:]
            np.exp(h1n, out=D)                                         # e^(−h₁)
            np.add(D, 1.0, out=D)
            np.divide(h1n, D, out=D)                                   # −SiLU(h₁)
            np.multiply(D, h3, out=D)
            np.matmul(D, W2, out=Y)                                    # −W_2 undoes the sign
            np.add(X, Y, out=X)
        np.take(X, sel, axis=0, out=Xs)
        rmsnorm(Xs, Xs, rs, eps_out)
        np.matmul(Xs, W_out, out=Z)
        np.add(Z, b_out, out=Z)
        z = Z.astype(np.float64)                                       # log softmax, float64
        z -= z.max(axis=-1, keepdims=True)
        z -= np.log(np.exp(z).sum(axis=-1, keepdims=True))
        with np.errstate(divide="ignore"):
            g = -np.log(-np.log(u))
        g += z.reshape(u.shape).astype(dtype, copy=False)
        return g.argmax(axis=-1)

    want = nnbook_step(kind, size, dtype)()
    if not np.array_equal(step(), want):
        raise AssertionError(f"bench_masked: the plain NumPy unmasking step draws other "
                             f"tokens than nnbook's ({dtype})")
    return step


def torch_step(kind, size, dtype):
    import torch

    import nnbook as nb
    model, data = model_and_data(kind, size, dtype)
    tm = nb.to_torch(model)
    V = 26
    if kind == "train":
        ids, x, w = data
        tm.train()
        xt, idt = torch.tensor(x), torch.tensor(ids).reshape(-1)
        wt = torch.tensor(w.astype(dtype)).reshape(-1)
        opt = torch.optim.AdamW(tm.parameters(), lr=LR)
        m, T = x.shape

        def step():
            opt.zero_grad()
            ce = torch.nn.functional.cross_entropy(tm(xt).reshape(-1, V), idt, reduction="none")
            loss = ce @ wt / (m * T)
            loss.backward()
            opt.step()
            return loss
        step.model = tm
        return step
    ids, mask, pos, u = data
    tm.eval()
    idt, maskt, post, ut = (torch.tensor(a) for a in (ids, mask, pos, u))
    rows = torch.arange(len(ids))[:, None]

    def step():
        with torch.inference_mode():
            z = tm(torch.where(maskt, V, idt))[rows, post]                 # (n, size, V)
            logq = torch.log_softmax(z.double(), dim=-1).to(ut.dtype)
            return (logq - torch.log(-torch.log(ut))).argmax(dim=-1)
    return step


def child(side, threads="1", tiny=False, seconds=0.3):
    if side == "torch" and threads == "1":
        import torch
        torch.set_num_threads(1)
    make = {"nnbook": nnbook_step, "numpy": numpy_step, "torch": torch_step}[side]
    sizes = TINY if tiny else SIZES
    times = {}
    for kind in KINDS:
        for dtype in DTYPES:
            step = make(kind, sizes[kind], dtype)
            if step is None:                        # NumPy's side: the unmasking step only
                continue
            times[f"{kind}:{dtype}"] = best_time(step, seconds=seconds)
            times[f"{kind}:{dtype}:cpu"] = best_time(step, seconds=seconds, warmup=3,
                                                     clock=time.process_time)
    return times


def floor_ratios(repeats=7, seconds=2.0, tiny=False):
    """``{dtype: [nnbook / floor, …]}``: the unmasking step against its plain NumPy floor
    (``numpy_step``) side by side in this process, ``repeats`` times each dtype, each a
    median over pairs of calls taking turns (``bench_walk.paired_median``, CPU time, about
    ``seconds`` of both), so a busy moment of a shared machine falls on both sides alike.
    Run it with one BLAS thread (``--paired`` sets it before NumPy is imported)."""
    from bench_walk import paired_median
    size = (TINY if tiny else SIZES)["unmask"]
    out = {}
    for dtype in DTYPES:
        ours, floor = nnbook_step("unmask", size, dtype), numpy_step("unmask", size, dtype)
        out[dtype] = [paired_median(ours, floor, seconds) for _ in range(repeats)]
    return out


def main(with_torch=True, rounds=3, tiny=False, seconds=0.3):
    """Rows like bench_diffusion.main's: name, nnbook_s, torch_s, ratio_vs_torch, the
    CPU-time ones, target, meets_target, numpy_s and numpy_cpu_s (the unmasking step's
    plain NumPy floor, ``numpy_step``; None for the training step)."""
    sides = ("nnbook", "numpy", "torch") if with_torch else ("nnbook", "numpy")
    args = [str(seconds)] + (["--tiny"] if tiny else [])
    best = {(side, key): t for (side, _, key), t
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
                         "meets_target": None if ratio is None else ratio <= TARGET,
                         "numpy_s": best.get(("numpy", key)),
                         "numpy_cpu_s": best.get(("numpy", key + ":cpu"))})
    return rows


def note(rows) -> str:
    """The lines results.md adds under the table for the unmasking step's rows: the plain
    NumPy step's CPU time (``numpy_step``), its ratio to PyTorch's and nnbook's to it; a row
    behind PyTorch (CPU time) whose floor is behind as well says so."""
    found = [r for r in rows if r["name"].startswith(NAMES["unmask"])
             and r.get("numpy_cpu_s")]
    if not found:
        return ""
    parts, floor_behind = [], []
    for r in found:
        dtype = "float32" if "float32" in r["name"] else "float64"
        vs_torch = ""
        if r.get("torch_cpu_s"):
            vs_torch = f", {r['numpy_cpu_s'] / r['torch_cpu_s']:.2f} × PyTorch's"
            if r["nnbook_cpu_s"] > r["torch_cpu_s"] and r["numpy_cpu_s"] > r["torch_cpu_s"]:
                floor_behind.append(dtype)
        parts.append(f"{dtype} {r['numpy_cpu_s'] * 1e6:.1f} µs{vs_torch}, nnbook "
                     f"{r['nnbook_cpu_s'] / r['numpy_cpu_s']:.2f} × it")
    behind = ""
    if floor_behind:
        behind = (f" In {' and '.join(floor_behind)} nnbook's step is behind PyTorch's and so "
                  "is the plain NumPy floor: NumPy's passes bound that row, not nnbook. "
                  "PyTorch's step runs the scores, their softmax and the product with V in one "
                  "kernel (the flash SDPA, in tiles), SiLU in one pass (`F.silu`) and RMSNorm "
                  "in one fused kernel, where NumPy makes a pass per operation.")
    return ("\nThe chapter 28 unmasking step in plain NumPy (`bench_masked.numpy_step`: the "
            "same weights and products, every array made once, each norm's γ folded into the "
            "weights after it, the scores laid out keys × queries so their max and sum run "
            "as element-wise passes, the softmax unnormalised until after the product with V, "
            "the final norm and output layer at the drawn positions only, no checks; the "
            "fewest passes we could write), CPU time: " + "; ".join(parts) + "." + behind
            + "\n")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(sys.argv[2], sys.argv[3], tiny="--tiny" in sys.argv,
                               seconds=float(sys.argv[4]))))
        sys.exit()
    if "--paired" in sys.argv:                  # nnbook / floor, side by side, 1 thread
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = "1"
        import statistics
        for dtype, ratios in floor_ratios(tiny="--tiny" in sys.argv).items():
            print(f"unmasking step {dtype}: nnbook / plain NumPy floor, median of "
                  f"{len(ratios)} paired medians {statistics.median(ratios):.3f} (each: "
                  f"{', '.join(f'{r:.3f}' for r in ratios)})")
        sys.exit()
    from bench_modern import print_table
    n = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 3
    rows = main(with_torch="--no-torch" not in sys.argv, rounds=n, tiny="--tiny" in sys.argv)
    print_table(rows, "Chapter 28's masked diffusion LM: a training step and an unmasking "
                      "step, nnbook against PyTorch")
    print(note(rows))
