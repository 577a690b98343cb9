"""One job per source: what it is, where its results go, and running it in a worker.

A job's JSON result records its fingerprint (the model file's SHA-256, the detector,
crop and smoothing settings, and the source's size and modification time) and whether
it is complete; a rerun skips a source whose complete result has the same fingerprint.
"""

from __future__ import annotations

import glob
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ferapp.core.errors import FerappError, SourceError
from ferapp.core.recognition.analysis import Outputs, analyze_source
from ferapp.core.recognition.recognizer import Recognizer
from ferapp.core.recognition.settings import RecognitionSettings
from ferapp.core.sources.opening import VIDEO_SUFFIXES, open_source

RESULT_VERSION = 2  # 2: yaw, roll and uncertain in every face's result


@dataclass(frozen=True)
class BatchSettings:
    """What every job of a batch uses (sent to each worker once per job)."""

    model: str
    model_sha256: str
    recognition: RecognitionSettings = field(default_factory=RecognitionSettings)
    csv: bool = True
    annotate: bool = False
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
    source: str  # a video, an image or a folder of images
    name: str  # unique within the batch: the files are <name>.json, <name>.csv, ...
    out: str  # the output folder

    def path(self, suffix: str) -> Path:
        return Path(self.out) / f"{self.name}{suffix}"

    def source_stamp(self) -> dict[str, Any]:
        stat = Path(self.source).stat()
        return {"size": stat.st_size, "mtime": round(stat.st_mtime, 3)}


@dataclass
class JobResult:
    source: str
    name: str
    status: str  # "done", "skipped" (already done), "failed: ..." or "interrupted"
    frames: int = 0
    faces: int = 0
    per_emotion: dict[str, int] = field(default_factory=dict)
    dominant: str | None = None
    seconds: float = 0.0
    worker: str = ""


def expand_sources(specs: list[str]) -> list[str]:
    """Paths, folders, globs and list files (``@list.txt``, or a ``.txt`` of paths) to
    sources: a folder holding videos gives each video; a folder of images is one source."""
    found: list[str] = []
    for spec in specs:
        if spec.startswith("@") or spec.lower().endswith(".txt"):
            listing = Path(spec.removeprefix("@"))
            try:
                lines = listing.read_text(encoding="utf-8-sig").splitlines()
            except OSError as exc:
                raise SourceError(f"cannot read the list {listing}: {exc.strerror or exc}") from exc
            found += expand_sources(
                [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]
            )
        elif any(ch in spec for ch in "*?["):
            matches = sorted(glob.glob(spec, recursive=True))
            if not matches:
                raise SourceError(f"no file matches {spec}")
            found += matches
        elif Path(spec).is_dir():
            videos = sorted(
                str(p) for p in Path(spec).iterdir() if p.suffix.lower() in VIDEO_SUFFIXES
            )
            found += videos or [spec]
        else:
            found.append(spec)
    unique = list(dict.fromkeys(found))
    if not unique:
        raise SourceError("no sources to analyse")
    return unique


def plan(sources: list[str], out: Path) -> list[Job]:
    """A job per source, each with a name of its own (the file name, made unique)."""
    jobs, taken = [], set()
    for source in sources:
        stem = Path(source).stem or "camera"
        name, n = stem, 2
        while name.lower() in taken:
            name, n = f"{stem}-{n}", n + 1
        taken.add(name.lower())
        jobs.append(Job(source, name, str(out)))
    return jobs


def finished(job: Job, settings: BatchSettings) -> JobResult | None:
    """The earlier result of ``job`` when it is complete and made the same way, else None."""
    try:
        data = json.loads(job.path(".json").read_text(encoding="utf-8"))
        if not data.get("complete") or data.get("fingerprint") != settings.fingerprint():
            return None
        if data.get("source_stamp") != job.source_stamp():
            return None
        if settings.csv and not job.path(".csv").is_file():
            return None
        summary = data["summary"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return JobResult(
        job.source, job.name, "skipped", summary["frames"], summary["faces"],
        summary["per_emotion"], summary["dominant"], data.get("seconds", 0.0),
    )  # fmt: skip


_RECOGNIZERS: dict[tuple, Recognizer] = {}  # per worker process: loaded once, used by every job
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters


def keep_frames_on_the_heap() -> None:
    """Undo, for this worker process, the allocator setting a Dask nanny starts it with.

    Dask sets MALLOC_TRIM_THRESHOLD_=65536 for its workers, which also pins glibc's mmap
    threshold at 128 KB: every frame (a 640x480 frame is 900 KB) is then mapped and
    unmapped from the kernel, and a worker ran 25 % slower than in a plain process.
    Frames are taken from the heap again (Linux with glibc; elsewhere nothing changes).
    """
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024)
        libc.mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024)
    except (OSError, AttributeError):
        pass


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
    import os
    import socket

    worker = f"{socket.gethostname()}:{os.getpid()}"
    done = finished(job, settings)
    if done is not None:
        done.worker = worker
        return done
    started = time.perf_counter()
    try:
        recognizer = _recognizer(settings)
        outputs = Outputs(
            csv=job.path(".csv") if settings.csv else None,
            json=job.path(".json"),
            annotate=job.path(".annotated.mp4") if settings.annotate else None,
            landmarks=settings.recognition.landmarks,
        )
        header = {
            "source": job.source,
            "model": Path(settings.model).name,
            "fingerprint": settings.fingerprint(),
            "source_stamp": job.source_stamp(),
        }
        with open_source(job.source) as source:
            result = analyze_source(source, recognizer, outputs, header=header)
    except FerappError as exc:
        return JobResult(job.source, job.name, f"failed: {exc}", worker=worker)
    except OSError as exc:
        return JobResult(job.source, job.name, f"failed: {exc.strerror or exc}", worker=worker)
    summary = result.summary
    if settings.timeline and not result.interrupted:
        from ferapp.batch.timeline import write_timeline

        write_timeline(job.path(".json"), job.path(".timeline.png"))
    return JobResult(
        job.source, job.name, "interrupted" if result.interrupted else "done",
        summary.frames, summary.faces, dict(summary.per_emotion), summary.dominant,
        time.perf_counter() - started, worker,
    )  # fmt: skip
