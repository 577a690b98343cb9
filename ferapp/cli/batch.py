"""`ferapp analyze` with many sources: planned into jobs, run locally or on Dask, summed up.

Ctrl-C or SIGTERM stops a batch: the workers end their jobs with what they did, what
finished is kept, and the same command run again finishes the rest."""

from __future__ import annotations

import argparse
import sys
import time

from tqdm import tqdm

from ferapp.batch.jobs import BatchSettings, JobResult, plan
from ferapp.batch.report import write_batch_summary
from ferapp.batch.runners import check_scheduler_address, run_local, run_on_cluster
from ferapp.batch.sources import expand_sources
from ferapp.cli.options import recognition_settings
from ferapp.core.detect.factory import create_detector
from ferapp.core.errors import FerappError
from ferapp.core.locations import resolve_model_path
from ferapp.core.model.cache import file_digest
from ferapp.core.model.metadata import read_metadata


def batch_settings(args: argparse.Namespace) -> BatchSettings:
    """The batch's settings, checked here before any worker starts."""
    model = resolve_model_path(args.model)
    if not model.is_file():
        raise FerappError(f"model file not found: {model}")
    read_metadata(model)  # a file that is not a model is refused now, not in every worker
    recognition = recognition_settings(args)
    create_detector(recognition.detector)  # a broken detector file too
    return BatchSettings(
        model=str(model.resolve()),
        model_sha256=file_digest(model),
        recognition=recognition,
        csv=True,
        annotate=args.annotate_videos,
        timeline=not args.no_timeline,
    )


def run_batch(args: argparse.Namespace) -> int:
    if args.out is None:
        raise FerappError("several sources make a batch: give --out DIR for their results")
    for option in ("csv", "json", "annotate"):
        if getattr(args, option):
            raise FerappError(
                f"--{option} names one file; a batch writes one per source into --out"
            )
    if args.workers < 1:
        raise FerappError(f"--workers must be 1 or more, got {args.workers}")
    if args.scheduler:
        check_scheduler_address(args.scheduler)
    settings = batch_settings(args)
    found = expand_sources(args.source, args.out)
    if found.left_out:
        print(
            f"left out {len(found.left_out)} file(s) that batches wrote (results, timelines, "
            f"*.annotated.mp4), e.g. {found.left_out[0]}",
            file=sys.stderr,
        )
    jobs = plan(found.sources, args.out)
    args.out.mkdir(parents=True, exist_ok=True)
    results: list[JobResult | None] = [None] * len(jobs)
    started = time.perf_counter()
    frames = 0
    with tqdm(
        total=len(jobs), unit="file", disable=args.quiet, file=sys.stderr, desc="analysing"
    ) as bar:

        def on_result(i: int, result: JobResult) -> None:
            nonlocal frames
            results[i] = result
            frames += result.frames if result.status == "done" else 0
            bar.update(1)
            bar.set_postfix(frames_per_s=f"{frames / max(time.perf_counter() - started, 1e-9):.0f}")
            if result.status.startswith("failed"):
                tqdm.write(f"{result.name}: {result.status}", file=sys.stderr)

        interrupted = False
        try:  # Ctrl-C, or SIGTERM (see ferapp.cli.main)
            if args.scheduler:
                run_on_cluster(jobs, settings, args.scheduler, on_result)
            else:
                run_local(jobs, settings, min(args.workers, len(jobs)), on_result)
        except KeyboardInterrupt:
            interrupted = True
    final = [
        r or JobResult(j.source, j.name, "not run") for j, r in zip(jobs, results, strict=True)
    ]
    report = write_batch_summary(args.out, jobs, final)
    kinds = ("done", "skipped", "failed", "interrupted")
    counts = {s: sum(r.status.startswith(s) for r in final) for s in kinds}
    elapsed = time.perf_counter() - started
    stopped = f", {counts['interrupted']} stopped midway" if counts["interrupted"] else ""
    print(
        f"{len(jobs)} source(s): {counts['done']} analysed, {counts['skipped']} already done, "
        f"{counts['failed']} failed{stopped}; {frames} frames in {elapsed:.1f} s "
        f"({frames / max(elapsed, 1e-9):.1f} frames/s)"
    )
    for result in final:
        if result.status.startswith("failed"):
            print(f"  {result.source}: {result.status}")
    photos = [r.source for r in final if settings.annotate and r.kind in ("image", "folder")]
    if photos:
        print(f"--annotate-videos annotates videos only; not annotated: {', '.join(photos)}")
    print(f"summary: {args.out / 'summary.csv'}\nreport: {report}")
    if interrupted:
        print("interrupted: run the same command again to finish", file=sys.stderr)
        return 130  # ferapp.cli.main says 143 when SIGTERM stopped it
    return 1 if counts["failed"] else 0
