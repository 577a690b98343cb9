"""Drawing face boxes and labels in the emotions' colours onto a BGR frame."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import cv2
import numpy as np

from ferapp.core.emotions import color_bgr
from ferapp.core.pipeline import FaceResult

FONT = cv2.FONT_HERSHEY_SIMPLEX


def label_text(face: FaceResult) -> str:
    """'happy 87%', or 'face' when no model labelled it."""
    return f"{face.label} {face.confidence:.0%}" if face.label else "face"


def draw_faces(
    image: np.ndarray,
    faces: Iterable[FaceResult],
    colors_bgr: Mapping[str, tuple[int, int, int]] | None = None,
) -> np.ndarray:
    """Draw in place (and return) each face's box and its label just above it.

    Line width and text size follow the box size; a label that would leave the top
    of the frame goes inside the box instead.
    """
    frame_w = image.shape[1]
    for face in faces:
        x, y, w, h = face.box
        color = (colors_bgr or {}).get(face.label) or color_bgr(face.label)
        thickness = max(1, round(w / 60))
        cv2.rectangle(image, (x, y), (x + w, y + h), color, thickness, cv2.LINE_8)
        text = label_text(face)
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
        luminance = 0.114 * color[0] + 0.587 * color[1] + 0.299 * color[2]
        text_color = (0, 0, 0) if luminance > 128 else (255, 255, 255)
        cv2.putText(
            image,
            text,
            (left + pad, top + pad + th),
            FONT,
            scale,
            text_color,
            max(1, thickness),
            cv2.LINE_AA,
        )
    return image
