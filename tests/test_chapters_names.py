"""Every nnbook name a chapter teaches is run by a code cell of that chapter (issue 66).

A feature a chapter names but no cell runs can be wrong and pass every notebook: planted
bugs in GPT-4's split pattern, tiktoken rank files and reloading an int4 model survived
that way. Each row of the chapter table (tools/chapters.py) lists in ``names`` the public
names its chapter teaches, as dotted paths from ``nb`` (``nb.data.BPETokenizer.from_tiktoken``).
Checked here, per chapter:

- each name is a public nnbook object (a rename or a typo fails);
- each name is named, in backticks, in the notebook's first cell (the reader's list of
  "the nnbook names it introduces"), and every nnbook name that list gives is in the row;
- each name is used by a code cell of the notebook (comments do not count): a function or
  class called (``name(``), or passed or reached as an attribute (``.name``, or the string
  ``"name"`` an argument such as ``init="he_normal"`` selects it by); a constant read.
  A row's ``not_run`` lists the gaps found when this test was written, each still to close; the
  list can only shrink (a gap that is closed must leave it).
"""

import inspect
import json
import re
import types
from pathlib import Path

import pytest

from chapters import CHAPTERS

import nnbook as nb

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
IDS = [c.number for c in CHAPTERS]

# the namespaces a bare name in a chapter's first cell is looked up in, in order, after the
# classes named before it, the latest first (``nb.data.BPETokenizer`` (``train``, …))
NAMESPACES = ("nb", "nb.data", "nb.inference", "nb.precision", "nb.generative", "nb.autodiff",
              "nb.init", "nb.plot", "nb.diagrams", "nb.explore", "nb.schedules", "nb.callbacks",
              "nb.seeds", "nb.diagnostics", "nb.metrics", "nb.exercises")



def resolve(path):
    """The nnbook object a dotted path from ``nb`` names, or None."""
    parts = path.split(".")
    if parts[0] not in ("nb", "nnbook"):
        return None
    obj = nb
    for part in parts[1:]:
        if part.startswith("_") or not hasattr(obj, part):
            return None
        obj = getattr(obj, part)
    return obj


def is_nnbook(obj):
    """Whether ``obj`` is nnbook's own class, function, method or constant (not a module,
    nor a NumPy function reached through an nnbook module)."""
    if isinstance(obj, types.ModuleType):
        return False
    home = getattr(obj, "__module__", None) if (inspect.isclass(obj) or callable(obj)) else None
    if home is None and (inspect.isclass(obj) or callable(obj)):
        home = getattr(type(obj), "__module__", "")
    return home is None or home.startswith("nnbook")


def cells(chapter):
    return json.loads((NOTEBOOKS / chapter.notebook).read_text(encoding="utf-8"))["cells"]


def first_cell(chapter):
    return next("".join(c["source"]) for c in cells(chapter) if c["cell_type"] == "markdown")


def code(chapter):
    """The notebook's code cells joined, without comments and shell or magic lines."""
    lines = []
    for cell in cells(chapter):
        if cell["cell_type"] == "code":
            for line in "".join(cell["source"]).splitlines():
                if not line.lstrip().startswith(("%", "!")):
                    lines.append(re.sub(r"(^|\s)#.*$", "", line))
    return "\n".join(lines)


def named_in_first_cell(text):
    """The nnbook names a chapter's first cell gives in backticks, as dotted paths from
    ``nb``: a path as written (``nb.data.xor``), or a bare name looked up as a member of the
    classes named before it (the latest first), then in ``NAMESPACES``; names that are not nnbook's
    (arguments such as ``temperature``, NumPy's ``np.sum``) are left out."""
    found, owners = [], []
    for token in re.findall(r"`([^`]+)`", text):
        token = token.split("(")[0].strip().rstrip(".")
        if not re.fullmatch(r"[A-Za-z_][\w.]*", token):
            continue
        if token.startswith(("nb.", "nnbook.")):
            candidates = [token]
        else:
            candidates = ([f"{owner}.{token}" for owner in reversed(owners)]
                          + [f"{ns}.{token}" for ns in NAMESPACES])
        for candidate in candidates:
            obj = resolve(candidate)
            if obj is None or not is_nnbook(obj):
                continue
            full = "nb." + candidate.split(".", 1)[1]
            if full not in found:
                found.append(full)
            if inspect.isclass(obj) and full not in owners:
                owners.append(full)
            break
    return found


def used(name, source):
    """Whether ``source`` (code without comments) uses the object ``name`` names."""
    last = re.escape(name.rsplit(".", 1)[1])
    if callable(resolve(name)):
        return bool(re.search(rf"\b{last}\s*\(|\.{last}\b|[\"']{last}[\"']", source))
    return bool(re.search(rf"\b{last}\b", source))


def test_the_helpers_find_names_and_uses():
    text = ("names: `nb.data.BPETokenizer` (`train`, `temperature`), `he_normal`, "
            "`np.sum`, `nb.init.np`, `Sequential.fit(batch_size=...)`, `decode`")
    assert named_in_first_cell(text) == ["nb.data.BPETokenizer", "nb.data.BPETokenizer.train",
                                         "nb.init.he_normal", "nb.Sequential.fit",
                                         "nb.data.BPETokenizer.decode"]
    assert used("nb.init.he_normal", 'nb.Dense(2, 3, init="he_normal")')
    assert used("nb.data.BPETokenizer.from_tiktoken", "B.from_tiktoken(path)")
    assert not used("nb.data.BPETokenizer.from_tiktoken", "x = 1\n")
    assert not used("nb.data.BPETokenizer.from_tiktoken", "from_tiktoken_docs = 1\n")
    assert used("nb.data.BPETokenizer.GPT4_PATTERN", "re.findall(B.GPT4_PATTERN, s)")
    assert resolve("nb.no_such_name") is None and resolve("nb.data._private") is None


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_the_rows_names_are_public_nnbook_names(chapter):
    assert chapter.names, f"tools/chapters.py: chapter {chapter.number} lists no names"
    wrong = [n for n in chapter.names if resolve(n) is None or not is_nnbook(resolve(n))]
    assert not wrong, (f"tools/chapters.py, chapter {chapter.number}: {wrong} are not public "
                       f"nnbook names (renamed? write them as dotted paths from nb)")
    assert len(set(chapter.names)) == len(chapter.names), "a name listed twice"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_the_row_lists_what_the_first_cell_names(chapter):
    named = named_in_first_cell(first_cell(chapter))
    missing = [n for n in named if n not in chapter.names]
    extra = [n for n in chapter.names if n not in named]
    assert not missing, (f"{chapter.notebook}'s first cell names {missing}; add them to the "
                         f"row's names in tools/chapters.py")
    assert not extra, (f"tools/chapters.py lists {extra} for chapter {chapter.number}, which "
                       f"its notebook's first cell does not name in backticks; name them there")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_every_name_a_chapter_teaches_is_run_by_its_notebook(chapter):
    source = code(chapter)
    unused = {n for n in chapter.names if not used(n, source)}
    known = set(chapter.not_run)
    new = sorted(unused - known)
    assert not new, (
        f"{chapter.notebook} names {new} but no code cell uses them: a wrong version of each "
        f"would pass the notebook. Run each in a cell with a check that can fail")
    closed = sorted(known - unused)
    assert not closed, (f"{closed} are used by {chapter.notebook} now: remove them from "
                        f"the row's not_run (tools/chapters.py)")
