"""A live view classifies each face at most every ``reuse_ms``; everything else per frame."""

from __future__ import annotations

import numpy as np
import pytest

from ferapp.core.detect.factory import create_detector
from ferapp.core.errors import FerappError
from ferapp.core.model.classifier import EmotionClassifier
from ferapp.core.recognition.pipeline import Pipeline
from ferapp.core.recognition.recognizer import Recognizer
from ferapp.core.recognition.reuse import RecentClassifications
from ferapp.core.recognition.settings import RecognitionSettings
from tests import support


def _probs(k: int) -> np.ndarray:
    p = np.full(7, 0.01, np.float32)
    p[k] = 0.94
    return p


def test_a_face_near_where_it_was_keeps_its_probabilities_until_they_are_old() -> None:
    recent = RecentClassifications(max_age_ms=100)
    boxes = np.array([[10, 10, 50, 50], [200, 10, 50, 50]])
    assert recent.lookup(boxes, 0.0) == [None, None]
    recent.remember(boxes, np.stack([_probs(3), _probs(4)]), [0.0, 0.0])
    moved = np.array([[14, 12, 50, 50], [260, 10, 50, 50]])  # the first moved a little
    kept = recent.lookup(moved, 60.0)
    assert kept[0] is not None and np.array_equal(kept[0][0], _probs(3)) and kept[0][1] == 0.0
    assert kept[1] is None  # moved too far: another face for all we know
    recent.remember(moved, np.stack([_probs(3), _probs(5)]), [0.0, 60.0])
    first, second = recent.lookup(moved, 100.0)
    assert first is None  # classified at 0 ms: 100 ms old, so classified again
    assert second is not None and np.array_equal(second[0], _probs(5)) and second[1] == 60.0
    recent.reset()
    assert recent.lookup(moved, 101.0) == [None, None]


def test_two_faces_never_share_one_classification() -> None:
    recent = RecentClassifications(max_age_ms=100)
    one = np.array([[10, 10, 50, 50]])
    recent.remember(one, np.stack([_probs(3)]), [0.0])
    two = np.array([[10, 10, 50, 50], [12, 11, 50, 50]])  # a second face where the first was
    kept = recent.lookup(two, 10.0)
    assert kept[0] is not None and kept[1] is None


def test_the_time_a_classification_is_reused_is_checked() -> None:
    with pytest.raises(FerappError, match="reused"):
        RecognitionSettings(reuse_ms=-1.0)
    with pytest.raises(FerappError, match="reused"):
        RecognitionSettings(reuse_ms=float("nan"))
    assert "reuse_ms" not in RecognitionSettings().fingerprint()  # earlier runs stay valid
    assert RecognitionSettings(reuse_ms=100).fingerprint()["reuse_ms"] == 100


class _Counted(EmotionClassifier):
    """The real classifier, counting the faces it is given."""

    faces = 0

    def classify(self, faces: np.ndarray) -> np.ndarray:
        type(self).faces += len(faces)
        return super().classify(faces)


def test_a_live_stream_classifies_each_face_every_100_ms_and_shows_every_frame(
    tmp_path, happy_model_path
) -> None:
    loaded = EmotionClassifier.load(happy_model_path)
    loaded.__class__ = _Counted
    frames = [support.face_frame(2, shift=i) for i in range(30)]  # 1 s at 30 fps
    settings = RecognitionSettings(reuse_ms=100)
    live = Recognizer(Pipeline(create_detector(settings.detector), loaded), settings)
    exact = Recognizer(Pipeline(create_detector(settings.detector), loaded), RecognitionSettings())
    _Counted.faces = 0
    shown = [live.process(f, "cam", i, i * 1000 / 30).result for i, f in enumerate(frames)]
    live_faces = _Counted.faces
    _Counted.faces = 0
    every = [exact.process(f, "cam", i, i * 1000 / 30).result for i, f in enumerate(frames)]
    assert _Counted.faces == 60  # two faces, every frame
    assert 18 <= live_faces <= 24  # two faces, ten times a second
    assert [len(r.faces) for r in shown] == [2] * 30  # every frame found and numbered
    assert [[f.box for f in r.faces] for r in shown] == [[f.box for f in r.faces] for r in every]
    assert [[f.label for f in r.faces] for r in shown] == [
        [f.label for f in r.faces] for r in every
    ]
    _Counted.faces = 0
    live.process(frames[0], "cam", 0, 0.0)  # a rewind starts afresh: classified again
    assert _Counted.faces == 2
