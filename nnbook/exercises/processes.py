"""A notebook's processes as one group, for the report (kernel.py): ``Group`` watches every
process a notebook's kernel started, however it left (a double fork, a new session, an empty
environment), adds up their memory against ``--memory`` and kills them all when the notebook
ends.
"""

# How the group is kept together. The kernel is started by a small keeper process (sandbox.py's
# LAUNCH) that makes itself a child subreaper: an orphan anywhere below it comes back to the
# keeper, never to init or to the report, so every process of the notebook stays a descendant of
# the keeper, whatever session, process group or environment it has. The report walks /proc
# (``descendants``) four times a second, adds up the memory the group holds (each process's
# proportional set size, so that pages a fork shares are counted once) and kills the whole group
# when it is over the limit. Each process seen is remembered with its start time, so that one
# which escaped the tree (only possible if something killed the keeper) is still killed at the
# end, and a process id that was reused is not.

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

PERIOD = 0.25              # seconds between two looks at the group


def parents() -> dict[int, int]:
    """{pid: parent pid} of every process (Linux /proc; empty elsewhere)."""
    found = {}
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if fields[0] != "Z":                 # a zombie holds nothing and starts nothing
                    found[int(entry.name)] = int(fields[1])
            except (OSError, ValueError, IndexError):
                continue
    return found


def descendants(pid: int, table: dict[int, int] | None = None) -> set[int]:
    """Every process below ``pid`` (not ``pid`` itself)."""
    table = parents() if table is None else table
    children = {}
    for p, pp in table.items():
        children.setdefault(pp, []).append(p)
    found, todo = set(), list(children.get(pid, ()))
    while todo:
        p = todo.pop()
        if p not in found:
            found.add(p)
            todo += children.get(p, ())
    return found


def started(pid: int) -> int | None:
    """The start time of process ``pid`` (clock ticks since boot), None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return None if fields[0] == "Z" else int(fields[19])
    except (OSError, ValueError, IndexError):
        return None


def memory_of(pid: int) -> int:
    """Bytes of memory ``pid`` holds: its proportional set size (shared pages split among the
    processes sharing them), or its resident set size where that cannot be read."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class Group:
    """The processes below ``root`` (the kernel's keeper): ``start()`` watches them, ``over``
    is the memory they held (bytes) when together they passed ``limit`` (then they are killed),
    and ``kill()`` ends them all."""

    def __init__(self, root: int, limit: int):
        self.root, self.limit = root, limit
        self.seen: dict[int, int] = {}         # pid -> start time, of every process seen below
        self.over: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True, name=f"group-{root}")

    def start(self) -> None:
        self._thread.start()

    def look(self) -> set[int]:
        """The processes below the root now (each remembered), and their memory checked."""
        now = descendants(self.root)
        for pid in now:
            if pid not in self.seen and (t := started(pid)) is not None:
                self.seen[pid] = t
        if self.limit > 0 and self.over is None:
            held = sum(memory_of(pid) for pid in now)
            if held > self.limit:
                self.over = held
                self._kill(now)
        return now

    def _watch(self) -> None:
        while not self._stop.wait(PERIOD):
            try:
                self.look()
            except Exception:       # a process that went while we looked: look again
                continue

    def _kill(self, pids) -> None:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def kill(self) -> None:
        """Stop watching and kill every process of the group (the root last: while it lives,
        orphans come back to it, not to the report)."""
        self._stop.set()
        for _ in range(20):                       # a process may fork while we look
            now = descendants(self.root)
            now |= {p for p, t in self.seen.items() if p != self.root and started(p) == t}
            if not now:
                break
            self._kill(now)
            time.sleep(0.02)
        self._kill([self.root])
        if self._thread.is_alive():
            self._thread.join(timeout=5)
