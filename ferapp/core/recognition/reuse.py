"""What a live view may reuse for a moment instead of computing it again every frame.

Expressions change far slower than frames come, and faces move little from one frame to
the next: a live view classifies each face at most every ``classify_every_ms`` (a face
found again close to where it was keeps its probabilities until then) and looks for
faces at most every ``detect_every_ms`` (in between, the last faces found are used).
Every frame is still tracked, smoothed, recorded and drawn. At 0 both are done on every
frame, as ``ferapp analyze`` does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ferapp.core.detect.base import Detections
from ferapp.core.faces.tracking import iou

MIN_OVERLAP = 0.5  # a face this close to where it was classified is the same face


@dataclass
class _Classified:
    box: tuple[int, int, int, int]
    probabilities: np.ndarray
    at_ms: float  # when it was classified


def _box(raw: np.ndarray) -> tuple[int, int, int, int]:
    return (int(raw[0]), int(raw[1]), int(raw[2]), int(raw[3]))


class LiveReuse:
    """One stream's last detections and classifications, with the times they were made."""

    def __init__(self, classify_every_ms: float = 0.0, detect_every_ms: float = 0.0) -> None:
        self.classify_every_ms = classify_every_ms
        self.detect_every_ms = detect_every_ms
        self._faces: list[_Classified] = []
        self._found: tuple[Detections, float] | None = None

    def reset(self) -> None:
        self._faces = []
        self._found = None

    def detections(self, now_ms: float) -> Detections | None:
        """The faces found last, while younger than ``detect_every_ms`` (else None)."""
        if self._found is None or now_ms - self._found[1] >= self.detect_every_ms:
            return None
        return self._found[0]

    def found(self, detections: Detections, now_ms: float) -> None:
        self._found = (detections, now_ms)

    def lookup(self, boxes: np.ndarray, now_ms: float) -> list[tuple[np.ndarray, float] | None]:
        """For each box, the probabilities it may keep and when they were found, or None
        where it is to be classified."""
        kept: list[tuple[np.ndarray, float] | None] = []
        taken: set[int] = set()
        for raw in boxes:
            box = _box(raw)
            best, best_overlap = -1, MIN_OVERLAP
            for j, face in enumerate(self._faces):
                overlap = iou(box, face.box)
                if j not in taken and overlap >= best_overlap:
                    best, best_overlap = j, overlap
            if best >= 0 and now_ms - self._faces[best].at_ms < self.classify_every_ms:
                taken.add(best)
                kept.append((self._faces[best].probabilities, self._faces[best].at_ms))
            else:
                kept.append(None)
        return kept

    def remember(self, boxes: np.ndarray, probabilities: np.ndarray, at_ms: list[float]) -> None:
        """This frame's faces, each with when its probabilities were found (so a kept one
        is classified again when its time runs out)."""
        self._faces = [
            _Classified(_box(b), p, t) for b, p, t in zip(boxes, probabilities, at_ms, strict=True)
        ]
