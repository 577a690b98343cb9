"""One way to set up recognition: its defaults, building and changing a Recognizer, the
tracking rule, and the newest-wins hand-off between threads."""

from __future__ import annotations

import argparse
import threading
from dataclasses import replace

import pytest

from ferapp.cli import build_parser
from ferapp.cli.options import recognition_settings
from ferapp.core.detect import yunet
from ferapp.core.detect.base import DetectorSettings
from ferapp.core.errors import FerappError
from ferapp.core.faces.crop import CropSettings
from ferapp.core.model.classifier import EmotionClassifier
from ferapp.core.recognition.recognizer import Recognizer
from ferapp.core.recognition.settings import DEFAULT_SMOOTHING, RecognitionSettings
from ferapp.core.sources.handoff import LatestOnly
from ferapp.server.config import ServerConfig
from tests.support import face_frame


def _args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


def test_every_entry_point_starts_from_the_same_defaults() -> None:
    from ferapp.gui.settings import LIVE_CLASSIFY_EVERY_MS, LIVE_DETECT_EVERY_MS, AppSettings

    core = RecognitionSettings()
    assert core.smoothing == DEFAULT_SMOOTHING
    assert recognition_settings(_args("analyze", "x.png")) == core
    assert recognition_settings(_args("serve")) == core
    assert ServerConfig().recognition == core
    window = AppSettings().recognition()
    live = {"classify_every_ms": 0.0, "detect_every_ms": 0.0}
    assert replace(window, palette=None, **live) == core
    # the live view's one difference, on purpose: what it may reuse for a moment
    assert (window.classify_every_ms, window.detect_every_ms) == (
        LIVE_CLASSIFY_EVERY_MS,
        LIVE_DETECT_EVERY_MS,
    )


def test_settings_are_checked_when_made() -> None:
    with pytest.raises(FerappError, match="smoothing"):
        RecognitionSettings(smoothing=1.5)
    with pytest.raises(FerappError, match="confidence"):
        RecognitionSettings(min_confidence=2.0)
    with pytest.raises(FerappError, match="head turn"):
        RecognitionSettings(max_yaw=-1.0)
    with pytest.raises(FerappError):
        RecognitionSettings(detector=DetectorSettings(detector="nope"))


def test_the_fingerprint_ignores_colours_only() -> None:
    base = RecognitionSettings()
    assert base.fingerprint() == replace(base, palette={"happy": (1, 2, 3)}).fingerprint()
    assert base.fingerprint() != replace(base, smoothing=0.0).fingerprint()
    assert base.fingerprint() != replace(base, crop=CropSettings(rule="box")).fingerprint()


def test_apply_changes_a_running_recognizer(happy_model_path, monkeypatch) -> None:
    classifier = EmotionClassifier.load(happy_model_path)
    recognizer = Recognizer.from_settings(RecognitionSettings(smoothing=0.0), classifier)
    detector = recognizer.pipeline.detector
    frame = face_frame()
    first = recognizer.process(frame, "clip", 0).result.faces
    assert first and first[0].label

    # Same detector settings: the loaded detector is kept; crop and smoothing follow.
    boxed = RecognitionSettings(smoothing=0.5, crop=CropSettings(rule="box"))
    recognizer.apply(boxed)
    assert recognizer.pipeline.detector is detector
    assert recognizer.pipeline.crop.rule == "box"
    assert recognizer.tracking.tracker.strength == 0.5

    # Another detector is made; one that cannot be made leaves everything as it was.
    haar = replace(boxed, detector=DetectorSettings(detector="haar"))
    recognizer.apply(haar)
    assert recognizer.pipeline.detector.settings.detector == "haar"
    monkeypatch.setattr(yunet, "YUNET_FILE", "missing-weights.onnx")
    with pytest.raises(FerappError, match="weights missing"):
        recognizer.apply(boxed)
    assert recognizer.settings == haar
    assert recognizer.pipeline.detector.settings.detector == "haar"


def test_tracking_starts_afresh_on_a_new_source_a_rewind_or_a_photo(happy_model_path) -> None:
    classifier = EmotionClassifier.load(happy_model_path)
    recognizer = Recognizer.from_settings(RecognitionSettings(smoothing=0.9), classifier)
    one, three = face_frame(1), face_frame(3)  # one's face is three's middle face

    def tracks(image, name: str, index: int, stream: bool = True, tracking=None) -> list[int]:
        faces = recognizer.process(image, name, index, stream=stream, tracking=tracking)
        return [f.track for f in sorted(faces.result.faces, key=lambda f: f.box[0])]

    afresh = [0, 1, 2]  # numbered left to right
    assert tracks(one, "a.mp4", 0) == [0]
    followed = tracks(three, "a.mp4", 1)
    assert followed[1] == 0 and followed != afresh  # the middle face kept its number
    assert tracks(three, "a.mp4", 1) == afresh  # a rewind
    tracks(one, "b.mp4", 5)
    assert tracks(three, "c.mp4", 6) == afresh  # another source
    tracks(one, "p.png", 0, stream=False)
    assert tracks(three, "p.png", 1, stream=False) == afresh  # each photo on its own

    # Two streams sharing the pipeline keep their own tracks.
    mine, theirs = recognizer.new_tracking(), recognizer.new_tracking()
    tracks(one, "cam", 0, tracking=mine)
    assert tracks(three, "cam", 0, tracking=theirs) == afresh
    assert tracks(three, "cam", 1, tracking=mine) == followed


def test_latest_only_hands_over_the_newest_and_counts_the_rest() -> None:
    slot: LatestOnly[int] = LatestOnly()
    for i in range(5):
        slot.put(i)
    assert slot.take(timeout=0) == 4
    assert slot.dropped == 4 and slot.delivered == 1
    assert slot.take(timeout=0.01) is None

    got: list[int | None] = []
    waiter = threading.Thread(target=lambda: got.append(slot.take(timeout=5)))
    waiter.start()
    slot.put(7)
    waiter.join(5)
    assert got == [7]

    closer = threading.Thread(target=lambda: got.append(slot.take(timeout=5)))
    closer.start()
    slot.close()
    closer.join(5)
    assert not closer.is_alive() and got[-1] is None
    slot.reopen()
    slot.put(8)
    assert slot.take(timeout=0) == 8
