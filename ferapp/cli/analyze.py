"""`ferapp analyze`: emotions of every face in an image, image folder, video or camera."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tqdm import tqdm

from ferapp.cli.options import (
    add_blur_option,
    add_model_options,
    add_recognition_options,
    load_classifier,
    recognition_settings,
)
from ferapp.core.errors import FerappError
from ferapp.core.faces.results import FaceResult
from ferapp.core.recognition.analysis import Outputs, analyze_source
from ferapp.core.recognition.recognizer import Recognizer
from ferapp.core.sources.opening import open_source


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze",
        help="find faces and their emotions in images, videos or a camera",
        description="Find every face and its emotion. SOURCE is an image, a folder "
        "of images, a video file or a camera number. Several sources (paths, folders of "
        "videos, globs, or @list.txt) make a batch: give --out DIR for their results.",
    )
    p.add_argument(
        "source",
        nargs="+",
        help="image, folder of images, video file, or camera number (0, 1, ...); for a "
        "batch, several of them, a folder of videos, a glob or @list.txt",
    )
    p.add_argument(
        "--csv",
        type=Path,
        help="write one row per face (and per face-less frame); the file appears when the "
        "run ends, while a pipe or /dev/stdout gets the rows as they come",
    )
    p.add_argument("--json", type=Path, help="write all results and the summary as JSON (as --csv)")
    p.add_argument(
        "--landmarks",
        action="store_true",
        help="add the five landmarks (eyes, nose, mouth corners; YuNet) to the CSV",
    )
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
    add_blur_option(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    batch = p.add_argument_group(
        "batch",
        "many sources at once: one result per source in --out (CSV, JSON, timeline picture), "
        "a summary table and report.html; a rerun skips sources already done",
    )
    batch.add_argument("--out", type=Path, help="folder for a batch's results")
    batch.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help=f"processes on this machine (default: the number of cores, {os.cpu_count()})",
    )
    batch.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a Dask cluster (tcp://host:8786); the workers must see --out",
    )
    batch.add_argument(
        "--annotate-videos", action="store_true", help="also write <name>.annotated.mp4"
    )
    batch.add_argument("--no-timeline", action="store_true", help="no timeline pictures")
    add_model_options(p)
    add_recognition_options(p)
    p.set_defaults(run=run)


def looks_like_batch(spec: str) -> bool:
    """A list file, a glob or a folder holding videos: many sources. A name the system
    cannot look up (too long, a link loop) is no batch: opening it says what is wrong."""
    from ferapp.core.sources.opening import VIDEO_SUFFIXES

    if spec.startswith("@") or spec.lower().endswith(".txt") or any(c in spec for c in "*?["):
        return True
    folder = Path(spec)
    try:
        return folder.is_dir() and any(p.suffix.lower() in VIDEO_SUFFIXES for p in folder.iterdir())
    except OSError:
        return False


def build_recognizer(args: argparse.Namespace) -> Recognizer:
    """The model and the recognition the options name (checked before any work)."""
    settings = recognition_settings(args)
    return Recognizer.from_settings(settings, load_classifier(args))


def run(args: argparse.Namespace) -> int:
    if args.out is not None or len(args.source) > 1 or looks_like_batch(args.source[0]):
        from ferapp.cli.batch import run_batch

        return run_batch(args)
    for option in ("workers", "scheduler", "annotate_videos"):
        if option != "workers" and getattr(args, option):
            raise FerappError(f"--{option.replace('_', '-')} is for batches: give --out DIR")
    if args.max_frames < 0:
        raise FerappError(f"--max-frames must be 0 (all) or more, got {args.max_frames}")
    args.source = args.source[0]
    recognizer = build_recognizer(args)
    outputs = Outputs(args.csv, args.json, args.annotate, args.landmarks)
    classifier = recognizer.pipeline.classifier
    header = {"source": str(args.source), "model": classifier.source if classifier else ""}
    with open_source(args.source) as source:
        faces = remember_faces(recognizer) if source.kind == "image" else None
        total = len(source) or None
        if args.max_frames and total:
            total = min(total, args.max_frames)
        with tqdm(
            total=total,
            unit="frame",
            disable=args.quiet or total == 1,
            file=sys.stderr,
            desc="analysing",
        ) as bar:
            result = analyze_source(
                source,
                recognizer,
                outputs,
                header=header,
                max_frames=args.max_frames,
                on_frame=lambda _done: bar.update(1),
            )
    for warning in result.warnings:
        print(f"ferapp analyze: warning: {warning}", file=sys.stderr)
    if faces is not None:  # one photo: each face's label, not only the counts
        print("\n".join(face_lines(faces)) or "no face found")
    print(result.summary.text())
    frames_per_s = result.summary.frames / max(result.seconds, 1e-9)
    print(
        f"time: {result.seconds:.1f} s ({frames_per_s:.1f} frames/s)"
        + (" - interrupted, partial results written" if result.interrupted else "")
    )
    return 130 if result.interrupted else 0


def remember_faces(recognizer: Recognizer) -> list[FaceResult]:
    """A list that holds the faces of the last frame ``recognizer`` processes."""
    faces: list[FaceResult] = []
    process = recognizer.process

    def remembering(*args, **kwargs):
        seen = process(*args, **kwargs)
        faces[:] = seen.result.faces
        return seen

    recognizer.process = remembering  # type: ignore[method-assign]
    return faces


def face_lines(faces: list[FaceResult]) -> list[str]:
    """'face 1: happy 87% at x 120, y 80, 96x96' per face; uncertain ones say why."""
    lines = []
    for i, face in enumerate(faces, 1):
        x, y, w, h = face.box
        text = f"{face.label} {face.confidence:.0%}" if face.label else "no label"
        why = f" (uncertain: {face.uncertain})" if face.uncertain else ""
        lines.append(f"face {face.number or i}: {text}{why} at x {x}, y {y}, {w}x{h}")
    return lines
