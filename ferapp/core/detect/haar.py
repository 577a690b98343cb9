"""The thesis's face detector: OpenCV's frontal-face Haar cascade, on a downscaled copy."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from ferapp.core.detect.base import Detections, DetectorSettings, downscaled
from ferapp.core.errors import DetectorError

CASCADE_FILE = "haarcascade_frontalface_default.xml"
# The Haar cascade's own window is 24x24 pixels: smaller minimum sizes do nothing.
CASCADE_WINDOW = 24


def cascade_search_paths() -> list[Path]:
    """Where the frontal-face cascade may live: the frozen bundle first, then OpenCV's data."""
    paths: list[Path] = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        paths += [Path(bundle) / "cv2" / "data" / CASCADE_FILE, Path(bundle) / CASCADE_FILE]
    cv2_data = getattr(getattr(cv2, "data", None), "haarcascades", None)
    if cv2_data:
        paths.append(Path(cv2_data) / CASCADE_FILE)
    paths.append(Path(cv2.__file__).parent / "data" / CASCADE_FILE)
    return paths


def find_cascade() -> Path:
    """Path of the frontal-face cascade, or DetectorError listing where it was looked for."""
    candidates = cascade_search_paths()
    for path in candidates:
        if path.is_file():
            return path
    looked = "\n  ".join(str(p) for p in candidates)
    raise DetectorError(f"face detector file {CASCADE_FILE} not found; looked in:\n  {looked}")


def load_cascade(path: Path | None = None) -> cv2.CascadeClassifier:
    """Load a cascade and fail loudly: an empty classifier would silently find no faces."""
    if not hasattr(cv2, "CascadeClassifier"):
        raise DetectorError(
            f"this OpenCV build ({cv2.__version__}) has no CascadeClassifier; install "
            "opencv-python-headless 4.x"
        )
    path = path or find_cascade()
    if not path.is_file():
        raise DetectorError(f"face detector file not found: {path}")
    classifier = cv2.CascadeClassifier()
    # The C++ loader cannot open non-ASCII paths on Windows; FileStorage in memory can.
    try:
        storage = cv2.FileStorage(
            path.read_text(encoding="utf-8", errors="replace"),
            cv2.FILE_STORAGE_READ | cv2.FILE_STORAGE_MEMORY,
        )
        loaded = storage.isOpened() and classifier.read(storage.getFirstTopLevelNode())
        storage.release()
    except (cv2.error, SystemError, OSError):
        loaded = False
    if not loaded or classifier.empty():
        raise DetectorError(
            f"face detector file {path} could not be loaded (damaged or not a cascade)"
        )
    return classifier


class HaarDetector:
    """Finds upright, frontal faces; boxes only (no landmarks), sorted left to right."""

    def __init__(self, settings: DetectorSettings | None = None, cascade: Path | None = None):
        self.settings = replace(settings or DetectorSettings(), detector="haar").validated()
        self._cascade = load_cascade(cascade)

    def detect(self, bgr: np.ndarray) -> Detections:
        s = self.settings
        small, scale = downscaled(bgr, s.detect_width)
        min_side = max(CASCADE_WINDOW, round(s.min_size * scale))
        if min(small.shape[:2]) < min_side:
            return Detections.none()
        gray = small if small.ndim == 2 else cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
        found = self._cascade.detectMultiScale(
            cv2.equalizeHist(gray),
            scaleFactor=s.scale_factor,
            minNeighbors=s.min_neighbors,
            minSize=(min_side, min_side),
            flags=cv2.CASCADE_SCALE_IMAGE,
        )
        boxes = np.rint(np.asarray(found, dtype=np.float64).reshape(-1, 4) / scale)
        boxes = one_box_per_face(boxes.astype(np.int32))
        detections = Detections(boxes, None, np.ones(len(boxes), np.float32))
        return detections.sorted_left_to_right()


def one_box_per_face(boxes: np.ndarray, max_overlap: float = 0.5) -> np.ndarray:
    """The cascade can give one face two boxes (a face and its lower half, say), each then
    labelled on its own: keep the larger where most of the smaller lies inside it."""
    order = np.argsort(-(boxes[:, 2] * boxes[:, 3]), kind="stable")
    kept: list[np.ndarray] = []
    for box in boxes[order]:
        x, y, w, h = box
        inside = [
            max(0, min(x + w, k[0] + k[2]) - max(x, k[0]))
            * max(0, min(y + h, k[1] + k[3]) - max(y, k[1]))
            / max(1, w * h)
            for k in kept
        ]
        if not inside or max(inside) <= max_overlap:
            kept.append(box)
    return np.array(kept, np.int32).reshape(-1, 4)
