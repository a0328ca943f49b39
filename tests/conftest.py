"""Configuration for the unit tests (not for the notebooks)."""

import os

import matplotlib
from hypothesis import settings

import fresh_seeds
from claims import FRESH_SEEDS

# Unit tests of nnbook.plot draw off-screen. This affects this pytest process
# only; notebooks run in their own kernels with the inline backend.
matplotlib.use("Agg")

# No per-example deadline: CI machines are shared and slow, and a timing
# failure says nothing about correctness. print_blob lets a failure be replayed
# with @reproduce_failure. derandomize: every run draws the same examples (seeded
# from each test's name), so a teacher's CI passes or fails the same way each time;
# `python -m pytest --hypothesis-profile=explore` draws new ones, to look for bugs.
settings.register_profile("nnbook", deadline=None, print_blob=True, derandomize=True)
settings.register_profile("explore", deadline=None, print_blob=True)
settings.load_profile("nnbook")


def pytest_configure(config):
    """A profile named on the command line (--hypothesis-profile) wins over "nnbook"."""
    named = config.getoption("hypothesis_profile", None)
    if named:
        settings.load_profile(named)
    # The fresh-seeds run (tests/fresh_seeds.py, `nox -s fresh_seeds`): record every claim
    # test's outcome per seed and judge each claim by its stated rate.
    if os.environ.get(FRESH_SEEDS, "").strip():
        config.pluginmanager.register(fresh_seeds.Recorder(), "fresh_seeds")


# The command that runs the browser tests, told whenever a run skipped them.
BROWSER_HOWTO = ('apt-get install chromium (Debian/Ubuntu; or set NNBOOK_CHROMIUM=/path/to/chrome), '
                 'pip install -e ".[dev]", then: python -m pytest -m browser')


def pytest_terminal_summary(terminalreporter):
    """Say at the end of the run why the browser tests (marker `browser`: JupyterLab and
    the book in headless Chromium) were skipped, and how to run them; pytest alone
    would only count them among the skipped, with the reason hidden unless -rs."""
    skipped = [r for r in terminalreporter.stats.get("skipped", [])
               if "browser" in getattr(r, "keywords", {}) and not hasattr(r, "wasxfail")]
    if not skipped:
        return
    reasons = []
    for report in skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        if reason not in reasons:
            reasons.append(reason)
    terminalreporter.section("browser tests skipped")
    terminalreporter.write_line(f"{len(skipped)} browser test(s) did not run (JupyterLab and the book "
                                "in headless Chromium):")
    for reason in reasons:
        terminalreporter.write_line(f"  {reason}")
    terminalreporter.write_line(f"To run them: {BROWSER_HOWTO}")
