"""Part V benchmark (chapter 26): chapter 26's denoiser, nnbook against PyTorch on the same
weights (``nb.to_torch``), one thread, each side in its own fresh process, float64 and
float32.

- ``train``: one training step of denoising score matching on a batch of 256: the denoiser
  (TimeEmbedding with 8 frequencies, two hidden layers of 64 SiLU units, 2 outputs) on
  ``with_time(x_t, t)``, the MSE against the noise, backward, an Adam step (nnbook's
  ``train_step``; PyTorch's ``zero_grad``, ``F.mse_loss``, ``backward``,
  ``torch.optim.Adam.step``).
- ``sample``: one DDPM step on 1000 samples: the network's noise prediction and the update
  x_s = (x_t − β/σ(t)·ε̂)/√α + √β̃·z with the same z on both sides, from t = 0.5 to
  0.499 (nnbook's ``ddpm_step``, one step of ``ddpm_sample``; PyTorch the same formula
  under ``torch.inference_mode()``), and beside them the same step in plain NumPy with the
  fewest passes we could write (``numpy_step``): the floor NumPy's element-wise passes set.

The sides take turns ``rounds`` times and each keeps its fastest single call
(timing.best_time), by the wall clock and by the process's CPU time. OMP, OpenBLAS and MKL
are limited to 1 thread before import, and ``torch.set_num_threads(1)``.
Target: nnbook ≤ 1.0× PyTorch.

    python benchmarks/bench_diffusion.py [--rounds N] [--tiny] [--no-torch]
    python benchmarks/bench_diffusion.py --profile     # where the sampler step's time goes
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

SIZES = {"train": dict(m=256, hidden=64), "sample": dict(m=1000, hidden=64)}
TINY = {"train": dict(m=4, hidden=5), "sample": dict(m=3, hidden=5)}
KINDS = ("train", "sample")
DTYPES = ("float64", "float32")
NAMES = {"train": "ch. 26 denoiser train step (DSM, MLP 2×64 SiLU, batch 256, Adam)",
         "sample": "ch. 26 DDPM sampler step, 1000 samples (same denoiser)"}
TARGET = 1.0
T_NOW, STEPS = 0.5, 1000                      # the sampler step: from t = 0.5 to 0.499


def model_and_data(kind, size, dtype):
    """The nnbook denoiser (weights from a fixed seed) and the batch, shared by both sides:
    ``train``: (inputs, noise); ``sample``: (x_t, z)."""
    import numpy as np

    import nnbook as nb
    rng = np.random.default_rng(0)
    model = nb.generative.denoiser(2, hidden=size["hidden"], dtype=dtype, rng=rng)
    model.compile(nb.Adam(lr=1e-3), "mse")
    x0 = rng.standard_normal((size["m"], 2))
    if kind == "train":
        inputs, eps = nb.generative.noise_batch(x0.astype(dtype), nb.generative.LinearSchedule(),
                                                rng=rng)
        return model, inputs, eps
    return model, x0.astype(dtype), rng.standard_normal((size["m"], 2)).astype(dtype)


def _step_constants():
    import nnbook as nb
    s = nb.generative.LinearSchedule()
    t, u = T_NOW, T_NOW - 1.0 / STEPS
    at, au = s.alpha_bar(t), s.alpha_bar(u)
    beta = 1 - at / au
    return t, at / au, beta, (1 - at) ** 0.5, (beta * (1 - au) / (1 - at)) ** 0.5


def nnbook_step(kind, size, dtype):
    import nnbook as nb
    model, x, y = model_and_data(kind, size, dtype)
    if kind == "train":
        from nnbook.training.inputs import prepare_xy
        xb, yb = prepare_xy(model, x, y, "fit")
        model.set_training(True)

        def step():
            return model.train_step(xb, yb)
        step.model = model
        return step
    G = nb.generative
    fn, schedule = G.as_function(model), G.LinearSchedule()
    return lambda: G.ddpm_step(fn, x, T_NOW, T_NOW - 1.0 / STEPS, schedule, z=y)


def numpy_step(kind, size, dtype):
    """The sampler step in plain NumPy, the fewest passes we could write for the same
    computation: the same weights, the same products (the time embedding's sines and cosines
    once, as one row written down the rows; no product split), every array made once and
    written with ``out=``, each SiLU in its four passes −x, e^·, + 1, x/· in place, the
    DDPM update in place, no checks. The floor of NumPy's element-wise passes, where
    PyTorch's ``F.silu`` and ``addmm`` make one each. Checked against nnbook's step before
    it is timed. ``None`` for ``train`` (its row meets the target: no floor measured)."""
    if kind != "sample":
        return None
    import math

    import numpy as np

    import nnbook as nb
    model, x, z = model_and_data(kind, size, dtype)
    emb, first, _, second, _, last = model.layers
    (W1, b1), (W2, b2), (W3, b3) = ((l.params["W"].copy(), l.params["b"].copy())
                                    for l in (first, second, last))
    t, alpha, beta, sigma, noise_std = _step_constants()
    m, d, K, h = len(x), x.shape[1], emb.n_freq, W2.shape[0]
    freqs = emb.freqs.astype(dtype)
    A = np.empty((m, d + 2 * K), dtype)
    Z1, Z2, D = (np.empty((m, h), dtype) for _ in range(3))
    out, noise = np.empty((m, d), dtype), np.empty((m, d), dtype)

    def silu(Z):                                    # Z ← Z / (1 + e^(−Z)), D the work array
        np.negative(Z, out=D)
        np.exp(D, out=D)
        np.add(D, 1.0, out=D)
        np.divide(Z, D, out=Z)

    def step():
        A[:, :d] = x
        A[:, d:d + K] = np.sin(t * freqs)
        A[:, d + K:] = np.cos(t * freqs)
        np.add(np.matmul(A, W1, out=Z1), b1, out=Z1)
        silu(Z1)
        np.add(np.matmul(Z1, W2, out=Z2), b2, out=Z2)
        silu(Z2)
        np.add(np.matmul(Z2, W3, out=out), b3, out=out)              # ε̂
        np.multiply(out, -beta / sigma, out=out)    # x_s = (x_t − β/σ·ε̂)/√α + std·z
        np.add(out, x, out=out)
        np.divide(out, math.sqrt(alpha), out=out)
        return np.add(out, np.multiply(z, noise_std, out=noise), out=out)

    G = nb.generative
    want = G.ddpm_step(G.as_function(model), x, T_NOW, T_NOW - 1.0 / STEPS,
                       G.LinearSchedule(), z=z)
    tol = 1e-10 if dtype == "float64" else 1e-4
    if not np.allclose(step(), want, rtol=tol, atol=tol):
        raise AssertionError(f"bench_diffusion: the plain NumPy sampler step differs from "
                             f"nnbook's ({dtype})")
    return step


def torch_step(kind, size, dtype):
    import torch

    import nnbook as nb
    model, x, y = model_and_data(kind, size, dtype)
    tm = nb.to_torch(model)
    xt, yt = torch.tensor(x), torch.tensor(y)
    if kind == "train":
        opt = torch.optim.Adam(tm.parameters(), lr=1e-3)

        def step():
            opt.zero_grad()
            torch.nn.functional.mse_loss(tm(xt), yt).backward()
            opt.step()
        step.model = tm
        return step
    t, alpha, beta, sigma, noise_std = _step_constants()
    tcol = torch.full((size["m"], 1), t, dtype=xt.dtype)

    def step():
        with torch.inference_mode():
            eps = tm(torch.cat([xt, tcol], dim=1))
            return (xt - beta / sigma * eps) / alpha ** 0.5 + noise_std * yt
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
            if step is None:                        # NumPy's side: the sampler only
                continue
            times[f"{kind}:{dtype}"] = best_time(step, seconds=seconds)
            times[f"{kind}:{dtype}:cpu"] = best_time(step, seconds=seconds, warmup=3,
                                                     clock=time.process_time)
    return times


def main(with_torch=True, rounds=3, tiny=False, seconds=0.3):
    """Rows like bench_modern.main's (one thread only): name, nnbook_s, torch_s,
    ratio_vs_torch, the CPU-time ones, target, meets_target; the sampler's rows also
    numpy_s and numpy_cpu_s, the plain NumPy step's (``numpy_step``)."""
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
    """The lines results.md adds under Part IV's table for the sampler's rows: the plain
    NumPy step's time (``numpy_step``), its ratio to PyTorch's (the floor of NumPy's
    element-wise passes) and nnbook's to it, in CPU time."""
    found = [r for r in rows if r["name"].startswith(NAMES["sample"])
             and r.get("numpy_cpu_s")]
    if not found:
        return ""
    parts = []
    for r in found:
        dtype = "float32" if "float32" in r["name"] else "float64"
        vs_torch = ("" if not r.get("torch_cpu_s") else
                    f", {r['numpy_cpu_s'] / r['torch_cpu_s']:.2f} × PyTorch's")
        parts.append(f"{dtype} {r['numpy_cpu_s'] * 1e6:.1f} µs{vs_torch}, nnbook "
                     f"{r['nnbook_cpu_s'] / r['numpy_cpu_s']:.2f} × it")
    return ("\nThe DDPM sampler step in plain NumPy (`bench_diffusion.numpy_step`: the same "
            "weights and products, every array made once, each SiLU in its four passes in "
            "place, no checks; the fewest passes we could write), CPU time: "
            + "; ".join(parts) + ". Where it is above PyTorch's time, NumPy's element-wise "
            "passes bound the row, not nnbook: PyTorch's `F.silu` makes one pass where NumPy "
            "makes four, and its `addmm` starts the product from the bias where NumPy adds "
            "it in a pass of its own.\n")


def profile(dtype, rounds=7, seconds=0.05):
    """Where the sampler step's time goes: each of nnbook's layers (in inference mode, as
    ``predict`` runs them) beside the PyTorch module it maps to, on the same input; the
    whole network; the whole step; and the step minus the network (with_time or cat, the
    checks, the update). One process, one thread, CPU time, the pieces taking turns
    (``timing.alternate``). Returns rows (name, nnbook_s, torch_s)."""
    import torch

    import nnbook as nb
    from timing import alternate
    model, x, z = model_and_data("sample", SIZES["sample"], dtype)
    tm = nb.to_torch(model)
    modules = list(tm.children())
    h = nb.generative.with_time(x, T_NOW)
    inputs = [(h, torch.tensor(h))]
    for layer, module in zip(model.layers, modules):
        layer.training = False
        with torch.inference_mode():
            inputs.append((layer.forward(inputs[-1][0]), module(inputs[-1][1])))
    steps, names = {}, []
    for i, (layer, module) in enumerate(zip(model.layers, modules)):
        a, b = inputs[i]
        names.append(f"{i}: {layer!r} / {type(module).__name__}")
        steps[names[-1], "nnbook"] = lambda layer=layer, a=a: layer.forward(a)
        steps[names[-1], "torch"] = lambda module=module, b=b: _inference(module, b)
    names += ["network", "step"]
    steps["network", "nnbook"] = lambda: model.forward(inputs[0][0], training=False)
    steps["network", "torch"] = lambda: _inference(tm, inputs[0][1])
    steps["step", "nnbook"] = nnbook_step("sample", SIZES["sample"], dtype)
    steps["step", "torch"] = torch_step("sample", SIZES["sample"], dtype)
    best = alternate(steps, rounds=rounds, seconds=seconds, clock=time.process_time)
    rows = [(name, best[name, "nnbook"], best[name, "torch"]) for name in names]
    return rows + [("step − network", rows[-1][1] - rows[-2][1], rows[-1][2] - rows[-2][2])]


def _inference(module, x):
    import torch
    with torch.inference_mode():
        return module(x)


def print_profile():
    """``--profile`` in a fresh child: one thread, glibc's allocator as this process has it."""
    import subprocess

    from threads import child_env
    env = child_env(1)
    subprocess.run([sys.executable, __file__, "--profile-child"], env=env, check=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--profile"]:
        print_profile()
        sys.exit()
    if sys.argv[1:2] == ["--profile-child"]:
        import torch
        torch.set_num_threads(1)
        for dtype in DTYPES:
            print(f"DDPM sampler step, {SIZES['sample']['m']} samples, {dtype}, one thread, "
                  f"CPU time (µs):")
            for name, a, b in profile(dtype):
                print(f"  {name:<48} nnbook {a * 1e6:7.1f}  torch {b * 1e6:7.1f}  "
                      f"ratio {a / b:5.2f}")
        sys.exit()
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(sys.argv[2], sys.argv[3], tiny="--tiny" in sys.argv,
                               seconds=float(sys.argv[4]))))
        sys.exit()
    from bench_modern import print_table
    n = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 3
    print_table(main(with_torch="--no-torch" not in sys.argv, rounds=n, tiny="--tiny" in sys.argv),
                "Chapter 26's denoiser: a training step and a DDPM step, nnbook against PyTorch")
