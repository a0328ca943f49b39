"""Who is behind on a row: nnbook's own code or the BLAS. For every benchmark row against
PyTorch, the matrix products nnbook's step makes are recorded (one traced call), then timed
alone on both sides in one process, one thread each, taking turns: NumPy's ``@`` against
``torch.matmul``, the same shapes and dtype. The rest is the total minus the products.

    total ratio    = nnbook step / PyTorch step                 (from the row)
    products ratio = nnbook's products in NumPy / the same products in torch.matmul
    rest ratio     = (nnbook step - its products) / (PyTorch step - the same products)

A row behind PyTorch (total ratio > 1) is "nnbook" behind when its rest ratio is above 1
(element-wise passes, copies, Python), and "BLAS" when the rest is ahead and the products
ratio is above 1. PyTorch's own step may not make these very products (a fused attention
kernel, a oneDNN convolution or RNN layer): its rest is then what it does besides them, an
estimate. Where the step is timed here its profiler names those kernels (``fused_kernels``),
and a row whose rest is behind against one is "fused": the split cannot say who is behind.
A row that carries a plain NumPy step of its own computation with the fewest passes we
could write (``numpy_cpu_s``: bench_diffusion's sampler, bench_masked's unmasking step,
bench_grpo's GRPO step) and whose rest is behind is "NumPy" when that floor is itself slower than PyTorch's step:
NumPy's element-wise passes bound it, not nnbook's code.

    python benchmarks/breakdown.py            # reads results.json's totals, prints the table
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

import timing  # noqa: E402

MAKERS = ("empty", "zeros", "ones", "empty_like", "zeros_like", "ones_like", "full")


class Traced(np.ndarray):
    """An array that records every matrix product it takes part in (``LOG``), then behaves
    as a plain array; results are Traced too, so products between activations are seen."""
    LOG: list = []

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kw):
        args = [plain(a) for a in inputs]
        if ufunc is np.matmul and method == "__call__":
            Traced.LOG.append((args[0].shape, args[1].shape, np.result_type(*args).str))
        if out is not None:
            kw["out"] = tuple(plain(o) for o in out)
        res = getattr(ufunc, method)(*args, **kw)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return traced(res)

    def __array_function__(self, func, types_, args, kwargs):
        args, kwargs = unwrap(args), unwrap(kwargs)
        if func.__name__ == "dot" and getattr(args[0], "ndim", 0) and getattr(args[1], "ndim", 0):
            Traced.LOG.append((np.shape(args[0]), np.shape(args[1]),
                               np.result_type(args[0], args[1]).str))
        return traced(func(*args, **kwargs))


def plain(a):
    return a.view(np.ndarray) if isinstance(a, Traced) else a


def traced(a):
    if isinstance(a, np.ndarray) and not isinstance(a, Traced) and a.dtype.kind in "fc":
        return a.view(Traced)
    if isinstance(a, tuple):
        return tuple(traced(x) for x in a)
    return a


def unwrap(x):
    if isinstance(x, (list, tuple)):
        return type(x)(unwrap(v) for v in x)
    if isinstance(x, dict):
        return {k: unwrap(v) for k, v in x.items()}
    return plain(x)


def _swap_all(root, undo, seen, depth=0):
    """Replace every float array reachable from ``root`` (closure cells, attributes of
    nnbook's objects, lists, dicts) with a Traced view; ``undo`` collects how to put back."""
    if depth > 12 or id(root) in seen:
        return
    seen.add(id(root))
    if isinstance(root, types.FunctionType):
        for cell in root.__closure__ or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if isinstance(value, np.ndarray) and value.dtype.kind == "f":
                undo.append((cell, "cell_contents", value, setattr))
                cell.cell_contents = value.view(Traced)
            else:
                _swap_all(value, undo, seen, depth + 1)
        return
    if isinstance(root, dict):
        for k, v in list(root.items()):
            if isinstance(v, np.ndarray) and v.dtype.kind == "f":
                undo.append((root, k, v, dict.__setitem__))
                root[k] = v.view(Traced)
            else:
                _swap_all(v, undo, seen, depth + 1)
        return
    if isinstance(root, list):
        for i, v in enumerate(root):
            if isinstance(v, np.ndarray) and v.dtype.kind == "f":
                undo.append((root, i, v, list.__setitem__))
                root[i] = v.view(Traced)
            else:
                _swap_all(v, undo, seen, depth + 1)
        return
    if isinstance(root, tuple):
        for v in root:
            _swap_all(v, undo, seen, depth + 1)
        return
    module = type(root).__module__ or ""
    if module.startswith(("nnbook", "bench")) and hasattr(root, "__dict__"):
        _swap_all(vars(root), undo, seen, depth + 1)


def products_of(step) -> list:
    """The matrix products one call of ``step`` makes: [(shape_a, shape_b, dtype), ...]."""
    undo = []
    _swap_all(step, undo, set())
    Traced.LOG = []
    made = {f: getattr(np, f) for f in MAKERS}           # buffers made in the step are traced
    for f, make in made.items():
        setattr(np, f, lambda *a, _make=make, **k: traced(_make(*a, **k)))
    try:
        step()
    finally:
        for f, make in made.items():
            setattr(np, f, make)
        for owner, key, value, put in reversed(undo):
            put(owner, key, value)
    return list(Traced.LOG)


def time_products(products, rounds=5, seconds=0.1, totals=None):
    """Best CPU time of all ``products`` in NumPy (``a @ b``) and in torch.matmul, one
    thread, taking turns with the whole steps in ``totals`` (name -> step): {"numpy": s,
    "torch": s, "total_<name>": s, ...} (torch None when it is not installed)."""
    rng = np.random.default_rng(0)
    made = {}
    for a, b, dt in products:
        for s in (a, b):
            if (s, dt) not in made:
                made[(s, dt)] = rng.standard_normal(s).astype(dt)
    pairs = [(made[(a, dt)], made[(b, dt)]) for a, b, dt in products]
    steps = {"numpy": lambda: [x @ y for x, y in pairs]}
    try:
        import torch
        torch.set_num_threads(1)
        tpairs = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in pairs]
        steps["torch"] = lambda: [torch.matmul(x, y) for x, y in tpairs]
    except ImportError:
        pass
    if not products:
        steps = {}
    steps.update({f"total_{k}": v for k, v in (totals or {}).items()})
    best = timing.alternate(steps, rounds=rounds, seconds=seconds, clock=time.process_time)
    if not products:
        best.update(numpy=0.0, torch=0.0 if "torch" in (totals or {"torch": 0}) else None)
    return {"torch": None, **best}


def builders() -> dict:
    """Every row against PyTorch that has a breakdown: its name (as run_all writes it) and
    two functions that make the row's steps, nnbook's and PyTorch's (None where the bench
    times PyTorch from a script of its own: its stored total is used)."""
    import bench_conv
    import bench_diffusion
    import bench_generate
    import bench_grpo
    import bench_layers
    import bench_masked
    import bench_mlp
    import bench_modern
    import bench_sequences
    out = {}
    for dt in ("float64", "float32"):
        for w, b in bench_mlp.CASES:
            out[f"MLP step w={w} b={b} {dt}"] = (
                lambda w=w, b=b, dt=dt: bench_mlp.nnbook_step(w, b, np.dtype(dt)), None)
        for name, *case, _ in bench_conv.CONV_CASES:
            out[f"{name.strip()} {dt}"] = (
                lambda case=case, dt=dt: bench_conv.nnbook_conv_step(*case, np.dtype(dt)), None)
        for name, m, side, c, f, _ in bench_conv.POOL_CASES:
            out[f"{name} {dt}"] = (lambda a=(m, side, c, f), dt=dt:
                                   bench_conv.nnbook_pool_step(*a, np.dtype(dt)), None)
        for layer in bench_layers.LAYERS:
            for shape in bench_layers.CASES:
                a = (layer, shape, dt)
                out[f"{layer} fwd+bwd {shape} {dt}"] = (
                    lambda a=a: bench_layers.nnbook_step(*a),
                    lambda a=a: bench_layers.torch_step(*a))
        for mod in (bench_sequences, bench_modern, bench_diffusion, bench_masked):
            for kind in mod.KINDS:
                a = (kind, mod.SIZES[kind], dt)
                out[f"{mod.NAMES[kind]} {dt}"] = (lambda a=a, mod=mod: mod.nnbook_step(*a),
                                                 lambda a=a, mod=mod: mod.torch_step(*a))
        out[f"{bench_grpo.NAME} {dt}"] = (
            lambda dt=dt: bench_grpo.nnbook_step(bench_grpo.SIZE, dt),
            lambda dt=dt: bench_grpo.torch_step(bench_grpo.SIZE, dt))
        g = bench_generate
        out[f"{g.NAME}, KV cache, {dt}"] = (lambda dt=dt: g.nnbook_generate(g.SIZE, dt),
                                            lambda dt=dt: g.torch_generate(g.SIZE, dt))
    return out


def torch_conv_step(m, side, c_in, c_out, f, s, p, need_dx, dtype):
    """PyTorch's conv step as bench_conv's own script makes it (``F.conv2d`` forward and
    backward, NCHW), only to name the kernels it runs (``fused_kernels``): that row's
    PyTorch time is the script's."""
    import torch
    import torch.nn.functional as F
    dt = getattr(torch, dtype)
    x = torch.randn(m, c_in, side, side, dtype=dt, requires_grad=need_dx)
    w = torch.randn(c_out, c_in, f, f, dtype=dt, requires_grad=True)
    b = torch.zeros(c_out, dtype=dt, requires_grad=True)
    o = (side + 2 * p - f) // s + 1
    dy = torch.randn(m, c_out, o, o, dtype=dt)
    return lambda: F.conv2d(x, w, b, stride=s, padding=p).backward(dy)


def kernel_steps() -> dict:
    """Rows whose PyTorch step runs from a bench's own script (no step at hand here) but
    whose kernels can be named: name -> a function making an equal PyTorch step."""
    import bench_conv
    return {f"{name.strip()} {dt}": (lambda case=case, dt=dt: torch_conv_step(*case, dt))
            for dt in ("float64", "float32") for name, *case, _ in bench_conv.CONV_CASES}


def child(names=None, rounds=5):
    """In a one-thread process: each row's products, and the time of those products and
    (where a PyTorch step is at hand) of both whole steps, the four taking turns."""
    out, kernels = {}, kernel_steps()
    for name, (make_nb, make_torch) in builders().items():
        if names and name not in names:
            continue
        step = make_nb()
        step()                                  # warm caches, as the timed runs did
        prods = products_of(step)
        totals = {"nnbook": step}
        if make_torch is not None:
            import torch
            torch.set_num_threads(1)
            totals["torch"] = make_torch()
        t = time_products(prods, rounds=rounds, totals=totals)
        out[name] = {"products": len(prods), **t}
        if make_torch is not None:
            out[name]["fused"] = fused_kernels(totals["torch"])
        elif name in kernels and importlib.util.find_spec("torch") is not None:
            import torch
            torch.set_num_threads(1)
            out[name]["fused"] = fused_kernels(kernels[name]())
    return out


def measure(names=None, rounds=5) -> dict:
    """``child`` in a fresh process with one BLAS/OpenMP thread, under the allocator state
    this process passes on (glibc's default, unless run_all --steady-malloc)."""
    args = ["--rounds", str(rounds)] + (["--names", json.dumps(list(names))] if names else [])
    return timing.run_child(__file__, "products", "1", args=args, timeout=3600)


def verdict(total, products, rest, fused=(), floor=None) -> str:
    """"ahead", "BLAS", "nnbook", or "fused" when the rest is behind but PyTorch's step ran
    a fused kernel (``fused_kernels``): its products are inside that kernel, so its rest is
    no measure of what PyTorch spends besides them, and the split cannot say who is behind;
    "NumPy" when the rest is behind and ``floor``, the row's plain NumPy step with the
    fewest passes / PyTorch's step, is above 1 too."""
    if total is None or total <= 1.0:
        return "ahead"
    if rest is not None and rest > 1.0:
        return "fused" if fused else "NumPy" if floor is not None and floor > 1.0 else "nnbook"
    return "BLAS" if products is not None and products > 1.0 else "nnbook"


def floor_ratio(row):
    """The row's plain NumPy step / PyTorch's, CPU time, where the row measured one
    (``numpy_cpu_s``, bench_diffusion's sampler, bench_masked's unmasking step and
    bench_grpo's GRPO step); else
    None."""
    numpy_s, torch_s = row.get("numpy_cpu_s"), row.get("torch_cpu_s")
    return numpy_s / torch_s if numpy_s and torch_s else None


FUSED = ("mkldnn_rnn", "flash_attention", "efficient_attention", "mkldnn_convolution")


def fused_kernels(step) -> list:
    """The fused kernels (aten operators that make their products inside, not through
    ``matmul``: oneDNN's RNN layer and convolution, the flash SDPA) one call of PyTorch's
    ``step`` runs, forward names only, as the profiler names them."""
    import torch
    step()
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        step()
    return sorted({e.key for e in prof.key_averages() if e.key.startswith("aten::")
                   and any(f in e.key for f in FUSED) and not e.key.endswith("_backward")})


def combine(rows, measured) -> list:
    """One breakdown per row that has both one-thread totals and measured products."""
    out, named = [], {r["name"].strip() for r in rows}
    rows = list(rows) + [{"name": n} for n, p in measured.items()     # measured here alone
                         if n not in named and p.get("total_torch") is not None]
    for r in rows:
        name = r["name"].strip()
        p = measured.get(name)
        if p is None:
            continue
        t_nb, t_th = r.get("nnbook_1t_s"), r.get("torch_1t_s")
        side_by_side = p.get("total_torch") is not None
        if side_by_side:                       # measured here, in turns with the products
            t_nb, t_th = p["total_nnbook"], p["total_torch"]
        if not t_nb or not t_th:
            continue
        p_nb, p_th = p["numpy"], p["torch"]
        prod = p_nb / p_th if p["products"] and p_th else None
        rest_nb, rest_th = t_nb - p_nb, (t_th - p_th) if p_th is not None else None
        rest = rest_nb / rest_th if rest_th and rest_th > 0 else None
        total = t_nb / t_th
        out.append({"name": name, "total": total, "products": prod, "rest": rest,
                    "n_products": p["products"], "share": p_nb / t_nb,
                    "verdict": verdict(total, prod, rest, p.get("fused"), floor_ratio(r)),
                    "fused": p.get("fused") or [], "side_by_side": side_by_side})
    return out


def markdown(table, nb_side, torch_side) -> str:
    def r2(x):
        return "—" if x is None else f"{x:.2f}"
    lines = ["### Who is behind: products and the rest (`breakdown.py`)", "",
             f"NumPy side: {nb_side}. PyTorch side: {torch_side}. Each row's matrix products "
             "(recorded from one call of nnbook's step) timed alone, NumPy `@` against "
             "`torch.matmul`, each writing into an output made once, one thread, in one process "
             "taking turns with both whole steps, best CPU time of five rounds; the rest "
             "is the row's total minus them. A row behind PyTorch is *nnbook* behind when its "
             "rest ratio is above 1, *BLAS* when the rest is ahead and the products are not. "
             "A total marked * is the row's own (its PyTorch side runs from the bench's own "
             "script), the others were timed here, in turns with the products; a rest ratio "
             "— means PyTorch's step took less than these products alone (it makes others: "
             "oneDNN convolutions, fused attention). The last column names the fused kernels "
             "PyTorch's step ran (its profiler's aten operators, forward names; rows timed "
             "here only): their products are inside them, not `torch.matmul` calls, so "
             "PyTorch's rest is an estimate there, and a row whose rest is behind is marked "
             "*fused*, not *nnbook*: the split cannot say who is behind. A row whose rest is "
             "behind and whose plain NumPy step with the fewest passes (under Part IV's table) "
             "is itself slower than PyTorch's is *NumPy*: NumPy's element-wise passes bound it.",
             "", "| case | total ratio | products ratio | rest ratio | products / nnbook's "
             "time | behind | PyTorch's fused kernels |", "|---|---:|---:|---:|---:|:---:|---|"]
    for b in table:
        mark = "" if b.get("side_by_side") else " *"
        fused = ", ".join(f"`{k.removeprefix('aten::')}`" for k in b.get("fused") or []) or "—"
        lines.append(f"| {b['name']} | {r2(b['total'])}{mark} | {r2(b['products'])} | "
                     f"{r2(b['rest'])} | {b['share']:.0%} ({b['n_products']}) | "
                     f"{b['verdict']} | {fused} |")
    return "\n".join(lines) + "\n"


def main(rows=None, names=None, rounds=5):
    if rows is None:
        with open(os.path.join(HERE, "results.json")) as f:
            last = json.load(f)
        rows = last["rows"] + last.get("part4", [])
    wanted = names or ([r["name"].strip() for r in rows if r.get("torch_1t_s")]
                       + [n for n, (_, make_torch) in builders().items() if make_torch])
    measured = measure(wanted, rounds)
    return combine(rows, measured)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        argv = sys.argv
        names = json.loads(argv[argv.index("--names") + 1]) if "--names" in argv else None
        rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 5
        print(json.dumps(child(names, rounds)))
        sys.exit()
    from host import numpy_side, torch_side
    table = main()
    n = numpy_side()
    t = torch_side() or {}
    print(markdown(table, f"NumPy {np.__version__}, {n['simd']}, BLAS {n['blas']}",
                   f"PyTorch {t.get('version')}, {t.get('simd')}, BLAS {t.get('blas')}"))
