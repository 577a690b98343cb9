"""The whole per-frame pipeline on real faces, and the colour-coded drawing."""

from __future__ import annotations

import numpy as np
import pytest

from ferapp.core.detect.base import DetectorSettings
from ferapp.core.detect.factory import create_detector
from ferapp.core.emotions import EMOTIONS
from ferapp.core.errors import InvalidFrameError
from ferapp.core.faces.results import FaceResult
from ferapp.core.model.classifier import EmotionClassifier
from ferapp.core.output.colors import THESIS_PALETTE, color_bgr
from ferapp.core.output.drawing import draw_faces
from ferapp.core.recognition.pipeline import Pipeline
from tests import support


@pytest.fixture(scope="module", params=["yunet", "haar"])
def pipeline(request, happy_model_path):
    detector = create_detector(DetectorSettings(detector=request.param))
    return Pipeline(detector, EmotionClassifier.load(happy_model_path))


@pytest.mark.parametrize("faces", [1, 3])
def test_every_face_is_classified_in_one_frame(pipeline, faces):
    result = pipeline.process(support.face_frame(faces))
    assert len(result.faces) == faces
    for face in result.faces:
        assert face.label == "happy"
        assert len(face.probabilities) == 7
        assert face.confidence == pytest.approx(max(face.probabilities))
    assert set(result.timings_ms) == {"detect", "crop", "classify"}


@pytest.mark.parametrize(
    "frame",
    [
        support.blank_frame(),
        np.zeros((8, 8, 3), np.uint8),
        np.zeros((480, 640), np.uint8),
        np.zeros((480, 640, 4), np.uint8),
    ],
    ids=["no-face", "tiny", "gray", "bgra"],
)
def test_frames_without_faces_and_odd_layouts(pipeline, frame):
    assert pipeline.process(frame).faces == ()


def test_gray_and_bgra_frames_with_faces(pipeline):
    import cv2

    gray = cv2.cvtColor(support.face_frame(1), cv2.COLOR_BGR2GRAY)
    assert len(pipeline.process(gray).faces) == 1
    bgra = cv2.cvtColor(support.face_frame(1), cv2.COLOR_BGR2BGRA)
    assert len(pipeline.process(bgra).faces) == 1
    with pytest.raises(InvalidFrameError):
        pipeline.process(np.zeros((0, 0, 3), np.uint8))


def test_thesis_colours_in_bgr():
    thesis = THESIS_PALETTE
    assert color_bgr("happy", thesis) == color_bgr("happy") == (0, 255, 255)  # yellow
    assert color_bgr("angry", thesis) == color_bgr("angry") == (0, 0, 255)  # red
    assert color_bgr("sad", thesis) == color_bgr("sad") == (255, 0, 0)  # blue
    assert color_bgr("surprise", thesis) == color_bgr("surprise") == (255, 255, 0)  # light blue
    assert color_bgr("neutral", thesis) == color_bgr("fear", thesis) == (0, 255, 0)
    others = {color_bgr(e, thesis) for e in EMOTIONS if e != "disgust"}
    assert color_bgr("disgust", thesis) not in others


def test_default_colours_tell_every_emotion_apart():
    assert color_bgr("neutral") == (0, 255, 0)
    assert len({color_bgr(e) for e in EMOTIONS}) == len(EMOTIONS)


@pytest.mark.parametrize("label", ["happy", "angry", "sad"])
def test_box_and_label_drawn_in_the_emotion_colour(label):
    image = np.full((200, 200, 3), 128, np.uint8)
    face = FaceResult((50, 80, 60, 60), label, 0.9, (0.0,) * 7)
    draw_faces(image, [face])
    assert tuple(image[110, 50]) == color_bgr(label)  # left edge of the box
    assert tuple(image[80, 80]) == color_bgr(label)  # top edge
    label_band = image[55:78, 52:100].reshape(-1, 3)
    assert (label_band == color_bgr(label)).all(axis=1).mean() > 0.3  # filled label above the box
    # a face at the very top keeps its label inside the frame
    top = np.full((200, 200, 3), 128, np.uint8)
    draw_faces(top, [FaceResult((50, 0, 60, 60), label, 0.9, (0.0,) * 7)])
    assert (top[5:20, 52:100].reshape(-1, 3) == color_bgr(label)).all(axis=1).mean() > 0.3
