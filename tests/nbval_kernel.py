"""nbval's kernel start, made safe against a kernel that dies while it starts.

nbval starts each notebook's kernel with `nbval.kernel.start_new_kernel`: start the kernel,
then send kernel_info requests until one is answered. When the kernel dies before it binds
its ports, the first request's send waits for a peer that never comes: zmq's DEALER socket
blocks, and jupyter_client's own checks (is the kernel alive, the startup timeout) are never
reached. CI's oldest job hung so for 20 minutes on 2026-11-28 (a worker in `zmq send` under
`kernel_info`, its kernel a zombie), which is likely what failed the grader's oldest job in
stop 71 too. Why the kernel died is not known (nbval sends its stderr to /dev/null); two
processes taking the same free port between jupyter_client choosing it and the kernel
binding it is one known way, and several CI jobs start kernels at once.

The hang did not reproduce here: a kernel that exits before or just after binding its shell
port makes jupyter_client's own start raise "Kernel died before replying to kernel_info" at
once (tests/test_nbval_kernel.py), and nbval then fails the whole notebook at setup.

`start_new_kernel` below replaces nbval's (the root conftest.py installs it): the same start,
with a send timeout on the shell socket while it waits, so a dead kernel raises instead of
blocking, and a kernel that dies while it starts is started again (STARTS times in all; none
of the notebook's cells has run by then). A kernel that answers is returned as nbval's would
be, with the send timeout removed.
"""

import zmq
from jupyter_client import KernelManager
from nbval.kernel import NbvalKernelspecManager

STARTS = 3          # starts of one notebook's kernel before its setup fails
SEND_TIMEOUT = 10   # s a send may wait for the kernel while it starts


def start_new_kernel(startup_timeout=60, kernel_name="python", *, kernel_spec_manager=None,
                     **kwargs):
    """Start a kernel and return (manager, client) once it answers kernel_info; a kernel
    that dies first, or does not answer within `startup_timeout` s, is started again, up
    to STARTS times; then RuntimeError, naming the last reason."""
    spec_manager = kernel_spec_manager or NbvalKernelspecManager()
    reason = None
    for _ in range(STARTS):
        km = KernelManager(kernel_name=kernel_name, kernel_spec_manager=spec_manager)
        km.start_kernel(**kwargs)
        kc = km.client()
        kc.start_channels()
        kc.shell_channel.socket.setsockopt(zmq.SNDTIMEO, SEND_TIMEOUT * 1000)
        try:
            kc.wait_for_ready(timeout=startup_timeout)
        except (RuntimeError, zmq.Again) as error:
            reason = error if isinstance(error, RuntimeError) else RuntimeError(
                f"the kernel took no request for {SEND_TIMEOUT} s while it started "
                f"(alive: {km.is_alive()})")
            kc.stop_channels()
            try:
                km.shutdown_kernel(now=True)
            except Exception:  # already gone: the reason above is what matters
                pass
            continue
        kc.shell_channel.socket.setsockopt(zmq.SNDTIMEO, -1)
        return km, kc
    raise RuntimeError(f"the notebook's kernel did not start in {STARTS} tries: {reason}")
