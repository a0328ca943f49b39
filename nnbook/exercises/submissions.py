"""What the report (report.py) reads of a student's copy: the notebooks below a PATH
(``notebooks_in``) and each one's text (``read_notebook``), from regular files inside the
folder only, of bounded size; anything else is refused with the reason, which becomes the
notebook's ! row.
"""

# Why so strict. A submission comes as a git repository or a zip, and both keep symbolic
# links: ``alice/05_xor.ipynb -> ../bob/05_xor.ipynb`` would grade bob's work as alice's, a
# link to a file of the teacher's would put its text into the report (a parser's error message
# quotes it), and a link to /dev/zero or a FIFO would never end the read. So a folder is walked
# without following a link to a folder, a notebook is opened without following a link
# (O_NOFOLLOW) and without waiting (O_NONBLOCK), and only a regular file of at most
# ``MAX_BYTES`` is read.

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

MAX_BYTES = 64 * 2 ** 20        # a notebook larger than this (64 MB) is refused


def notebooks_in(path: Path) -> list[Path]:
    """The notebook itself, or every notebook (``*.ipynb``) below a folder, in order; links
    to folders are not followed, and ``.ipynb_checkpoints`` folders are left out."""
    if not path.is_dir():
        return [path]
    found = []
    for folder, dirs, files in os.walk(path, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d != ".ipynb_checkpoints")
        found += [Path(folder) / f for f in files if f.endswith(".ipynb")]
    return sorted(found)


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
        chunks, size = [], 0
        while size <= MAX_BYTES:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_BYTES:
            return None, f"refused: larger than the {MAX_BYTES // 2 ** 20} MB a notebook may have"
    except OSError as exc:
        return None, f"cannot read the notebook ({exc.strerror or type(exc).__name__})"
    finally:
        os.close(fd)
    try:
        return b"".join(chunks).decode("utf-8"), None
    except UnicodeDecodeError:
        return None, "cannot read the notebook (not a UTF-8 text file)"
