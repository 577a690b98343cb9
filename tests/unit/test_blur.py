"""Blurred faces: unrecognisable under a box that keeps its colour, from the core to the CLI."""

from __future__ import annotations

import re

import cv2
import numpy as np

from ferapp.cli import main as cli_main
from ferapp.core.faces.results import FaceResult
from ferapp.core.output.colors import color_rgb
from ferapp.core.output.drawing import draw_faces
from ferapp.core.recognition.settings import RecognitionSettings
from tests import support

BOX = (220, 120, 200, 240)  # where face_frame(1) puts the astronaut


def detail(image: np.ndarray) -> float:
    """How much fine detail (edges) an image holds: the variance of its Laplacian."""
    return float(cv2.Laplacian(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.CV_64F).var())


def inside(image: np.ndarray, box=BOX, margin: int = 12) -> np.ndarray:
    x, y, w, h = box
    return image[y + margin : y + h - margin, x + margin : x + w - margin]


def happy_face(box=BOX) -> FaceResult:
    return FaceResult(box, "happy", 0.9, (0, 0, 0, 0.9, 0, 0, 0.1), track=0)


def test_a_blurred_face_is_unrecognisable_and_its_box_keeps_its_colour():
    original = support.face_frame(1)
    plain = draw_faces(original.copy(), [happy_face()])
    blurred = draw_faces(original.copy(), [happy_face()], blur=True)
    face, hidden = inside(original), inside(blurred)
    assert np.array_equal(inside(plain), face)  # without blur the face is untouched
    assert np.abs(hidden.astype(int) - face.astype(int)).mean() > 10
    assert detail(hidden) < detail(face) / 20  # the fine detail that identifies is gone
    r, g, b = color_rgb("happy")
    x, y, w, h = BOX
    for px, py in ((x, y + h // 2), (x + w, y + h // 2), (x + w // 2, y + h)):
        assert tuple(blurred[py, px]) == (b, g, r)  # the outline, drawn over the blur
    outside = np.ones(original.shape[:2], bool)
    outside[y : y + h, x : x + w] = False
    assert np.array_equal(blurred[outside], plain[outside])  # nothing outside the box changes


def test_a_box_reaching_past_the_frame_is_blurred_where_it_is_seen():
    original = support.face_frame(1)
    box = (560, 300, 200, 240)  # runs off the right and the bottom
    blurred = draw_faces(original.copy(), [happy_face(box)], blur=True)
    assert blurred.shape == original.shape
    assert detail(blurred[310:470, 570:630]) < detail(original[310:470, 570:630]) + 1


def test_blur_is_in_the_fingerprint_only_when_on():
    assert "blur_faces" not in RecognitionSettings().fingerprint()
    assert RecognitionSettings(blur_faces=True).fingerprint()["blur_faces"] is True


def test_analyze_blur_faces_blurs_the_annotated_image(tmp_path, happy_model_path, capsys):
    photo = tmp_path / "face.png"
    cv2.imwrite(str(photo), support.face_frame(1))
    outputs = {}
    for name, extra in (("plain", []), ("blurred", ["--blur-faces"])):
        out = tmp_path / f"{name}.png"
        code = cli_main(
            ["analyze", str(photo), "--model", str(happy_model_path), "--annotate", str(out),
             "--quiet", *extra]
        )  # fmt: skip
        assert code == 0
        outputs[name] = cv2.imread(str(out))
    printed = capsys.readouterr().out
    # one photo: each face's label and confidence, and where it is
    found = re.search(r"face 1: happy \d+% at x (\d+), y (\d+), (\d+)x(\d+)", printed)
    assert found, printed
    box = tuple(int(v) for v in found.groups())
    plain, blurred = inside(outputs["plain"], box), inside(outputs["blurred"], box)
    assert detail(blurred) < detail(plain) / 10
