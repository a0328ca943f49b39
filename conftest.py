"""Root pytest configuration, shared by the unit tests and the notebooks.

Only what both need goes here, so that notebooks/ holds nothing but the
course. In particular, do NOT select a Matplotlib backend here: the notebooks
run in their own kernels with the inline backend (Agg for the unit tests is
set in tests/conftest.py).

notebooks/extras/ holds notebooks that need PyTorch, which is not a
dependency of the course. They are skipped, with a reason in the report,
when torch is not installed. CI's torch job (.ci/run) installs the
pinned torch==2.13.0 CPU build and runs them.
"""

import importlib.util
import os
import resource
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent


# tools/chapters.py, the table of chapters: tools/ goes on the path here, for the notebooks'
# markers and for the tests, which import it as `chapters` too.
sys.path.insert(0, str(ROOT / "tools"))
import chapters  # noqa: E402
# Narrow output rewrites applied by nbval to both the stored and the fresh
# outputs (memory addresses only). See "How the tests work" in CONTRIBUTING.md.
NBVAL_SANITIZE_FILE = ROOT / "tests" / "nbval_sanitize.cfg"
EXTRAS = ROOT / "notebooks" / "extras"
# The BLAS thread counts a parallel run sets to one in its workers (and so in their kernels).
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def runs_in_parallel(config):
    """Whether pytest-xdist runs the tests in worker processes (`-n auto` in pyproject.toml's
    addopts: one per core; `-n 0` runs them in this process)."""
    workers = getattr(config.option, "numprocesses", None)
    return bool(workers) and getattr(config.option, "dist", "no") != "no"


def pytest_configure(config):
    # One marker per chapter, chNN, from the table of chapters (tools/chapters.py):
    # `pytest -m ch25` runs chapter 25's notebook, library tests, exercises, explorables and
    # claims (registered here, as --strict-markers wants, not listed in pyproject.toml).
    for chapter in chapters.CHAPTERS:
        config.addinivalue_line("markers", f"{chapter.marker}: chapter {chapter.number}'s notebook "
                                f"and tests ({chapter.notebook}; tools/chapters.py)")
    # nbval opens the sanitize file relative to the current directory, so give
    # it an absolute path; an explicit --nbval-sanitize-with still wins.
    if getattr(config.option, "nbval_sanitize_with", "absent") is None:
        config.option.nbval_sanitize_with = str(NBVAL_SANITIZE_FILE)
    # nbval waits 60 s for a notebook's kernel to answer; on a loaded CI machine (two
    # workers, and .ci/run's other jobs beside them) a kernel once took longer, and the
    # whole notebook failed at setup. Wait up to 5 minutes; a value you pass still wins
    # (given on the command line it arrives as a string, the default as the int 60).
    if getattr(config.option, "nbval_kernel_startup_timeout", None) == 60:
        config.option.nbval_kernel_startup_timeout = 300
    # A kernel that dies while it starts made nbval's start wait for ever (a zmq send to a
    # kernel that never bound its ports): tests/nbval_kernel.py's start replaces it, with a
    # send timeout and the start tried again.
    if importlib.util.find_spec("nbval") is not None:
        import nbval.kernel
        sys.path.insert(0, str(ROOT / "tests"))
        import nbval_kernel
        nbval.kernel.start_new_kernel = nbval_kernel.start_new_kernel
    # One worker per core already fills the cores: a second BLAS thread in each worker (and
    # in each notebook kernel, which inherits the worker's environment) would only wait for
    # a core, and Part IV's small products then take several times as long. The workers
    # start after this hook, with this environment. A thread count you set yourself wins.
    if runs_in_parallel(config) and not any(name in os.environ for name in BLAS_THREADS):
        for name in BLAS_THREADS:
            os.environ[name] = "1"


def pytest_collection_modifyitems(config, items):
    chapters.chapter_markers(items)
    extras = [item for item in items if item.path.suffix == ".ipynb" and EXTRAS in item.path.parents]
    # find_spec, not `import torch`: importing torch here would add seconds to
    # every run, and a broken torch install should fail loudly, not skip.
    if not extras or importlib.util.find_spec("torch") is not None:
        return
    skip = pytest.mark.skip(reason="notebooks/extras needs PyTorch, which is not installed "
                           "(pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu)")
    for item in extras:
        item.add_marker(skip)


# Progress while the tests are collected. Under pytest-xdist (`-n auto`, README's test
# command) each worker collects every test file and notebook before the first test runs
# (imports, nbval reading the notebooks), in which pytest alone shows nothing but
# "collecting: 0/2 workers". These lines say what is going on, and how long it took (11 s
# on the 2-core machine, 2026-11-29; no promise up front, since it depends on the machine).
COLLECTION = {}


def _say(config, message):
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and config.get_verbosity() >= 0:
        reporter.write_line(f"nnbook: {message}")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_setupnodes(config, specs):
    if len(specs) > 1:
        rewritten = rewrite_test_files_once(config)
        if rewritten:
            _say(config, f"rewrote the asserts of {rewritten} test files once, for every worker")
    COLLECTION["start"] = time.monotonic()
    _say(config, f"starting {len(specs)} workers; each collects every test file and notebook "
                 f"it was given before the first test runs; each says when it has")


def rewrite_test_files_once(config):
    """Write pytest's cached, assert-rewritten bytecode of each test file not yet cached, here in
    the controlling process before the workers start; the number of files written.

    Each worker imports every test file while it collects, and pytest rewrites a test file's
    asserts (for its failure messages) the first time, caching the result beside it in
    __pycache__. In a fresh clone nothing is cached, and the workers, which start together,
    each rewrote all of them: 28 s of collection per worker on the 2-core machine instead of
    6 s with the cache (2026-12-01, 10,321 tests; the rewriting alone about 17 s), so about
    60 s of CPU per run of README's test command on three workers. This does it once, with
    pytest's own functions and the workers' configuration; they then read the cache. Those
    functions are pytest's internals (pytest 9): if they change, this does nothing and the
    workers rewrite as before."""
    if sys.dont_write_bytecode:               # the workers would not cache either
        return 0
    try:
        from _pytest.assertion import rewrite
        state = config.stash[rewrite.assertstate_key]
        patterns = config.getini("python_files")
        written = 0
        for path in _test_files(config.args, config.invocation_params.dir):
            if any(path.match(pattern) for pattern in patterns):
                cache = rewrite.get_cache_dir(path)
                pyc = cache / (path.name[:-3] + rewrite.PYC_TAIL)
                if rewrite._read_pyc(path, pyc, state.trace) is not None:
                    continue
                if not rewrite.try_makedirs(cache):
                    return written
                source_hash, code = rewrite._rewrite_test(path, config)
                rewrite._write_pyc(state, code, source_hash, pyc)
                written += 1
        return written
    except Exception:                         # pytest's internals changed: leave it to them
        return 0


def _test_files(args, here):
    """The .py files the command line's paths name (a file, or every file under a folder)."""
    files = set()
    for arg in args:
        path = (Path(here) / arg.split("::")[0]).resolve()
        if path.is_file() and path.suffix == ".py":
            files.add(path)
        elif path.is_dir():
            files.update(p for p in path.rglob("*.py") if ".ipynb_checkpoints" not in p.parts)
    return sorted(files)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids):
    seconds = time.monotonic() - COLLECTION.get("start", time.monotonic())
    _say(node.config, f"worker {node.gateway.id} collected {len(ids)} tests in {seconds:.0f} s")


# Each test's CPU seconds, for tests/conftest.py's "slowest files" (here, not there: a
# conftest's item hooks see only the items under its folder, and the notebooks are not under
# tests/).
_CPU_MARK = [0.0]


def cpu_seconds():
    """User + system seconds of this process, of its children that ended and were waited for,
    and of those still running (a notebook's kernel lives until its last cell), read from
    Linux's /proc (elsewhere only the first two)."""
    me, done = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + done.ru_utime + done.ru_stime + _running_children_cpu("self")


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _running_children_cpu(pid):
    """CPU seconds of the running children of ``pid`` and of all their descendants."""
    total = 0.0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0.0
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                children = f.read().split()
        except OSError:
            continue
        for child in children:
            try:
                with open(f"/proc/{child}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:   # it ended in between
                continue
            # utime, stime, and its own waited-for children's cutime, cstime (fields 14-17)
            total += sum(int(x) for x in fields[11:15]) / _TICKS + _running_children_cpu(child)
    return total


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    _CPU_MARK[0] = cpu_seconds()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    now = cpu_seconds()
    outcome.get_result().user_properties.append(("cpu_seconds", now - _CPU_MARK[0]))
    _CPU_MARK[0] = now
