"""A live view classifies each face and looks for faces less often than frames come;
every frame is still tracked and drawn."""

from __future__ import annotations

import numpy as np
import pytest

from ferapp.core.detect.base import Detections
from ferapp.core.detect.factory import create_detector
from ferapp.core.errors import FerappError
from ferapp.core.model.classifier import EmotionClassifier
from ferapp.core.recognition.pipeline import Pipeline
from ferapp.core.recognition.recognizer import Recognizer
from ferapp.core.recognition.reuse import LiveReuse
from ferapp.core.recognition.settings import RecognitionSettings
from tests import support


def _probs(k: int) -> np.ndarray:
    p = np.full(7, 0.01, np.float32)
    p[k] = 0.94
    return p


def test_a_face_near_where_it_was_keeps_its_probabilities_until_they_are_old() -> None:
    recent = LiveReuse(classify_every_ms=100)
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
    recent = LiveReuse(classify_every_ms=100)
    one = np.array([[10, 10, 50, 50]])
    recent.remember(one, np.stack([_probs(3)]), [0.0])
    two = np.array([[10, 10, 50, 50], [12, 11, 50, 50]])  # a second face where the first was
    kept = recent.lookup(two, 10.0)
    assert kept[0] is not None and kept[1] is None


def test_the_last_faces_found_are_used_until_they_are_old() -> None:
    recent = LiveReuse(detect_every_ms=50)
    assert recent.detections(0.0) is None
    found = Detections(np.array([[10, 10, 50, 50]]), None, np.array([0.9], np.float32))
    recent.found(found, 0.0)
    assert recent.detections(33.3) is found and recent.detections(50.0) is None
    recent.reset()
    assert recent.detections(1.0) is None


def test_what_a_live_view_may_reuse_is_checked() -> None:
    for name in ("classify_every_ms", "detect_every_ms"):
        for bad in (-1.0, float("nan"), 1e9):
            with pytest.raises(FerappError, match="must be 0 to 1000 ms"):
                RecognitionSettings(**{name: bad})
    assert (
        RecognitionSettings().fingerprint().keys()
        == RecognitionSettings(classify_every_ms=0.0).fingerprint().keys()
    )  # unset, the keys of earlier runs' results stay as they were
    assert RecognitionSettings(detect_every_ms=50).fingerprint()["detect_every_ms"] == 50


class _Counted(EmotionClassifier):
    """The real classifier, counting the faces it is given."""

    faces = 0

    def classify(self, faces: np.ndarray) -> np.ndarray:
        type(self).faces += len(faces)
        return super().classify(faces)


def test_a_live_stream_classifies_each_face_every_100_ms_and_shows_every_frame(
    tmp_path, happy_model_path
) -> None:
    """Faces still (shift 0): the boxes are those of every frame's own detection."""
    loaded = EmotionClassifier.load(happy_model_path)
    loaded.__class__ = _Counted
    frames = [support.face_frame(2) for _ in range(30)]  # 1 s at 30 fps
    settings = RecognitionSettings(classify_every_ms=100, detect_every_ms=50)
    live = Recognizer(Pipeline(create_detector(settings.detector), loaded), settings)
    exact = Recognizer(Pipeline(create_detector(settings.detector), loaded), RecognitionSettings())
    detect, searches = live.pipeline.detector.detect, []
    live.pipeline.detector.detect = lambda bgr: searches.append(1) or detect(bgr)
    _Counted.faces = 0
    shown = [live.process(f, "cam", i, i * 1000 / 30).result for i, f in enumerate(frames)]
    live_faces = _Counted.faces
    assert len(searches) == 15  # every other frame
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


def test_the_live_view_reuses_by_its_own_clock_not_a_files_stuck_timestamps(happy_model_path):
    """A file whose timestamps stop (all 0, say) must not freeze what the view shows."""
    loaded = EmotionClassifier.load(happy_model_path)
    loaded.__class__ = _Counted
    settings = RecognitionSettings(classify_every_ms=100, detect_every_ms=50)
    live = Recognizer(Pipeline(create_detector(settings.detector), loaded), settings)
    detect, searches = live.pipeline.detector.detect, []
    live.pipeline.detector.detect = lambda bgr: searches.append(1) or detect(bgr)
    _Counted.faces = 0
    frame = support.face_frame(1)
    for i in range(30):  # one second at 30 fps, every frame stamped 0 ms by its file
        live.process(frame, "v", i, 0.0, clock_ms=1000.0 + i * 1000 / 30)
    assert len(searches) == 15 and 9 <= _Counted.faces <= 12
