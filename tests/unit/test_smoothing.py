"""Per-face tracking and smoothing across frames."""

from __future__ import annotations

import pytest

from ferapp.core.emotions import EMOTIONS
from ferapp.core.faces.results import FaceResult
from ferapp.core.faces.tracking import FaceTracker, iou


def face(box, winner: int, p: float = 0.9) -> FaceResult:
    probs = [(1 - p) / 6] * 7
    probs[winner] = p
    return FaceResult(box, EMOTIONS[winner], p, tuple(probs))


def test_iou():
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (20, 20, 5, 5)) == 0.0
    assert iou((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(50 / 150)


def test_one_noisy_frame_does_not_flip_the_label_and_faces_keep_their_own_history():
    tracker = FaceTracker(strength=0.7)
    left, right = (10, 10, 100, 100), (300, 10, 100, 100)
    for _ in range(5):
        out = tracker.update((face(left, 3), face(right, 0)), EMOTIONS)
    assert [f.label for f in out] == ["happy", "angry"]
    ids = [f.track for f in out]
    # one frame says "sad" for the left face (which moved a little): it stays happy
    out = tracker.update((face((14, 12, 100, 100), 4), face(right, 0)), EMOTIONS)
    assert [f.label for f in out] == ["happy", "angry"]
    assert [f.track for f in out] == ids
    assert sum(out[0].probabilities) == pytest.approx(1.0)
    # a lasting change does come through
    for _ in range(6):
        out = tracker.update((face(left, 4), face(right, 0)), EMOTIONS)
    assert out[0].label == "sad" and out[1].label == "angry"


def test_new_and_lost_faces_and_no_smoothing():
    tracker = FaceTracker(strength=0.8, max_missed=1)
    first = tracker.update((face((0, 0, 50, 50), 3),), EMOTIONS)[0]
    tracker.update((), EMOTIONS)
    tracker.update((), EMOTIONS)  # lost for longer than max_missed: the track is dropped
    again = tracker.update((face((0, 0, 50, 50), 5),), EMOTIONS)[0]
    assert again.track != first.track and again.label == "surprise"
    raw = FaceTracker(strength=0.0)
    raw.update((face((0, 0, 50, 50), 3),), EMOTIONS)
    assert raw.update((face((0, 0, 50, 50), 5),), EMOTIONS)[0].label == "surprise"
