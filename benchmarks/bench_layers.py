"""Part II benchmark: BatchNorm and Dropout, one training-mode forward + backward
(∂E/∂x and the parameter gradients) in nnbook, in a hand-written NumPy
baseline and in PyTorch, at (256, 128) and (256, 512), float64 and float32;
and one step of the Part II optimizers (SGD with Nesterov momentum, RMSProp,
Adam, each with weight decay) on the parameters of two MLPs, float64, against
``torch.optim``.

Every side runs in its own fresh process, twice: with one thread (OMP, OpenBLAS
and MKL limited to 1 thread before import, ``torch.set_num_threads(1)``) and
with the default thread counts. The sides take turns ``rounds`` times and each
keeps its best time. Target: nnbook ≤ 1.5× PyTorch.

    python benchmarks/bench_layers.py          # prints a table
"""

from __future__ import annotations

import json
import os
import sys

from timing import best_of_children, best_time, fmt_time

CASES = [(256, 128), (256, 512)]
DTYPES = ("float64", "float32")
LAYERS = ("BatchNorm", "Dropout")
OPTIMIZERS = ("SGD nesterov", "RMSProp", "Adam")
# the parameter shapes of 64→128→128→10 (26,122 numbers) and of 784→512→10 (407,050)
PARAM_SETS = {"26k": [(64, 128), (128,), (128, 128), (128,), (128, 10), (10,)],
              "407k": [(784, 512), (512,), (512, 10), (10,)]}
OPT_KW = {"SGD nesterov": dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-4),
          "RMSProp": dict(lr=0.001, momentum=0.0, weight_decay=1e-4),
          "Adam": dict(lr=0.001, weight_decay=1e-4)}
RATE, TARGET = 0.5, 1.5


# the three sides; each is imported only in its own child process ----------------------------------
def nnbook_step(layer, shape, dtype):
    import numpy as np

    import nnbook as nb
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(dtype)
    dy = rng.standard_normal(shape).astype(dtype)
    m = nb.BatchNorm(shape[1], dtype=dtype) if layer == "BatchNorm" else nb.Dropout(RATE, rng=rng)
    m.training = True

    def step():
        m.forward(x)
        return m.backward(dy)                                      # ∂E/∂x
    return step


def numpy_step(layer, shape, dtype):
    """The same step written directly in NumPy: the textbook formulas, no classes, no checks."""
    import numpy as np
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(dtype)
    dy = rng.standard_normal(shape).astype(dtype)
    gamma, beta = np.ones(shape[1], dtype), np.zeros(shape[1], dtype)
    m = shape[0]

    def batchnorm():
        mu = x.mean(axis=0)
        var = x.var(axis=0)
        inv = 1 / np.sqrt(var + 1e-5)
        xhat = (x - mu) * inv
        y = gamma * xhat + beta                                    # noqa: F841 (the output)
        dbeta = dy.sum(axis=0)
        dgamma = (dy * xhat).sum(axis=0)
        return gamma * inv / m * (m * dy - dbeta - xhat * dgamma)  # ∂E/∂x

    def dropout():
        mask = (rng.random(shape) >= RATE) / (1 - RATE)
        y = x * mask                                               # noqa: F841
        return dy * mask
    return batchnorm if layer == "BatchNorm" else dropout


def torch_step(layer, shape, dtype):
    import torch
    torch.manual_seed(0)
    dt = getattr(torch, dtype)
    x = torch.randn(*shape, dtype=dt, requires_grad=True)
    dy = torch.randn(*shape, dtype=dt)
    m = torch.nn.BatchNorm1d(shape[1], dtype=dt) if layer == "BatchNorm" else torch.nn.Dropout(RATE)
    m.train()
    inputs = [x, *m.parameters()]

    def step():
        torch.autograd.grad(m(x), inputs, dy)                     # ∂E/∂x and the parameters'
    return step


def _params_and_grads(size):
    import numpy as np
    rng = np.random.default_rng(0)
    shapes = PARAM_SETS[size]
    return [rng.standard_normal(s) for s in shapes], [rng.standard_normal(s) for s in shapes]


def nnbook_opt_step(name, size):
    import nnbook as nb
    params, grads = _params_and_grads(size)
    kw = OPT_KW[name]
    opt = nb.SGD(**kw) if name.startswith("SGD") else getattr(nb, name)(**kw)
    pairs = list(zip(params, grads))

    def step():
        opt.step(pairs)
    step.params = params                                           # for tests/test_bench_layers.py
    return step


def numpy_opt_step(name, size):
    """The update rules written directly, one parameter at a time (PyTorch's forms)."""
    import numpy as np
    params, grads = _params_and_grads(size)
    kw = OPT_KW[name]
    lr, wd = kw["lr"], kw["weight_decay"]
    state = [[np.zeros_like(p), np.zeros_like(p)] for p in params]
    t = [0]

    def step():
        t[0] += 1
        for p, g, (a, b) in zip(params, grads, state):
            g = g + wd * p
            if name == "SGD nesterov":
                a *= 0.9
                a += g
                p -= lr * (g + 0.9 * a)
            elif name == "RMSProp":
                a *= 0.9
                a += 0.1 * g * g
                p -= lr * g / (np.sqrt(a) + 1e-8)
            else:
                a *= 0.9
                a += 0.1 * g
                b *= 0.999
                b += 0.001 * g * g
                p -= lr / (1 - 0.9 ** t[0]) * a / (np.sqrt(b / (1 - 0.999 ** t[0])) + 1e-8)
    step.params = params
    return step


def torch_opt_step(name, size):
    import torch
    params, grads = _params_and_grads(size)
    tp = [torch.tensor(p, requires_grad=True) for p in params]
    for p, g in zip(tp, grads):
        p.grad = torch.tensor(g)
    kw = dict(OPT_KW[name])
    if name == "SGD nesterov":
        opt = torch.optim.SGD(tp, **kw)
    elif name == "RMSProp":
        opt = torch.optim.RMSprop(tp, alpha=0.9, eps=1e-8, **kw)
    else:
        opt = torch.optim.Adam(tp, **kw)
    def step():
        opt.step()
    step.params = tp
    return step


def child(side, threads):
    if side == "torch":
        import torch
        if threads == "1":
            torch.set_num_threads(1)
    make = {"nnbook": nnbook_step, "numpy": numpy_step, "torch": torch_step}[side]
    times = {f"{layer}:{n}x{k}:{dtype}": best_time(make(layer, (n, k), dtype), seconds=0.2)
             for layer in LAYERS for n, k in CASES for dtype in DTYPES}
    make_opt = {"nnbook": nnbook_opt_step, "numpy": numpy_opt_step, "torch": torch_opt_step}[side]
    times.update({f"{name}:{size}": best_time(make_opt(name, size), seconds=0.2)
                  for name in OPTIMIZERS for size in PARAM_SETS})
    return times


def main(with_torch=True, rounds=3):
    """Measure; returns rows (dicts like bench_mlp's: name, nnbook_s, baseline_s, torch_s,
    ratio_vs_torch, ratio_vs_baseline, target, value, meets_target)."""
    sides = ("nnbook", "numpy", "torch") if with_torch else ("nnbook", "numpy")
    best = best_of_children(__file__, sides, rounds, modes=("1", "default"))

    def row(threads, key, name):
        t_nb, t_np = best[("nnbook", threads, key)], best[("numpy", threads, key)]
        t_th = best.get(("torch", threads, key))
        ratio = None if t_th is None else t_nb / t_th
        return {"name": f"{name}, {'1 thread' if threads == '1' else 'default threads'}",
                "nnbook_s": t_nb, "baseline_s": t_np, "torch_s": t_th,
                "ratio_vs_torch": ratio, "ratio_vs_baseline": t_nb / t_np,
                "target": f"≤ {TARGET:g}× torch", "value": None,
                "meets_target": None if ratio is None else ratio <= TARGET}

    rows = []
    for threads in ("1", "default"):
        rows += [row(threads, f"{layer}:{n}x{k}:{dtype}", f"{layer} fwd+bwd ({n}, {k}) {dtype}")
                 for layer in LAYERS for n, k in CASES for dtype in DTYPES]
        rows += [row(threads, f"{name}:{size}", f"{name} step + weight decay, {size} params float64")
                 for name in OPTIMIZERS for size in PARAM_SETS]
    return rows


def print_table(rows, title):
    print(title)
    print(f"{'case':<54}{'nnbook':>11}{'baseline':>11}{'torch':>11}{'nb/base':>8}{'nb/torch':>9}  target")
    for r in rows:
        rb = "—" if r["ratio_vs_baseline"] is None else f"{r['ratio_vs_baseline']:.2f}"
        rt = "—" if r["ratio_vs_torch"] is None else f"{r['ratio_vs_torch']:.2f}"
        mark = {True: "  ok", False: "  MISSED", None: ""}[r["meets_target"]]
        print(f"{r['name']:<54}{fmt_time(r['nnbook_s']):>11}{fmt_time(r['baseline_s']):>11}"
              f"{fmt_time(r['torch_s']):>11}{rb:>8}{rt:>9}  {r['target']}{mark}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(sys.argv[2], sys.argv[3])))
        sys.exit()
    print_table(main(with_torch="--no-torch" not in sys.argv,
                     rounds=int(os.environ.get("BENCH_ROUNDS", "3"))),
                "BatchNorm and Dropout: training-mode forward + backward")
