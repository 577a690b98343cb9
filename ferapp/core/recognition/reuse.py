"""Probabilities a face may keep for a moment instead of being classified again.

On a live view, expressions change far slower than frames come: a face classified a
moment ago, found again close to where it was, keeps that classification until it is
``max_age_ms`` old. Every frame is still detected, tracked, smoothed and drawn; only the
classifier runs less often (on five faces at 30 frames a second it is most of the work).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ferapp.core.faces.tracking import iou

MIN_OVERLAP = 0.5  # a face this close to where it was classified is the same face


@dataclass
class _Classified:
    box: tuple[int, int, int, int]
    probabilities: np.ndarray
    at_ms: float  # when it was classified


class RecentClassifications:
    """One stream's faces as last classified; :meth:`lookup` before, :meth:`remember` after."""

    def __init__(self, max_age_ms: float) -> None:
        self.max_age_ms = max_age_ms
        self._faces: list[_Classified] = []

    def reset(self) -> None:
        self._faces = []

    def lookup(self, boxes: np.ndarray, now_ms: float) -> list[tuple[np.ndarray, float] | None]:
        """For each box, the probabilities it may keep and when they were found, or None
        where it is to be classified."""
        kept: list[tuple[np.ndarray, float] | None] = []
        taken: set[int] = set()
        for raw in boxes:
            box = (int(raw[0]), int(raw[1]), int(raw[2]), int(raw[3]))
            best, best_overlap = -1, MIN_OVERLAP
            for j, face in enumerate(self._faces):
                overlap = iou(box, face.box)
                if j not in taken and overlap >= best_overlap:
                    best, best_overlap = j, overlap
            if best >= 0 and now_ms - self._faces[best].at_ms < self.max_age_ms:
                taken.add(best)
                kept.append((self._faces[best].probabilities, self._faces[best].at_ms))
            else:
                kept.append(None)
        return kept

    def remember(self, boxes: np.ndarray, probabilities: np.ndarray, at_ms: list[float]) -> None:
        """This frame's faces, each with when its probabilities were found (so a kept one
        is classified again when its time runs out)."""
        self._faces = [
            _Classified((int(b[0]), int(b[1]), int(b[2]), int(b[3])), p, t)
            for b, p, t in zip(boxes, probabilities, at_ms, strict=True)
        ]
