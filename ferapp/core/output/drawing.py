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
    blur: bool = False,
) -> np.ndarray:
    """Draw in place (and return) each face's box, its label just above it and, optionally,
    its landmarks; ``blur`` first makes each face unrecognisable under its box.

    Line width and text size follow the box size; a label that would leave the top of
    the frame goes inside the box instead. ``palette`` maps labels to RGB colours (the
    default palette when None).
    """
    frame_w = image.shape[1]
    faces = list(faces)
    if blur:  # every face before any box, so that no box or label is blurred
        for face in faces:
            blur_region(image, face.box)
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


BLUR_BLOCKS = 8  # a blurred face is this many coarse blocks across, then smoothed


def blur_region(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """Hide who a face is, in place: the box (clipped to the frame) pixelated into
    ``BLUR_BLOCKS`` blocks across and smoothed with a strong Gaussian."""
    x, y, w, h = box
    x0, y0 = max(int(x), 0), max(int(y), 0)
    x1, y1 = min(int(x + w), image.shape[1]), min(int(y + h), image.shape[0])
    if x1 - x0 < 2 or y1 - y0 < 2:
        return image
    region = image[y0:y1, x0:x1]
    blocks = (BLUR_BLOCKS, max(1, round(BLUR_BLOCKS * (y1 - y0) / (x1 - x0))))
    small = cv2.resize(region, blocks, interpolation=cv2.INTER_AREA)
    coarse = cv2.resize(small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST)
    sigma = max(2.0, (x1 - x0) / BLUR_BLOCKS / 2)
    image[y0:y1, x0:x1] = cv2.GaussianBlur(coarse, (0, 0), sigma)
    return image
