"""The life of a local worker process: how it stops, and dying with its parent.

A worker ignores Ctrl-C (the terminal sends it to the whole process group); the parent
decides and sends SIGTERM, which ends the job being run with the frames done so far
and makes the worker refuse any job still queued. A worker never outlives its parent:
on Linux the kernel kills it when the parent dies (even by SIGKILL), and on any POSIX
system a thread watches the parent's pid and ends the worker when it changes (on
Windows neither exists; the parent's own stop ends its workers).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

PR_SET_PDEATHSIG = 1  # Linux prctl option: a signal for this process when its parent dies
PARENT_CHECK_S = 0.5
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters

_state = {"stopping": False, "in_job": False}


def start_worker(parent_pid: int) -> None:
    """Initializer of a local worker process (``parent_pid``: the batch's process)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_stop)
    die_with_parent(parent_pid)


def _on_stop(signum: int, frame: Any) -> None:
    first = not _state["stopping"]
    _state["stopping"] = True
    if first and _state["in_job"]:
        raise KeyboardInterrupt  # the analysis keeps what it did; see run_job


def stopping() -> bool:
    """Whether this worker was told to stop (it then runs no further job)."""
    return _state["stopping"]


@contextlib.contextmanager
def job_running() -> Iterator[None]:
    """While a job runs, a stop interrupts it; between jobs it only marks the worker."""
    _state["in_job"] = True
    try:
        yield
    finally:
        _state["in_job"] = False


def die_with_parent(parent_pid: int) -> None:
    """End this process when ``parent_pid`` (its parent) ends, however it ends."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))
    if os.name != "posix":
        return  # Windows keeps a dead parent's pid: nothing to watch
    if os.getppid() != parent_pid:  # it died before this process could ask
        os._exit(1)
    threading.Thread(
        target=_watch_parent, args=(parent_pid,), name="ferapp-parent-watch", daemon=True
    ).start()


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_CHECK_S)
    os._exit(1)


def keep_frames_on_the_heap() -> None:
    """Undo, for this worker process, the allocator setting a Dask nanny starts it with.

    Dask sets MALLOC_TRIM_THRESHOLD_=65536 for its workers, which also pins glibc's mmap
    threshold at 128 KB: every frame (a 640x480 frame is 900 KB) is then mapped and
    unmapped from the kernel, and a worker ran 25 % slower than in a plain process.
    Frames are taken from the heap again (Linux with glibc; elsewhere nothing changes).
    """
    import ctypes

    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024)
        libc.mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024)
    except (OSError, AttributeError):
        pass
