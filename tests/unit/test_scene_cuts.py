"""A scene cut starts the faces afresh: two people never share one number, one person
keeps theirs through a steady shot; a frame done again keeps what it had."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import skimage.data

from ferapp.core.faces.tracking import SceneCuts
from ferapp.core.model.classifier import EmotionClassifier
from ferapp.core.output.writers import ResultCsvWriter
from ferapp.core.recognition.recognizer import Recognizer
from ferapp.core.recognition.settings import RecognitionSettings
from ferapp.core.sources.opening import open_source
from tests import support

# as the window runs: faces looked for and classified again only now and then
LIVE = RecognitionSettings(classify_every_ms=100, detect_every_ms=50)


def other_person(shift: int = 0) -> np.ndarray:
    """Another shot: Grace Hopper over the rocket, where the astronaut was in face_frame."""
    height, width = support.FRAME_SIZE
    backdrop = cv2.cvtColor(skimage.data.rocket(), cv2.COLOR_RGB2BGR)
    frame = cv2.resize(backdrop, (width, height), interpolation=cv2.INTER_AREA)
    head = cv2.resize(support.grace_hopper_head(), (200, 240), interpolation=cv2.INTER_AREA)
    frame[120 + shift : 360 + shift, 220:420] = head
    return np.ascontiguousarray(frame)


def two_shots(path, frames_each: int = 15):
    """The astronaut for ``frames_each`` frames, then a cut to another person at the same place."""
    first = [support.face_frame(1, shift) for shift in range(frames_each)]
    second = [other_person(shift) for shift in range(frames_each)]
    return support.write_video(path, first + second)


def numbers_per_frame(recognizer: Recognizer, video) -> list[list[int]]:
    source = open_source(video)
    try:
        return [
            [
                face.number
                for face in recognizer.process(f.image, f.name, f.index, f.time_ms).result.faces
            ]
            for f in source
        ]
    finally:
        source.close()


@pytest.fixture(scope="module")
def classifier(happy_model_path) -> EmotionClassifier:
    return EmotionClassifier.load(happy_model_path)


def test_a_cut_to_another_person_at_the_same_place_gives_a_new_number(tmp_path, classifier):
    recognizer = Recognizer.from_settings(LIVE, classifier)
    numbers = numbers_per_frame(recognizer, two_shots(tmp_path / "two.avi"))
    first, second = numbers[:15], numbers[15:]
    assert all(frame == [1] for frame in first), first
    assert all(len(frame) == 1 for frame in second), second
    assert {n for frame in second for n in frame} == {2}  # one new person, never number 1
    assert recognizer.tracking.cut_count == 1


def test_a_steady_shot_keeps_its_number_and_has_no_cut(tmp_path, classifier):
    recognizer = Recognizer.from_settings(LIVE, classifier)
    numbers = numbers_per_frame(recognizer, support.face_video(tmp_path / "one.avi", 30))
    assert numbers == [[1]] * 30
    assert recognizer.tracking.cut_count == 0


def test_what_is_a_cut_and_what_is_not():
    cuts = SceneCuts()
    crowd = [support.crowd_frame(i / 299) for i in range(0, 300, 15)]  # every 15th frame
    assert not any(cuts.is_cut(frame) for frame in crowd)  # five people moving, turning
    darker = (crowd[-1] * 0.6).astype(np.uint8)
    assert not cuts.is_cut(darker)  # the light changed, not the scene
    assert not cuts.is_cut(darker)
    assert cuts.is_cut(support.face_frame(1))  # another shot
    assert not cuts.is_cut(support.face_frame(1, 12))
    assert cuts.is_cut(np.zeros((480, 640, 3), np.uint8))  # a fade to black
    cuts.reset()
    assert not cuts.is_cut(other_person())  # nothing to cut from


def test_analyze_numbers_the_people_of_two_shots_apart(tmp_path, happy_model_path):
    video = two_shots(tmp_path / "two.avi", frames_each=6)
    out = tmp_path / "two.json"
    run = support.run_in_process(
        "ferapp", "analyze", str(video), "--model", str(happy_model_path), "--json", str(out),
        "--quiet",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    frames = json.loads(out.read_text())["frames"]
    numbers = [[face["face"] for face in frame["faces"]] for frame in frames]
    assert numbers == [[1]] * 6 + [[2]] * 6


def test_a_frame_done_again_keeps_its_numbers_and_is_recorded_once(tmp_path, classifier):
    """A paused view redone with new settings: the same numbers (here 2, after a cut),
    with nothing reused from before, and one row in the recording."""
    recognizer = Recognizer.from_settings(LIVE, classifier)
    csv_path = tmp_path / "rec.csv"
    writer = ResultCsvWriter(csv_path, classifier.class_names)
    recognizer.set_recorders((writer,))
    frames = [support.face_frame(1, i) for i in range(3)] + [other_person(i) for i in range(3)]
    for i, frame in enumerate(frames):
        last = recognizer.process(frame, "v", i, i * 33.0).result
    assert [f.number for f in last.faces] == [2]
    again = recognizer.process(frames[-1], "v", 5, 165.0, again=True).result
    assert [f.number for f in again.faces] == [2] and again.faces[0].label == "happy"
    recognizer.set_recorders(())
    writer.close()
    assert len(csv_path.read_text().splitlines()) == 1 + 6  # the frame done again: not twice
    after = recognizer.process(other_person(3), "v", 6, 198.0).result
    assert [f.number for f in after.faces] == [2]
