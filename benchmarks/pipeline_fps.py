"""Frames per second and per-stage milliseconds of the recognition pipeline vs a thesis-style loop.

    python benchmarks/pipeline_fps.py [--model PATH] [--frames N]

Both pipelines run in this process on the same generated 640x480 videos (1 and 3 real
faces from scikit-image's astronaut photograph):

* baseline (the thesis's loop): full-resolution Haar (scale factor 1.1) on the
  equalised frame, then ``model.predict`` once per face;
* ferapp: :class:`ferapp.core.pipeline.Pipeline` (detection on a 320-pixel copy, all
  faces of a frame in one compiled call).

It prints per-stage medians, frames per second, the speed-up ratio and whether both
found the same faces.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from ferapp.core.detector import FaceDetector, load_cascade  # noqa: E402

import trainer  # noqa: E402,F401  (oneDNN guard before TensorFlow)
from ferapp.core.classifier import EmotionClassifier  # noqa: E402
from ferapp.core.crop import crop_faces  # noqa: E402
from ferapp.core.drawing import draw_faces  # noqa: E402
from ferapp.core.frames import to_gray  # noqa: E402
from ferapp.core.locations import find_default_model  # noqa: E402
from ferapp.core.pipeline import FaceResult  # noqa: E402
from ferapp.core.smoothing import iou  # noqa: E402
from ferapp.core.sources import VideoSource  # noqa: E402
from tests import media  # noqa: E402

STAGES = ("read", "detect", "crop", "classify", "draw")


def load_model(path: Path | None) -> tuple[EmotionClassifier, str]:
    path = path or find_default_model()
    if path is not None:
        return EmotionClassifier.load(path), str(path.name)
    from ferapp.core.model_file import ModelInfo
    from trainer.architectures import mini_xception

    return EmotionClassifier(mini_xception(), ModelInfo()), "untrained mini-Xception"


def run_ferapp(video: Path, clf: EmotionClassifier) -> tuple[dict[str, list[float]], list]:
    detector = FaceDetector()
    times: dict[str, list[float]] = {s: [] for s in STAGES}
    boxes_per_frame = []
    with VideoSource(video) as source:
        iterator = iter(source)
        while True:
            t0 = time.perf_counter()
            frame = next(iterator, None)
            t1 = time.perf_counter()
            if frame is None:
                break
            gray = to_gray(frame.image)
            boxes = detector.detect(gray)
            t2 = time.perf_counter()
            crops = crop_faces(gray, boxes, clf.input_size)
            t3 = time.perf_counter()
            probs = clf.classify(crops)
            t4 = time.perf_counter()
            faces = [
                FaceResult(tuple(b), clf.class_names[int(p.argmax())], float(p.max()), tuple(p))
                for b, p in zip(boxes, probs, strict=True)
            ]
            draw_faces(frame.image, faces)
            t5 = time.perf_counter()
            for stage, dt in zip(
                STAGES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True
            ):
                times[stage].append(dt * 1e3)
            boxes_per_frame.append(boxes)
    return times, boxes_per_frame


def run_baseline(video: Path, clf: EmotionClassifier) -> tuple[dict[str, list[float]], list]:
    """The thesis's loop: full-size Haar at scale factor 1.1, fixed-pixel offsets, predict per face."""
    cascade = load_cascade()
    model = clf.model
    height, width = clf.input_size
    times: dict[str, list[float]] = {s: [] for s in STAGES}
    boxes_per_frame = []
    capture = cv2.VideoCapture(str(video))
    while True:
        t0 = time.perf_counter()
        ok, frame = capture.read()
        t1 = time.perf_counter()
        if not ok:
            break
        gray = cv2.equalizeHist(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
        found = cascade.detectMultiScale(
            gray, scaleFactor=1.1, minNeighbors=5, minSize=(30, 30), flags=cv2.CASCADE_SCALE_IMAGE
        )
        boxes = np.asarray(found, dtype=np.int32).reshape(-1, 4)
        t2 = time.perf_counter()
        crops = []
        for x, y, w, h in boxes:
            face = gray[max(y - 40, 0) : y + h + 40, max(x - 20, 0) : x + w + 20]
            crops.append(cv2.resize(face, (width, height)).astype(np.float32))
        t3 = time.perf_counter()
        labels = []
        for face in crops:  # one predict call per face, as in the thesis
            p = model.predict(face[np.newaxis, :, :, np.newaxis], verbose=0)
            labels.append(clf.class_names[int(np.argmax(p))])
        t4 = time.perf_counter()
        for (x, y, w, h), label in zip(boxes, labels, strict=True):
            cv2.rectangle(frame, (x, y), (x + w, y + h), (0, 255, 255), 2)
            cv2.putText(frame, label, (x, y - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (0, 255, 255), 2)
        t5 = time.perf_counter()
        for stage, dt in zip(STAGES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
            times[stage].append(dt * 1e3)
        boxes_per_frame.append(boxes)
    capture.release()
    return times, boxes_per_frame


def same_faces(a: list, b: list) -> bool:
    """Same number of faces in every frame and each box overlapping its partner by IoU > 0.5."""

    for fa, fb in zip(a, b, strict=True):
        if len(fa) != len(fb):
            return False
        fb_sorted = sorted(fb.tolist())
        for p, q in zip(sorted(fa.tolist()), fb_sorted, strict=True):
            if iou(tuple(p), tuple(q)) <= 0.5:
                return False
    return True


def summarize(name: str, times: dict[str, list[float]]) -> float:
    medians = {s: statistics.median(v) for s, v in times.items()}
    total = sum(statistics.mean(v) for v in times.values())
    stages = "  ".join(f"{s} {medians[s]:6.2f}" for s in STAGES)
    print(f"  {name:9s} {stages}  | {total:6.1f} ms/frame  {1000 / total:6.1f} fps")
    return 1000 / total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path)
    parser.add_argument("--frames", type=int, default=60)
    args = parser.parse_args()
    clf, model_name = load_model(args.model)
    print(f"model: {model_name}; 640x480 video, {args.frames} frames; stage medians in ms")
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        for faces in (1, 3):
            video = media.face_video(Path(tmp) / f"faces{faces}.avi", args.frames, faces)
            run_ferapp(video, clf)  # warm-up: compile the graph, fill caches
            run_baseline(video, clf)
            base_times, base_boxes = run_baseline(video, clf)
            ours_times, our_boxes = run_ferapp(video, clf)
            print(f"{faces} face(s):")
            base_fps = summarize("baseline", base_times)
            ours_fps = summarize("ferapp", ours_times)
            ratio = ours_fps / base_fps
            ratios.append(ratio)
            found = sum(len(b) for b in our_boxes) / len(our_boxes)
            print(
                f"  speed-up {ratio:.1f}x; faces per frame {found:.2f}; same faces as the "
                f"baseline: {'yes' if same_faces(our_boxes, base_boxes) else 'NO'}"
            )
    print(f"throughput ratio vs baseline: {min(ratios):.1f}x (1 face) .. {max(ratios):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
