"""One student's notebook in a kernel of its own, for the report (report.py): ``Kernel``
starts it confined (sandbox.py), sends it cells and the agent's requests (wire.py) within
the per-cell timeout and the notebook's remaining budget, and ``close`` kills every process
it left behind.
"""

# How the kernel is confined. It runs in an empty temporary folder that holds only the
# notebook's copy, with a fresh HOME (no IPython startup files, no Jupyter or matplotlib
# config), Python in isolated mode (-I: no PYTHON* variables, no user site-packages, no
# folder of the notebook on sys.path) with nnbook imported through a link, in that folder, to
# the report's own nnbook package, a memory limit, its stdout and stderr sent to /dev/null, a
# session (process group) of its own, no capabilities, no UNIX socket but a pair (seccomp),
# and, where Linux offers Landlock, a sandbox: it reads only the system's folders, Python and
# nnbook's own folder, writes only its own folder, opens no TCP connection (ABI 4) and signals
# no process outside it (ABI 6): sandbox.py. Above the kernel runs a keeper, a child
# subreaper, so that every process the notebook starts stays below it; processes.py's Group
# watches that group's memory (--memory for all of it) and disk (--disk) and close() kills it
# all. The report is a child subreaper too, for whatever escapes a keeper.
# Requests are cells (the student's code, its output never read) and the agent's requests
# (wire.py): read an answer, call the student's function.

from __future__ import annotations

import json
import os
import queue
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from . import wire
from .processes import DISK_SLACK, Group, disk_of
from .remote import AnswerUnreadable, KernelGone, RemoteFunction  # noqa: F401  (report's)
# become_subreaper, kill_left_behind and landlock_abi: for report.py and the tests
from .sandbox import (LAUNCH, allowed_paths, become_subreaper, kill_left_behind,  # noqa: F401
                      landlock_abi)

_PENDING = object()
SANDBOXES: set[str] = set()       # "landlock" or "none", "seccomp" or "no-seccomp", of each kernel
# The kernels that run now (their process ids), and a lock that keeps one kernel's start
# apart from another's clean-up. Between fork and exec a starting kernel still shares the
# report's memory, which become_subreaper made unreadable: without CAP_SYS_PTRACE (a
# teacher's account, most containers) its environment cannot be read, so a clean-up that
# looked for its own marker would take it for a left-behind process and kill it. So the
# clean-up runs while no kernel is starting and keeps every live kernel.
_LIVE: set[int] = set()
# A kernel sends a request's reply (shell) before it says it is idle again (iopub); one that
# says idle and sends no reply within this many seconds never will (a cell broke it, e.g.
# replaced builtins.bool): the notebook ends now, not after the --timeout per cell.
IDLE_GRACE = 10.0
# ipykernel 7 can leave a request unread in its shell socket, idle, until a new connection to
# that socket wakes it (ipython/ipykernel#1554): CI's oldest stack (7.3.0) waited on the report
# agent's load so, twice. More requests on the same connection did not wake it (a kernel_info
# every 5 s for 7 minutes, 2026-11-28). A request the kernel has not started (no "busy" for it
# on iopub) after this many seconds is followed by a kernel_info request on a connection of its
# own (`_nudge`), as a new client's would be; its reply is dropped with that connection.
NUDGE = 5.0
_STARTING = threading.Lock()
# How many times a kernel that dies before the notebook's first cell is started. 3: a
# grader's CI saw a start die 1.2 s in (one kernel in 34, session 45), and later the start
# after a death die again (tests/test_exercises_kernel.py, session 47); never here.
STARTS = 3


class Kernel:
    """A running kernel for one notebook; ``with Kernel(...) as k`` closes it."""

    def __init__(self, folder: Path, timeout: float, budget: float, memory: int, disk: int = 1024):
        import nnbook
        self.folder, self.timeout = folder, timeout
        self.deadline = time.monotonic() + budget
        self.marker = "nnbook-report-" + secrets.token_hex(8)
        self.codec = wire.Codec("R", self._function)
        self.failure: str | None = None
        self._nudgers: list = []    # the connections _nudge opened
        home, work = folder / "home", folder / "work"
        for d in (home, work, folder / "tmp", folder / "run"):
            d.mkdir(exist_ok=True)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
               "IPYTHONDIR": str(home / ".ipython"), "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
               "JUPYTER_DATA_DIR": str(home / ".jupyter-data"), "JUPYTER_RUNTIME_DIR": str(folder / "run"),
               "JUPYTER_PLATFORM_DIRS": "1", "MPLCONFIGDIR": str(home / ".mpl"), "MPLBACKEND": "agg",
               "TMPDIR": str(folder / "tmp"), "NNBOOK_REPORT_KERNEL": self.marker,
               "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        for name in ("LANG", "LC_ALL", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(name, os.environ.get(name, "1" if "THREADS" in name else "C.UTF-8"))
        # nnbook is imported from a folder of the kernel's own that links to the package: the
        # kernel may read the package's folder, not the folder above it (sandbox.py)
        package = str(Path(nnbook.__file__).resolve().parent)
        (folder / "lib").mkdir(exist_ok=True)
        os.symlink(package, folder / "lib" / "nnbook")
        self.memory, self.disk = memory, disk
        # --disk counts what the kernel writes: the notebook's copy and the folder as it is now
        # are allowed beside it, and DISK_SLACK for the kernel's own files (IPython, matplotlib)
        self.disk_limit = (disk * 2 ** 20 + disk_of(folder) + DISK_SLACK) if disk > 0 else 0
        # A kernel that dies while it starts, before the notebook's first cell, is started
        # again (up to STARTS times in all): no code of the notebook has run, so the death is
        # not the notebook's (a grader's CI saw one kernel in 34 die 1.2 s after its start).
        for attempt in range(1, STARTS + 1):
            try:
                self._start(folder, work, env, package, attempt)
                break
            except KernelGone:
                died = self.group.over is self.group.over_disk is None and self.proc.poll() is not None
                self.close()
                if not died or attempt == STARTS:
                    raise
            except BaseException:
                self.close()
                raise

    def _start(self, folder: Path, work: Path, env: dict, package: str, attempt: int) -> None:
        """Start the keeper and its kernel and wait until the kernel answers, with the
        report's agent loaded (a KernelGone when it dies or the budget ends first)."""
        from jupyter_client import BlockingKernelClient
        from jupyter_client.connect import write_connection_file
        connection, info = write_connection_file(str(folder / "run" / f"kernel-{attempt}.json"),
                                                 ip="127.0.0.1", key=secrets.token_hex(16).encode())
        with _STARTING:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-c", LAUNCH, str(self.memory * 2 ** 20), str(folder / "lib"),
                 connection,
                 json.dumps({**allowed_paths(folder, package),
                             "ports": [int(v) for k, v in info.items() if k.endswith("_port")]}),
                 str(self.disk * 2 ** 20)],
                cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True)
            _LIVE.add(self.proc.pid)
        self.group = Group(self.proc.pid, self.memory * 2 ** 20, folder, self.disk_limit)
        self.group.start()
        self.client = BlockingKernelClient()
        self.client.load_connection_file(connection)
        # no heartbeat or control channel (unused), and below only the channels' own
        # blocking get_msg: jupyter_client's get_shell_msg & co. run an asyncio loop per
        # thread that is never closed, and such a loop collected later printed "ValueError:
        # Invalid file descriptor: -1" from selectors (issue 67, item 8)
        self.client.start_channels(hb=False, control=False)
        self._ready()
        self._start_agent()
        self.sandbox = (folder / "run" / "sandbox").read_text()
        SANDBOXES.update(self.sandbox.split())

    def _start_agent(self) -> None:
        # part of the start, not a cell: bounded by the notebook's budget only, not the
        # per-cell --timeout (CI's oldest job, starved at nice 10 beside main, once needed
        # more than 120 s for it; no code of the notebook has run yet)
        self.request("import sys as _s, types as _t\n"
                     "_m = _t.ModuleType('_nnbook_report_agent')\n"
                     f"exec({wire_source()!r}, _m.__dict__)\n"
                     "_s.modules['_nnbook_report_agent'] = _m\n"
                     "_m.AGENT = _m.Agent()\n_m.AGENT.watch_checks()\ndel _s, _t, _m", cell=False,
                     per_cell=False)

    def _ready(self) -> None:
        while True:
            self._alive()
            self.client.kernel_info()
            try:
                self.client.shell_channel.get_msg(timeout=1.0)
                break
            except queue.Empty:
                continue
        while True:                                    # drop the start-up chatter
            try:
                self.client.iopub_channel.get_msg(timeout=0)
            except queue.Empty:
                break

    def _alive(self) -> None:
        if self.group.over is not None:
            raise KernelGone(f"ran out of memory: its processes together held "
                             f"{self.group.over / 2 ** 20:.0f} MB, more than --memory {self.memory} MB")
        if self.group.over_disk is not None:
            raise KernelGone(f"wrote more than --disk {self.disk} MB: {self.group.over_disk}")
        if self.proc.poll() is not None:
            raise KernelGone("its kernel died (the code crashed Python, called os._exit() or ran "
                             "out of memory: the limit is --memory)")
        if time.monotonic() > self.deadline:
            raise KernelGone("ran out of time: the notebook took longer than its budget "
                             "(--budget seconds per notebook)")

    def request(self, code: str, cell: bool = True, on_prompt=None, per_cell: bool = True):
        """Run ``code``; returns None, or "Name: message" when it raised. ``on_prompt`` answers
        the agent's messages (input requests); a cell may not read input. Within the per-cell
        timeout and the notebook's budget (the budget only with ``per_cell=False``)."""
        import zmq
        kc = self.client
        msg_id = kc.execute(code, store_history=cell, allow_stdin=not cell, stop_on_error=False)
        until = min(time.monotonic() + self.timeout, self.deadline) if per_cell else self.deadline
        self._idle_at = None        # when the kernel said it finished msg_id (iopub)
        self._busy = False          # whether the kernel said it started msg_id (iopub)
        nudged = time.monotonic()
        poller = zmq.Poller()
        channels = [kc.shell_channel, kc.iopub_channel] + ([] if cell else [kc.stdin_channel])
        for channel in channels:
            poller.register(channel.socket, zmq.POLLIN)
        while True:
            self._alive()
            if self._idle_at is not None and time.monotonic() > self._idle_at + IDLE_GRACE:
                raise KernelGone("its kernel finished the cell but never answered it: a cell "
                                 "replaced what the kernel relies on (bool, its json or session)")
            if time.monotonic() > until:
                raise KernelGone(f"timed out: a cell ran longer than {self.timeout:g} s (the "
                                 f"--timeout per cell); it may wait for input or loop forever, or "
                                 f"raise --timeout if it is only slow")
            if not self._busy and time.monotonic() > nudged + NUDGE:
                self._nudge()       # see NUDGE
                nudged = time.monotonic()
            ready = dict(poller.poll(200))
            try:
                reply = self._read(ready, msg_id, cell, on_prompt)
            except (KernelGone, queue.Empty):
                raise
            except Exception as exc:       # a kernel whose json or session a cell replaced
                raise KernelGone(f"its kernel stopped speaking Jupyter's protocol ({type(exc).__name__}: "
                                 f"{' '.join(str(exc).split())[:80]}): a cell replaced what it relies on")
            if reply is not _PENDING:
                return reply

    def _read(self, ready, msg_id, cell, on_prompt):
        """Read what is ready: the cell's output (dropped), the agent's input requests, and
        the reply to ``msg_id`` (its error, or None); ``_PENDING`` while there is none."""
        kc = self.client
        if kc.iopub_channel.socket in ready:       # the cell's output: read, never kept
            for _ in range(1000):
                try:
                    msg = kc.iopub_channel.get_msg(timeout=0)
                except queue.Empty:
                    break
                if msg["msg_type"] == "status" and msg["parent_header"].get("msg_id") == msg_id:
                    state = msg["content"].get("execution_state")
                    self._busy = self._busy or state == "busy"
                    if state == "idle" and self._idle_at is None:
                        self._idle_at = time.monotonic()
        if not cell and kc.stdin_channel.socket in ready:
            msg = kc.stdin_channel.get_msg(timeout=0)
            if msg["parent_header"].get("msg_id") == msg_id:
                prompt = str(msg["content"].get("prompt", ""))
                kc.input(on_prompt(prompt) if on_prompt else "")
        if kc.shell_channel.socket in ready:
            msg = kc.shell_channel.get_msg(timeout=0)
            if msg["parent_header"].get("msg_id") == msg_id:
                content = msg["content"]
                if content.get("status") == "error":
                    return f"{content.get('ename')}: {' '.join(str(content.get('evalue')).split())}"[:200]
                return None
        return _PENDING

    # the agent's requests -------------------------------------------------------------
    def ask(self, op: dict):
        """Send one request to the agent; the kernel's reply (a dict) or KernelGone."""
        nonce = "nnbook-" + secrets.token_hex(8) + " "
        op["nonce"], replies = nonce, []

        def on_prompt(prompt: str) -> str:
            if not prompt.startswith(nonce) or len(prompt) > wire.MAX_CHARS:
                return ""
            try:
                message = json.loads(prompt[len(nonce):])
            except ValueError:
                message = None
            if not isinstance(message, dict):                 # not the agent's: a student's
                replies.append({"kind": "raised", "type": "ReportError",
                                "message": "the kernel sent something that is not an answer"})
                return ""
            if message.get("kind") == "callback":
                return self._callback(message)
            replies.append(message)
            return ""

        code = f"__import__('sys').modules['_nnbook_report_agent'].AGENT.serve({wire.dumps(op)!r}, globals())"
        err = self.request(code, cell=False, on_prompt=on_prompt)
        if replies:
            return replies[-1]
        return {"kind": "raised", "type": "ReportError",
                "message": f"the kernel gave no answer ({err or 'its agent is gone'})"}

    def _callback(self, message: dict) -> str:
        """A function of the report (a checker's) that the student's code called."""
        try:
            fn = self.codec.mine[message["ref"]]
            value = fn(*self.codec.decode(message["args"]))
            return wire.dumps({"value": self.codec.encode(value)})
        except Exception as exc:
            return wire.dumps({"raised": type(exc).__name__, "message": str(exc)[:300]})

    def answer(self, expr: str):
        """The value of ``expr`` in the kernel, as data (a function as a RemoteFunction)."""
        reply = self.ask({"op": "probe", "expr": expr})
        if reply.get("kind") == "raised":
            raise AnswerUnreadable(f"{reply.get('type')}: {reply.get('message')}"[:200])
        try:
            return self.codec.decode(reply.get("value"))
        except Exception as exc:   # a reply that is not the wire's data
            raise AnswerUnreadable(f"the kernel sent something that is not an answer ({type(exc).__name__})")

    def check_counts(self) -> dict[str, int]:
        """{exercise: calls of nb.exercises.check} since the last time asked, as the kernel
        counted them (a cell can forge these; the report also reads the cell: repeated_checks)."""
        reply = self.ask({"op": "checks"})
        try:
            counts = self.codec.decode(reply.get("value")) if reply.get("kind") == "value" else {}
            return {str(k): int(v) for k, v in counts.items()} if isinstance(counts, dict) else {}
        except Exception:
            return {}

    def _function(self, ref, name, source, imports=()):
        return RemoteFunction(self, ref, name, source, imports)

    def _nudge(self) -> None:
        """A kernel_info request on a new connection to the kernel's shell socket (NUDGE); the
        connection stays open until close(), so that the request is surely sent."""
        from jupyter_client import BlockingKernelClient
        other = BlockingKernelClient()
        other.load_connection_info(self.client.get_connection_info())
        other.start_channels(iopub=False, stdin=False, hb=False, control=False)
        self._nudgers.append(other)
        other.kernel_info()

    def close(self) -> None:
        """Stop what was started, and only that: a start that failed before the keeper ran
        (Popen raised) or before its group existed leaves nothing more to stop, and its own
        error is the one the caller sees (not an AttributeError of this clean-up)."""
        for other in getattr(self, "_nudgers", ()):
            try:
                other.stop_channels()
            except Exception:
                pass
        try:
            if getattr(self, "client", None) is not None:
                self.client.stop_channels()
        except Exception:
            pass
        if getattr(self, "group", None) is not None:
            self.group.kill()              # every process below the keeper, then the keeper
        proc = getattr(self, "proc", None)
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        with _STARTING:             # no kernel is between fork and exec while we look
            _LIVE.discard(proc.pid)
            kill_left_behind(keep=set(_LIVE), marker=self.marker)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def wire_source() -> str:
    return Path(wire.__file__).read_text(encoding="utf-8")
