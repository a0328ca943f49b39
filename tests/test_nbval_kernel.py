"""tests/nbval_kernel.py: nbval's kernel start, with a kernel that dies while it starts."""

import sys
import threading
import time

import pytest
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

import nbval_kernel



class DyingSpecs(KernelSpecManager):
    """One kernel, "dying": a launcher that counts its starts in a file and, on the first
    `dies` of them, binds the shell port and exits 2 s later, as a kernel that fails to
    bind its next port does; later starts run ipykernel."""

    def __init__(self, folder, dies, **kwargs):
        super().__init__(**kwargs)
        self.count = folder / "starts"
        self.launcher = folder / "launch.py"
        self.launcher.write_text(
            "import os, sys\n"
            f"count = {str(self.count)!r}\n"
            "n = len(open(count).read()) if os.path.exists(count) else 0\n"
            "open(count, 'a').write('x')\n"
            f"if n < {dies}:\n"
            # die after binding the shell port, once the client has connected to it: the
            # client's DEALER socket then has no peer left, and zmq blocks its next send
            "    import json, time, zmq\n"
            "    info = json.load(open(sys.argv[-1]))\n"
            "    shell = zmq.Context().socket(zmq.ROUTER)\n"
            "    shell.bind(f\"tcp://{info['ip']}:{info['shell_port']}\")\n"
            "    time.sleep(2)\n"
            "    os._exit(3)\n"
            "from ipykernel import kernelapp\n"
            "kernelapp.launch_new_instance()\n")

    def get_kernel_spec(self, kernel_name):
        return KernelSpec(argv=[sys.executable, str(self.launcher), "-f", "{connection_file}"],
                          display_name="dying", language="python")


def start(folder, dies):
    """nbval_kernel.start_new_kernel in a thread: (its result or error, seconds), or None
    if it has not returned after 120 s (a start that waits for ever, as nbval's did in CI,
    fails the test instead of hanging it)."""
    out = {}

    def run():
        began = time.monotonic()
        try:
            out["result"] = nbval_kernel.start_new_kernel(
                startup_timeout=60, kernel_name="dying",
                kernel_spec_manager=DyingSpecs(folder, dies))
        except Exception as error:  # noqa: BLE001  (the test reads it)
            out["result"] = error
        out["seconds"] = time.monotonic() - began

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(120)
    return None if thread.is_alive() else (out["result"], out["seconds"])


def test_a_kernel_that_dies_as_it_starts_is_started_again(tmp_path):
    done = start(tmp_path, dies=1)
    assert done is not None, "the start waited for ever on a kernel that died as it started"
    result, _ = done
    assert not isinstance(result, Exception), result
    km, kc = result
    try:
        kc.execute_interactive("x = 6 * 7", timeout=30)
        reply = kc.execute_interactive("print(x)", timeout=30)
        assert reply["content"]["status"] == "ok"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert (tmp_path / "starts").read_text() == "xx"


def test_a_kernel_that_always_dies_fails_the_start_after_its_tries(tmp_path):
    done = start(tmp_path, dies=nbval_kernel.STARTS)
    assert done is not None, "the start waited for ever on a kernel that died as it started"
    result, seconds = done
    assert isinstance(result, RuntimeError) and "did not start" in str(result), result
    assert (tmp_path / "starts").read_text() == "x" * nbval_kernel.STARTS
    assert seconds < nbval_kernel.STARTS * (nbval_kernel.SEND_TIMEOUT + 20)
