"""Head pose from five landmarks, the crop chosen by pose, uncertain faces, calibration."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from ferapp.core.detect.base import Detections
from ferapp.core.detect.yunet import YuNetDetector
from ferapp.core.errors import FerappError
from ferapp.core.faces.align import FER2013_FRAMING, aligned_crop, turned_face_matrix, warp_crop
from ferapp.core.faces.certainty import Certainty
from ferapp.core.faces.crop import CropSettings, crop_faces
from ferapp.core.faces.pose import EYE_RATIO, NOSE_DEPTH, head_pose, pose_bucket
from ferapp.core.faces.results import FaceResult, FrameResult
from ferapp.core.model.calibration import (
    apply_temperature,
    expected_calibration_error,
    fit_temperature,
)
from ferapp.core.model.classifier import EmotionClassifier
from ferapp.core.model.metadata import read_metadata, update_metadata
from ferapp.core.output.drawing import draw_faces, label_text
from ferapp.core.output.rows import csv_columns, face_record, result_rows
from ferapp.core.recognition.pipeline import Pipeline
from ferapp.core.recognition.recognizer import Recognizer
from ferapp.core.recognition.settings import RecognitionSettings
from tests.support import face_frame


def landmarks_at(yaw: float, roll: float = 0.0, scale: float = 80.0, at=(300.0, 200.0)):
    """YuNet-order landmarks of a rigid head turned by ``yaw`` and tilted by ``roll``
    (degrees), seen from the front: eyes and mouth on one plane, the nose ahead of it."""
    y = math.radians(yaw)
    half_eyes, half_mouth = EYE_RATIO / 2, 0.35
    points = np.array(
        [
            [-half_eyes * math.cos(y), 0.0],
            [half_eyes * math.cos(y), 0.0],
            [NOSE_DEPTH * math.sin(y), 0.55],
            [-half_mouth * math.cos(y), 1.0],
            [half_mouth * math.cos(y), 1.0],
        ]
    )
    r = math.radians(roll)
    turn = np.array([[math.cos(r), -math.sin(r)], [math.sin(r), math.cos(r)]])
    return points @ turn.T * scale + np.array(at)


@pytest.mark.parametrize("yaw", [-75, -40, -10, 0, 15, 30, 60, 85])
def test_yaw_is_read_from_nose_offset_and_eye_distance_whatever_the_tilt_and_size(yaw):
    for roll, scale in ((0, 80), (20, 30), (-35, 200)):
        got_yaw, got_roll = head_pose(landmarks_at(yaw, roll, scale))
        assert got_yaw == pytest.approx(yaw, abs=0.5)
        assert got_roll == pytest.approx(roll, abs=0.5)


def test_pose_buckets():
    assert [pose_bucket(y) for y in (None, 0, -25, 30, -55, 56, -89)] == [
        "frontal", "frontal", "frontal", "turned", "turned", "profile", "profile",
    ]  # fmt: skip


def test_a_real_frontal_face_reads_as_frontal_and_its_mirror_turns_the_other_way():
    frame = face_frame()
    found = YuNetDetector().detect(frame)
    assert len(found) == 1
    yaw, roll = head_pose(found.landmarks[0])
    assert abs(yaw) < 25 and abs(roll) < 15
    mirrored = YuNetDetector().detect(frame[:, ::-1].copy())
    points = mirrored.landmarks[0][[1, 0, 2, 4, 3]]  # YuNet names by image side
    assert head_pose(points)[0] == pytest.approx(-yaw, abs=3)


def test_auto_crop_levels_the_eyes_of_a_frontal_face_and_keeps_a_turned_head_whole():
    frame = face_frame()
    box = np.array([260, 120, 160, 160])
    for yaw, expected in ((0, "aligned"), (50, "turned")):
        points = landmarks_at(yaw, 5, 60, (340, 180)).astype(np.float32)
        found = Detections(box[None], points[None], np.ones(1, np.float32))
        auto = crop_faces(frame, found, (48, 48), CropSettings(rule="auto"))[0]
        if expected == "aligned":
            want = aligned_crop(frame, points, (48, 48), FER2013_FRAMING)
        else:
            want = warp_crop(
                frame, turned_face_matrix(points, box, (48, 48), FER2013_FRAMING), (48, 48)
            )
        np.testing.assert_array_equal(auto, want)
        assert not np.array_equal(
            auto, crop_faces(frame, found, (48, 48), CropSettings(rule="box"))[0]
        )


def test_the_turned_framing_scales_by_eye_to_mouth_height_not_by_the_shrinking_eye_distance():
    box = np.array([0, 0, 100, 100])
    frontal = turned_face_matrix(landmarks_at(0), box, (48, 48), FER2013_FRAMING)
    turned = turned_face_matrix(landmarks_at(60), box, (48, 48), FER2013_FRAMING)
    assert math.hypot(*frontal[0, :2]) == pytest.approx(math.hypot(*turned[0, :2]))
    with pytest.raises(FerappError, match="crop rule"):
        CropSettings(rule="sideways")


def face(label="happy", confidence=0.9, yaw=None, probs=None) -> FaceResult:
    probs = probs or tuple(confidence if i == 3 else (1 - confidence) / 6 for i in range(7))
    return FaceResult((10, 10, 80, 80), label, confidence, probs, track=0, yaw=yaw)


def test_a_face_is_uncertain_below_the_threshold_or_turned_beyond_the_limit():
    limits = Certainty(min_confidence=0.5, max_yaw=60)
    assert limits.reason(face(confidence=0.8, yaw=20)) == ""
    assert "confidence below 50%" in limits.reason(face(confidence=0.45))
    assert "turned more than 60" in limits.reason(face(confidence=0.95, yaw=-70))
    assert limits.reason(face(label="")) == ""  # no model: nothing to doubt
    with pytest.raises(FerappError):
        Certainty(min_confidence=1.5)


def test_uncertain_faces_are_drawn_grey_with_a_question_mark_and_keep_their_numbers():
    sure, unsure = face(confidence=0.9), replace(face(confidence=0.3), uncertain="low")
    assert label_text(unsure) == "1 ? happy 30%" and label_text(sure) == "1 happy 90%"
    image = draw_faces(np.zeros((120, 120, 3), np.uint8), [unsure])
    assert tuple(image[10, 50]) == (150, 150, 150)
    image = draw_faces(np.zeros((120, 120, 3), np.uint8), [sure])
    assert tuple(image[10, 50]) == (0, 255, 255)  # happy's yellow, in BGR


def test_results_carry_yaw_roll_and_why_a_face_is_uncertain():
    unsure = replace(face(confidence=0.3, yaw=-42.5), roll=3.0, uncertain="confidence below 40%")
    columns = csv_columns()
    assert {"yaw", "roll", "uncertain"} <= set(columns)
    row = result_rows("s", 0, 0.0, FrameResult((unsure,)))[0]
    assert (row["yaw"], row["roll"], row["uncertain"]) == (-42.5, 3.0, "confidence below 40%")
    assert row["happy"] == 0.3 and row["label"] == "happy"  # every probability kept
    record = face_record(
        unsure, 0, ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
    )
    assert record["yaw"] == -42.5 and record["uncertain"].startswith("confidence")


def test_the_recognizer_uses_the_models_calibrated_threshold_unless_one_is_set(
    tmp_path, happy_model_path
):
    import shutil

    model = shutil.copy(happy_model_path, tmp_path / "m.keras")
    update_metadata(model, {"temperature": 1.0, "min_confidence": 0.99})
    classifier = EmotionClassifier.load(model)
    assert classifier.min_confidence == 0.99
    pipeline = Pipeline(YuNetDetector(), classifier)
    frame = face_frame()
    faces = Recognizer(pipeline).process(frame).result.faces
    assert faces and all(f.uncertain.startswith("confidence below 99%") for f in faces)
    faces = (
        Recognizer(pipeline, RecognitionSettings(min_confidence=0.1)).process(frame).result.faces
    )
    assert faces and not any(f.uncertain for f in faces)
    assert all(f.yaw is not None and f.roll is not None for f in faces)


def test_temperature_in_the_model_file_softens_its_answers_and_keeps_its_label(
    tmp_path, happy_model_path
):
    import shutil

    model = shutil.copy(happy_model_path, tmp_path / "m.keras")
    before = EmotionClassifier.load(model).classify(face_frame()[:48, :48, 0][None])[0]
    info = update_metadata(model, {"temperature": 2.0})
    assert read_metadata(model).extra["temperature"] == 2.0 == info.extra["temperature"]
    after = EmotionClassifier.load(model).classify(face_frame()[:48, :48, 0][None])[0]
    assert after.argmax() == before.argmax() == 3
    assert after.max() < before.max()
    np.testing.assert_allclose(after, apply_temperature(before[None], 2.0)[0], atol=1e-5)


def test_fitting_a_temperature_undoes_overconfidence():
    rng = np.random.default_rng(0)
    n, classes = 4000, 7
    labels = rng.integers(0, classes, n)
    logits = rng.normal(0, 1, (n, classes))
    logits[np.arange(n), labels] += 1.5  # right about 60 % of the time
    # the true posterior of this draw (Bayes): softmax(1.5 x)
    honest = np.exp(1.5 * logits) / np.exp(1.5 * logits).sum(1, keepdims=True)
    overconfident = apply_temperature(honest, 0.4)
    t = fit_temperature(overconfident, labels)
    assert t == pytest.approx(1 / 0.4, rel=0.15)
    assert expected_calibration_error(apply_temperature(overconfident, t), labels) < 0.03
    assert expected_calibration_error(overconfident, labels) > 0.15
    assert (apply_temperature(overconfident, t).argmax(1) == overconfident.argmax(1)).all()
