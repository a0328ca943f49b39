"""Configuration for the unit tests (not for the notebooks)."""

import fnmatch
import json
import os
from pathlib import Path

import matplotlib
import pytest
from hypothesis import settings

import fresh_seeds
from claims import FRESH_SEEDS

# Unit tests of nnbook.plot draw off-screen. This affects this pytest process
# only; notebooks run in their own kernels with the inline backend.
matplotlib.use("Agg")

# No per-example deadline: CI machines are shared and slow, and a timing
# failure says nothing about correctness. print_blob lets a failure be replayed
# with @reproduce_failure. derandomize: every run draws the same examples (seeded
# from each test's source), so a teacher's CI passes or fails the same way each time;
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


# Seconds per test file (setup, call and teardown of every test in it, notebooks included),
# summed on the controller, for the "slowest files" section below: where CI's time goes
# (issue 52; with xdist the files run side by side, so the sum exceeds the wall time).
# Beside them, each file's CPU seconds (measured by the root conftest.py, whose hooks see
# the notebooks' items too): the process's and its waited-for children's (a
# notebook's kernel, a report's kernels, Chromium at the end of the browser tests) user +
# system time over each phase, measured in the process that runs the test and sent to the
# controller in the report. On a CI machine whose cores are all busy the wall seconds say how
# long a file waited; the CPU seconds say what it costs (session 52: all jobs' CPU, not the
# wall time, sets CI's time on 2 cores).
FILE_SECONDS = {}
FILE_CPU = {}
SLOWEST_FILES = 15
FILE_SECONDS_ENV = "NNBOOK_FILE_SECONDS"  # a path: every file's seconds written there as JSON
def pytest_runtest_logreport(report):
    path = report.nodeid.split("::", 1)[0]
    FILE_SECONDS[path] = FILE_SECONDS.get(path, 0.0) + (getattr(report, "duration", 0.0) or 0.0)
    cpu = sum(v for k, v in getattr(report, "user_properties", ()) if k == "cpu_seconds")
    FILE_CPU[path] = FILE_CPU.get(path, 0.0) + cpu


def pytest_terminal_summary(terminalreporter):
    """The slowest test files, then the browser tests' skip reasons."""
    if len(FILE_SECONDS) > 1:
        slowest = sorted(FILE_SECONDS.items(), key=lambda kv: -kv[1])[:SLOWEST_FILES]
        terminalreporter.section("slowest files")
        terminalreporter.write_line(f"{sum(FILE_SECONDS.values()):.0f} s of tests over "
                                    f"{len(FILE_SECONDS)} files ({sum(FILE_CPU.values()):.0f} s "
                                    f"of CPU); the {len(slowest)} slowest:")
        for path, seconds in slowest:
            terminalreporter.write_line(f"{seconds:8.1f} s  (CPU {FILE_CPU.get(path, 0.0):6.1f} s)"
                                        f"  {path}")
        if os.environ.get(FILE_SECONDS_ENV):  # CI keeps every file's seconds (.ci/run)
            out = Path(os.environ[FILE_SECONDS_ENV])
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(dict(sorted(FILE_SECONDS.items(), key=lambda kv: -kv[1])),
                                      indent=0) + "\n", encoding="utf-8")
            cpu = out.with_name(out.name.replace("seconds", "cpu-seconds"))
            cpu.write_text(json.dumps(dict(sorted(FILE_CPU.items(), key=lambda kv: -kv[1])),
                                      indent=0) + "\n", encoding="utf-8")
    browser_skips(terminalreporter)


def browser_skips(terminalreporter):
    """Say at the end of the run why the browser tests (marker `browser`: JupyterLab and
    the book in headless Chromium) were skipped, and how to run them; pytest's -rs (in
    pyproject.toml's addopts) lists each skip's reason, but not what to install and run."""
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


# Tests whose outcome does not depend on the Python stack (Python, NumPy, Matplotlib… versions)
# carry the marker `stack_independent`: CI runs them once, in `main` (README's test command,
# which runs everything), and `nox -s oldest` / `nox -s newest` deselect them
# (-m "not browser and not stack_independent"). They are given the marker here, by file,
# so that a new test in one of these files gets it too:
# - the chapters' conclusions re-run over seeds: whether a conclusion flips with a seed, not
#   with a NumPy release (and any other test marked `claim`);
# - the stored seed tables' first rows re-run (tests/test_experiments.py: a row is only
#   compared on the NumPy release that made it, which is main's);
# - checks that read only the repository's files (what CONTRIBUTING says, the notebooks'
#   hygiene, the folder structure, file sizes, the CI scripts, the table of chapters);
# - the test tooling's own checks, which run pytest in a subprocess on a tiny selection
#   (tests/fresh_seeds.py's verdicts and statistics, the summary of a run that skips the
#   browser tests): they test our pytest plugins, and pytest, pytest-xdist and nbval are the
#   same releases in every job (about 60 s of CPU a version job, session 52).
# And, by name, the exercise report's end-to-end runs of many notebooks, each in a fresh
# kernel (about 4 of the report's 5 CPU minutes; issue 52): over every committed notebook
# (the notebooks themselves run under nbval in main and on one other stack), every solution's verdict over
# the wire, the hostile class, the time budget, the class grid and the class of 30 (issue
# 67). The report's unit tests (its table, exit status, dead kernels, the wire's values,
# answers read cell by cell) are tooling's, which the version jobs leave out anyway
# (noxfile.py's VERSION_UNIT_TESTS). And README's language-model example, trained as a
# learner would run it (40 s a stack): whether its words come out in README's order is the
# example's text, not the stack's; the pieces it calls (BPE, the modern block, generate,
# save and load, LoRA) have unit tests on every stack.
STACK_INDEPENDENT_FILES = ("test_claims_over_seeds_*.py", "test_experiments.py",
                           "test_contributing.py", "test_notebooks_meta.py",
                           "test_structure.py", "test_repo_size.py", "test_ci.py",
                           "test_chapters.py", "test_fresh_seeds.py",
                           "test_browser_skip_summary.py")
STACK_INDEPENDENT_TESTS = {
    "test_readme.py": ("test_readme_language_model_example_runs",),
    "test_exercises_report.py": ("test_the_committed_notebooks_have_every_exercise_not_attempted",),
    "test_exercises_report_wire.py": (
        "test_every_solution_and_wrong_answer_gets_the_same_verdict_over_the_wire",),
    "test_exercises_report_attacks.py": ("test_no_attack_earns_a_tick",
                                         "test_no_classmate_file_home_or_process_is_touched",
                                         "test_a_notebook_has_a_time_budget_and_a_memory_limit",
                                         "test_the_class_grid_and_csv"),
    "test_exercises_report_class.py": ("test_a_class_of_30_prints_every_honest_students_row",),
    # 37.1's worked solution and its slowest typical mistake train the recipe on five seeds
    # through the arena, each in a process of its own (12 s and 4 s of CPU a stack on the
    # 2-core machine, 2026-12-01): the checker's verdicts are the arena's scores and a
    # paired test. Named with the parameters' id: only these cases. (The version jobs leave
    # test_exercises*.py and test_arena_*.py out anyway, noxfile.py's VERSION_UNIT_TESTS;
    # these names keep the marker true for any other selection.)
    "test_exercises.py": ("test_the_worked_solution_is_accepted[37.1]",
                          "test_a_typical_mistake_gets_its_hint[37.1-not past the significance]"),
}


def is_stack_independent(item):
    """Whether `item` (a collected test) runs once, in main only."""
    name = item.path.name
    if item.path.suffix != ".py":
        return False  # a notebook runs in main and in one version job (noxfile.py)
    if item.get_closest_marker("claim") is not None:
        return True
    if any(fnmatch.fnmatch(name, pattern) for pattern in STACK_INDEPENDENT_FILES):
        return True
    named = STACK_INDEPENDENT_TESTS.get(name, ())
    return getattr(item, "originalname", None) in named or getattr(item, "name", None) in named


# Claims marked `heavy` are left out of a default fresh run, to keep its ten seeds within 15
# minutes; `nox -s fresh_seeds -- --heavy` (NNBOOK_HEAVY=1) adds them. Two kinds: about half a
# minute a seed or more (chapter 19's three models, chapter 20's rematch), skipped in CI too
# unless NNBOOK_HEAVY=1; and `heavy(ci=True)`, Part V's trained models (chapter 27's digits,
# chapter 28's two language models, a dozen seconds a seed each), which CI still runs on their
# fixed seed. The chapters state their counts over new seeds drawn once (the comments above
# the tests).
HEAVY = "NNBOOK_HEAVY"
HEAVY_HOWTO = (f"a heavy claim (half a minute a seed or more): {HEAVY}=1 python -m pytest "
               "-m heavy, or on fresh seeds: nox -s fresh_seeds -- --heavy")


def skipped_as_heavy(marker, heavy):
    """Whether a claim with this `heavy` marker (None: not heavy) is skipped: only heavy
    claims without ci=True, and only when NNBOOK_HEAVY is not "1"."""
    return marker is not None and not heavy and not marker.kwargs.get("ci", False)


def pytest_collection_modifyitems(config, items):
    marker = pytest.mark.stack_independent
    heavy = os.environ.get(HEAVY, "") == "1"
    for item in items:
        if is_stack_independent(item):
            item.add_marker(marker)
        if skipped_as_heavy(item.get_closest_marker("heavy"), heavy):
            item.add_marker(pytest.mark.skip(reason=HEAVY_HOWTO))
