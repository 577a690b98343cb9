"""Haar-cascade face detection with the thesis's three settings plus detection on a smaller copy."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ferapp.core.errors import DetectorError

CASCADE_FILE = "haarcascade_frontalface_default.xml"
# The Haar cascade's own window is 24x24 pixels: smaller minimum sizes do nothing.
CASCADE_WINDOW = 24


@dataclass(frozen=True)
class DetectorSettings:
    """User-facing detector parameters.

    ``min_size`` is in pixels of the original frame. ``detect_width`` makes detection
    run on a copy at most that many pixels wide (0 = full resolution); boxes are
    mapped back to the original frame.
    """

    scale_factor: float = 1.1
    min_neighbors: int = 5
    min_size: int = 40
    detect_width: int = 320

    def validated(self) -> DetectorSettings:
        """Return self, or raise DetectorError naming the first out-of-range value."""
        if not 1.01 <= self.scale_factor <= 2.0:
            raise DetectorError(
                f"scale factor must be between 1.01 and 2.0, got {self.scale_factor}"
            )
        if not 0 <= self.min_neighbors <= 50:
            raise DetectorError(
                f"minimum neighbours must be between 0 and 50, got {self.min_neighbors}"
            )
        if not 1 <= self.min_size <= 4096:
            raise DetectorError(f"minimum face size must be 1..4096 pixels, got {self.min_size}")
        if self.detect_width != 0 and not 64 <= self.detect_width <= 8192:
            raise DetectorError(
                f"detection width must be 0 (full size) or 64..8192 pixels, got {self.detect_width}"
            )
        return self


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


class FaceDetector:
    """Finds faces in a grayscale frame; returns boxes (x, y, w, h) sorted left to right."""

    def __init__(
        self, settings: DetectorSettings | None = None, cascade: Path | None = None
    ) -> None:
        self.settings = (settings or DetectorSettings()).validated()
        self._cascade = load_cascade(cascade)

    def detect(self, gray: np.ndarray) -> np.ndarray:
        """Detect faces in a full-resolution grayscale frame; returns an int array of shape (N, 4)."""
        s = self.settings
        height, width = gray.shape[:2]
        scale = 1.0
        small = gray
        if s.detect_width and width > s.detect_width:
            scale = s.detect_width / width
            small = cv2.resize(
                gray, (s.detect_width, max(1, round(height * scale))), interpolation=cv2.INTER_AREA
            )
        min_side = max(CASCADE_WINDOW, round(s.min_size * scale))
        if min(small.shape[:2]) < min_side:
            return np.zeros((0, 4), dtype=np.int32)
        equalized = cv2.equalizeHist(small)
        found = self._cascade.detectMultiScale(
            equalized,
            scaleFactor=s.scale_factor,
            minNeighbors=s.min_neighbors,
            minSize=(min_side, min_side),
            flags=cv2.CASCADE_SCALE_IMAGE,
        )
        boxes = np.asarray(found, dtype=np.float64).reshape(-1, 4)
        if scale != 1.0:
            boxes = boxes / scale
        boxes = np.rint(boxes).astype(np.int32)
        return boxes[np.argsort(boxes[:, 0], kind="stable")]
