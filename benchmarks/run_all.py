"""Run every benchmark in one go, print one table of times and ratios, and
write it as ``benchmarks/results.md`` with a bar chart ``benchmarks/results.png``.

    python benchmarks/run_all.py [--no-torch] [--no-write] [--chart-only]

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
import bench_mlp  # noqa: E402


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()}, Python "
            f"{platform.python_version()}, NumPy {np.__version__}")


def fmt(t):
    return bench_mlp.fmt_time(t)


def markdown(rows, header) -> str:
    lines = [header, "",
             "| case | nnbook | baseline | PyTorch | nnbook / PyTorch | target | met |",
             "|---|---:|---:|---:|---:|---|:---:|"]
    for r in rows:
        ratio = "—" if r.get("ratio_vs_torch") is None else f"{r['ratio_vs_torch']:.2f}"
        met = {True: "✔", False: "✘", None: ""}[r.get("meets_target")]
        value = fmt(r["nnbook_s"]) if r.get("nnbook_s") is not None else f"{r.get('value')}×"
        lines.append(f"| {r['name'].strip()} | {value} | {fmt(r.get('baseline_s'))} | "
                     f"{fmt(r.get('torch_s'))} | {ratio} | {r.get('target') or ''} | {met} |")
    return "\n".join(lines) + "\n"


def bar_chart(rows, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    cmp = [r for r in rows if r.get("ratio_vs_torch") is not None]
    if not cmp:
        return None
    names = [r["name"].strip() for r in cmp]
    ratios = [r["ratio_vs_torch"] for r in cmp]
    limits = [float(r["target"].split("×")[0].lstrip("≤ ").strip()) if r.get("target")
              and "× torch" in r["target"] else None for r in cmp]
    colors = ["tab:green" if r.get("meets_target") else "tab:red" if r.get("meets_target") is False
              else "tab:gray" for r in cmp]
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(cmp) + 1.5))
    y = np.arange(len(cmp))
    ax.barh(y, ratios, color=colors)
    for yi, lim in zip(y, limits):
        if lim is not None:
            ax.plot([lim, lim], [yi - 0.4, yi + 0.4], color="black", lw=1.5)
    ax.axvline(1.0, color="gray", ls=":", lw=1)
    ax.set_yticks(y, names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ticks = [t for t in (0.1, 0.2, 0.5, 1, 2, 4, 8) if min(ratios) / 1.5 <= t <= max(ratios) * 1.5 or t == 1]
    ax.set_xticks(ticks, [f"{t:g}×" for t in ticks])
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("nnbook time / PyTorch time (log scale; < 1 means nnbook is faster)")
    ax.set_title(title + "\n(black ticks: targets; green: met, red: missed)", fontsize=10)
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
    rows, version, threads = bench_mlp.main(with_torch=with_torch)
    rows += bench_conv.main(with_torch=with_torch)
    torch_note = f"PyTorch {version} CPU, {threads} threads" if version else "PyTorch not installed"
    header = (f"Measured {datetime.date.today().isoformat()} on {machine()}; {torch_note}. "
              f"Load average before the run: {load:.2f}." if load is not None else "")
    print(header)
    bench_mlp.print_table(rows, "nnbook benchmarks")
    if "--no-write" not in argv:
        with open(os.path.join(HERE, "results.md"), "w") as f:
            f.write("# Benchmark results\n\nWritten by `python benchmarks/run_all.py`. Best single "
                    "call of each step after a warm-up; nnbook and PyTorch take turns (the MLP three times, each in a fresh process) and each keeps its best round.\n\n")
            f.write(markdown(rows, header))
        with open(saved, "w") as f:
            json.dump({"header": header, "rows": rows}, f, indent=1)
        png = bar_chart(rows, os.path.join(HERE, "results.png"), "nnbook vs PyTorch (CPU)")
        print(f"wrote benchmarks/results.md{' and benchmarks/results.png' if png else ''}")
    return rows


if __name__ == "__main__":
    main()
