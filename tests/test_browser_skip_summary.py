"""A run that skips the browser tests says why, and how to run them, in its summary.

It also shows progress while the workers collect (the root conftest.py: a line when they
start and one as each finishes), and gives every skipped test's reason at the end (-rs in
pyproject.toml's addopts), the browser tests' among them.

Without Chromium (or Playwright), tests/test_jupyterlab.py and tests/test_book.py
skip; -rs lists the reason, and tests/conftest.py's pytest_terminal_summary adds what to
install and the command that runs them. Checked here on a tiny
selection in a subprocess, with NNBOOK_CHROMIUM pointing at no browser.
"""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_pytest(*args, chromium="/nonexistent/chromium"):
    env = dict(os.environ, NNBOOK_CHROMIUM=chromium)
    env.pop("CI", None)  # under CI a skipped browser test is a failure, not a skip
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    return done.returncode, done.stdout + done.stderr


def test_skipped_browser_tests_are_explained_and_the_run_shows_its_progress():
    """One run with two workers (as README's run on two cores): the summary says why the
    browser tests were skipped and how to run them, the workers' collection progress shows,
    and every skip's reason is listed (one subprocess for these checks: each pytest run
    here costs seconds of CPU in its collection, and more with workers)."""
    code, out = run_pytest("tests/test_book.py", "-n", "2", "-m", "browser", "-k", "every_chapter or remote")
    assert code == 0, out
    assert "2 skipped" in out, out
    summary = out.split("browser tests skipped", 1)
    assert len(summary) == 2, out
    assert "2 browser test(s) did not run" in summary[1]
    assert "no Chromium" in summary[1], summary[1]
    assert "python -m pytest -m browser" in summary[1] and "apt-get install chromium" in summary[1]
    assert "nnbook: starting 2 workers; each collects every test file and notebook it was given" in out, out
    assert len(re.findall(r"nnbook: worker gw[01] collected \d+ tests in \d+ s", out)) == 2, out
    reasons = [line for line in out.splitlines() if line.startswith("SKIPPED [")]
    assert reasons and all("no Chromium" in line for line in reasons), out


def test_no_note_when_nothing_was_skipped():
    """No browser test skipped, no note (the note is written by the controller, which is
    this process under -n 0 and the same hook under workers)."""
    code, out = run_pytest("tests/test_book.py", "-n", "0", "-m", "not browser", "-k", "config")
    assert code == 0, out
    assert "browser tests skipped" not in out, out


def test_the_summary_lists_failed_tests_too(tmp_path):
    """README's run ends with the failed tests, not only the skipped ones' reasons: -r in
    addopts replaces pytest's default "fE", so -rs alone dropped the failures from the
    summary (a newcomer saw "6 failed" and had to scroll up to find which)."""
    (tmp_path / "test_two.py").write_text(
        "import pytest\n\n"
        "def test_this_one_fails():\n    assert 1 == 2\n\n"
        "@pytest.mark.skip(reason='a reason of its own')\n"
        "def test_this_one_skips():\n    pass\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                           "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path),
                           "-n", "0", str(tmp_path / "test_two.py")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    out = done.stdout + done.stderr
    summary = out.split("short test summary info", 1)
    assert len(summary) == 2, out
    assert "FAILED test_two.py::test_this_one_fails" in summary[1], summary[1]
    assert "a reason of its own" in summary[1], summary[1]


def test_the_asserts_are_rewritten_once_for_every_worker(tmp_path, pytestconfig, monkeypatch):
    """The root conftest.py writes pytest's cache of each named test file's rewritten asserts
    before the workers start, so that they read it instead of each rewriting every file (in
    a fresh clone, three workers each rewrote all of them). The mistakes caught: a cache file
    pytest does not read (another name: every worker rewrites again, silently), plain
    bytecode without the rewritten asserts (failures without their values), and a second
    pass that writes again."""
    from _pytest.assertion import rewrite
    spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
    root = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(root)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    (tmp_path / "test_one.py").write_text("def test_it():\n    x = 1\n    assert x == 2\n")
    (tmp_path / "helper.py").write_text("X = 1\n")          # not a test file: left alone
    monkeypatch.setattr(pytestconfig, "args", [str(tmp_path)])
    assert root.rewrite_test_files_once(pytestconfig) == 1
    pyc = rewrite.get_cache_dir(tmp_path / "test_one.py") / ("test_one" + rewrite.PYC_TAIL)
    state = pytestconfig.stash[rewrite.assertstate_key]
    code = rewrite._read_pyc(tmp_path / "test_one.py", pyc, state.trace)   # what pytest reads
    assert code is not None, sorted(p.name for p in pyc.parent.iterdir())
    names = {n for c in code.co_consts if hasattr(c, "co_varnames") for n in c.co_varnames}
    assert any(n.startswith("@py_assert") for n in names), names      # the asserts rewritten
    assert not list(pyc.parent.glob("helper*"))
    assert root.rewrite_test_files_once(pytestconfig) == 0
