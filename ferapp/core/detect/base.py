"""Face detection: the settings of both detectors and what a detector returns.

Two detectors, one interface (``detect(bgr) -> Detections``):

* ``yunet``: YuNet, a small CNN (OpenCV Zoo) run by OpenCV's own ``FaceDetectorYN``. It
  finds turned, small and partly hidden faces that the cascade misses, faster, and gives
  five landmarks per face, which the crop uses to level the eyes. The default.
* ``haar``: the frontal-face Haar cascade the thesis used, with its three parameters.

Both detect on a copy at most ``detect_width`` pixels wide and map the boxes back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Protocol

import cv2
import numpy as np

from ferapp.core.errors import DetectorError

DETECTOR_NAMES = ("yunet", "haar")
DETECTOR_TITLES = {
    "yunet": "YuNet: turned and small faces, landmarks",
    "haar": "Haar cascade, as in the thesis",
}


@dataclass(frozen=True)
class Range:
    """The values a setting may take; ``zero`` names what 0 means when 0 is also allowed."""

    low: float
    high: float
    step: float
    help: str
    zero: str = ""

    def check(self, name: str, value: float) -> None:
        if self.zero and value == 0:
            return
        if not (isinstance(value, int | float) and self.low <= value <= self.high):
            allowed = f"0 ({self.zero}) or " if self.zero else ""
            raise DetectorError(
                f"{name.replace('_', ' ')} must be {allowed}between {self.low:g} and "
                f"{self.high:g}, got {value}"
            )


# The one description of every detector setting: the dialog, the command line and
# validation all read it.
DETECTOR_RANGES: dict[str, Range] = {
    "detect_width": Range(64, 8192, 16, "detect on a copy this many pixels wide", "full size"),
    "score_threshold": Range(0.05, 1.0, 0.05, "YuNet: smallest score that counts as a face"),
    "nms_threshold": Range(0.05, 1.0, 0.05, "YuNet: overlap above which two boxes are merged"),
    "scale_factor": Range(1.01, 2.0, 0.05, "Haar: scale step between face sizes"),
    "min_neighbors": Range(0, 50, 1, "Haar: overlapping detections needed to keep a face"),
    "min_size": Range(1, 4096, 1, "Haar: smallest face side, in frame pixels"),
}
PARAMETERS = {
    "yunet": ("score_threshold", "nms_threshold", "detect_width"),
    "haar": ("scale_factor", "min_neighbors", "min_size", "detect_width"),
}


@dataclass(frozen=True)
class DetectorSettings:
    """User-facing detector parameters (each detector reads its own, see PARAMETERS)."""

    detector: str = "yunet"
    detect_width: int = 320
    score_threshold: float = 0.7
    nms_threshold: float = 0.3
    scale_factor: float = 1.1
    min_neighbors: int = 5
    min_size: int = 40

    def validated(self) -> DetectorSettings:
        """Return self, or raise DetectorError naming the first value out of range."""
        if self.detector not in DETECTOR_NAMES:
            raise DetectorError(
                f"unknown face detector {self.detector!r}; choose {' or '.join(DETECTOR_NAMES)}"
            )
        for name in PARAMETERS[self.detector]:
            value = getattr(self, name)
            if isinstance(value, float) and math.isnan(value):
                raise DetectorError(f"{name.replace('_', ' ')} must be a number, got nan")
            DETECTOR_RANGES[name].check(name, value)
        return self

    def describe(self) -> dict[str, float | int | str]:
        """The detector and the settings it uses (for exported results)."""
        return {
            "detector": self.detector,
            **{n: getattr(self, n) for n in PARAMETERS[self.detector]},
        }


SETTING_NAMES = tuple(f.name for f in fields(DetectorSettings))


@dataclass(frozen=True)
class Detections:
    """Faces found in one frame, left to right, in frame pixels.

    ``boxes`` (N, 4) int32 x, y, w, h; ``landmarks`` (N, 5, 2) float32 or None when the
    detector has none; ``scores`` (N,) float32.
    """

    boxes: np.ndarray
    landmarks: np.ndarray | None
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.boxes)

    @classmethod
    def none(cls, with_landmarks: bool = False) -> Detections:
        return cls(
            np.zeros((0, 4), np.int32),
            np.zeros((0, 5, 2), np.float32) if with_landmarks else None,
            np.zeros(0, np.float32),
        )

    def take(self, indices: list[int]) -> Detections:
        """The faces at ``indices``, in that order."""
        marks = self.landmarks[indices] if self.landmarks is not None else None
        return Detections(self.boxes[indices], marks, self.scores[indices])

    def sorted_left_to_right(self) -> Detections:
        order = np.argsort(self.boxes[:, 0], kind="stable")
        marks = self.landmarks[order] if self.landmarks is not None else None
        return Detections(self.boxes[order], marks, self.scores[order])


class FaceDetector(Protocol):
    settings: DetectorSettings

    def detect(self, bgr: np.ndarray) -> Detections:
        """Find faces in a full-resolution BGR frame."""
        ...


def downscaled(image: np.ndarray, width: int) -> tuple[np.ndarray, float]:
    """A copy at most ``width`` pixels wide (0: the image itself) and its scale."""
    height, full_width = image.shape[:2]
    if not width or full_width <= width:
        return image, 1.0
    scale = width / full_width
    size = (width, max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), scale
