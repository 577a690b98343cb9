"""One frame in, faces with emotions out: detection, cropping and batched classification."""

from __future__ import annotations

import time

import numpy as np

from ferapp.core.detect.base import Detections, FaceDetector
from ferapp.core.faces.crop import CropSettings, crop_faces
from ferapp.core.faces.pose import head_pose
from ferapp.core.faces.results import FaceResult, FrameResult
from ferapp.core.model.classifier import EmotionClassifier
from ferapp.core.recognition.reuse import LiveReuse
from ferapp.core.sources.frames import as_bgr


class Pipeline:
    """Detector + crop + classifier. Without a classifier, faces are found but not labelled.

    All faces of a frame go to the classifier in one call. The frame is used as it comes
    (no copy when it is already 8-bit BGR) and only the faces are turned to grayscale.
    """

    def __init__(
        self,
        detector: FaceDetector,
        classifier: EmotionClassifier | None,
        crop: CropSettings | None = None,
    ) -> None:
        self.detector = detector
        self.classifier = classifier
        self.crop = crop or CropSettings()

    def process(
        self,
        image: np.ndarray,
        recent: LiveReuse | None = None,
        time_ms: float = 0.0,
    ) -> FrameResult:
        """Find and classify every face of a frame (any layout :func:`as_bgr` accepts).

        ``recent``: a live stream's reuse (see :mod:`ferapp.core.recognition.reuse`):
        faces found or classified a moment before ``time_ms`` (the frame's time in its
        stream) are not looked for or classified again.
        """
        t0 = time.perf_counter()
        bgr = as_bgr(image)
        found = recent.detections(time_ms) if recent is not None else None
        if found is None:
            found = self.detector.detect(bgr)
            if recent is not None:
                recent.found(found, time_ms)
        t1 = time.perf_counter()
        if self.classifier is None or len(found) == 0:
            faces = _faces(found, (), None)
            return FrameResult(faces, {"detect": (t1 - t0) * 1e3, "crop": 0.0, "classify": 0.0})
        now_ms = time_ms
        kept = recent.lookup(found.boxes, now_ms) if recent is not None else [None] * len(found)
        todo = [i for i, k in enumerate(kept) if k is None]
        size = self.classifier.input_size
        crops = crop_faces(bgr, found.take(todo), size, self.crop) if todo else None
        t2 = time.perf_counter()
        fresh = self.classifier.classify(crops) if crops is not None else None
        t3 = time.perf_counter()
        probs = np.zeros((len(found), len(self.classifier.class_names)), np.float32)
        at_ms = [now_ms] * len(found)
        for i, k in enumerate(kept):
            if k is not None:
                probs[i], at_ms[i] = k
        if fresh is not None:
            probs[todo] = fresh
        if recent is not None:
            recent.remember(found.boxes, probs, at_ms)
        faces = _faces(found, self.classifier.class_names, probs)
        timings = {"detect": (t1 - t0) * 1e3, "crop": (t2 - t1) * 1e3, "classify": (t3 - t2) * 1e3}
        return FrameResult(faces, timings)


def _faces(
    found: Detections, names: tuple[str, ...], probs: np.ndarray | None
) -> tuple[FaceResult, ...]:
    faces = []
    for i, box in enumerate(found.boxes):
        landmarks = (
            tuple((float(x), float(y)) for x, y in found.landmarks[i])
            if found.landmarks is not None
            else ()
        )
        yaw, roll = head_pose(found.landmarks[i]) if landmarks else (None, None)
        if probs is None:
            label, confidence, values = "", 0.0, ()
        else:
            p = probs[i]
            best = int(np.argmax(p))
            label, confidence, values = names[best], float(p[best]), tuple(float(v) for v in p)
        faces.append(
            FaceResult(
                box=(int(box[0]), int(box[1]), int(box[2]), int(box[3])),
                label=label,
                confidence=confidence,
                probabilities=values,
                landmarks=landmarks,
                score=float(found.scores[i]),
                yaw=None if yaw is None else round(yaw, 1),
                roll=None if roll is None else round(roll, 1),
            )
        )
    return tuple(faces)
