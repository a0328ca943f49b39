"""Run every benchmark in one go, print one table of times and ratios, and
write it as ``benchmarks/results.md`` with a bar chart ``benchmarks/results.png``.

    python benchmarks/run_all.py [-h] [--no-torch] [--no-write] [--chart-only]
                                 [--against 98b401b]
                                 [--only part4|walk|tiles|linear|part7|breakdown]

``--help`` lists the flags; an unknown flag, a flag without its value or an ``--only`` it
does not know stops the script with status 2 before it measures or writes anything.

The header of each run records where it ran: the CPU model, the SIMD level NumPy and
PyTorch dispatch to (AVX2, AVX512_SKX/ICL, ...), and each side's BLAS (OpenBLAS names the
core type whose kernels it chose, e.g. SkylakeX or Zen; PyTorch's CPU wheels use MKL).
results.md keeps one section per CPU family and vector width (``section_name``: "AMD, AVX2",
"AMD, AVX-512", "Intel, AVX-512"); a run replaces only its own section.
``--against REF`` adds bench_walk's side-by-side table with an older commit's nnbook.
``--only part4`` (or ``walk``, ``tiles``, ``linear``, ``part7``, ``breakdown``: ``ONLY`` below) measures that
part alone and replaces only its own block of this family's section (each block sits
between ``<!-- part: NAME -->`` markers).

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

import argparse
import datetime
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

import bench_conv  # noqa: E402
import bench_diffusion  # noqa: E402
import bench_generate  # noqa: E402
import bench_grpo  # noqa: E402
import bench_masked  # noqa: E402
import bench_modern  # noqa: E402
import bench_layers  # noqa: E402
import bench_linear_attention  # noqa: E402
import bench_mlp  # noqa: E402
import bench_part7  # noqa: E402
import bench_walk  # noqa: E402
import bench_sequences  # noqa: E402
import bench_tiles  # noqa: E402
import breakdown  # noqa: E402
import timing  # noqa: E402
from host import cpu, machine, numpy_side, section_name, torch_side  # noqa: E402,F401
from threads import MODES, label  # noqa: E402


def stamp() -> str:
    """Today's date and the commit measured (with "+ changes" when the tree differs)."""
    import subprocess
    try:
        head = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "-C", HERE, "status", "--porcelain", "--", "../nnbook"],
                               capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        head, dirty = "", ""
    return (f"{datetime.date.today().isoformat()}, commit {head or '?'}"
            f"{' + uncommitted changes' if dirty else ''}")


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


def part_block(name: str, body: str) -> str:
    return f"<!-- part: {name} -->\n{body.strip()}\n<!-- end part: {name} -->"


def replace_part(text: str, name: str, body: str) -> str:
    """``text`` with the block of part ``name`` replaced by ``body`` (appended to the end
    of the family section, or of ``text``, when it has none yet)."""
    block, start, end = part_block(name, body), f"<!-- part: {name} -->", f"<!-- end part: {name} -->"
    if start in text and end in text:
        i, j = text.index(start), text.index(end) + len(end)
        return text[:i] + block + text[j:]
    return text.rstrip("\n") + "\n\n" + block + "\n"


def bpe_row() -> dict:
    """bench_bpe's row, measured in a fresh process (pure Python: one thread)."""
    import subprocess
    res = subprocess.run([sys.executable, os.path.join(HERE, "bench_bpe.py"), "--json"],
                         capture_output=True, text=True, timeout=1800,
                         env=dict(os.environ, PYTHONPATH=os.path.dirname(HERE)))
    if res.returncode != 0:
        raise RuntimeError(res.stderr)
    return json.loads(res.stdout.strip().splitlines()[-1])[0]


def part4(with_torch=True):
    """Part IV's rows: the modern block and the small modern LM against PyTorch (bench_modern:
    one thread, each side in its own process, taking turns), generation with and without the
    KV cache (bench_generate, the same way), chapter 26's denoiser (bench_diffusion, the same
    way), chapter 28's masked diffusion LM (bench_masked, the same way), chapter 29's GRPO
    step (bench_grpo, the same way) and BPE training (bench_bpe)."""
    rows = []
    for r in bench_modern.main(with_torch=with_torch):
        rows.append({**r, "name": r["name"].rsplit(", ", 1)[0], "nnbook_1t_s": r["nnbook_s"],
                     "torch_1t_s": r["torch_s"], "ratio_vs_torch_1t": r["ratio_vs_torch"],
                     "ratio_vs_torch": None, "torch_s": None})
    rows += one_thread_only(bench_generate.main(with_torch=with_torch))   # chapter 21
    for r in (bench_diffusion.main(with_torch=with_torch)                 # chapter 26
              + bench_masked.main(with_torch=with_torch)                  # chapter 28
              + bench_grpo.main(with_torch=with_torch)):                  # chapter 29
        rows.append({**r, "name": r["name"].rsplit(", ", 1)[0], "nnbook_1t_s": r["nnbook_s"],
                     "torch_1t_s": r["torch_s"], "ratio_vs_torch_1t": r["ratio_vs_torch"],
                     "ratio_vs_torch": None, "torch_s": None})
    return rows, bpe_row()


def part4_markdown(rows, bpe) -> str:
    lines = ["### Part IV: the modern block, a small modern LM, generation, byte-pair encoding",
             "",
             "One thread, each side in its own fresh process, three rounds taking turns, best "
             "call of each (`bench_modern.py`, `bench_generate.py`, chapter 26's denoiser "
             "`bench_diffusion.py`, chapter 28's masked diffusion LM `bench_masked.py`, chapter "
             "29's GRPO step `bench_grpo.py`); the "
             "CPU-time ratio (`time.process_time`) leaves out the moments other programs held "
             "the core.", "",
             "| case | nnbook | PyTorch | ratio | ratio, CPU time | target | met |",
             "|---|---:|---:|---:|---:|---|:---:|"]
    for r in rows:
        met = {True: "✔", False: "✘", None: ""}[r.get("meets_target")]
        ratio = ("—" if r.get("ratio_vs_torch_1t") is None else f"{r['ratio_vs_torch_1t']:.2f}")
        ratio = f"{r['value']}× faster" if r.get("value") is not None else ratio
        cpu_ratio = "—" if r.get("ratio_vs_torch_cpu") is None else f"{r['ratio_vs_torch_cpu']:.2f}"
        mine = r.get("nnbook_1t_s", r.get("nnbook_s"))      # generate's rows: one thread only
        lines.append(f"| {r['name']} | {fmt(mine)} | {fmt(r.get('torch_1t_s'))} | "
                     f"{ratio} | {cpu_ratio} | {r['target']} | {met} |")
    lines.append(bench_generate.note(rows).rstrip("\n"))
    lines.append(bench_diffusion.note(rows).rstrip("\n"))
    lines.append(bench_masked.note(rows).rstrip("\n"))
    lines.append(bench_grpo.note(rows).rstrip("\n"))
    est = "≈ " if bpe["naive_estimated"] else ""
    lines += ["", "| BPE training (`bench_bpe.py`) | nnbook | naive recount | naive / nnbook "
              "(CPU) | target | met |", "|---|---:|---:|---:|---|:---:|",
              f"| {bpe['name']} ({bpe['merges']} merges) | {bpe['nnbook_s']:.2f} s "
              f"({bpe['nnbook_cpu_s']:.2f} s CPU) | {est}{bpe['naive_s']:.1f} s "
              f"({est}{bpe['naive_cpu_s']:.1f} s CPU) | {bpe['speedup_cpu']:.0f}× | "
              f"≤ {bpe['target_s']:g} s | {'✔' if bpe['nnbook_s'] <= bpe['target_s'] else '✘'} |"]
    if bpe["naive_estimated"]:
        lines += ["", f"The naive recount ran on the first {bpe['naive_prefix_bytes']:,} bytes "
                  f"({bpe['naive_prefix_s']:.1f} s; nnbook {bpe['nnbook_prefix_s']:.2f} s there, "
                  "the same merges) and its time is scaled by the length ratio: an estimate, "
                  "likely low (a short text shrinks faster under the same merges)."]
    return "\n".join(lines) + "\n"


def breakdown_markdown(rows) -> str:
    """breakdown.py's table for ``rows`` (products timed alone, one thread, both sides)."""
    table = breakdown.main(rows)
    n, t = numpy_side(), torch_side() or {}
    return breakdown.markdown(table, f"NumPy {np.__version__}, {n['simd']}, BLAS {n['blas']}",
                              f"PyTorch {t.get('version')}, {t.get('simd')}, "
                              f"BLAS {t.get('blas')}")


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
         "CPU family and vector width (a run replaces its own section; `--only part4`, "
         "`--only walk` or `--only breakdown` only that part of it). Best single call of each "
         "step after a warm-up; nnbook and PyTorch take turns (three rounds, each in a fresh "
         "process) and each keeps its best round. Every ratio is measured with one thread each "
         "side and with the default thread counts; targets on a ratio are judged on the "
         "one-thread ratio. Each row against PyTorch is split into its matrix products and "
         "the rest (`breakdown.py`): who is behind, nnbook or the BLAS.\n")


# What ``--only NAME`` measures (and the block of results.md it replaces).
ONLY = {"part4": "Part IV: the modern block and LM vs PyTorch, generation with and\n"
                 "         without the KV cache, BPE training",
        "walk": "the training walk's overhead ratios (step vs NumPy, fit vs a loop)",
        "tiles": "chapter 24's attention in tiles vs plain attention and PyTorch's SDPA",
        "linear": "chapter 31's linear attention and DeltaNet vs a PyTorch reference loop,\n"
                  "         and one cached step of DeltaNet vs a KV cache",
        "part7": "chapter 33's mixture of experts vs a PyTorch loop over experts and its\n"
                 "         NumPy floor, chapter 34's Muon step vs torch.optim.Muon and its floor",
        "breakdown": "each row's products timed alone (NumPy @ vs torch.matmul) and\n"
                     "         the rest, from results.json's totals: who is behind"}


class Flags(argparse.ArgumentParser):
    """argparse whose errors are one line naming every flag it accepts (status 2)."""

    def __init__(self, *args, **kwargs):
        self.accepted = []                     # "--only {part4,walk}", ... as added
        super().__init__(*args, **kwargs)

    def add_argument(self, *names, **kwargs):
        action = super().add_argument(*names, **kwargs)
        value = "" if action.nargs == 0 else f" {action.metavar or action.dest.upper()}"
        self.accepted.append("/".join(action.option_strings) + value)
        return action

    def error(self, message):
        self.exit(2, f"{self.prog}: {message}; it accepts {', '.join(self.accepted)} "
                     "(see --help)\n")


def flags() -> Flags:
    """run_all.py's command line; ``--help`` prints it."""
    only = "\n".join(f"  {name:<6} {what}" for name, what in ONLY.items())
    parser = Flags(
        prog="run_all.py", allow_abbrev=False,              # a typo never matches a flag
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run every benchmark (nnbook against a hand-written NumPy baseline and PyTorch,\n"
                    "one thread and default threads, each side in its own process), print one\n"
                    "table of times and ratios, write this CPU family's section of\n"
                    "benchmarks/results.md and write benchmarks/results.json and the chart\n"
                    "benchmarks/results.png. A full run takes tens of minutes.",
        epilog=f"--only takes:\n{only}\n\nExamples:\n"
               "  python benchmarks/run_all.py\n"
               "  python benchmarks/run_all.py --only walk --against 98b401b\n"
               "  python benchmarks/run_all.py --chart-only")
    parser.add_argument("--no-torch", action="store_true",
                        help="leave PyTorch out (nnbook and the NumPy baseline only)")
    parser.add_argument("--no-write", action="store_true",
                        help="print the tables, write no file")
    parser.add_argument("--chart-only", action="store_true",
                        help="measure nothing: redraw results.png from results.json "
                             "(the other flags are ignored)")
    parser.add_argument("--only", choices=ONLY, metavar="{" + ",".join(ONLY) + "}",
                        help="measure one part alone and replace only its block of this "
                             "family's section (results.png is left as it is)")
    parser.add_argument("--steady-malloc", action="store_true",
                        help="run every side and child with glibc keeping 64 MB at the top "
                             "of its heap (timing.steady_malloc); off by default: it made "
                             "PyTorch's LM training step 1.4-1.7x slower")
    parser.add_argument("--against", metavar="REF",
                        help="add bench_walk's side-by-side table against commit REF's "
                             "nnbook (full run or --only walk)")
    return parser


def main(argv=None):
    args = flags().parse_args(sys.argv[1:] if argv is None else argv)
    if args.steady_malloc:                     # opt-in: it changes PyTorch's times (timing.py)
        timing.steady_malloc()
    saved = os.path.join(HERE, "results.json")
    if args.chart_only:                        # redraw from the last run, no measuring
        with open(saved) as f:
            last = json.load(f)
        bar_chart(last["rows"] + (last.get("part4") if last.get("part4_with_rows") else []),
                  os.path.join(HERE, "results.png"), "nnbook vs PyTorch (CPU)")
        return last["rows"]
    with_torch = not args.no_torch
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    if args.only:
        return main_only(args.only, with_torch, load, args.no_write, saved, args.against)
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
    version, threads = measured[None][1], measured[None][2]
    torch_note = (f"PyTorch {version} CPU, 1 thread and {threads} threads" if version
                  else "PyTorch not installed")
    header = (f"Measured {stamp()} on {machine()}; {torch_note}. "
              f"Load average before the run: {load:.2f}." if load is not None else "")
    print(header)
    bench_mlp.print_table(rows, "nnbook benchmarks")
    print("measuring the training walk's overhead ratios ...", file=sys.stderr)
    walk = bench_walk.ratios()
    against = args.against
    versus = bench_walk.side_by_side(against) if against else None
    walk_md = bench_walk.markdown(walk, versus, against or "")
    print(walk_md)
    print("measuring Part IV (modern block, modern LM, BPE) ...", file=sys.stderr)
    p4_rows, bpe = part4(with_torch)
    p4_md = part4_markdown(p4_rows, bpe)
    print(p4_md)
    print("measuring attention in tiles (chapter 24) ...", file=sys.stderr)
    tiles_md = bench_tiles.markdown(bench_tiles.main(with_torch=with_torch))
    print(tiles_md)
    print("measuring linear attention and DeltaNet (chapter 31) ...", file=sys.stderr)
    linear_rows = bench_linear_attention.main(with_torch=with_torch)
    linear_md = bench_linear_attention.markdown(linear_rows)
    print(linear_md)
    print("measuring the mixture of experts and Muon (chapters 33, 34) ...", file=sys.stderr)
    part7_rows = bench_part7.main(with_torch=with_torch)
    part7_md = bench_part7.markdown(part7_rows)
    print(part7_md)
    print("measuring the products of every row alone (the breakdown) ...", file=sys.stderr)
    split_md = breakdown_markdown(rows + p4_rows)
    print(split_md)
    if not args.no_write:
        path = os.path.join(HERE, "results.md")
        old = open(path).read() if os.path.exists(path) else INTRO
        body = (markdown(rows, header) + bench_sequences.note(rows) + "\n"
                + part_block("part4", p4_md) + "\n\n" + part_block("tiles", tiles_md)
                + "\n\n" + part_block("linear", linear_md)
                + "\n\n" + part_block("part7", part7_md)
                + "\n\n" + part_block("breakdown", split_md) + "\n\n"
                + part_block("walk", f"Where it ran: {machine()}.\n\n"
                             + walk_md.replace("\n## ", "\n### ").replace("## ", "### ", 1)))
        with open(path, "w") as f:
            f.write(family_section(old, section_name(), body))
        with open(saved, "w") as f:
            json.dump({"header": header, "rows": rows, "walk": walk, "part4": p4_rows,
                       "bpe": bpe, "part4_with_rows": True, "linear": linear_rows,
                       "part7": part7_rows}, f,
                      indent=1)
        png = bar_chart(rows + p4_rows, os.path.join(HERE, "results.png"),
                        "nnbook vs PyTorch (CPU)")
        print(f"wrote benchmarks/results.md{' and benchmarks/results.png' if png else ''}")
    return rows


def main_only(only, with_torch, load, no_write, saved, against=None):
    """``--only part4`` / ``--only walk``: measure that part, replace its block of this
    family's section in results.md and its entries in results.json (the rest kept)."""
    if only not in ONLY:
        raise SystemExit(f"run_all.py: --only takes {', '.join(ONLY)}, got {only!r}")
    where = (f"Where it ran ({stamp()}): {machine()}; load average before the run: "
             f"{load:.2f}.")
    if only == "breakdown":                # the totals of the last run on this machine
        with open(saved) as f:
            last = json.load(f)
        md = breakdown_markdown(last["rows"] + last.get("part4", []))
        update = {}
    elif only == "tiles":
        rows = bench_tiles.main(with_torch=with_torch)
        md, update = bench_tiles.markdown(rows), {"tiles": rows}
    elif only == "linear":
        rows = bench_linear_attention.main(with_torch=with_torch)
        md, update = bench_linear_attention.markdown(rows), {"linear": rows}
    elif only == "part7":
        rows = bench_part7.main(with_torch=with_torch)
        md, update = bench_part7.markdown(rows), {"part7": rows}
    elif only == "part4":
        rows, bpe = part4(with_torch)
        md, update = part4_markdown(rows, bpe), {"part4": rows, "bpe": bpe}
    else:
        walk = bench_walk.ratios()
        versus = bench_walk.side_by_side(against) if against else None
        md = bench_walk.markdown(walk, versus, against or "").replace("## ", "### ")
        update = {"walk": walk}
    md = f"{md.rstrip()}\n\n{where}\n" if only != "walk" else f"{where}\n\n{md}"
    print(md)
    if no_write:
        return update
    path = os.path.join(HERE, "results.md")
    text = open(path).read() if os.path.exists(path) else INTRO
    family = section_name()
    start, end = f"<!-- cpu: {family} -->", f"<!-- end cpu: {family} -->"
    if start in text and end in text:
        i, j = text.index(start), text.index(end)
        section = replace_part(text[i:j].rstrip("\n"), only, md) + "\n"
        text = text[:i] + section + text[j:]
    else:
        text = family_section(text, family, part_block(only, md))
    with open(path, "w") as f:
        f.write(text)
    last = {}
    if os.path.exists(saved):
        with open(saved) as f:
            last = json.load(f)
    last.update(update, **({"part4_with_rows": False} if only == "part4" else {}))
    with open(saved, "w") as f:
        json.dump(last, f, indent=1)
    print("wrote benchmarks/results.md and results.json (results.png, the full run's chart, "
          "is left as it is: this part may come from another machine)")
    return update


if __name__ == "__main__":
    main()
