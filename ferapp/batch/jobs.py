"""One job per source: what it is, where its results go, and running it in a worker.

A source's result is keyed by the settings that make it (the model file's SHA-256, the
detector, crop and smoothing settings), the source's resolved path and its content
stamp. A job is done when its marker (``.ferapp-done/<name>.json`` in the output folder,
written last) has the same key and every output the current settings want is there,
with the size the marker recorded; a rerun skips such a job and redoes any other.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ferapp.batch.sources import (
    ANNOTATED_SUFFIX,
    BATCH_FILES,
    DONE_FOLDER,
    TIMELINE_SUFFIX,
    Source,
    content_stamp,
)
from ferapp.batch.workers import job_running, keep_frames_on_the_heap, stopping
from ferapp.core.errors import FerappError, SourceError
from ferapp.core.files import write_text_atomic
from ferapp.core.recognition.analysis import Outputs, analyze_source
from ferapp.core.recognition.recognizer import Recognizer
from ferapp.core.recognition.settings import RecognitionSettings
from ferapp.core.sources.opening import FolderSource, open_source

RESULT_VERSION = 2  # 2: yaw, roll and uncertain in every face's result


@dataclass(frozen=True)
class BatchSettings:
    """What every job of a batch uses (sent to each worker once per job)."""

    model: str
    model_sha256: str
    recognition: RecognitionSettings = field(default_factory=RecognitionSettings)
    csv: bool = True
    annotate: bool = False  # videos only: images and folders are not annotated
    timeline: bool = True

    def fingerprint(self) -> dict[str, Any]:
        """What makes two runs' results the same (not where they are written)."""
        return {
            "version": RESULT_VERSION,
            "model_sha256": self.model_sha256,
            **self.recognition.fingerprint(),
        }


@dataclass(frozen=True)
class Job:
    source: str  # a video, an image or a folder of images, as the user named it
    name: str  # unique within the batch: the files are <name>.json, <name>.csv, ...
    out: str  # the output folder
    members: tuple[str, ...] = ()  # the files its result depends on (a folder's images)
    resolved: str = ""  # the source's absolute path, links resolved

    def path(self, suffix: str) -> Path:
        return Path(self.out) / f"{self.name}{suffix}"

    def marker(self) -> Path:
        return Path(self.out) / DONE_FOLDER / f"{self.name}.json"

    def key(self, settings: BatchSettings) -> dict[str, Any]:
        """What this source's result depends on: settings, path and content."""
        try:
            content = content_stamp(self.members or (self.source,))
        except OSError as exc:
            raise SourceError(f"cannot read {exc.filename}: {exc.strerror or exc}") from exc
        where = self.resolved or os.path.realpath(self.source)
        return {"settings": settings.fingerprint(), "source": where, "content": content}

    def outputs(self, settings: BatchSettings, kind: str) -> list[Path]:
        """Every file this job writes with these settings for a source of this kind."""
        paths = [self.path(".json")]
        paths += [self.path(".csv")] if settings.csv else []
        paths += [self.path(TIMELINE_SUFFIX)] if settings.timeline else []
        paths += [self.path(ANNOTATED_SUFFIX)] if settings.annotate and kind == "video" else []
        return paths


@dataclass
class JobResult:
    source: str
    name: str
    status: str  # "done", "skipped" (already done), "failed: ...", "interrupted", "not run"
    frames: int = 0
    faces: int = 0
    per_emotion: dict[str, int] = field(default_factory=dict)
    dominant: str | None = None
    seconds: float = 0.0
    worker: str = ""
    kind: str = ""  # "video", "image" or "folder" once opened


def plan(sources: list[Source], out: Path) -> list[Job]:
    """A job per source, each with a name of its own (the file name, made unique, and
    never that of the batch's summary or report)."""
    jobs: list[Job] = []
    taken = {Path(name).stem for name in BATCH_FILES}
    for source in sources:
        resolved = os.path.realpath(source.path)
        stem = (Path(resolved).name if source.folder else Path(source.path).stem) or "source"
        name, n = stem, 2
        while name.lower() in taken:
            name, n = f"{stem}-{n}", n + 1
        taken.add(name.lower())
        jobs.append(Job(source.path, name, str(out), source.members, resolved))
    return jobs


def finished(job: Job, settings: BatchSettings, key: dict[str, Any]) -> JobResult | None:
    """The earlier result of ``job`` when it was made from the same key and all its
    outputs are there and whole, else None."""
    try:
        marker = json.loads(job.marker().read_text(encoding="utf-8"))
        if marker.get("key") != key:
            return None
        written = marker["outputs"]
        for path in job.outputs(settings, marker["kind"]):
            if written.get(path.name) != path.stat().st_size:
                return None
        summary = marker["summary"]
        return JobResult(
            job.source, job.name, "skipped", summary["frames"], summary["faces"],
            summary["per_emotion"], summary["dominant"], marker.get("seconds", 0.0),
            kind=marker["kind"],
        )  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


_RECOGNIZERS: dict[tuple, Recognizer] = {}  # per worker process: loaded once, used by every job


def _recognizer(settings: BatchSettings) -> Recognizer:
    """This worker's recognizer for these settings, made once and kept for later jobs."""
    from ferapp.core.model.classifier import EmotionClassifier

    key = (settings.model, settings.model_sha256, settings.recognition)
    if key not in _RECOGNIZERS:
        import cv2

        # One worker, one core: OpenCV's own threads would fight the other workers'
        # (two workers then ran at 1.4x one, instead of nearly 2x).
        cv2.setNumThreads(1)
        keep_frames_on_the_heap()
        classifier = EmotionClassifier.load(settings.model, threads=1)
        _RECOGNIZERS[key] = Recognizer.from_settings(settings.recognition, classifier)
    recognizer = _RECOGNIZERS[key]
    recognizer.tracking.reset()
    return recognizer


def run_job(job: Job, settings: BatchSettings) -> JobResult:
    """Analyse one source into its result files (in whatever process runs this)."""
    import socket

    worker = f"{socket.gethostname()}:{os.getpid()}"
    if stopping():
        return JobResult(job.source, job.name, "not run", worker=worker)
    try:
        with job_running():
            result = _analyse(job, settings)
    except KeyboardInterrupt:  # Ctrl-C here, or the parent's stop in a worker
        result = JobResult(job.source, job.name, "interrupted")
    except FerappError as exc:
        result = JobResult(job.source, job.name, f"failed: {exc}")
    except OSError as exc:  # an output that cannot be written: a full disk, say
        where = f"{exc.filename}: " if exc.filename else ""
        result = JobResult(job.source, job.name, f"failed: {where}{exc.strerror or exc}")
    result.worker = worker
    return result


def _analyse(job: Job, settings: BatchSettings) -> JobResult:
    key = job.key(settings)
    done = finished(job, settings, key)
    if done is not None:
        return done
    job.marker().unlink(missing_ok=True)  # the marker comes last, when all is written
    started = time.perf_counter()
    recognizer = _recognizer(settings)
    header = {
        "source": job.source,
        "model": Path(settings.model).name,
        "fingerprint": settings.fingerprint(),
        "key": key,
    }
    with open_source(job.source) as source:
        if isinstance(source, FolderSource) and job.members:  # not the batch's own outputs
            source.paths = [Path(member) for member in job.members]
        kind = source.kind
        outputs = Outputs(
            csv=job.path(".csv") if settings.csv else None,
            json=job.path(".json"),
            annotate=job.path(ANNOTATED_SUFFIX) if settings.annotate and kind == "video" else None,
            landmarks=settings.recognition.landmarks,
        )
        result = analyze_source(source, recognizer, outputs, header=header)
    summary = result.summary
    counts = {
        "frames": summary.frames, "faces": summary.faces,
        "per_emotion": dict(summary.per_emotion), "dominant": summary.dominant,
    }  # fmt: skip
    status = "interrupted" if result.interrupted else "done"
    seconds = time.perf_counter() - started
    if not result.interrupted:
        if settings.timeline:
            from ferapp.batch.timeline import write_timeline

            write_timeline(job.path(".json"), job.path(TIMELINE_SUFFIX))
        present = [p for p in job.outputs(settings, kind) if p.exists()]
        written = {p.name: p.stat().st_size for p in present}
        marker = {"key": key, "kind": kind, "outputs": written, "summary": counts}
        job.marker().parent.mkdir(exist_ok=True)
        write_text_atomic(job.marker(), json.dumps({**marker, "seconds": seconds}, indent=1))
    return JobResult(job.source, job.name, status, **counts, seconds=seconds, kind=kind)
