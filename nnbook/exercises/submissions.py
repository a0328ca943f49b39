"""What the report (report.py) reads of a student's copy: the notebooks below a PATH
(``submission``, which lists them with ``notebooks_in``) and each one's text (``read_notebook``,
when its turn comes), from regular files inside the folder only, of bounded size each and
together; anything else is refused with the reason, which becomes a ! row.
"""

# Why so strict. A submission comes as a git repository or a zip, and both keep symbolic
# links: ``alice/05_xor.ipynb -> ../bob/05_xor.ipynb`` would grade bob's work as alice's, a
# link to a file of the teacher's would put its text into the report (a parser's error message
# quotes it), and a link to /dev/zero or a FIFO would never end the read. So a folder is walked
# without following a link to a folder, a notebook is opened without following a link
# (O_NOFOLLOW) and without waiting (O_NONBLOCK), and only a regular file of at most
# ``MAX_BYTES`` is read. A PATH that is itself a link is refused too (``class/linkdir -> bob``
# graded bob's work as linkdir's; a link to / would run every notebook there). A folder is
# listed without recursion (os.walk recursed once per level: 1,200 levels raised
# RecursionError and the class got no grades), at most MAX_DEPTH levels and MAX_ENTRIES
# entries deep; any error while listing is the student's one ! row, never a skipped folder.
# Notebooks are read one at a time, when their turn comes, and a student's notebooks
# together up to MAX_STUDENT_BYTES (24 sparse 63 MB notebooks once held 2.1 GB in the
# report, read before any ran).

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 64 * 2 ** 20        # a notebook larger than this (64 MB) is refused
MAX_STUDENT_BYTES = 256 * 2 ** 20   # a student's notebooks together (the course: 18 MB)
MAX_DEPTH = 100                 # folders below a student's folder
MAX_ENTRIES = 100_000           # files and folders in a student's folder


class Unlisted(Exception):
    """A student's folder the report does not list: the reason, for the student's ! row."""


@dataclass
class Found:
    """A notebook of a student: its path, its file's (device, inode), and why it is refused
    before it is read (None: read it when its turn comes)."""

    path: Path
    file_id: tuple[int, int]
    refused: str | None = None


def submission(path: Path) -> list[Found]:
    """The notebooks of the PATH ``path``, in order, each past MAX_STUDENT_BYTES refused
    (an Unlisted when the PATH is a link or its folder cannot be listed)."""
    if path.is_symlink():
        raise Unlisted(f"refused: {path} is a symbolic link (to {os.readlink(path)}); the report "
                       f"follows no link, not even a PATH: give the folder or notebook itself")
    found, total = [], 0
    for notebook, info in notebooks_in(path):
        total += info.st_size if stat.S_ISREG(info.st_mode) else 0
        refused = None if total <= MAX_STUDENT_BYTES else (
            f"refused: this student's notebooks together pass {MAX_STUDENT_BYTES // 2 ** 20} MB "
            f"({total / 2 ** 20:.0f} MB with this one), the most the report reads of one student")
        found.append(Found(notebook, (info.st_dev, info.st_ino), refused))
    return found


def notebooks_in(path: Path) -> list[tuple[Path, os.stat_result]]:
    """The notebook itself, or every notebook (``*.ipynb``) below a folder, in order, each
    with its ``lstat``; links to folders are not followed, ``.ipynb_checkpoints`` folders are
    left out, and a folder that cannot be listed whole raises Unlisted."""
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode):
        return [(path, info)]
    found, todo, entries = [], [(path, 0)], 0
    while todo:                                   # no recursion: a folder may be nested deep
        folder, depth = todo.pop()
        try:
            with os.scandir(folder) as listing:
                for entry in listing:
                    entries += 1
                    if entries > MAX_ENTRIES:
                        raise Unlisted(f"refused: the folder holds more than {MAX_ENTRIES:,} "
                                       f"files and folders")
                    if entry.is_dir(follow_symlinks=False):
                        if entry.name == ".ipynb_checkpoints":
                            continue
                        if depth >= MAX_DEPTH:
                            raise Unlisted(f"refused: folders nested more than {MAX_DEPTH} levels "
                                           f"deep")
                        todo.append((Path(entry.path), depth + 1))
                    elif entry.name.endswith(".ipynb"):
                        found.append((Path(entry.path), entry.stat(follow_symlinks=False)))
        except OSError as exc:
            raise Unlisted(f"cannot list the folder ({exc.strerror or type(exc).__name__}, "
                           f"{depth} levels down): nothing of it is graded") from None
    return sorted(found, key=lambda pair: pair[0])


def read_notebook(path: Path) -> tuple[str | None, str | None]:
    """(the notebook's text, None), or (None, why the report refuses to read it)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP or path.is_symlink():
            return None, ("refused: a symbolic link (the report reads only regular files inside "
                          "the folders it is given; hand in the notebook itself)")
        return None, f"cannot read the notebook ({exc.strerror or type(exc).__name__})"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, "refused: not a regular file (a FIFO, a device or a socket)"
        if info.st_size > MAX_BYTES:
            return None, (f"refused: {info.st_size / 2 ** 20:.0f} MB, larger than the "
                          f"{MAX_BYTES // 2 ** 20} MB a notebook may have")
        data = bytearray()                  # one buffer: the text is held twice at most
        while len(data) <= MAX_BYTES:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            data += chunk
        if len(data) > MAX_BYTES:
            return None, f"refused: larger than the {MAX_BYTES // 2 ** 20} MB a notebook may have"
    except OSError as exc:
        return None, f"cannot read the notebook ({exc.strerror or type(exc).__name__})"
    finally:
        os.close(fd)
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return None, "cannot read the notebook (not a UTF-8 text file)"
