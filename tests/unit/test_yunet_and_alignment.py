"""YuNet beside Haar on real faces, eye-aligned crops, checked weights, stable tracks."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import skimage.data

from ferapp.core.detect.base import DetectorSettings
from ferapp.core.detect.factory import create_detector
from ferapp.core.detect.yunet import YUNET_FILE, YUNET_SHA256, YuNetDetector, load_weights
from ferapp.core.errors import DetectorError
from ferapp.core.faces.align import FER2013_FRAMING, alignment_matrix, eye_roll_degrees
from ferapp.core.faces.crop import CropSettings, crop_faces
from ferapp.core.locations import resource_path
from ferapp.core.recognition.pipeline import Pipeline
from ferapp.core.recognition.recognizer import Recognizer
from tests import support

YUNET = DetectorSettings(detector="yunet")
HAAR = DetectorSettings(detector="haar")


def astronaut() -> np.ndarray:
    return cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)


def rotated(image: np.ndarray, degrees: float, scale: float = 1.0) -> np.ndarray:
    h, w = image.shape[:2]
    size = (round(w * scale), round(h * scale))
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, scale)
    matrix[:, 2] += ((size[0] - w) / 2, (size[1] - h) / 2)
    return cv2.warpAffine(image, matrix, size, borderMode=cv2.BORDER_REPLICATE)


@pytest.mark.parametrize("settings", [YUNET, HAAR], ids=["yunet", "haar"])
def test_both_detectors_find_the_astronaut(settings):
    found = create_detector(settings).detect(astronaut())
    assert len(found) == 1
    x, y, w, h = found.boxes[0]
    assert 150 < x + w / 2 < 300 and 60 < y + h / 2 < 200 and 60 < w < 160
    if settings.detector == "yunet":
        (lx, ly), (rx, _) = found.landmarks[0, :2]
        assert x < lx < rx < x + w and y < ly < y + h / 2  # eyes in the upper half, left first
        assert 0.8 < found.scores[0] <= 1.0
    else:
        assert found.landmarks is None


@pytest.mark.parametrize("scale", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("degrees", [-12, 0, 12])
def test_yunet_finds_the_face_at_several_sizes_and_tilts(scale, degrees):
    found = create_detector(replace_width(YUNET, 0)).detect(rotated(astronaut(), degrees, scale))
    assert len(found) == 1
    x, y, w, h = found.boxes[0]
    (lx, ly), (rx, ry) = found.landmarks[0, :2]
    assert x < lx < rx < x + w and y < min(ly, ry) and max(ly, ry) < y + h
    # YuNet's eye line leans towards level: it reads much less tilt than there is
    assert abs(eye_roll_degrees(found.landmarks[0])) < abs(degrees) + 3


def replace_width(settings: DetectorSettings, width: int) -> DetectorSettings:
    from dataclasses import replace

    return replace(settings, detect_width=width)


def test_a_written_video_of_several_people(tmp_path):
    """YuNet finds the turned, small and tilted faces of the scene that Haar misses."""
    from ferapp.core.sources.captures import VideoSource

    video = support.crowd_video(tmp_path / "crowd.avi", n_frames=20)
    counts = {"yunet": 0, "haar": 0}
    for name, settings in (("yunet", YUNET), ("haar", HAAR)):
        detector = create_detector(settings)
        with VideoSource(video) as source:
            counts[name] = sum(len(detector.detect(frame.image)) for frame in source)
    assert counts["yunet"] >= 4 * 20  # five people, one of them sometimes hidden
    assert counts["yunet"] > counts["haar"]


def test_aligned_crops_have_level_eyes_where_fer2013_has_them():
    image = rotated(astronaut(), 15)
    found = create_detector(replace_width(YUNET, 0)).detect(image)
    matrix = alignment_matrix(
        found.landmarks[0, 0], found.landmarks[0, 1], (48, 48), FER2013_FRAMING
    )
    eyes = np.hstack([found.landmarks[0, :2], np.ones((2, 1))]) @ matrix.T
    assert abs(eyes[0, 1] - eyes[1, 1]) < 0.01  # level
    assert np.allclose(eyes.mean(axis=0), (0.5 * 48, FER2013_FRAMING.eye_y * 48), atol=0.01)
    assert eyes[1, 0] - eyes[0, 0] == pytest.approx(FER2013_FRAMING.eye_distance * 48, abs=0.01)
    aligned = crop_faces(image, found, (48, 48), CropSettings(align=True))
    boxed = crop_faces(image, found, (48, 48), CropSettings(align=False))
    assert aligned.shape == boxed.shape == (1, 48, 48) and aligned.dtype == np.uint8
    # the aligned crop shows the face upright: its eye row is darker than the cheeks below
    eye_row = round(FER2013_FRAMING.eye_y * 48)
    assert aligned[0, eye_row - 1 : eye_row + 2, 12:36].mean() < aligned[0, 30:33, 12:36].mean()


def test_pipeline_with_yunet_gives_landmarks_and_scores(happy_model_path):
    from ferapp.core.model.classifier import EmotionClassifier

    pipeline = Pipeline(create_detector(YUNET), EmotionClassifier.load(happy_model_path))
    faces = pipeline.process(support.face_frame(3)).faces
    assert len(faces) == 3 and all(len(f.landmarks) == 5 and f.score > 0.7 for f in faces)
    assert [f.label for f in faces] == ["happy"] * 3


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (DetectorSettings(detector="yunet", score_threshold=2.0), "score threshold"),
        (DetectorSettings(detector="yunet", nms_threshold=float("nan")), "nms threshold"),
        (DetectorSettings(detector="yunet", detect_width=10), "detect width"),
        (DetectorSettings(detector="haar", min_neighbors=-1), "min neighbors"),
        (DetectorSettings(detector="retina"), "unknown face detector"),
    ],
)
def test_bad_detector_settings_say_which_and_what_is_allowed(settings, message):
    with pytest.raises(DetectorError, match=message):
        create_detector(settings)


def test_missing_or_altered_weights_are_refused_naming_the_file_and_its_hash(tmp_path):
    with pytest.raises(DetectorError, match=r"missing\.onnx.*cannot be read"):
        load_weights(tmp_path / "missing.onnx")
    altered = tmp_path / YUNET_FILE
    data = bytearray(resource_path(YUNET_FILE).read_bytes())
    data[1000] ^= 0xFF
    altered.write_bytes(bytes(data))
    with pytest.raises(DetectorError) as raised:
        YuNetDetector(YUNET, weights=altered)
    assert str(altered) in str(raised.value) and YUNET_SHA256 in str(raised.value)
    assert load_weights() == resource_path(YUNET_FILE).read_bytes()  # the shipped one is whole


@pytest.mark.parametrize(
    "name", ["coffee", "chelsea", "rocket", "brick", "gravel", "coins", "page", "hubble_deep_field"]
)
def test_no_faces_in_pictures_without_people(name):
    image = np.asarray(getattr(skimage.data, name)())
    image = image if image.ndim == 3 else np.repeat(image[..., None], 3, axis=2)
    image = np.ascontiguousarray(image[..., :3][..., ::-1])
    for settings in (YUNET, HAAR):
        assert len(create_detector(settings).detect(image)) == 0, settings.detector


def test_a_turning_face_keeps_its_number():
    """The scene's second person turns her head to and fro: one track all along."""
    recognizer = Recognizer(Pipeline(create_detector(YUNET), None))
    tracks_at_hopper = set()
    for i in range(60):
        faces = recognizer.process(support.crowd_frame(i / 59), "scene", i).result.faces
        tracks_at_hopper |= {f.track for f in faces if 250 < f.box[0] < 360 and f.box[1] < 150}
    assert len(tracks_at_hopper) == 1
