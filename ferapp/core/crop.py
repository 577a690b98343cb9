"""Cutting face crops out of a frame in the shape a model expects."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ferapp.core.errors import FerappError


@dataclass(frozen=True)
class CropSettings:
    """Enlargement of each detected box, as a fraction of its width/height on each side.

    Haar boxes are tighter than the FER2013 crops, mostly in height; fractions keep
    the enlargement right for near and far faces alike (the thesis used fixed pixels).
    """

    offset_x: float = 0.10
    offset_y: float = 0.15

    def __post_init__(self) -> None:
        for name in ("offset_x", "offset_y"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise FerappError(
                    f"crop {name.replace('_', ' ')} must be between 0 and 1, got {value}"
                )


def enlarge_box(box: np.ndarray, settings: CropSettings) -> tuple[int, int, int, int]:
    """The enlarged box (x0, y0, x1, y1), possibly reaching outside the frame."""
    x, y, w, h = (int(v) for v in box)
    dx = round(w * settings.offset_x)
    dy = round(h * settings.offset_y)
    return x - dx, y - dy, x + w + dx, y + h + dy


def crop_faces(
    gray: np.ndarray,
    boxes: np.ndarray,
    size: tuple[int, int],
    settings: CropSettings | None = None,
) -> np.ndarray:
    """Crop, pad at frame edges and resize each face; returns uint8 of shape (N, height, width).

    ``size`` is (height, width), read from the model. Parts of an enlarged box that
    fall outside the frame are filled by replicating the edge pixels, so faces at
    the border keep their proportions.
    """
    settings = settings or CropSettings()
    height, width = size
    out = np.empty((len(boxes), height, width), dtype=np.uint8)
    frame_h, frame_w = gray.shape[:2]
    for i, box in enumerate(boxes):
        x0, y0, x1, y1 = enlarge_box(box, settings)
        cx0, cy0 = max(x0, 0), max(y0, 0)
        cx1, cy1 = min(x1, frame_w), min(y1, frame_h)
        face = gray[cy0:cy1, cx0:cx1]
        if (cx0, cy0, cx1, cy1) != (x0, y0, x1, y1):
            face = cv2.copyMakeBorder(
                face, cy0 - y0, y1 - cy1, cx0 - x0, x1 - cx1, cv2.BORDER_REPLICATE
            )
        interpolation = cv2.INTER_AREA if face.shape[0] >= height else cv2.INTER_LINEAR
        out[i] = cv2.resize(face, (width, height), interpolation=interpolation)
    return out
