"""Running a batch's jobs: one after another, in processes on this machine, or on a Dask
cluster. Every way runs the same job function and gives the same results."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed

from ferapp.batch.jobs import BatchSettings, Job, JobResult, run_job
from ferapp.core.errors import FerappError

OnResult = Callable[[int, JobResult], None]


def longest_first(jobs: Sequence[Job]) -> list[int]:
    """Job indices, largest source first: the last jobs to start are short ones, so no
    worker is left with a long video while the others idle (results keep job order)."""

    def size(i: int) -> int:
        try:
            return os.stat(jobs[i].source).st_size
        except OSError:
            return 0

    return sorted(range(len(jobs)), key=size, reverse=True)


def run_local(
    jobs: Sequence[Job], settings: BatchSettings, workers: int, on_result: OnResult
) -> list[JobResult | None]:
    """``workers`` processes on this machine (each loads the model once); 1 = this process."""
    results: list[JobResult | None] = [None] * len(jobs)
    if workers <= 1:
        for i, job in enumerate(jobs):
            results[i] = run_job(job, settings)
            on_result(i, results[i])
        return results
    # spawn, not fork: a clean interpreter per worker on every platform
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {pool.submit(run_job, jobs[i], settings): i for i in longest_first(jobs)}
        try:
            for future in as_completed(futures):
                i = futures[future]
                results[i] = future.result()
                on_result(i, results[i])
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return results


def run_on_cluster(
    jobs: Sequence[Job], settings: BatchSettings, scheduler: str, on_result: OnResult
) -> list[JobResult | None]:
    """Send the jobs to a Dask distributed scheduler; its workers write the results into
    the output folder, which they must share with this machine."""
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError as exc:
        raise FerappError(
            "--scheduler needs Dask's distributed package: pip install 'ferapp[cluster]'"
        ) from exc
    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError) as exc:
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
