"""nnbook/exercises/sandbox.py: what a student's kernel cannot reach (issue 78): the
report's environment and memory through /proc, a UNIX socket of the teacher's, and the disk
beyond ``--disk``. Each of these once worked from a notebook's cell: a kernel read the
teacher's AWS_SECRET_ACCESS_KEY out of /proc/<report>/environ (as root, where Landlock lets
CAP_SYS_PTRACE through), sent data to a listener in the system's temporary folder, and wrote
1.6 GB into its folder in 6 s."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from nnbook.exercises.kernel import Kernel, landlock_abi

ROOT = Path(__file__).resolve().parents[1]
SETUP = "import numpy as np\nimport nnbook as nb"
CHECK = 'print(nb.exercises.check("03.1", None))'


def notebook(path, *cells):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SETUP),
                                         nbformat.v4.new_markdown_cell("## Exercises"),
                                         *(nbformat.v4.new_code_cell(c) for c in cells)])
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def report(*args, env=None):
    done = subprocess.run([sys.executable, "-m", "nnbook.exercises", "report", *map(str, args),
                           "--json", "--timeout", "300"], capture_output=True, text=True, cwd=ROOT,
                          timeout=900, env=env)
    return done, (json.loads(done.stdout) if done.stdout.strip() else None)


# Finds the report (its command line is readable, as on any Linux) and tries its environment,
# its memory map and its memory, then its parent's (the teacher's shell, here pytest); the
# cell raises with what it got, so that the row's message says it.
PROC = """\
import os
seen = []
for pid in os.listdir('/proc'):
    try:
        cmd = open(f'/proc/{pid}/cmdline', 'rb').read() if pid.isdigit() else b''
    except OSError:
        continue
    if b'-m\\x00nnbook.exercises\\x00report' not in cmd:
        continue
    parent = open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()[1]
    for who, target in (('', pid), ('parent-', parent)):
        for f in ('environ', 'maps', 'mem'):
            try:
                data = open(f'/proc/{target}/{f}', 'rb').read(1 << 20) if f != 'mem' else (
                    open(f'/proc/{target}/{f}', 'rb') and b'opened')
                seen.append(who + f + ('-LEAKED' if b'NNBOOK_TEST_SECRET' in data or f != 'environ'
                                       else '-read'))
            except OSError as e:
                seen.append(who + f + '-' + type(e).__name__)
raise RuntimeError('proc: ' + ' '.join(seen))
"""


def test_a_kernel_reads_nothing_of_the_reports_process(tmp_path):
    """Attack 3: /proc/<report's pid>/environ and maps were readable from a cell, as root.
    The kernel now runs without capabilities (root's CAP_SYS_PTRACE let it past both the
    report's PR_SET_DUMPABLE and Landlock), so neither the report nor, under Landlock, any
    other process outside the kernel's own can be read through /proc."""
    notebook(tmp_path / "snoop" / "03_snoop.ipynb", PROC + CHECK)
    env = {**os.environ, "NNBOOK_TEST_SECRET": "AKIA-teachers-secret"}
    done, rows = report(tmp_path / "snoop", env=env)
    assert rows is not None, done.stderr
    row = next(r for r in rows if r["exercise"] == "03.1")
    assert "AKIA" not in done.stdout + done.stderr
    assert "proc: environ-" in row["message"], row            # the cell found the report
    assert "LEAKED" not in row["message"] and "environ-read" not in row["message"], row
    if landlock_abi() >= 1:        # the teacher's other processes: only Landlock keeps them
        assert "parent-environ-PermissionError" in row["message"], row
        assert "parent-maps-PermissionError" in row["message"], row
    if os.getuid() == 0:
        (tmp_path / "caps").mkdir()
        with Kernel(tmp_path / "caps", timeout=120, budget=600, memory=4096) as k:
            err = k.request("caps = [l.split()[1] for l in open('/proc/self/status') "
                            "if l.startswith(('CapEff', 'CapPrm', 'CapBnd', 'CapAmb'))]\n"
                            "assert set(caps) == {'0' * 16}, caps")
            assert err is None, err


UNIX = """\
import socket
got = []
def attempt(name, fn):
    try:
        fn()
        got.append(name + '-SENT')
    except OSError as e:
        got.append(name + '-' + type(e).__name__)
def stream():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect({stream!r})
    s.sendall(b'from the kernel')
def datagram():
    socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b'from the kernel', {dgram!r})
def pair():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    a.sendto(b'from the kernel', {dgram!r})
def pair_connect():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    a.connect({stream!r})
    a.sendall(b'from the kernel')
def abstract():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect({abstract!r})
    s.sendall(b'from the kernel')
def uring():
    import ctypes
    if ctypes.CDLL(None, use_errno=True).syscall(425, 8, ctypes.create_string_buffer(120)) < 0:
        raise OSError(ctypes.get_errno(), 'io_uring_setup')
for name, fn in (('stream', stream), ('datagram', datagram), ('pair', pair),
                 ('pair_connect', pair_connect), ('abstract', abstract), ('uring', uring)):
    attempt(name, fn)
a, b = socket.socketpair()              # what asyncio's loop needs still works
a.sendall(b'x')
assert b.recv(1) == b'x'
raise RuntimeError(' '.join(got))
"""


def test_a_kernel_cannot_reach_a_unix_socket_of_the_teachers(tmp_path):
    """Attack 6: a cell connected to a listener of the teacher's in the system's temporary
    folder and sent it data (Landlock does not govern connect() to a socket's path: an
    ssh-agent, docker.sock or D-Bus were as reachable). The kernel now makes no UNIX socket
    but a connected pair (seccomp), and no io_uring (which could open one past seccomp)."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(tmp_path / "agent.sock"))
    listener.listen(4)
    listener.settimeout(0.5)
    dgram = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    dgram.bind(str(tmp_path / "log.sock"))
    dgram.settimeout(0.5)
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    name = f"\0nnbook-test-{os.getpid()}"
    abstract.bind(name)
    abstract.listen(4)
    abstract.settimeout(0.5)
    os.chmod(tmp_path / "agent.sock", 0o777)
    os.chmod(tmp_path / "log.sock", 0o777)
    (tmp_path / "k").mkdir()
    code = UNIX.format(stream=str(tmp_path / "agent.sock"), dgram=str(tmp_path / "log.sock"),
                       abstract=name)
    with Kernel(tmp_path / "k", timeout=120, budget=600, memory=4096) as k:
        err = k.request(code)
    assert err is not None and err.startswith("RuntimeError:"), err
    assert "SENT" not in err, err
    for server in (listener, abstract):
        with pytest.raises(socket.timeout):
            server.accept()
    with pytest.raises(socket.timeout):
        dgram.recv(100)
    assert "uring-PermissionError" in err, err


DISK_BIG = """\
import os, tempfile
with open(os.path.join(tempfile.gettempdir(), 'one.bin'), 'wb') as f:
    for _ in range(100):
        f.write(b'x' * 2 ** 20)
"""
DISK_MANY = """\
import os, tempfile, time
for k in range(8):
    with open(os.path.join(tempfile.gettempdir(), f'part{k}.bin'), 'wb') as f:
        for _ in range(40):
            f.write(b'x' * 2 ** 20)
time.sleep(5)
"""


def test_a_notebook_writes_no_more_than_its_disk_limit(tmp_path):
    """Attack 7: one cell wrote 1.6 GB into its folder (under the teacher's TMPDIR, maybe a
    tmpfs, so RAM) in 6 s, and --memory does not count it. Now one file stops at --disk MB
    (RLIMIT_FSIZE: the write fails) and the folder together is measured four times a second:
    a notebook past --disk is ended, with a ! row that says so."""
    notebook(tmp_path / "big" / "03_big.ipynb", DISK_BIG + CHECK)
    notebook(tmp_path / "many" / "03_many.ipynb", DISK_MANY + CHECK)
    done, rows = report(tmp_path / "big", tmp_path / "many", "--disk", "64")
    assert rows is not None, done.stderr
    big = next(r for r in rows if r["source"] == str(tmp_path / "big") and r["exercise"] == "03.1")
    assert "File too large" in big["message"], big
    many = next(r for r in rows if r["source"] == str(tmp_path / "many") and r["exercise"] == "-")
    assert "--disk 64 MB" in many["message"], many
    assert done.returncode == 1
