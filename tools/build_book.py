"""Build the course as a static book website, offline, from the committed notebooks.

    python tools/build_book.py                 # writes build/book/index.html
    python tools/build_book.py --out DIR       # somewhere else

The pages are the chapters with their stored outputs (never re-executed: nbval
has checked them), in one section per Part as tools/chapters.py lists them, the landing page is the README's introduction and chapter
table (between the `book:start` and `book:end` markers), and the API page is
generated from nnbook's public names, grouped by role (tools/book_api.py lays it
out; Sphinx's autodoc and napoleon render the signatures and docstrings, with
tools/book_api.py as the extension for what they cannot do). Sphinx runs with
warnings as errors. MathJax comes from the `sphinx-mathjax-offline` package and
is served from the site itself; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import book_api  # noqa: E402  (tools/book_api.py, beside this file)
import chapters  # noqa: E402  (tools/chapters.py, the table of chapters: a section per Part)

ROOT = Path(__file__).resolve().parents[1]
STAGE = ROOT / "build" / "book-src"
OUT = ROOT / "build" / "book"
START, END = "<!-- book:start -->", "<!-- book:end -->"


def landing_page() -> str:
    """The README's introduction and chapter table, plus the book's table of contents: the
    chapters by Part, as the table of chapters (tools/chapters.py) lists them, then the extras
    and the API page."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    if START not in readme or END not in readme:
        raise SystemExit(f"README.md needs the markers {START} and {END} around the book's landing page")
    body = readme.split(START, 1)[1].split(END, 1)[0].strip()
    extras = sorted(p.stem for p in (ROOT / "notebooks" / "extras").glob("*.ipynb"))
    toc = [""]
    for part, title, members in chapters.parts():   # one section per Part
        toc += ["```{toctree}", ":hidden:", f":caption: Part {part}: {title}", ""]
        toc += [f"notebooks/{c.stem}" for c in members] + ["```", ""]
    toc += ["```{toctree}", ":hidden:", ":caption: More", ""]
    toc += [f"notebooks/extras/{name}" for name in extras] + ["api", "```", ""]
    return "# nnbook: neural networks from scratch\n\n" + body + "\n" + "\n".join(toc)


def api_page() -> str:
    """The API page: every public name of ``nnbook``, grouped by role (see tools/book_api.py)."""
    sys.path.insert(0, str(ROOT))
    import nnbook as nb

    return book_api.api_page(nb)


def html_anchors_to_targets(path: Path) -> None:
    """``<a id="x"></a>`` on a markdown cell's first line (what JupyterLab links to) becomes
    the MyST target ``(x)=`` in the staged copy, so ``chapter.ipynb#x`` links resolve in the book."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    changed = False
    for cell in nb["cells"]:
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        m = re.match(r'<a id="([\w-]+)"></a>\n', src)
        if cell["cell_type"] == "markdown" and m:
            cell["source"] = f"({m.group(1)})=\n" + src[m.end():]
            changed = True
    if changed:
        path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")


def say(message: str) -> None:
    """One line of progress per stage (the whole build takes minutes)."""
    print(f"book: {message}", flush=True)


def stage() -> None:
    say(f"staging the notebooks and docs/ in {STAGE.relative_to(ROOT)}")
    if STAGE.exists():
        shutil.rmtree(STAGE)
    shutil.copytree(ROOT / "docs", STAGE, ignore=shutil.ignore_patterns("_build"))
    shutil.copytree(ROOT / "notebooks", STAGE / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "*.py", "__pycache__", "*.npz"))
    for path in (STAGE / "notebooks").rglob("*.ipynb"):
        html_anchors_to_targets(path)
    landing = landing_page()
    for image in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", landing):   # README's own pictures
        (STAGE / image).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / image, STAGE / image)
    (STAGE / "index.md").write_text(landing, encoding="utf-8")
    say("writing the API page from nnbook's public names")
    (STAGE / "api.md").write_text(api_page(), encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (default build/book)")
    args = parser.parse_args(argv)
    stage()
    if args.out.exists():
        shutil.rmtree(args.out)
    # Not -q: Sphinx prints a line per page as it reads the sources and as it writes them
    # (about two minutes on two cores), so a long build shows where it is.
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "--no-color", "-b", "html",
           str(STAGE), str(args.out)]
    pages = len(list(STAGE.rglob("*.ipynb"))) + 2
    say(f"Sphinx: {pages} pages, read then written, a line each (warnings are errors)")
    # docs/conf.py finds tools/book_api.py (the API page's extension) and nnbook from here.
    done = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "NNBOOK_ROOT": str(ROOT)})
    if done.returncode == 0:
        print(f"book written to {args.out / 'index.html'}")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
