"""Run every benchmark in one go, print one table of times and ratios, and
write it as ``benchmarks/results.md`` with a bar chart ``benchmarks/results.png``.

    python benchmarks/run_all.py [--no-torch] [--no-write] [--chart-only] [--against 98b401b]

The header of each run records where it ran: the CPU model, the SIMD level NumPy and
PyTorch dispatch to (AVX2, AVX512_SKX/ICL, ...), and each side's BLAS (OpenBLAS names the
core type whose kernels it chose, e.g. SkylakeX or Zen; PyTorch's CPU wheels use MKL).
results.md keeps one section per CPU family; a run replaces only its own family's.
``--against REF`` adds bench_walk's side-by-side table with an older commit's nnbook.

Every ratio is measured twice: with one thread each side (BLAS and OpenMP
variables set to 1 before NumPy or torch is imported, ``torch.set_num_threads(1)``),
and with the default thread counts; each side runs in its own fresh process.
Targets on a ratio are judged on the one-thread ratio, which repeats within
a few per cent on a shared machine (two-thread ratios swing by up to 2×).
Where OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE are set for old OpenBLAS builds,
they slow a current NumPy: unset both for the benchmark command alone
(``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/run_all.py``);
the header records the BLAS kernel NumPy ran.

PyTorch runs in a child process (its threads are idle while NumPy runs) and is
skipped with a note when it is not installed (``pip install torch==2.13.0``, CPU).
The "baseline" column is a hand-written NumPy version of the same step for the
MLP, and the readable sliding-window version (``nb.conv_impl``) for convolution.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

import bench_conv  # noqa: E402
import bench_generate  # noqa: E402
import bench_layers  # noqa: E402
import bench_mlp  # noqa: E402
import bench_walk  # noqa: E402
import bench_sequences  # noqa: E402
from threads import MODES, label  # noqa: E402


def cpu() -> dict:
    """The CPU's model, vendor and family ("AMD", "Intel", or the vendor) from /proc/cpuinfo."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())       # the first core's
    except OSError:
        pass
    model = fields.get("model name") or platform.processor() or platform.machine()
    vendor = fields.get("vendor_id", "")
    text = f"{vendor} {model}"
    family = "AMD" if "AMD" in text else "Intel" if "Intel" in text else vendor or model
    return {"model": model, "vendor": vendor, "family": family}


def numpy_side() -> dict:
    """NumPy's best SIMD target on this CPU and its BLAS with the core type it chose."""
    out = {"simd": "?", "blas": "?"}
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
        usable = [t for t in __cpu_dispatch__ if __cpu_features__.get(t)]
        out["simd"] = usable[-1] if usable else "baseline"
    except ImportError:
        pass
    try:
        import threadpoolctl
        info = [i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
        if info:
            out["blas"] = f"{info[0].get('internal_api')} {info[0].get('version') or ''}, " \
                          f"{info[0].get('architecture') or '?'} kernel"
    except ImportError:
        pass
    return out


TORCH_INFO = (
    "import json, torch; c = torch.__config__.show();"
    "blas = [p.split('=')[1] for p in c.replace(',', ' ').split() if p.startswith('BLAS_INFO=')];"
    "print(json.dumps({'version': torch.__version__, 'simd': torch.backends.cpu.get_cpu_capability(),"
    "'blas': (blas or ['?'])[0]}))")


def torch_side() -> dict | None:
    """PyTorch's CPU capability (its SIMD level) and BLAS, from a child process."""
    import subprocess
    try:
        res = subprocess.run([sys.executable, "-c", TORCH_INFO], capture_output=True,
                             text=True, timeout=300)
        return json.loads(res.stdout) if res.returncode == 0 else None
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def machine(info=None) -> str:
    """Where the run happened: CPU, cores, NumPy's SIMD and BLAS core type, PyTorch's."""
    c, n = cpu(), numpy_side()
    t = torch_side() if info is None else info
    torch_text = (f"; PyTorch {t['version']}: {t['simd']}, BLAS {t['blas']}" if t else "")
    return (f"{c['model']} ({c['vendor'] or c['family']}), {os.cpu_count()} cores, "
            f"{platform.system()}, Python {platform.python_version()}; NumPy {np.__version__}: "
            f"{n['simd']}, BLAS {n['blas']}{torch_text}")


def family_section(old_text: str, family: str, body: str) -> str:
    """results.md with ``family``'s section replaced by ``body`` (or added): one section
    per CPU family measured, between ``<!-- cpu: F -->`` and ``<!-- end cpu: F -->``."""
    start, end = f"<!-- cpu: {family} -->", f"<!-- end cpu: {family} -->"
    block = f"{start}\n## {family}\n\n{body.rstrip()}\n{end}\n"
    if start in old_text and end in old_text:
        i, j = old_text.index(start), old_text.index(end) + len(end)
        return old_text[:i] + block.rstrip("\n") + old_text[j:]
    return old_text.rstrip("\n") + "\n\n" + block


def fmt(t):
    return bench_mlp.fmt_time(t)


def markdown(rows, header) -> str:
    lines = [header, "",
             "| case | nnbook, 1 thread | PyTorch, 1 thread | ratio, 1 thread | nnbook | PyTorch | "
             "ratio, default threads | baseline | target | met |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|:---:|"]
    for r in rows:
        def ratio(key):
            return "—" if r.get(key) is None else f"{r[key]:.2f}"
        met = {True: "✔", False: "✘", None: ""}[r.get("meets_target")]
        value = (fmt(r["nnbook_s"]) if r.get("nnbook_s") is not None else
                 "—" if r.get("value") is None else f"{r.get('value')}×")
        lines.append(f"| {r['name'].strip()} | {fmt(r.get('nnbook_1t_s'))} | {fmt(r.get('torch_1t_s'))} | "
                     f"{ratio('ratio_vs_torch_1t')} | {value} | {fmt(r.get('torch_s'))} | "
                     f"{ratio('ratio_vs_torch')} | {fmt(r.get('baseline_s'))} | {r.get('target') or ''} | {met} |")
    return "\n".join(lines) + "\n"


def merge(one_thread, default):
    """The default-thread rows with the one-thread times and ratio of the same
    case added; a target on the ratio to PyTorch is judged on the one-thread ratio."""
    by_name = {r["name"]: r for r in one_thread}
    for r in default:
        o = by_name.get(r["name"], {})
        r["nnbook_1t_s"], r["torch_1t_s"] = o.get("nnbook_s"), o.get("torch_s")
        r["ratio_vs_torch_1t"] = o.get("ratio_vs_torch")
        if "× torch" in (r.get("target") or "") and o.get("ratio_vs_torch") is not None:
            r["meets_target"] = o["meets_target"]
    return default


def merge_suffixed(rows):
    """bench_layers' rows come as "…, 1 thread" and "…, default threads" pairs: one row
    each, in the form of merge()'s (the target judged on the one-thread ratio)."""
    one = {r["name"].rsplit(", ", 1)[0]: r for r in rows if r["name"].endswith(", 1 thread")}
    out = []
    for r in rows:
        if not r["name"].endswith(", default threads"):
            continue
        base = r["name"].rsplit(", ", 1)[0]
        o = one.get(base, {})
        out.append({**r, "name": base, "nnbook_1t_s": o.get("nnbook_s"), "torch_1t_s": o.get("torch_s"),
                    "ratio_vs_torch_1t": o.get("ratio_vs_torch"),
                    "meets_target": o.get("meets_target", r.get("meets_target"))})
    return out


def one_thread_only(rows):
    """Rows measured with one thread only (bench_generate's), in the form of merge()'s: the
    times and ratio in the one-thread columns, the default-thread columns empty."""
    return [{**r, "nnbook_1t_s": r.get("nnbook_s"), "torch_1t_s": r.get("torch_s"),
             "ratio_vs_torch_1t": r.get("ratio_vs_torch"), "nnbook_s": None, "torch_s": None,
             "ratio_vs_torch": None} for r in rows]


def bar_chart(rows, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    cmp = [r for r in rows if r.get("ratio_vs_torch") is not None or r.get("ratio_vs_torch_1t") is not None]
    if not cmp:
        return None
    names = [r["name"].strip() for r in cmp]
    ratios = [r.get("ratio_vs_torch_1t") or r["ratio_vs_torch"] for r in cmp]
    defaults = [r["ratio_vs_torch"] for r in cmp]
    limits = [float(r["target"].split("×")[0].lstrip("≤ ").strip()) if r.get("target")
              and "× torch" in r["target"] else None for r in cmp]
    colors = ["tab:green" if r.get("meets_target") else "tab:red" if r.get("meets_target") is False
              else "tab:gray" for r in cmp]
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(cmp) + 1.5))
    y = np.arange(len(cmp))
    ax.barh(y, ratios, color=colors, label="one thread each")
    shown = [(d, yi) for d, yi in zip(defaults, y) if d is not None]     # None: not measured
    ax.plot([d for d, _ in shown], [yi for _, yi in shown], "o", color="black", ms=3,
            label="default threads")
    ax.legend(fontsize=8, loc="lower right")
    for yi, lim in zip(y, limits):
        if lim is not None:
            ax.plot([lim, lim], [yi - 0.4, yi + 0.4], color="black", lw=1.5)
    ax.axvline(1.0, color="gray", ls=":", lw=1)
    ax.set_yticks(y, names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    everything = ratios + [d for d in defaults if d is not None]
    ticks = [t for t in (0.1, 0.2, 0.5, 1, 2, 4, 8) if min(everything) / 1.5 <= t <= max(everything) * 1.5 or t == 1]
    ax.set_xticks(ticks, [f"{t:g}×" for t in ticks])
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("nnbook time / PyTorch time (log scale; < 1 means nnbook is faster)")
    ax.set_title(title + "\n(bars: one thread each; dots: default threads;\n"
                 "black ticks: targets; green: met, red: missed)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


INTRO = ("# Benchmark results\n\nWritten by `python benchmarks/run_all.py`, one section per "
         "CPU family (a run replaces its own family's). Best single call of each step after a "
         "warm-up; nnbook and PyTorch take turns (three rounds, each in a fresh process) and "
         "each keeps its best round. Every ratio is measured with one thread each side and "
         "with the default thread counts; targets on a ratio are judged on the one-thread "
         "ratio.\n")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    saved = os.path.join(HERE, "results.json")
    if "--chart-only" in argv:                 # redraw from the last run, no measuring
        with open(saved) as f:
            last = json.load(f)
        bar_chart(last["rows"], os.path.join(HERE, "results.png"), "nnbook vs PyTorch (CPU)")
        return last["rows"]
    with_torch = "--no-torch" not in argv
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    measured = {}
    for threads in MODES:
        print(f"measuring with {label(threads)} ...", file=sys.stderr)
        rows, version, torch_threads = bench_mlp.main(with_torch=with_torch, threads=threads)
        rows += bench_conv.main(with_torch=with_torch, threads=threads)
        measured[threads] = (rows, version, torch_threads)
    rows = merge(measured[1][0], measured[None][0])
    print("measuring BatchNorm and Dropout ...", file=sys.stderr)
    rows += merge_suffixed(bench_layers.main(with_torch=with_torch))
    print("measuring LSTM and causal multi-head attention ...", file=sys.stderr)
    rows += merge_suffixed(bench_sequences.main(with_torch=with_torch))
    print("measuring generation with and without the KV cache ...", file=sys.stderr)
    rows += one_thread_only(bench_generate.main(with_torch=with_torch))
    version, threads = measured[None][1], measured[None][2]
    torch_note = (f"PyTorch {version} CPU, 1 thread and {threads} threads" if version
                  else "PyTorch not installed")
    header = (f"Measured {datetime.date.today().isoformat()} on {machine()}; {torch_note}. "
              f"Load average before the run: {load:.2f}." if load is not None else "")
    print(header)
    bench_mlp.print_table(rows, "nnbook benchmarks")
    print("measuring the training walk's overhead ratios ...", file=sys.stderr)
    walk = bench_walk.ratios()
    against = argv[argv.index("--against") + 1] if "--against" in argv else None
    versus = bench_walk.side_by_side(against) if against else None
    walk_md = bench_walk.markdown(walk, versus, against or "")
    print(walk_md)
    if "--no-write" not in argv:
        path = os.path.join(HERE, "results.md")
        old = open(path).read() if os.path.exists(path) else INTRO
        body = (markdown(rows, header) + bench_sequences.note(rows) + bench_generate.note(rows)
                + "\n"
                + walk_md.replace("\n## ", "\n### "))
        with open(path, "w") as f:
            f.write(family_section(old, cpu()["family"], body))
        with open(saved, "w") as f:
            json.dump({"header": header, "rows": rows, "walk": walk}, f, indent=1)
        png = bar_chart(rows, os.path.join(HERE, "results.png"), "nnbook vs PyTorch (CPU)")
        print(f"wrote benchmarks/results.md{' and benchmarks/results.png' if png else ''}")
    return rows


if __name__ == "__main__":
    main()
