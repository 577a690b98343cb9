"""One frame in, faces with emotions out: detection, cropping and batched classification."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ferapp.core.classifier import EmotionClassifier
from ferapp.core.crop import CropSettings, crop_faces
from ferapp.core.detector import FaceDetector
from ferapp.core.frames import as_bgr, to_gray


@dataclass(frozen=True)
class FaceResult:
    """One face: its box in frame pixels, the winning label and all class probabilities."""

    box: tuple[int, int, int, int]  # x, y, w, h
    label: str
    confidence: float
    probabilities: tuple[float, ...]
    track: int = -1  # the same number for the same face across frames, when tracked


@dataclass(frozen=True)
class FrameResult:
    """All faces of one frame and how long each stage took, in milliseconds."""

    faces: tuple[FaceResult, ...]
    timings_ms: dict[str, float] = field(default_factory=dict)


class Pipeline:
    """Detector + crop + classifier. Without a classifier, faces are found but not labelled."""

    def __init__(
        self,
        detector: FaceDetector,
        classifier: EmotionClassifier | None,
        crop: CropSettings | None = None,
    ) -> None:
        self.detector = detector
        self.classifier = classifier
        self.crop = crop or CropSettings()

    def process(self, image: np.ndarray) -> FrameResult:
        """Find and classify every face of a frame (any layout :func:`as_bgr` accepts)."""
        t0 = time.perf_counter()
        gray = to_gray(as_bgr(image))
        boxes = self.detector.detect(gray)
        t1 = time.perf_counter()
        if self.classifier is None or len(boxes) == 0:
            faces = tuple(FaceResult(tuple(int(v) for v in b), "", 0.0, ()) for b in boxes)
            return FrameResult(faces, {"detect": (t1 - t0) * 1e3, "crop": 0.0, "classify": 0.0})
        crops = crop_faces(gray, boxes, self.classifier.input_size, self.crop)
        t2 = time.perf_counter()
        probs = self.classifier.classify(crops)
        t3 = time.perf_counter()
        names = self.classifier.class_names
        faces = tuple(
            FaceResult(
                box=tuple(int(v) for v in box),
                label=names[int(np.argmax(p))],
                confidence=float(np.max(p)),
                probabilities=tuple(float(v) for v in p),
            )
            for box, p in zip(boxes, probs, strict=True)
        )
        timings = {"detect": (t1 - t0) * 1e3, "crop": (t2 - t1) * 1e3, "classify": (t3 - t2) * 1e3}
        return FrameResult(faces, timings)
