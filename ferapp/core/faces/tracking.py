"""Per-face temporal smoothing: faces are tracked across frames and their probabilities averaged.

Each frame's classification on its own flickers between neighbouring emotions. A
track follows one face by box overlap (IoU), or, for a face that moved or turned more
than its box overlaps, by nearness to where it was at a similar size; a face hidden
for a moment (up to half a second at 30 fps) keeps its track when it comes back. Its
probabilities are an exponential moving average, so the label changes when the
expression does, not with noise. Every face keeps its own history: one face's
expression never leaks into another's.

A scene cut (an edited video's next shot, another camera) breaks that: a face found where
another was is someone else. :class:`SceneCuts` compares each frame's tiny grayscale
thumbnail with the previous one's; a frame unlike the last is a cut, and the caller
starts the tracks afresh, with new numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from ferapp.core.errors import FerappError
from ferapp.core.faces.results import FaceResult

# Above this, a face's label would lag its expression by seconds at camera frame rates.
MAX_SMOOTHING = 0.95
THUMBNAIL = (32, 24)  # width, height: the layout of a scene, not its details
# Thumbnails correlating less than this are two scenes. One face moving a fifth of the
# frame in one step still correlates about 0.65; another shot about 0 or below.
CUT_BELOW = 0.4


def check_smoothing(strength: float) -> float:
    """``strength`` if it is a valid smoothing strength (0..MAX_SMOOTHING), else FerappError."""
    if not 0.0 <= strength <= MAX_SMOOTHING:  # also refuses NaN
        raise FerappError(f"smoothing must be between 0 (off) and {MAX_SMOOTHING}, got {strength}")
    return float(strength)


def nearness(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """1 for boxes with the same centre, falling to 0 at 0.6 of their size apart; 0 for
    boxes of clearly different sizes (one more than 1.7 times the other)."""
    side_a, side_b = max(a[2], a[3], 1), max(b[2], b[3], 1)
    if max(side_a, side_b) > 1.7 * min(side_a, side_b):
        return 0.0
    dx = (a[0] + a[2] / 2) - (b[0] + b[2] / 2)
    dy = (a[1] + a[3] / 2) - (b[1] + b[3] / 2)
    reach = 0.6 * (side_a + side_b) / 2
    return max(0.0, 1.0 - (dx * dx + dy * dy) ** 0.5 / reach)


def iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    w = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    h = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = w * h
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


class SceneCuts:
    """Says whether each frame starts a new scene: its thumbnail (gray, brightness and
    contrast taken out) correlates less than ``below`` with the previous frame's."""

    def __init__(self, below: float = CUT_BELOW) -> None:
        self.below = below
        self._last: np.ndarray | None = None

    def reset(self) -> None:
        self._last = None

    @staticmethod
    def thumbnail(image: np.ndarray) -> np.ndarray:
        # every few pixels first (a fraction of a millisecond at any size), then averaged
        width, height = THUMBNAIL
        sampled = cv2.resize(image, (width * 4, height * 4), interpolation=cv2.INTER_NEAREST)
        small = cv2.resize(sampled, THUMBNAIL, interpolation=cv2.INTER_AREA)
        if small.ndim == 3:
            code = cv2.COLOR_BGRA2GRAY if small.shape[2] == 4 else cv2.COLOR_BGR2GRAY
            small = cv2.cvtColor(small, code)
        gray = small.astype(np.float32)
        gray -= gray.mean()
        return gray / max(float(gray.std()), 1.0)  # a flat frame stays flat, not noise

    def is_cut(self, image: np.ndarray) -> bool:
        """Whether ``image`` starts a new scene (the first frame does not: nothing to cut from)."""
        thumb = self.thumbnail(image)
        last, self._last = self._last, thumb
        return last is not None and float((thumb * last).mean()) < self.below


@dataclass
class _Track:
    id: int
    box: tuple[int, int, int, int]
    probs: np.ndarray
    missed: int = 0


class FaceTracker:
    """``strength`` 0 turns smoothing off; 0.8 keeps 80 % of the previous average each frame."""

    def __init__(self, strength: float = 0.6, min_iou: float = 0.3, max_missed: int = 15) -> None:
        self.strength = check_smoothing(strength)
        self.min_iou = min_iou
        self.max_missed = max_missed
        self._tracks: list[_Track] = []
        self._next_id = 0

    def _affinity(self, face: tuple[int, int, int, int], track: tuple[int, int, int, int]):
        """How well a face fits a track: overlaps first (1 + IoU), then near boxes (0..1)."""
        overlap = iou(face, track)
        if overlap >= self.min_iou:
            return 1.0 + overlap
        return nearness(face, track)

    def reset(self) -> None:
        """Forget every face: the next faces are numbered from the start again."""
        self._tracks = []
        self._next_id = 0

    def cut(self) -> None:
        """Forget every face but go on counting: faces after a scene cut get new numbers,
        never those of the people before it."""
        self._tracks = []

    def forget_probabilities(self) -> None:
        """Another model: every face keeps its number, its average starts again."""
        for track in self._tracks:
            track.probs = np.zeros(0)

    def snapshot(self) -> tuple[list[_Track], int]:
        """The tracks as they are, for :meth:`restore` (a frame done again with new settings)."""
        return [replace(t) for t in self._tracks], self._next_id

    def restore(self, state: tuple[list[_Track], int]) -> None:
        tracks, self._next_id = state
        self._tracks = [replace(t) for t in tracks]

    def update(
        self, faces: tuple[FaceResult, ...], class_names: tuple[str, ...]
    ) -> tuple[FaceResult, ...]:
        """Match faces to tracks (greedy, best first) and return smoothed results."""
        pairs = sorted(
            (
                (self._affinity(f.box, t.box), i, j)
                for i, f in enumerate(faces)
                for j, t in enumerate(self._tracks)
            ),
            reverse=True,
        )
        face_track: dict[int, _Track] = {}
        used: set[int] = set()
        for affinity, i, j in pairs:
            if affinity <= 0.0:
                break
            if i in face_track or j in used:
                continue
            face_track[i] = self._tracks[j]
            used.add(j)
        out = []
        seen: set[int] = set()
        for i, face in enumerate(faces):
            probs = np.asarray(face.probabilities, dtype=np.float64)
            track = face_track.get(i)
            if track is None:
                track = _Track(self._next_id, face.box, probs)
                self._next_id += 1
                self._tracks.append(track)
            elif probs.shape != track.probs.shape:  # another model's classes: start again
                track.probs = probs
            elif probs.size:
                track.probs = self.strength * track.probs + (1.0 - self.strength) * probs
            track.box, track.missed = face.box, 0
            seen.add(track.id)
            if probs.size and class_names:
                best = int(np.argmax(track.probs))
                face = replace(
                    face,
                    label=class_names[best],
                    confidence=float(track.probs[best]),
                    probabilities=tuple(float(p) for p in track.probs),
                )
            out.append(replace(face, track=track.id))
        for track in self._tracks:
            if track.id not in seen:
                track.missed += 1
        self._tracks = [t for t in self._tracks if t.missed <= self.max_missed]
        return tuple(out)
