"""nnbook/exercises/kernel.py: one kernel's clean-up never kills another notebook's kernel.

The report runs notebooks side by side (--jobs) and makes itself non-dumpable
(become_subreaper). A kernel between fork and exec still shares that memory, so an account
without CAP_SYS_PTRACE (a teacher's, a CI container's) cannot read its environment, and a
clean-up that kills every unreadable descendant once killed a kernel as it started (CI, the
hostile class's import_hook notebook: "its kernel died" after 1.1 s). The clean-up now runs
while no kernel is starting and keeps the kernels that still run."""

from nnbook.exercises import kernel as kernel_module
from nnbook.exercises import sandbox
from nnbook.exercises.kernel import Kernel


def test_closing_one_kernel_leaves_an_unreadable_live_one_running(tmp_path, monkeypatch):
    for name in "ab":
        (tmp_path / name).mkdir()
    with Kernel(tmp_path / "a", timeout=120, budget=600, memory=4096) as a, \
            Kernel(tmp_path / "b", timeout=120, budget=600, memory=4096) as b:
        readable = sandbox._has_marker
        # b's environment as an account without CAP_SYS_PTRACE sees it while b starts
        monkeypatch.setattr(sandbox, "_has_marker",
                            lambda pid, marker: pid == b.proc.pid or readable(pid, marker))
        a.close()
        assert a.proc.poll() is not None
        assert b.proc.poll() is None, "a's clean-up killed b"
        assert b.request("x = 1 + 1") is None
        assert kernel_module._LIVE >= {b.proc.pid} and a.proc.pid not in kernel_module._LIVE
    assert b.proc.pid not in kernel_module._LIVE


def test_a_kernel_that_goes_idle_without_answering_ends_before_its_timeout(tmp_path):
    """A cell that replaces builtins.bool breaks ipykernel: it still says it is idle but
    never replies again. The report ends that notebook IDLE_GRACE seconds after, not at the
    per-cell timeout (the hostile class once waited its full 180 s on it)."""
    import time

    import pytest

    from nnbook.exercises.kernel import KernelGone
    with Kernel(tmp_path, timeout=120, budget=600, memory=4096) as k:
        assert k.request("x = 1") is None
        k.request("import builtins\nbuiltins.bool = lambda *a, **k: True")
        start = time.monotonic()
        with pytest.raises(KernelGone, match="never answered"):
            k.request("y = 2")
        assert time.monotonic() - start < kernel_module.IDLE_GRACE + 30


def test_a_kernel_reads_neither_the_course_checkout_nor_a_classmate(tmp_path):
    """Landlock's read rule was the folder above the nnbook package: in README's layout that
    holds tests/exercise_solutions*.py and students/, and a notebook copied the worked
    solutions (issue 67, item 3). Now it is the package's own folder and Python's."""
    from pathlib import Path

    import pytest

    from nnbook.exercises.kernel import landlock_abi
    if landlock_abi() < 1:
        pytest.skip("no Landlock on this system: kernels can read what the user can (README)")
    root = Path(__file__).resolve().parents[1]
    classmate = tmp_path / "bob" / "05_xor.ipynb"
    classmate.parent.mkdir()
    classmate.write_text("{}")
    (tmp_path / "k").mkdir()
    with Kernel(tmp_path / "k", timeout=120, budget=600, memory=4096) as k:
        for target in (root / "tests" / "exercise_solutions.py", root / "README.md", classmate,
                       classmate.parent):
            call = "os.listdir" if target.is_dir() else "open"
            err = k.request(f"import os\n{call}({str(target)!r})")
            assert err is not None and err.startswith("PermissionError"), (target, err)
        assert k.request("import nnbook, numpy\nx = nnbook.exercises.check('05.3', 2)") is None


def test_a_class_folder_every_kernel_could_read_is_refused():
    from pathlib import Path

    import nnbook
    from nnbook.exercises import report as report_module
    from nnbook.exercises.sandbox import inside_readable
    package = Path(nnbook.__file__).resolve().parent
    assert inside_readable(package / "exercises", str(package)) == str(package)
    assert inside_readable(package.parent / "notebooks", str(package)) is None
    rows = report_module.report([package / "exercises"])
    assert [(r.exercise, r.status) for r in rows] == [("-", "error")]
    assert rows[0].message.startswith("refused:") and "every student's kernel may read" in rows[0].message


def test_no_event_loop_is_left_to_be_collected(tmp_path, monkeypatch):
    """The crash seen once, "ValueError: Invalid file descriptor: -1" from selectors (issue 67,
    item 8): jupyter_client's get_shell_msg and get_iopub_msg (and its heartbeat thread) run an
    asyncio event loop per thread that nobody closes; when such a loop is collected after its
    self-pipe socket, its __del__ closes it and selectors gets the socket's fd, -1 (nbclient and
    others saw the same). The report's kernels now create no event loop at all, in any thread."""
    import asyncio
    import threading

    made = []
    real = asyncio.new_event_loop
    monkeypatch.setattr(asyncio, "new_event_loop", lambda: made.append(1) or real())

    def notebook():
        with Kernel(tmp_path, timeout=120, budget=600, memory=4096) as k:
            assert k.request("x = 1") is None
            assert k.answer("x") == 1

    worker = threading.Thread(target=notebook)        # as --jobs runs notebooks
    worker.start()
    worker.join()
    assert made == []


def test_a_kernel_that_dies_as_it_starts_is_started_once_more(tmp_path, monkeypatch):
    """No cell of the notebook has run when a kernel dies while it starts, so the report
    starts it again (STARTS times in all) instead of giving the notebook a "!" (a grader's
    CI, 2026-11-28: one kernel in 34 died 1.2 s after its start; in a later one, the start
    after the launcher's own death here died too, so STARTS is 3). Dying on every start still
    ends the notebook, with the reason."""
    import pytest

    from nnbook.exercises.kernel import KernelGone

    starts = tmp_path / "starts"
    # The launcher counts its starts in a file and dies at once on the first `dies` of them.
    def dying_launcher(dies):
        return (f"import os\nn = open({str(starts)!r}).read().count('x')\n"
                f"open({str(starts)!r}, 'a').write('x')\n"
                f"if n < {dies}:\n    os._exit(3)\n" + kernel_module.LAUNCH)

    (tmp_path / "once").mkdir()
    starts.write_text("")
    monkeypatch.setattr(kernel_module, "LAUNCH", dying_launcher(1))
    with Kernel(tmp_path / "once", timeout=120, budget=600, memory=4096) as k:
        assert k.request("x = 1 + 1") is None
    assert 2 <= starts.read_text().count("x") <= kernel_module.STARTS  # 2 unless one more died

    (tmp_path / "always").mkdir()
    starts.write_text("")
    monkeypatch.setattr(kernel_module, "LAUNCH", dying_launcher(kernel_module.STARTS))
    with pytest.raises(KernelGone, match="its kernel died"):
        Kernel(tmp_path / "always", timeout=120, budget=600, memory=4096)
    assert starts.read_text().count("x") == kernel_module.STARTS


def test_the_start_is_bounded_by_the_budget_not_the_per_cell_timeout(tmp_path):
    """Loading the report's agent is part of the start, not one of the notebook's cells: a
    per-cell --timeout shorter than the start does not end a notebook before its first cell
    (CI's oldest job, starved beside main, once took over 120 s for it)."""
    import pytest

    from nnbook.exercises.kernel import KernelGone
    with Kernel(tmp_path, timeout=0.001, budget=600, memory=4096) as k:
        with pytest.raises(KernelGone, match="timed out"):
            k.request("import time; time.sleep(1)")


def test_a_request_not_started_is_nudged_on_a_connection_of_its_own(tmp_path, monkeypatch):
    """ipykernel 7 can leave a request unread until a NEW connection to its shell socket
    wakes it (ipython/ipykernel#1554): CI's oldest stack sat 7 minutes on the report agent's
    load while a kernel_info went every 5 s on the same connection. The nudge (NUDGE = 0 here,
    so every request gets one) opens a client of its own, and the request still gets its
    answer, the nudge's reply dropped."""
    monkeypatch.setattr(kernel_module, "NUDGE", 0.0)
    with Kernel(tmp_path, timeout=120, budget=600, memory=4096) as k:
        assert k.request("x = 1 + 1") is None
        assert k.request("raise ValueError('no')") == "ValueError: no"
        assert k._nudgers, "no nudge was sent"
        assert all(n.shell_channel.socket is not k.client.shell_channel.socket for n in k._nudgers)


def test_a_start_that_fails_before_the_kernel_runs_raises_its_own_error(tmp_path, monkeypatch):
    """Popen itself failing (no interpreter, no fork left) is the error the report names:
    the clean-up of a start that never made a process group once raised AttributeError
    ('Kernel' object has no attribute 'group') over it."""
    import pytest

    def no_fork(*args, **kwargs):
        raise BlockingIOError(11, "Resource temporarily unavailable (fork)")

    monkeypatch.setattr(kernel_module.subprocess, "Popen", no_fork)
    with pytest.raises(BlockingIOError, match="fork"):
        Kernel(tmp_path, timeout=120, budget=600, memory=4096)
