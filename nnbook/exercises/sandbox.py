"""The report's sandbox for a student's kernel (kernel.py), and the clean-up after it:
``LAUNCH`` starts the kernel under memory and file-size limits, without capabilities, with a
seccomp filter and, where Linux offers Landlock, a sandbox (``landlock``, ``allowed_paths``);
``become_subreaper`` and ``kill_left_behind`` find and kill every process a notebook left.
"""

# What LAUNCH does: a memory limit (RLIMIT_AS), no file larger than --disk (RLIMIT_FSIZE), no
# core files, and, where Linux offers Landlock, a sandbox that this process and all it starts
# keep: read only the system's folders, Python, its packages and nnbook's own folder
# (readable_tree: not the folder above it, which in a course checkout holds tests/ and
# students/), write only the kernel's own temporary folder, bind only the kernel's own TCP
# ports and connect to none (Landlock ABI 4), and send no signal to a process outside (ABI
# 6). Landlock does not govern a UNIX socket's path, so a seccomp filter (x86-64, ARM64)
# refuses every UNIX socket but a connected pair, and io_uring. Then every capability is
# dropped (as root, CAP_SYS_PTRACE read the report's /proc/<pid>/environ past Landlock and
# PR_SET_DUMPABLE), and nnbook is imported from the report's own place, never the folder of
# the notebook, and the IPython kernel started. become_subreaper makes orphans (a double
# fork, a setsid) come back to the report, so that kill_left_behind finds and kills them.

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

LAUNCH = """\
import ctypes, json, os, resource, sys
memory, root, connection, allowed = int(sys.argv[1]), sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
disk = int(sys.argv[5])


def keep(kernel):
    # The keeper: every orphan below comes back here (a child subreaper); reap them until the
    # kernel ends, then kill what is left below and end with the kernel's status.
    import signal, time
    status = 1
    while True:
        try:
            pid, wait_status = os.wait()
        except ChildProcessError:
            break
        if pid == kernel:
            status = os.waitstatus_to_exitcode(wait_status)
            break
    for _ in range(50):
        table = {}
        for entry in os.listdir("/proc"):
            try:
                fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
                if fields[0] != "Z":
                    table[int(entry)] = int(fields[1])
            except (OSError, ValueError, IndexError):
                continue
        below, todo = set(), [os.getpid()]
        while todo:
            parent = todo.pop()
            for p, pp in table.items():
                if pp == parent and p not in below:
                    below.add(p)
                    todo.append(p)
        for p in below:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        if not below:
            break
        time.sleep(0.02)
    os._exit(status % 256)


ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)      # PR_SET_CHILD_SUBREAPER
child = os.fork()
if child:
    keep(child)
if memory > 0:
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
if disk > 0:
    resource.setrlimit(resource.RLIMIT_FSIZE, (disk, disk))     # no file larger (EFBIG)
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def landlock(read, write, ports):
    # Linux Landlock: from here on this process and its children may read (and run) only
    # beneath ``read`` and write only beneath ``write``; True when the kernel applied it.
    libc = ctypes.CDLL(None, use_errno=True)
    abi = libc.syscall(444, None, 0, 1)
    if abi < 1:
        return False
    handled = (1 << 13) - 1 | (1 << 13 if abi >= 2 else 0) | (1 << 14 if abi >= 3 else 0)
    reading = 1 | 4 | 8                                 # execute, read a file, read a folder
    # ABI 4: TCP too (bind only the kernel's own ports, connect nowhere); ABI 6: no signals to,
    # and no abstract sockets of, processes outside (the report, other kernels)
    attr = (ctypes.c_uint64 * 3)(handled, 3 if abi >= 4 else 0, 3 if abi >= 6 else 0)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    ruleset = libc.syscall(444, attr, size, 0)
    if ruleset < 0:
        return False
    for port in ports if abi >= 4 else ():
        rule = (ctypes.c_uint64 * 2)(1, port)               # bind this port
        libc.syscall(445, ruleset, 2, rule, 0)
    files = 2 | 4 | (1 << 14 if abi >= 3 else 0)       # write, read, truncate: for /dev/null
    for paths, rights in ((read, reading), (write, handled), (["/dev/null", "/dev/zero"], files)):
        for path in paths:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            rule = (ctypes.c_uint8 * 12).from_buffer_copy(
                rights.to_bytes(8, "little") + fd.to_bytes(4, "little", signed=True))
            libc.syscall(445, ruleset, 1, rule, 0)
            os.close(fd)
    libc.prctl(38, 1, 0, 0, 0)                          # no new privileges
    return libc.syscall(446, ruleset, 0) == 0


def seccomp():
    # A seccomp filter: no UNIX socket but a connected pair (socket(AF_UNIX) and a datagram
    # socketpair fail with EACCES: Landlock does not govern connect() or sendto() to a
    # socket's path, such as an ssh-agent's or docker.sock), no io_uring (it opens and
    # connects sockets past this filter), no other ABI (i386, x32); True when applied.
    arch, (socket_nr, pair_nr) = {"x86_64": (0xC000003E, (41, 53)),
                                  "aarch64": (0xC00000B7, (198, 199))}.get(os.uname().machine,
                                                                           (0, (0, 0)))
    if not arch:
        return False
    deny, allow = 0x00050000 | 13, 0x7FFF0000          # SECCOMP_RET_ERRNO | EACCES, _ALLOW
    load, eq, ge, band, ret = 0x20, 0x15, 0x35, 0x54, 0x06
    program = [(load, 0, 0, 4), (eq, 1, 0, arch), (ret, 0, 0, deny),            # 0-2 the ABI
               (load, 0, 0, 0), (ge, 12, 0, 0x40000000),                         # 3-4 nr; x32
               (eq, 3, 0, socket_nr), (eq, 4, 0, pair_nr), (eq, 9, 0, 425),      # 5-7
               (ret, 0, 0, allow),                                               # 8
               (load, 0, 0, 16), (eq, 6, 7, 1),                # 9-10 socket: AF_UNIX denied
               (load, 0, 0, 16), (eq, 0, 5, 1), (load, 0, 0, 24), (band, 0, 0, 0xF),
               (eq, 2, 0, 1), (eq, 1, 0, 5),              # 11-16 socketpair: stream, seqpacket
               (ret, 0, 0, deny), (ret, 0, 0, allow)]                            # 17-18
    filters = (ctypes.c_uint64 * len(program))(*(code | jt << 16 | jf << 24 | k << 32
                                                  for code, jt, jf, k in program))
    fprog = (ctypes.c_uint64 * 2)(len(program), ctypes.addressof(filters))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(38, 1, 0, 0, 0)                          # no new privileges
    return libc.prctl(22, 2, fprog, 0, 0) == 0          # PR_SET_SECCOMP, SECCOMP_MODE_FILTER


def drop_capabilities():
    # Root's capabilities, all of them: CAP_SYS_PTRACE let a kernel read the report's
    # /proc/<pid>/environ past PR_SET_DUMPABLE and Landlock, CAP_SYS_RESOURCE raise its
    # limits. A user has none to drop (the bounding set stays, and no new privileges).
    libc = ctypes.CDLL(None, use_errno=True)
    try:
        last = int(open("/proc/sys/kernel/cap_last_cap").read())
    except (OSError, ValueError):
        last = 63
    for cap in range(last + 1):
        libc.prctl(24, cap, 0, 0, 0)                    # PR_CAPBSET_DROP
    libc.prctl(47, 4, 0, 0, 0)                          # PR_CAP_AMBIENT_CLEAR_ALL
    header, data = (ctypes.c_uint32 * 2)(0x20080522, 0), (ctypes.c_uint32 * 6)()
    libc.capset(header, data)


sandboxed = landlock(allowed["read"], allowed["write"], allowed["ports"])
filtered = seccomp()
drop_capabilities()
with open(os.path.join(os.path.dirname(connection), "sandbox"), "w") as f:
    f.write(("landlock" if sandboxed else "none") + (" seccomp" if filtered else " no-seccomp"))
sys.path[:] = [p for p in sys.path if p not in ("", ".")]
if root not in sys.path:
    sys.path.insert(0, root)
sys.argv = ["nnbook-report-kernel", "-f", connection, "--IPKernelApp.ignore_cwd=True",
            "--HistoryManager.hist_file=:memory:"]
from ipykernel import kernelapp
kernelapp.launch_new_instance()
"""
SYSTEM_READ = ["/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/etc", "/proc", "/sys",
               "/dev", "/opt", "/nix", "/run/current-system"]


def readable_tree(package: str) -> list[str]:
    """Where every kernel may read: the system's folders, the Python installation (its prefix,
    standard library and site-packages) and the ``nnbook`` package's own folder; never the
    folder that holds the package (a course checkout holds tests/ and often students/)."""
    import site
    import sysconfig
    read = set(SYSTEM_READ) | {package, sys.prefix, sys.base_prefix, sys.exec_prefix,
                               str(Path(sys.executable).resolve().parent.parent)}
    read |= {p for p in sysconfig.get_paths().values()}
    read |= {p for p in sys.path if p and Path(p).is_dir() and ("site-packages" in p or
                                                               "dist-packages" in p)}
    read |= set(site.getsitepackages()) if hasattr(site, "getsitepackages") else set()
    return sorted(read)


def allowed_paths(folder: Path, package: str) -> dict:
    """Where the kernel may read (``readable_tree`` and its own folder) and write (its own
    temporary folder; /dev/null and /dev/zero too)."""
    return {"read": sorted({*readable_tree(package), str(folder)}), "write": [str(folder)]}


def inside_readable(path: Path, package: str) -> str | None:
    """The folder of ``readable_tree`` that holds ``path`` (a class folder every kernel could
    read), or None."""
    where = Path(os.path.realpath(path))
    for top in readable_tree(package):
        top_path = Path(os.path.realpath(top))
        if where == top_path or top_path in where.parents:
            return top
    return None


def landlock_abi() -> int:
    """The Landlock ABI version this Linux offers (0: none, or another system)."""
    try:
        import ctypes
        abi = ctypes.CDLL(None, use_errno=True).syscall(444, None, 0, 1)
    except (OSError, AttributeError):
        return 0
    return max(int(abi), 0)


def become_subreaper() -> None:
    """Make orphaned descendants come back to this process (Linux), and keep other
    processes of the same user from reading this one's memory or open files."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)            # PR_SET_CHILD_SUBREAPER
        libc.prctl(4, 0, 0, 0, 0)             # PR_SET_DUMPABLE = 0: /proc/<this>/fd closed
    except (OSError, AttributeError):
        pass


def _children() -> dict[int, int]:
    """{pid: parent pid} of every process (Linux /proc; empty elsewhere)."""
    found = {}
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                found[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    return found


def kill_left_behind(keep=(), marker: str | None = None) -> int:
    """Kill the descendants of this process but ``keep`` (live kernels of other notebooks) and
    their descendants; with ``marker``, only those whose environment holds it. The count."""
    me, killed = os.getpid(), 0
    for _ in range(5):                                 # a process may fork while we look
        parents = _children()
        kids = {p for p, pp in parents.items() if pp == me and p not in keep}
        mine, todo = set(), list(kids)
        while todo:
            pid = todo.pop()
            mine.add(pid)
            todo += [p for p, pp in parents.items() if pp == pid and p not in mine]
        if marker is not None:
            mine = {p for p in mine if _has_marker(p, marker)}
        if not mine:
            break
        for pid in mine:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except OSError:
                pass
        for pid in mine & kids:
            try:
                os.waitpid(pid, 0)
            except OSError:
                pass
        time.sleep(0.05)
    return killed


def _has_marker(pid: int, marker: str) -> bool:
    try:
        return marker.encode() in Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return True                                    # it went, or hides: kill it anyway


