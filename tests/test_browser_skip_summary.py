"""A run that skips the browser tests says why, and how to run them, in its summary.

Without Chromium (or Playwright), tests/test_jupyterlab.py and tests/test_book.py
skip; pytest alone would only count them among the skipped. tests/conftest.py's
pytest_terminal_summary names the reason and the command. Checked here on a tiny
selection in a subprocess, with NNBOOK_CHROMIUM pointing at no browser.
"""

import os
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
