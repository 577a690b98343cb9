"""Drawing face boxes, numbers, labels and landmarks in the emotions' colours onto a BGR frame."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import cv2
import numpy as np

from ferapp.core.faces.results import FaceResult
from ferapp.core.output.colors import RGB, UNCERTAIN_RGB, color_rgb, ink_for

FONT = cv2.FONT_HERSHEY_SIMPLEX


def label_text(face: FaceResult, number: bool = True) -> str:
    """'2 happy 87%' (the face's number first when it has one), '2 ? sad 31%' for an
    uncertain face, or 'face' without a model."""
    text = f"{face.label} {face.confidence:.0%}" if face.label else "face"
    if face.uncertain:
        text = f"? {text}"
    return f"{face.number} {text}" if number and face.number else text


def draw_faces(
    image: np.ndarray,
    faces: Iterable[FaceResult],
    palette: Mapping[str, RGB] | None = None,
    landmarks: bool = False,
    numbers: bool = True,
) -> np.ndarray:
    """Draw in place (and return) each face's box, its label just above it and, optionally,
    its landmarks.

    Line width and text size follow the box size; a label that would leave the top of
    the frame goes inside the box instead. ``palette`` maps labels to RGB colours (the
    default palette when None).
    """
    frame_w = image.shape[1]
    for face in faces:
        x, y, w, h = face.box
        r, g, b = UNCERTAIN_RGB if face.uncertain else color_rgb(face.label, palette)
        color = (b, g, r)
        thickness = max(1, round(w / 60))
        cv2.rectangle(image, (x, y), (x + w, y + h), color, thickness, cv2.LINE_8)
        if landmarks:
            radius = max(2, thickness + 1)
            for px, py in face.landmarks:
                cv2.circle(image, (round(px), round(py)), radius, color, cv2.FILLED, cv2.LINE_AA)
        text = label_text(face, numbers)
        scale = max(0.4, min(1.5, w / 180))
        (tw, th), baseline = cv2.getTextSize(text, FONT, scale, max(1, thickness))
        pad = max(2, thickness)
        top = y - th - baseline - 2 * pad
        if top < 0:
            top = y
        left = min(max(x, 0), max(frame_w - tw - 2 * pad, 0))
        cv2.rectangle(
            image,
            (left, top),
            (left + tw + 2 * pad, top + th + baseline + 2 * pad),
            color,
            cv2.FILLED,
        )
        ink_r, ink_g, ink_b = ink_for((r, g, b))
        cv2.putText(
            image,
            text,
            (left + pad, top + pad + th),
            FONT,
            scale,
            (ink_b, ink_g, ink_r),
            max(1, thickness),
            cv2.LINE_AA,
        )
    return image
