"""The kernel that runs the notebooks: on this machine, over local sockets.

Jupyter's default kernel transport is TCP on the loopback address, unencrypted, and every run
then warns "Kernel is running over TCP without encryption" (ipykernel 7). Notebooks here only
ever run on the machine that starts them, so their kernel talks over Unix domain sockets
(ZeroMQ IPC) in the temporary folder, and nothing is said for nothing.
"""

from __future__ import annotations

import os
import tempfile
import uuid

from jupyter_client.manager import AsyncKernelManager
from traitlets import default


class LocalKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels listen on Unix domain sockets of their own in the temporary
    folder, removed when the kernel stops. Each kernel's sockets get a fresh name: reports run
    several kernels at once, and Jupyter's default name (``kernel-ipc`` in the current folder)
    would be shared and raced for."""

    @default("transport")
    def _transport_default(self) -> str:
        return "ipc"

    @default("ip")
    def _ip_default(self) -> str:
        return os.path.join(tempfile.gettempdir(), f"compare-kernel-{uuid.uuid4().hex}")

    async def _async_interrupt_kernel(self) -> None:
        # jupyter_client interrupts every kernel before asking it to shut down, and an idle
        # ipykernel answers with "KeyboardInterrupt caught in kernel" on the console. A notebook
        # here has finished (or failed) when its kernel is stopped: the request to shut down is
        # enough, and a kernel that does not obey it is still killed after the wait.
        if self.shutting_down:
            return
        await super()._async_interrupt_kernel()


#: What ``papermill.execute_notebook`` is given so the notebook runs in a local-socket kernel.
PAPERMILL_OPTIONS = {"kernel_manager_class": "compare.report.kernel.LocalKernelManager"}
