"""Run every benchmark in one go, print one table of times and ratios, and
write it as ``benchmarks/results.md`` with a bar chart ``benchmarks/results.png``.

    python benchmarks/run_all.py [--no-torch] [--no-write] [--chart-only]

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
import bench_layers  # noqa: E402
import bench_mlp  # noqa: E402
import bench_sequences  # noqa: E402
from threads import MODES, label  # noqa: E402


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    blas = ""
    try:
        import threadpoolctl
        info = [i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
        if info:
            blas = f" ({info[0].get('internal_api')} {info[0].get('architecture') or ''} kernel)".replace(" )", ")")
    except ImportError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()}, Python "
            f"{platform.python_version()}, NumPy {np.__version__}{blas}")


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
    version, threads = measured[None][1], measured[None][2]
    torch_note = (f"PyTorch {version} CPU, 1 thread and {threads} threads" if version
                  else "PyTorch not installed")
    header = (f"Measured {datetime.date.today().isoformat()} on {machine()}; {torch_note}. "
              f"Load average before the run: {load:.2f}." if load is not None else "")
    print(header)
    bench_mlp.print_table(rows, "nnbook benchmarks")
    if "--no-write" not in argv:
        with open(os.path.join(HERE, "results.md"), "w") as f:
            f.write("# Benchmark results\n\nWritten by `python benchmarks/run_all.py`. Best single "
                    "call of each step after a warm-up; nnbook and PyTorch take turns (three rounds, "
                    "each in a fresh process) and each keeps its best round. Every ratio is measured "
                    "with one thread each side and with the default thread counts; targets on a "
                    "ratio are judged on the one-thread ratio.\n\n")
            f.write(markdown(rows, header))
            f.write(bench_sequences.note(rows))
        with open(saved, "w") as f:
            json.dump({"header": header, "rows": rows}, f, indent=1)
        png = bar_chart(rows, os.path.join(HERE, "results.png"), "nnbook vs PyTorch (CPU)")
        print(f"wrote benchmarks/results.md{' and benchmarks/results.png' if png else ''}")
    return rows


if __name__ == "__main__":
    main()
