"""One way to run background work in the window: a worker object on its own QThread.

Every background job (camera, recogniser, dataset check, camera search) is a QObject
with a ``run`` method started by :func:`start_worker` and ended by :func:`stop_worker`,
so start, stop and teardown are written once. Workers report only through signals.

Why not superqt's ``thread_worker`` (as napari uses): ferapp's workers are long-lived
loops (a camera, the recogniser) with their own stop flags rather than generators, and
a camera driver or a model load can block for seconds inside a call that cannot be
interrupted; such a thread must outlive its window without Qt destroying it while it
runs (which aborts the process). :func:`stop_worker` keeps it until it ends; a pool's
runnables offer no such hold. The rule fits in this one small module.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading

from PySide6.QtCore import QObject, QThread, SignalInstance

THREAD_STOP_MS = 5000
# Threads still inside a call that cannot be interrupted (a camera driver opening a
# device, TensorFlow loading a model) when asked to stop. Qt aborts the whole process if
# a running QThread is destroyed, so they and their workers are kept here until they end.
_LINGERING: list[tuple[QThread, QObject]] = []


def start_worker(worker: QObject, name: str, ended: SignalInstance | None = None) -> QThread:
    """Move ``worker`` to a new thread named ``name`` and call its ``run`` there.

    ``ended``: a signal the worker emits when its job is done (one-shot jobs); the thread
    then quits by itself. Otherwise it runs until :func:`stop_worker`.
    """
    thread = QThread()
    thread.setObjectName(name)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    if ended is not None:
        ended.connect(thread.quit)
    thread.start()
    return thread


def stop_worker(
    thread: QThread, worker: QObject, wait_ms: int = THREAD_STOP_MS, delete: bool = True
) -> bool:
    """Quit ``thread`` and wait up to ``wait_ms`` (-1: until it ends); keep it if it goes on.

    The worker's own ``stop`` (if it has one) is called first. Returns True when the
    thread has ended.
    """
    stop = getattr(worker, "stop", None)
    if callable(stop):
        stop()
    thread.quit()
    finished = thread.wait() if wait_ms < 0 else thread.wait(wait_ms)
    if finished:
        if delete:
            worker.deleteLater()
            thread.deleteLater()
    else:
        _LINGERING.append((thread, worker))
    return finished


def start_job(worker: QObject, name: str, ended: SignalInstance) -> QThread:
    """A one-shot job: ``worker.run`` on its own thread, which quits when ``ended`` is emitted.

    The job is kept alive here until its thread has ended, so the widget that started it
    may close at any time (Qt aborts the process if a running QThread is destroyed).
    """
    thread = start_worker(worker, name, ended)
    entry = (thread, worker)
    _JOBS.append(entry)

    def forget() -> None:
        thread.wait()  # finished is emitted just before the thread really ends
        if entry in _JOBS:
            _JOBS.remove(entry)  # Python frees both once the caller lets go of them too

    thread.finished.connect(forget)
    return thread


_JOBS: list[tuple[QThread, QObject]] = []


def wait_for_lingering_threads() -> None:
    """Before the process ends: let threads busy in a blocking call or a job finish."""
    while _LINGERING:
        thread, _worker = _LINGERING.pop()
        thread.wait()
    while _JOBS:
        thread, _worker = _JOBS.pop()
        thread.quit()
        thread.wait()


def lower_thread_priority(niceness: int = 5) -> None:
    """Let the UI thread win the CPU when the workers keep both cores busy.

    QThread priorities are ignored by Linux's default scheduler, where a thread has its
    own nice value instead (raising it needs no privileges).
    """
    thread = QThread.currentThread()
    thread.setPriority(QThread.Priority.LowPriority)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
