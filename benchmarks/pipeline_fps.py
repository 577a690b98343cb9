"""Faces found and milliseconds per frame: ferapp's pipeline by detector and detection width,
against the thesis's loop, on footage with several people.

    python benchmarks/pipeline_fps.py [--video PATH ...] [--model PATH] [--frames 300]

Without --video, the footage is a generated 640x480 scene with five people (real faces
from public-domain photographs, turned, tilted, small and partly hidden; see
``tests/support.py: crowd_frame``). Give your own footage with --video (any number).

Two tables, both measured in this run:

1. Per frame, in this process: decode + detect + crop (aligned for YuNet) + classify
   (all faces in one call), for each detector and width; frames with a face and faces
   found. The baseline is the thesis's loop: full-resolution Haar (scale factor 1.1,
   minNeighbors 5, minSize 30) on the equalised frame, then ``model.predict`` per face.
2. End to end, process start included: ``ferapp analyze VIDEO`` at its defaults against
   the thesis's loop as its own process (importing TensorFlow, loading the same model).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from ferapp.core.detect.base import DetectorSettings  # noqa: E402
from ferapp.core.detect.factory import create_detector  # noqa: E402
from ferapp.core.locations import resolve_model_path  # noqa: E402
from ferapp.core.model.classifier import EmotionClassifier  # noqa: E402
from ferapp.core.recognition.pipeline import Pipeline  # noqa: E402
from ferapp.core.sources.captures import VideoSource  # noqa: E402

CONFIGS = [
    ("haar", 0),
    ("haar", 320),
    ("yunet", 0),
    ("yunet", 480),
    ("yunet", 320),
    ("yunet", 240),
]


def thesis_loop(video: Path, model_path: Path) -> tuple[list[float], int, int]:
    """The thesis's per-frame loop; returns ms per frame, frames with a face, faces."""
    import keras

    from ferapp.core.detect.haar import load_cascade

    cascade = load_cascade()
    model = keras.saving.load_model(model_path, compile=False)
    height, width = model.inputs[0].shape[1:3]
    times, with_face, faces = [], 0, 0
    capture = cv2.VideoCapture(str(video))
    while True:
        t0 = time.perf_counter()
        ok, frame = capture.read()
        if not ok:
            break
        gray = cv2.equalizeHist(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
        boxes = cascade.detectMultiScale(
            gray, scaleFactor=1.1, minNeighbors=5, minSize=(30, 30), flags=cv2.CASCADE_SCALE_IMAGE
        )
        for x, y, w, h in np.asarray(boxes).reshape(-1, 4):  # one predict call per face
            face = gray[max(y - 40, 0) : y + h + 40, max(x - 20, 0) : x + w + 20]
            crop = cv2.resize(face, (width, height)).astype(np.float32)
            label = int(np.argmax(model.predict(crop[None, :, :, None], verbose=0)))
            cv2.rectangle(frame, (x, y), (x + w, y + h), (0, 255, 255), 2)
            cv2.putText(
                frame, str(label), (x, y - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (0, 255, 255)
            )
        times.append((time.perf_counter() - t0) * 1e3)
        with_face += len(boxes) > 0
        faces += len(boxes)
    capture.release()
    return times, with_face, faces


def ferapp_loop(video: Path, pipeline: Pipeline) -> tuple[list[float], int, int]:
    times, with_face, faces = [], 0, 0
    with VideoSource(video) as source:
        frames = iter(source)
        while True:
            t0 = time.perf_counter()
            frame = next(frames, None)
            if frame is None:
                break
            found = pipeline.process(frame.image).faces
            times.append((time.perf_counter() - t0) * 1e3)
            with_face += bool(found)
            faces += len(found)
    return times, with_face, faces


def end_to_end(video: Path, model: Path) -> tuple[float, float, int, int]:
    """Wall seconds of the thesis loop and of `ferapp analyze` as processes; faces of each."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    t0 = time.perf_counter()
    thesis = subprocess.run(
        [sys.executable, __file__, "--thesis-process", str(video), "--model", str(model)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    thesis_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours = subprocess.run(
        [sys.executable, "-m", "ferapp", "analyze", str(video), "--model", str(model), "--quiet"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    ours_s = time.perf_counter() - t0
    thesis_faces = int(thesis.stdout.split()[-1])
    ours_faces = int(re.search(r"faces found: (\d+)", ours.stdout).group(1))
    return thesis_s, ours_s, thesis_faces, ours_faces


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--video", type=Path, action="append", help="footage to measure on")
    parser.add_argument("--model", type=Path)
    parser.add_argument("--frames", type=int, default=300, help="length of the generated scene")
    parser.add_argument("--thesis-process", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    model = resolve_model_path(args.model)
    if args.thesis_process:
        _, _, faces = thesis_loop(args.thesis_process, model)
        print(f"faces {faces}")
        return 0
    classifier = EmotionClassifier.load(model)
    with tempfile.TemporaryDirectory() as tmp:
        videos = args.video
        if not videos:
            from tests.support import crowd_video

            videos = [crowd_video(Path(tmp) / "crowd.avi", args.frames)]
        for video in videos:
            measure(video, model, classifier)
    return 0


def measure(video: Path, model: Path, classifier: EmotionClassifier) -> None:
    capture = cv2.VideoCapture(str(video))
    width, height = (
        int(capture.get(p)) for p in (cv2.CAP_PROP_FRAME_WIDTH, cv2.CAP_PROP_FRAME_HEIGHT)
    )
    count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    capture.release()
    print(
        f"\n{video.name}: {width}x{height}, {count} frames; model {model.name} "
        f"({classifier.precision})"
    )
    ferapp_loop(video, Pipeline(create_detector(), classifier))  # warm-up
    base, base_with, base_faces = thesis_loop(video, model)
    base_ms = statistics.mean(base)
    print("| pipeline | ms per frame | frames with a face | faces | speed vs thesis loop |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| thesis loop: Haar full frame, `predict` per face | {base_ms:.1f} | {base_with} | "
        f"{base_faces} | 1.0x |"
    )
    for detector, width in CONFIGS:
        settings = DetectorSettings(detector=detector, detect_width=width)
        pipeline = Pipeline(create_detector(settings), classifier)
        times, with_face, faces = ferapp_loop(video, pipeline)
        ms = statistics.mean(times)
        name = f"{detector}, {'full frame' if not width else f'{width} wide'}"
        default = " (default)" if settings == DetectorSettings() else ""
        print(
            f"| ferapp: {name}{default} | {ms:.1f} | {with_face} | {faces} | {base_ms / ms:.1f}x |"
        )
    thesis_s, ours_s, thesis_faces, ours_faces = end_to_end(video, model)
    print(
        f"\nend to end, process start included: thesis loop {thesis_s:.1f} s "
        f"({thesis_faces} faces), `ferapp analyze` {ours_s:.1f} s ({ours_faces} faces): "
        f"{thesis_s / ours_s:.1f}x"
    )


if __name__ == "__main__":
    sys.exit(main())
