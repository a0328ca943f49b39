"""The planted bugs' catalogue cannot rot (issue 54): every patch still applies to the current
code (its old text occurs exactly once), every notebook and test file it names exists, and the
catalogue keeps its promises (≥ 40 bugs, every Part, ≥ 5 that change a conclusion). The full
run is `nox -s mutants` (tools/planted_bugs.py); this test only reads the files."""

import importlib.util
import re
from pathlib import Path

import pytest

import chapters  # tools/chapters.py: the table of chapters

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("planted_bugs_runner", ROOT / "tools" / "planted_bugs.py")
runner = importlib.util.module_from_spec(spec)
spec.loader.exec_module(runner)
BUGS = runner.load()
# each Part's chapters, from the table of chapters (tools/chapters.py)
PARTS = {part: {int(c.number) for c in rows} for part, _, rows in chapters.parts()}


@pytest.mark.parametrize("entry", BUGS, ids=[e["id"] for e in BUGS])
def test_every_patch_applies_and_names_files_that_exist(entry):
    assert runner.problems(entry) == []
    assert entry["bug"] and entry["source"] and entry["chapters"]
    for path, old, new in entry["patch"]:
        assert path.startswith(("nnbook/", "notebooks/")), path   # a planted bug is in the course


def test_the_catalogue_keeps_its_promises():
    ids = [e["id"] for e in BUGS]
    assert len(ids) == len(set(ids)), "two entries share an id"
    assert len(BUGS) >= 40
    chapters = {int(c) for e in BUGS for c in e["chapters"]}
    assert {part for part, span in PARTS.items() if chapters & set(span)} == set(PARTS)
    assert sum(e["conclusion"] for e in BUGS) >= 5


def test_the_patch_check_fails_on_text_that_moved(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\nx = 1\n", encoding="utf-8")
    entry = {"id": "demo", "patch": [("a.py", "x = 1", "x = 2")], "notebooks": [], "tests": ["b.py"]}
    found = runner.problems(entry, tmp_path)
    assert "occurs 2 times in a.py" in found[0] and "b.py does not exist" in found[1]


def test_the_readme_states_the_catalogues_size_and_last_score():
    """README's line "N planted bugs, K caught by the course's own checks" names the
    catalogue's current size; the run it quotes is recorded in the catalogue's README."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    said = re.search(r"(\d+) planted bugs, (\d+) caught by the course's own checks", text)
    assert said, "README.md must state the planted bugs' score"
    assert int(said.group(1)) == len(BUGS)
    assert int(said.group(2)) <= int(said.group(1))
    record = (ROOT / "tests" / "planted_bugs" / "README.md").read_text(encoding="utf-8")
    assert f"planted bugs caught: {said.group(2)}/{said.group(1)}" in record


def test_a_selection_that_times_out_reports_its_output_as_text(monkeypatch, tmp_path):
    """subprocess.TimeoutExpired keeps the output read so far as bytes even with text=True:
    the runner once printed a timed-out entry's first failure as b'...'."""
    import subprocess

    def too_slow(command, **kwargs):
        raise subprocess.TimeoutExpired(command, runner.LIMIT, output=b"F tests/x.py:3: \xce\xb8\n")

    monkeypatch.setattr(runner.subprocess, "run", too_slow)
    code, output, _ = runner.run_selection(tmp_path, ["tests/x.py"])
    assert code == -1 and "b'" not in output and "θ" in output
