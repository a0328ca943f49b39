"""A notebook's processes as one group, for the report (kernel.py): ``Group`` watches every
process a notebook's kernel started, however it left (a double fork, a new session, an empty
environment), adds up their memory against ``--memory`` and the disk its folder takes against
``--disk`` (``disk_of``), and kills them all when the notebook ends.
"""

# How the group is kept together. The kernel is started by a small keeper process (sandbox.py's
# LAUNCH) that makes itself a child subreaper: an orphan anywhere below it comes back to the
# keeper, never to init or to the report, so every process of the notebook stays a descendant of
# the keeper, whatever session, process group or environment it has. The report walks /proc
# (``descendants``) four times a second, adds up the memory the group holds (each process's
# proportional set size, so that pages a fork shares are counted once) and kills the whole group
# when it is over the limit. Each process seen is remembered with its start time, so that one
# which escaped the tree (only possible if something killed the keeper) is still killed at the
# end, and a process id that was reused is not. The disk is measured at the same looks: the
# files below the kernel's folder (the only one it may write, under Landlock) and the files
# its processes hold open that no folder shows (deleted, or made in memory with memfd_create),
# each file once; a folder that cannot be measured (nested past what a path may hold, made
# unreadable) counts as over the limit.

from __future__ import annotations

import errno
import os
import signal
import stat
import threading
import time
from pathlib import Path

PERIOD = 0.25              # seconds between two looks at the group
DISK_SLACK = 8 * 2 ** 20   # bytes beside --disk for the kernel's own files (IPython, matplotlib)
MAX_FILES = 100_000        # files and folders a kernel's folder may hold


def parents() -> dict[int, int]:
    """{pid: parent pid} of every process (Linux /proc; empty elsewhere). A Group calls it four
    times a second for each running notebook, so it reads each stat file with os.read (a third
    of the CPU of pathlib's read_text: on a CI machine with a few hundred processes the looks
    of four kernels had cost a tenth of a core)."""
    found = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for name in entries:
        if name.isdigit():
            try:
                fd = os.open(f"/proc/{name}/stat", os.O_RDONLY)
                try:
                    data = os.read(fd, 4096)
                finally:
                    os.close(fd)
                fields = data.rsplit(b")", 1)[1].split(None, 2)
                if fields[0] != b"Z":                # a zombie holds nothing and starts nothing
                    found[int(name)] = int(fields[1])
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
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f.read().splitlines():
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def disk_of(folder: Path, pids=()) -> int:
    """Bytes of disk the files below ``folder`` take, and the files that processes ``pids``
    hold open that no folder shows, each file once; OSError when that cannot be told."""
    seen, total, todo, count = set(), 0, [str(folder)], 0

    def add(info) -> None:
        nonlocal total
        if (info.st_dev, info.st_ino) not in seen:
            seen.add((info.st_dev, info.st_ino))
            total += max(info.st_blocks * 512, info.st_size if stat.S_ISREG(info.st_mode) else 0)

    while todo:                                # no recursion: a folder may be nested deep
        try:
            entries = os.scandir(todo.pop())
        except FileNotFoundError:              # removed while we looked
            continue
        with entries:
            for entry in entries:
                count += 1
                if count > MAX_FILES:
                    raise OSError(errno.EMFILE, f"more than {MAX_FILES:,} files")
                try:
                    info = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue
                if stat.S_ISDIR(info.st_mode):
                    todo.append(entry.path)
                add(info)
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except (FileNotFoundError, ProcessLookupError):
            continue                           # it ended
        for fd in fds:
            try:
                info = os.stat(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode) and info.st_nlink == 0:
                add(info)
    return total


class Group:
    """The processes below ``root`` (the kernel's keeper): ``start()`` watches them, ``over``
    is the memory they held (bytes) when together they passed ``limit``, ``over_disk`` why
    ``folder`` and their open files passed ``disk`` bytes (then they are killed), and
    ``kill()`` ends them all."""

    def __init__(self, root: int, limit: int, folder: Path | None = None, disk: int = 0):
        self.root, self.limit, self.folder, self.disk = root, limit, folder, disk
        self.seen: dict[int, int] = {}         # pid -> start time, of every process seen below
        self.over: int | None = None
        self.over_disk: str | None = None
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
        if self.disk > 0 and self.folder is not None and self.over_disk is None:
            try:
                used = disk_of(self.folder, now)
                if used > self.disk:
                    self.over_disk = f"its folder and open files took {used / 2 ** 20:.0f} MB"
            except OSError as exc:
                self.over_disk = f"its folder could not be measured ({exc.strerror or exc})"
            if self.over_disk is not None:
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
