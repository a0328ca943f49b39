"""The refusal of new processes in the recipe's own (nnbook/arena/processes.py, chapter 37):
each way a cold reading's recipe (r37, a07) could start work the harness does not time is
refused, with an error and no row, even when the recipe catches the refusal and goes on
honestly; each recipe tries it before training, so that a test takes one process's start."""

import ctypes
import os
import sys
import textwrap
import threading

import pytest

import nnbook as nb
import arena_recipes as recipes

HEAD = """\
import os, sys
sys.path.insert(0, {tests!r})
import arena_recipes as r


def recipe(arena):
    try:
{tried}
    except ValueError:
        pass                                # caught: the harness was told already
    return r.honest(arena)
"""


def _file(tmp_path, tried):
    path = tmp_path / "starts_a_process.py"
    path.write_text(HEAD.format(tests=str(recipes.__file__).rsplit("/", 1)[0],
                                tried=textwrap.indent(textwrap.dedent(tried), " " * 8)))
    return path


A07 = """\
pid = os.fork()                             # r37's a07: a grandchild nobody waits for
if pid == 0:
    if os.fork() == 0:
        os._exit(0)                         # (it trained twelve models here, untimed)
    os._exit(0)
os.waitpid(pid, 0)
"""


def test_a_double_forked_grandchild_gets_an_error_and_no_row(tmp_path):
    """a07's start, the refusal caught and an honest model returned: submit writes no row."""
    board = tmp_path / "board.jsonl"
    with pytest.raises(nb.arena.RecipeError, match=r"^arena: the recipe forked a process "
                                                   r"\(os\.fork\) on seed 0; expected its "
                                                   r"work in the recipe's own process"):
        nb.arena.submit(str(_file(tmp_path, A07)), recipes.budget_for(), (0, 1, 2, 3, 4),
                        board, key=b"k" * 32)
    assert not board.exists() or board.read_text() == ""


@pytest.mark.parametrize("tried, did", [
    ("import subprocess\nsubprocess.run(['true'])", r"started a process \(subprocess\)"),
    ("os.system('true')", r"ran a shell command \(os\.system\)"),
    ("import ctypes\nctypes.CDLL(None).fork()", r"loaded a C library through ctypes"),
    ("import ctypes\nctypes.pythonapi.fork()", r"looked up a C function through ctypes "
                                               r"\(ctypes\.dlsym\) for 'fork'"),
    ("import multiprocessing as m\nm.get_context('spawn').Process(target=print).start()",
     r"started a process \(_posixsubprocess\.fork_exec"),
    ("import importlib\nsys.modules.pop('_posixsubprocess')\n"
     "importlib.import_module('_posixsubprocess')", r"imported a fresh copy of _posixsubp"),
])
def test_a_process_started_any_other_way_is_refused(tmp_path, tried, did):
    """A subprocess, a shell, fork through ctypes, multiprocessing's spawn (its C function
    raises no audit event: replaced), a fresh copy of that C function's module."""
    with pytest.raises(nb.arena.RecipeError, match=rf"^arena: the recipe {did}.* Train in the "
                                                   rf"recipe's process only"):
        nb.arena.run_seed(str(_file(tmp_path, tried)), recipes.budget_for(), 0,
                          evaluation="seed")


def test_an_honest_recipe_starts_no_process_and_runs():
    """The honest recipe, spawned (its process refuses processes from its start): a score."""
    s = recipes.honest_seeded().per_seed[0]
    assert s.spent == recipes.budget_for() and s.score > nb.arena.SCORE_FLOOR


def test_the_events_name_what_the_recipe_did():
    """Every refused event says what the recipe did in words a learner reads."""
    from nnbook.arena.processes import EVENTS
    assert {"os.fork", "os.posix_spawn", "os.exec", "os.system", "subprocess.Popen",
            "ctypes.dlopen", "ctypes.dlsym"} <= set(EVENTS)
    assert all(what.endswith(")") and "(" in what for what in EVENTS.values())


@pytest.mark.skipif(sys.platform != "linux" or os.uname().machine not in ("x86_64", "aarch64"),
                    reason="the seccomp filter is Linux's, on x86-64 and ARM64")
def test_a_fork_by_c_code_fails_and_a_thread_still_starts():
    """C code raises no audit event: libc's fork, looked up here before the seed's process
    was forked from this one (a notebook's recipe function can do the same), is called in
    it. The seccomp filter makes it fail (EPERM), so the recipe trains alone; a thread the
    recipe starts and joins still runs (clone with CLONE_THREAD)."""
    libc = ctypes.CDLL(None, use_errno=True)
    fork = libc.fork

    def recipe(arena):                      # a function only this process knows: forked
        ran = []
        thread = threading.Thread(target=ran.append, args=(1,))
        thread.start()
        thread.join()
        pid = fork()
        if pid == 0:
            os._exit(0)
        if pid > 0 or not ran:
            raise RuntimeError(f"forked {pid}, thread ran {ran}")
        return recipes.honest(arena)

    s = nb.arena.run_seed(recipe, recipes.budget_for(), 0, evaluation="seed")
    assert s.spent == recipes.budget_for()
