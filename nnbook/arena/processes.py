"""The arena's refusal of new processes in the recipe's own (chapter 37): ``refuse`` installs
an audit hook, which cannot be removed, that refuses a fork, a spawn, an exec, a shell and a
C function looked up through ctypes, and on Linux a seccomp filter under which a start by C
code fails too. ``refused`` tells the child afterwards, even when the recipe caught the
refusal."""

# Why: the harness times the recipe's process alone (RUSAGE_CHILDREN counts only what it
# waits for). A cold reading's recipe (r37, a07) double-forked a grandchild nobody waited
# for, which trained twelve variants of the model uncounted and untimed and named the best
# on held-out windows; the recipe then replayed that variant through the counted model.
# What is still open is said in harness.train_seed and chapter 37's cell 24.

from __future__ import annotations

import os
import sys

__all__ = ["EVENTS", "refuse", "refused"]

#: the audit events that start a process or reach a C function by name (Python 3.10 to
#: 3.13 raise each; os.posix_spawnp raises os.posix_spawn, os.spawnv os.fork on POSIX)
EVENTS = {
    "os.fork": "forked a process (os.fork)",
    "os.forkpty": "forked a process (os.forkpty)",
    "os.posix_spawn": "spawned a process (os.posix_spawn)",
    "os.exec": "ran a program in place of its process (os.exec*)",
    "os.spawn": "spawned a process (os.spawn*)",
    "os.system": "ran a shell command (os.system)",
    "os.startfile": "started a program (os.startfile)",
    "subprocess.Popen": "started a process (subprocess)",
    "_winapi.CreateProcess": "started a process (_winapi.CreateProcess)",
    "ctypes.dlopen": "loaded a C library through ctypes (ctypes.dlopen)",
    "ctypes.dlsym": "looked up a C function through ctypes (ctypes.dlsym)",
    "ctypes.dlsym/handle": "looked up a C function through ctypes (ctypes.dlsym/handle)",
}
#: multiprocessing's spawn and forkserver and subprocess call this C function, which raises
#: no audit event: it is replaced by one that refuses, and a fresh copy refused at import
_FORK_EXEC = "_posixsubprocess"
_ALIAS = "_fork_exec"            # subprocess's name for that function (3.11 and later)
_STATE = {}           # "report": told the first refusal at once; "refused": its message


def _message(what, where):
    return (f"arena: the recipe {what} {where}; expected its work in the recipe's own "
            f"process, where the harness times its CPU (a process it starts is not timed, "
            f"and what it computes there could choose how the counted model trains). Train "
            f"in the recipe's process only: no fork, subprocess, multiprocessing, os.system "
            f"or ctypes.")


def _refuse(what):
    message = _message(what, _STATE.get("where", ""))
    if "refused" not in _STATE:
        _STATE["refused"] = message
        try:                                 # to the harness now: catching it changes nothing
            _STATE["report"](message)
        except Exception:                    # noqa: BLE001  (its pipe closed: told at the end)
            pass
    raise ValueError(message)


def _hook(event, args):
    if event in EVENTS:
        name = args[-1] if event.startswith("ctypes") and args else None
        _refuse(EVENTS[event] + ("" if name is None else f" for {name!r}"))
    if event == "import" and args and str(args[0]).rpartition(".")[2] == _FORK_EXEC:
        _refuse("imported a fresh copy of _posixsubprocess (its fork_exec starts a process "
                "with no audit event)")


def _fork_exec(*args, **kwargs):
    _refuse("started a process (_posixsubprocess.fork_exec: multiprocessing's spawn or "
            "forkserver, or subprocess's own function)")


#: Linux's system calls that start a process, by machine: (audit arch, clone, clone3, the
#: others refused); clone is let through with CLONE_THREAD (a thread), clone3 says ENOSYS
#: (glibc then makes a thread with clone)
_CALLS = {"x86_64": (0xC000003E, 56, 435, (57, 58, 59, 322)),    # fork vfork execve execveat
          "aarch64": (0xC00000B7, 220, 435, (221, 281))}          # execve execveat


def _filter():
    """A seccomp filter on this process: a start of a process by C code (a C extension of
    the learner's, a C function ctypes calls by its address: no audit event) fails with
    EPERM. True when applied (Linux on x86-64 or ARM64; elsewhere the audit hook alone)."""
    try:
        import ctypes
        arch, clone, clone3, others = _CALLS[os.uname().machine]
        libc = ctypes.CDLL(None, use_errno=True)
    except (ImportError, KeyError, AttributeError, OSError):
        return False
    deny, nosys, allow = 0x00050000 | 1, 0x00050000 | 38, 0x7FFF0000   # EPERM, ENOSYS
    load, eq, ge, has, ret = 0x20, 0x15, 0x35, 0x45, 0x06               # BPF's codes
    program = [(load, 0, 0, 4), (eq, 1, 0, arch), (ret, 0, 0, deny),    # another ABI
               (load, 0, 0, 0), (ge, 0, 1, 0x40000000), (ret, 0, 0, deny),   # x32
               (eq, 0, 4, clone), (load, 0, 0, 16), (has, 0, 1, 0x10000),    # CLONE_THREAD
               (ret, 0, 0, allow), (ret, 0, 0, deny),
               (eq, 0, 1, clone3), (ret, 0, 0, nosys)]
    for nr in others:
        program += [(eq, 0, 1, nr), (ret, 0, 0, deny)]
    program.append((ret, 0, 0, allow))
    code = (ctypes.c_uint64 * len(program))(*(c | t << 16 | f << 24 | k << 32
                                               for c, t, f, k in program))
    fprog = (ctypes.c_uint64 * 2)(len(program), ctypes.addressof(code))
    libc.prctl(38, 1, 0, 0, 0)                                  # PR_SET_NO_NEW_PRIVS
    return libc.prctl(22, 2, fprog, 0, 0) == 0                  # PR_SET_SECCOMP, filter


def refuse(report=lambda message: None, where=""):
    """From now on, in this process: raise ``ValueError`` ("arena: the recipe …", ``where``
    after what it did) at every start of a process (``EVENTS``,
    ``_posixsubprocess.fork_exec``) and every C function looked up through ctypes, and call
    ``report`` with the first such message; where Linux allows, a seccomp filter (``_filter``)
    also makes a start by C code fail. Once a process; call it after the arena's own setup
    (threadpoolctl loads libraries with ctypes), before any of the recipe's code."""
    if "report" in _STATE:
        return
    _STATE.update(report=report, where=where)
    try:
        import _posixsubprocess
    except ImportError:                           # pragma: no cover  (Windows)
        _posixsubprocess = None
    if _posixsubprocess is not None:
        _posixsubprocess.fork_exec = _fork_exec   # the C one, freed: no reference is left
        held = sys.modules.get("subprocess")      # 3.11+ holds its own name for it
        if held is not None and vars(held).get(_ALIAS) is not None:
            setattr(held, _ALIAS, _fork_exec)
    _STATE["filtered"] = _filter()                # (ctypes: before the hook refuses it)
    sys.addaudithook(_hook)


def refused():
    """The first refusal's message in this process, or None (a recipe that caught the
    ``ValueError`` and went on gets no row either: the child reports it at the end too)."""
    return _STATE.get("refused")
