"""What the live view's reuse costs in quality and saves in time, against every frame afresh.

    python benchmarks/live_reuse.py [--video PATH] [--frames 300]

Runs the core's Recognizer over a 30 fps video (five moving faces by default, or your
own footage) once doing everything on every frame (the baseline, as ``ferapp analyze``
does) and once for each reuse setting (classify each face at most every N ms, look for
faces at most every M ms; see ferapp/core/recognition/reuse.py), in the same run. For
each: milliseconds per frame, and against the baseline frame by frame, the share of
frames showing as many faces, the mean overlap (IoU) of each face's box with its
nearest, and the share of faces given the same label.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ferapp.core.faces.results import FaceResult  # noqa: E402
from ferapp.core.faces.tracking import iou  # noqa: E402
from ferapp.core.locations import resolve_model_path  # noqa: E402
from ferapp.core.model.classifier import EmotionClassifier  # noqa: E402
from ferapp.core.recognition.recognizer import Recognizer  # noqa: E402
from ferapp.core.recognition.settings import RecognitionSettings  # noqa: E402

SETTINGS = ((0, 0), (100, 0), (300, 0), (250, 60), (300, 60), (500, 60))  # classify, detect


def read_frames(path: Path, limit: int) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while len(frames) < limit:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames


def run(recognizer: Recognizer, frames: list[np.ndarray]) -> tuple[list, float]:
    started = time.perf_counter()
    shown = [
        recognizer.process(f, "v", i, i * 1000 / 30).result.faces for i, f in enumerate(frames)
    ]
    return shown, (time.perf_counter() - started) / len(frames) * 1e3


def compare(base: list[tuple[FaceResult, ...]], other: list[tuple[FaceResult, ...]]) -> tuple:
    same_count = np.mean([len(a) == len(b) for a, b in zip(base, other, strict=True)])
    overlaps, agree = [], []
    for a, b in zip(base, other, strict=True):
        for face in a:
            nearest = max(b, key=lambda f: iou(face.box, f.box), default=None)
            if nearest is not None:
                overlaps.append(iou(face.box, nearest.box))
                agree.append(face.label == nearest.label)
    return same_count, float(np.mean(overlaps)), float(np.mean(agree))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, help="30 fps footage (default: five faces)")
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--model", default="", help="model file or shipped name (default model)")
    args = parser.parse_args()
    cv2.setNumThreads(1)  # as the window's recogniser runs
    with tempfile.TemporaryDirectory() as folder:
        video = args.video
        if video is None:
            from tests.support import crowd_video

            video = crowd_video(Path(folder) / "crowd.avi", n_frames=args.frames)
        frames = read_frames(video, args.frames)
    classifier = EmotionClassifier.load(resolve_model_path(args.model or None), threads=1)
    print(f"{len(frames)} frames, model {classifier.precision}")
    print(f"{'classify/detect every':>22s} {'ms/frame':>9s} {'same count':>11s} "
          f"{'box IoU':>8s} {'same label':>11s}")  # fmt: skip
    base = None
    for classify_ms, detect_ms in SETTINGS:
        settings = replace(
            RecognitionSettings(), classify_every_ms=classify_ms, detect_every_ms=detect_ms
        )
        shown, ms = run(Recognizer.from_settings(settings, classifier), frames)
        if base is None:
            base, base_ms = shown, ms
        same, overlap, agree = compare(base, shown)
        print(f"{classify_ms:>11.0f} / {detect_ms:>4.0f} ms {ms:9.2f} {same:11.1%} "
              f"{overlap:8.3f} {agree:11.1%}   {base_ms / ms:.2f}x faster")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
