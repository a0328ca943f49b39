"""A run that skips the browser tests says why, and how to run them, in its summary.

It also shows progress while the workers collect (the root conftest.py: a line when they
start and one as each finishes), and gives every skipped test's reason at the end (-rs in
pyproject.toml's addopts), the browser tests' among them.

Without Chromium (or Playwright), tests/test_jupyterlab.py and tests/test_book.py
skip; -rs lists the reason, and tests/conftest.py's pytest_terminal_summary adds what to
install and the command that runs them. Checked here on a tiny
selection in a subprocess, with NNBOOK_CHROMIUM pointing at no browser.
"""

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


def test_skipped_browser_tests_are_explained():
    code, out = run_pytest("tests/test_book.py", "-m", "browser", "-k", "every_chapter or remote")
    assert code == 0, out
    assert "2 skipped" in out, out
    summary = out.split("browser tests skipped", 1)
    assert len(summary) == 2, out
    assert "2 browser test(s) did not run" in summary[1]
    assert "no Chromium" in summary[1], summary[1]
    assert "python -m pytest -m browser" in summary[1] and "apt-get install chromium" in summary[1]


def test_no_note_when_nothing_was_skipped():
    code, out = run_pytest("tests/test_book.py", "-m", "not browser", "-k", "config")
    assert code == 0, out
    assert "browser tests skipped" not in out, out


def test_the_run_shows_collection_progress_and_every_skip_reason():
    code, out = run_pytest("tests/test_book.py", "-n", "2", "-m", "browser", "-k", "every_chapter or remote")
    assert code == 0, out
    assert "nnbook: starting 2 workers; each collects every test file and notebook" in out, out
    assert len(re.findall(r"nnbook: worker gw[01] collected \d+ tests in \d+ s", out)) == 2, out
    reasons = [line for line in out.splitlines() if line.startswith("SKIPPED [")]
    assert reasons and all("no Chromium" in line for line in reasons), out
