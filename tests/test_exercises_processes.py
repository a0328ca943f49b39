"""nnbook/exercises/processes.py: every process a notebook starts belongs to one group that
ends with the notebook, and ``--memory`` holds for the whole group (issue 67, item 5).

Before, the limit was RLIMIT_AS, per process: with --memory 1500 two children held 2.4 GB;
and the clean-up looked for a marker in each process's environment, so a child started with
an empty environment in a new session outlived its notebook into the next student's."""

import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nnbook.exercises.kernel import Kernel, KernelGone
from nnbook.exercises.processes import descendants, memory_of, parents


def running(token: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and token.encode() in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def test_a_detached_child_with_an_empty_environment_ends_with_its_notebook(tmp_path):
    token = "h67-orphan-" + secrets.token_hex(4)
    daemon = "import os, time\\nif os.fork():\\n    os._exit(0)\\nos.setsid()\\ntime.sleep(120)"
    with Kernel(tmp_path, timeout=120, budget=600, memory=4096) as k:
        assert k.request(f"import subprocess, sys\nsubprocess.Popen(['/usr/bin/env', '-i', sys.executable, "
                         f"'-c', '{daemon}', {token!r}], start_new_session=True, stdin=subprocess.DEVNULL, "
                         "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)") is None
        for _ in range(100):
            if running(token):
                break
            time.sleep(0.1)
        time.sleep(1)
        assert running(token), "the daemon did not start"
    time.sleep(0.5)
    assert running(token) == []


def test_memory_is_limited_for_the_notebooks_processes_together(tmp_path):
    token = "h67-hog-" + secrets.token_hex(4)
    hog = "import time\\nb = b\"x\" * (700 * 2 ** 20)\\ntime.sleep(60)"
    start = time.monotonic()
    with Kernel(tmp_path, timeout=120, budget=600, memory=1200) as k:
        with pytest.raises(KernelGone, match=r"ran out of memory.*--memory 1200 MB"):
            k.request(f"import subprocess, sys, time\nkids = [subprocess.Popen([sys.executable, '-c', "
                      f"'{hog}', {token!r}]) for _ in range(2)]\ntime.sleep(60)")
    assert time.monotonic() - start < 50
    time.sleep(0.5)
    assert running(token) == []


def test_descendants_and_memory():
    # the child says when Python runs: read at once after exec, it held a few hundred kB
    # (a race that a quicker ``parents`` exposed)
    child = subprocess.Popen([sys.executable, "-c", "import time; print('up', flush=True); "
                              "time.sleep(30)"], stdout=subprocess.PIPE)
    try:
        import os
        assert child.stdout.readline() == b"up\n"
        table = parents()
        assert child.pid in descendants(os.getpid(), table)
        assert os.getpid() not in descendants(os.getpid(), table)
        assert memory_of(child.pid) > 1 * 2 ** 20           # Python holds a few MB at least
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
