"""Cutting face crops out of a frame in the shape a model expects.

Two ways: with landmarks (YuNet), an eye-aligned crop framed as FER2013's faces are
(:mod:`ferapp.core.faces.align`); with a box only (the Haar cascade), the box enlarged by a
fraction of its size on each side, as the thesis did with fixed pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ferapp.core.detect.base import Detections
from ferapp.core.errors import FerappError
from ferapp.core.faces.align import (
    FER2013_FRAMING,
    FaceFraming,
    aligned_crop,
    turned_face_matrix,
    warp_crop,
)
from ferapp.core.faces.pose import head_pose

CROP_RULES = ("auto", "aligned", "turned", "box")
AUTO_TURN_DEG = 25.0  # beyond this yaw "auto" frames a face as turned (docs/turned-faces.md)


@dataclass(frozen=True)
class CropSettings:
    """How each face is cut out.

    ``align``: use the landmarks when the detector gives them, by ``rule``: ``aligned``
    levels the eyes and frames the face as FER2013 does; ``turned`` levels the face and
    scales it by its eye-to-mouth height, centred on the detector's box, which keeps a
    turned head whole; ``auto`` (the default) takes ``aligned`` for a face within
    :data:`AUTO_TURN_DEG` of frontal and ``turned`` beyond; ``box`` ignores the landmarks.
    Otherwise the box is enlarged by ``offset_x``/``offset_y`` of its width/height on
    each side: Haar boxes are tighter than the FER2013 crops, mostly in height, and
    fractions keep the enlargement right for near and far faces alike.
    """

    offset_x: float = 0.10
    offset_y: float = 0.15
    align: bool = True
    rule: str = "auto"  # with landmarks: see CROP_RULES

    def __post_init__(self) -> None:
        if self.rule not in CROP_RULES:
            raise FerappError(f"unknown crop rule {self.rule!r}; choose {', '.join(CROP_RULES)}")
        for name in ("offset_x", "offset_y"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:  # also refuses NaN
                raise FerappError(
                    f"crop {name.replace('_', ' ')} must be between 0 and 1, got {value}"
                )


def enlarge_box(box: np.ndarray, settings: CropSettings) -> tuple[int, int, int, int]:
    """The enlarged box (x0, y0, x1, y1), possibly reaching outside the frame."""
    x, y, w, h = (int(v) for v in box)
    dx = round(w * settings.offset_x)
    dy = round(h * settings.offset_y)
    return x - dx, y - dy, x + w + dx, y + h + dy


def box_crop(image: np.ndarray, box: np.ndarray, size: tuple[int, int], settings: CropSettings):
    """One uint8 grayscale crop of ``size`` (height, width) from a BGR or gray frame.

    Only the face's region is converted to gray. Parts of the enlarged box outside the
    frame are filled by replicating the edge pixels, so faces at the border keep their
    proportions.
    """
    height, width = size
    frame_h, frame_w = image.shape[:2]
    x0, y0, x1, y1 = enlarge_box(box, settings)
    cx0, cy0 = min(max(x0, 0), frame_w - 1), min(max(y0, 0), frame_h - 1)
    cx1, cy1 = max(min(x1, frame_w), cx0 + 1), max(min(y1, frame_h), cy0 + 1)
    face = image[cy0:cy1, cx0:cx1]
    if face.ndim == 3:
        face = cv2.cvtColor(face, cv2.COLOR_BGR2GRAY)
    if (cx0, cy0, cx1, cy1) != (x0, y0, x1, y1):
        face = cv2.copyMakeBorder(
            face,
            max(cy0 - y0, 0),
            max(y1 - cy1, 0),
            max(cx0 - x0, 0),
            max(x1 - cx1, 0),
            cv2.BORDER_REPLICATE,
        )
    interpolation = cv2.INTER_AREA if face.shape[0] >= height else cv2.INTER_LINEAR
    return cv2.resize(face, (width, height), interpolation=interpolation)


def crop_faces(
    image: np.ndarray,
    faces: Detections | np.ndarray,
    size: tuple[int, int],
    settings: CropSettings | None = None,
    framing: FaceFraming = FER2013_FRAMING,
) -> np.ndarray:
    """All faces of a frame as uint8 grayscale crops of shape (N, height, width).

    ``faces`` is a detector's :class:`Detections` (aligned when it has landmarks and
    ``settings.align``) or an (N, 4) array of boxes. ``size`` is (height, width), read
    from the model.
    """
    settings = settings or CropSettings()
    use_landmarks = settings.align and settings.rule != "box"
    if isinstance(faces, Detections):
        boxes, landmarks = faces.boxes, faces.landmarks if use_landmarks else None
    else:
        boxes, landmarks = np.asarray(faces).reshape(-1, 4), None
    out = np.empty((len(boxes), *size), dtype=np.uint8)
    for i, box in enumerate(boxes):
        if landmarks is None:
            out[i] = box_crop(image, box, size, settings)
        elif _frames_as_turned(settings.rule, landmarks[i]):
            out[i] = warp_crop(image, turned_face_matrix(landmarks[i], box, size, framing), size)
        else:
            out[i] = aligned_crop(image, landmarks[i], size, framing)
    return out


def _frames_as_turned(rule: str, landmarks: np.ndarray) -> bool:
    if rule != "auto":
        return rule == "turned"
    return abs(head_pose(landmarks)[0]) > AUTO_TURN_DEG
