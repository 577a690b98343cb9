"""YuNet (OpenCV Zoo, MIT): a small CNN face detector with five landmarks per face.

The weights ship in ``resources/``; their SHA-256 is checked before OpenCV reads them,
so a damaged or swapped file is refused with a message instead of detecting nothing,
or something else. OpenCV takes the checked bytes from memory (no second read).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from ferapp.core.detect.base import Detections, DetectorSettings, downscaled
from ferapp.core.errors import DetectorError, FerappError
from ferapp.core.locations import resource_path

YUNET_FILE = "face_detection_yunet_2026may.onnx"
YUNET_SHA256 = "ebafce4e3c118d6554634be5c27ab333b4c047a9a8c3faf1d7cf93101c22f0f0"
TOP_K = 5000  # candidates kept before non-maximum suppression
MIN_INPUT_SIDE = 16  # smaller frames cannot hold a face YuNet finds


def load_weights(path: Path | None = None, expected_sha256: str = YUNET_SHA256) -> bytes:
    """The weights file's bytes, after checking their hash (DetectorError naming both)."""
    try:
        path = path or resource_path(YUNET_FILE)
        data = Path(path).read_bytes()
    except FerappError as exc:
        raise DetectorError(f"face detector weights missing: {exc}") from exc
    except OSError as exc:
        raise DetectorError(
            f"face detector weights {path} cannot be read: {exc.strerror or exc}"
        ) from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != expected_sha256:
        raise DetectorError(
            f"face detector weights {path} are damaged or not the expected file: SHA-256 "
            f"{digest}, expected {expected_sha256}; reinstall ferapp"
        )
    return data


class YuNetDetector:
    """Boxes, five landmarks and a score per face, sorted left to right."""

    def __init__(self, settings: DetectorSettings | None = None, weights: Path | None = None):
        self.settings = replace(settings or DetectorSettings(), detector="yunet").validated()
        data = np.frombuffer(load_weights(weights), np.uint8)
        try:
            self._net = cv2.FaceDetectorYN.create(
                "onnx",
                data,
                np.zeros(0, np.uint8),
                (320, 320),
                self.settings.score_threshold,
                self.settings.nms_threshold,
                TOP_K,
            )
        except cv2.error as exc:
            raise DetectorError(f"OpenCV cannot run the YuNet face detector: {exc}") from exc
        self._input_size: tuple[int, int] = (320, 320)

    def detect(self, bgr: np.ndarray) -> Detections:
        small, scale = downscaled(bgr, self.settings.detect_width)
        height, width = small.shape[:2]
        if min(height, width) < MIN_INPUT_SIDE:
            return Detections.none(with_landmarks=True)
        if small.ndim == 2:
            small = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
        if (width, height) != self._input_size:
            self._net.setInputSize((width, height))
            self._input_size = (width, height)
        _, found = self._net.detect(small)
        if found is None or len(found) == 0:
            return Detections.none(with_landmarks=True)
        points = found[:, 0:14].astype(np.float32) / np.float32(scale)
        boxes = np.rint(points[:, 0:4]).astype(np.int32)
        landmarks = points[:, 4:14].reshape(-1, 5, 2)
        scores = found[:, 14].astype(np.float32)
        return Detections(boxes, landmarks, scores).sorted_left_to_right()
