"""Running a batch's jobs: one after another, in processes on this machine, or on a Dask
cluster. Every way runs the same job function and gives the same results.

A run stopped by Ctrl-C or SIGTERM (a KeyboardInterrupt, see :func:`ferapp.cli.main`)
tells its workers to stop: each ends its job with the frames done so far, and what
finished is kept. Workers never outlive the batch (see :mod:`ferapp.batch.workers`).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import connection
from typing import Any
from urllib.parse import urlsplit

from ferapp.batch.jobs import BatchSettings, Job, JobResult, run_job
from ferapp.batch.workers import start_worker
from ferapp.core.errors import FerappError

OnResult = Callable[[int, JobResult], None]
STOP_GRACE_S = 30.0  # how long stopped workers may take to save what they did
END_GRACE_S = 10.0  # how long idle workers may take to leave before they are killed
SCHEDULER_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")


def longest_first(jobs: Sequence[Job]) -> list[int]:
    """Job indices, largest source first: the last jobs to start are short ones, so no
    worker is left with a long video while the others idle (results keep job order)."""

    def size(i: int) -> int:
        try:
            return sum(os.stat(path).st_size for path in jobs[i].members or (jobs[i].source,))
        except OSError:
            return 0

    return sorted(range(len(jobs)), key=size, reverse=True)


def _outcome(future: Future, job: Job) -> JobResult:
    """A finished future's result; a worker that died or broke fails only its job."""
    try:
        return future.result()
    except BrokenProcessPool:
        why = "failed: its worker process ended abruptly (out of memory?)"
        return JobResult(job.source, job.name, why)
    except Exception as exc:
        return JobResult(job.source, job.name, f"failed: {type(exc).__name__}: {exc}")


def run_local(
    jobs: Sequence[Job], settings: BatchSettings, workers: int, on_result: OnResult
) -> list[JobResult | None]:
    """``workers`` processes on this machine (each loads the model once); 1 = this process."""
    results: list[JobResult | None] = [None] * len(jobs)

    def keep(i: int, result: JobResult) -> None:
        results[i] = result
        on_result(i, result)

    if workers <= 1:
        for i, job in enumerate(jobs):
            keep(i, run_job(job, settings))
            if results[i].status == "interrupted":  # the analysis caught the Ctrl-C
                raise KeyboardInterrupt
        return results
    before = set(multiprocessing.active_children())
    # spawn, not fork: a clean interpreter per worker on every platform
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=start_worker,
        initargs=(os.getpid(),),
    )
    processes: list[Any] = []
    try:
        futures = {pool.submit(run_job, jobs[i], settings): i for i in longest_first(jobs)}
        processes = [p for p in multiprocessing.active_children() if p not in before]
        try:
            for future in as_completed(futures):
                keep(futures[future], _outcome(future, jobs[futures[future]]))
        except BaseException:  # Ctrl-C or SIGTERM: stop the workers, keep what they did
            pending = [f for f, i in futures.items() if results[i] is None]
            pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()  # a worker ends its job with the frames done so far
            done, _ = wait(pending, timeout=STOP_GRACE_S)
            for future in (f for f in pending if f in done and not f.cancelled()):
                keep(futures[future], _outcome(future, jobs[futures[future]]))
            raise
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        _end(processes, END_GRACE_S)
        pool.shutdown(wait=True)
    return results


def _end(processes: list[Any], grace_s: float) -> None:
    """Wait up to ``grace_s`` for the workers to leave (they do once told), then kill
    those still there: none outlives the batch."""
    left = {process.sentinel: process for process in processes}
    deadline = time.monotonic() + grace_s
    while left and (remaining := deadline - time.monotonic()) > 0:
        for sentinel in connection.wait(list(left), remaining):
            left.pop(sentinel)
    for process in left.values():
        process.kill()


def check_scheduler_address(address: str) -> None:
    """Refuse, before any work, what cannot be a Dask scheduler's address."""
    try:
        parts = urlsplit(address if "://" in address else f"tcp://{address}")
        usable = parts.port is not None and parts.hostname and parts.scheme in SCHEDULER_SCHEMES
    except ValueError:  # a port that is no number, a broken [IPv6] host
        usable = False
    if not usable:
        raise FerappError(
            f"--scheduler {address} is not a Dask scheduler address: give "
            "tcp://HOST:PORT, for example tcp://10.0.0.5:8786"
        )


def run_on_cluster(
    jobs: Sequence[Job], settings: BatchSettings, scheduler: str, on_result: OnResult
) -> list[JobResult | None]:
    """Send the jobs to a Dask distributed scheduler; its workers write the results into
    the output folder, which they must share with this machine."""
    check_scheduler_address(scheduler)
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError as exc:
        raise FerappError(
            "--scheduler needs Dask's distributed package: pip install 'ferapp[cluster]'"
        ) from exc
    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise FerappError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
    results: list[JobResult | None] = [None] * len(jobs)
    try:
        order = longest_first(jobs)
        futures = [  # Dask runs higher priorities first: the largest sources
            client.submit(run_job, jobs[i], settings, pure=False, priority=len(order) - rank)
            for rank, i in enumerate(order)
        ]
        index = {future.key: i for i, future in zip(order, futures, strict=True)}
        try:
            for future in dask_completed(futures):
                i = index[future.key]
                results[i] = future.result()
                on_result(i, results[i])
        except KeyboardInterrupt:
            client.cancel(futures)
            raise
    finally:
        client.close()
    return results
