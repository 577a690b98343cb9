"""`ferapp analyze`: emotions of every face in an image, image folder, video or camera."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import cv2
from tqdm import tqdm

from ferapp.cli.options import (
    add_detector_options,
    add_model_options,
    crop_settings,
    detector_settings,
    load_classifier,
)
from ferapp.core.detector import FaceDetector
from ferapp.core.drawing import draw_faces
from ferapp.core.errors import FerappError
from ferapp.core.export import ResultCsvWriter, RunSummary, write_json
from ferapp.core.pipeline import FrameResult, Pipeline
from ferapp.core.smoothing import FaceTracker
from ferapp.core.sources import CameraSource, FolderSource, FrameSource, VideoSource, open_source


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze",
        help="find faces and their emotions in images, videos or a camera",
        description="Find every face and its emotion. SOURCE is an image, a folder "
        "of images, a video file or a camera number.",
    )
    p.add_argument(
        "source", help="image, folder of images, video file, or camera number (0, 1, ...)"
    )
    p.add_argument("--csv", type=Path, help="write one row per face (and per face-less frame)")
    p.add_argument("--json", type=Path, help="write all results and the summary as JSON")
    p.add_argument(
        "--annotate",
        type=Path,
        help="write annotated output: an image file for an image, a folder for a "
        "folder, a video file (.mp4/.avi) for a video or camera",
    )
    p.add_argument(
        "--max-frames",
        type=int,
        default=0,
        help="stop after this many frames (0 = all; a camera runs until Ctrl-C)",
    )
    p.add_argument(
        "--smooth",
        type=float,
        default=0.0,
        help="for videos and cameras: average each face's probabilities over frames "
        "(0 = off, 0.6 = moderate; faces are tracked by position)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_model_options(p)
    add_detector_options(p)
    p.set_defaults(run=run)


class _Annotator:
    """Writes annotated frames where the user asked: one image, a folder, or a video."""

    def __init__(self, target: Path, source: FrameSource) -> None:
        self.target = target
        self.to_folder = isinstance(source, FolderSource)
        self.to_video = source_is_stream(source)
        self.fps = getattr(source, "fps", 0.0) or 30.0
        self._writer: cv2.VideoWriter | None = None
        if self.to_folder:
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)

    def write(self, name: str, image) -> None:
        if self.to_video:
            if self._writer is None:
                fourcc = cv2.VideoWriter_fourcc(
                    *("MJPG" if self.target.suffix.lower() == ".avi" else "mp4v")
                )
                h, w = image.shape[:2]
                self._writer = cv2.VideoWriter(str(self.target), fourcc, self.fps, (w, h))
                if not self._writer.isOpened():
                    raise FerappError(f"cannot write video {self.target}: use a .mp4 or .avi name")
            self._writer.write(image)
            return
        path = self.target / name if self.to_folder else self.target
        ok, data = cv2.imencode(path.suffix or ".png", image)
        if not ok:
            raise FerappError(f"cannot write image {path}: unsupported file type {path.suffix!r}")
        data.tofile(str(path))

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None


def _frame_record(
    name: str, index: int, time_ms: float, result: FrameResult, class_names: tuple[str, ...]
) -> dict[str, Any]:
    return {
        "source": name,
        "frame": index,
        "time_ms": round(time_ms, 1),
        "faces": [
            {
                "box": list(f.box),
                "track": f.track,
                "label": f.label,
                "confidence": round(f.confidence, 4),
                "probabilities": {
                    c: round(p, 4) for c, p in zip(class_names, f.probabilities, strict=True)
                },
            }
            for f in result.faces
        ],
    }


def source_is_stream(source: FrameSource) -> bool:
    """Frames of one scene over time (where smoothing makes sense), not separate photos."""
    return isinstance(source, VideoSource | CameraSource)


def run(args: argparse.Namespace) -> int:
    if not 0.0 <= args.smooth < 1.0:
        raise FerappError(f"--smooth must be at least 0 and below 1, got {args.smooth}")
    classifier = load_classifier(args)
    pipeline = Pipeline(FaceDetector(detector_settings(args)), classifier, crop_settings(args))
    source = open_source(args.source)
    names = classifier.class_names
    summary = RunSummary()
    records: list[dict[str, Any]] = []
    csv_writer = ResultCsvWriter(args.csv, names) if args.csv else None
    annotator = _Annotator(args.annotate, source) if args.annotate else None
    total = len(source) or None
    if args.max_frames and total:
        total = min(total, args.max_frames)
    tracker = FaceTracker(args.smooth) if args.smooth and source_is_stream(source) else None
    started = time.perf_counter()
    interrupted = False
    try:
        with (
            source,
            tqdm(
                total=total,
                unit="frame",
                disable=args.quiet or total == 1,
                file=sys.stderr,
                desc="analyzing",
            ) as bar,
        ):
            for frame in source:
                result = pipeline.process(frame.image)
                if tracker is not None:
                    result = replace(result, faces=tracker.update(result.faces, names))
                summary.add(result)
                if csv_writer:
                    csv_writer.write(frame.name, frame.index, frame.time_ms, result)
                if args.json:
                    records.append(
                        _frame_record(frame.name, frame.index, frame.time_ms, result, names)
                    )
                if annotator:
                    annotator.write(frame.name, draw_faces(frame.image.copy(), result.faces))
                bar.update(1)
                if args.max_frames and summary.frames >= args.max_frames:
                    break
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if csv_writer:
            csv_writer.close()
        if annotator:
            annotator.close()
    summary.skipped = [f"{p.name} ({why})" for p, why in getattr(source, "skipped", [])]
    elapsed = time.perf_counter() - started
    if args.json:
        write_json(
            args.json,
            {
                "source": str(args.source),
                "model": classifier.source,
                "class_names": list(names),
                "frames": records,
                "summary": summary.as_dict(),
                "interrupted": interrupted,
            },
        )
    print(summary.text())
    print(
        f"time: {elapsed:.1f} s ({summary.frames / max(elapsed, 1e-9):.1f} frames/s)"
        + (" - interrupted, partial results written" if interrupted else "")
    )
    return 130 if interrupted else 0
