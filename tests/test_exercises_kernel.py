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
