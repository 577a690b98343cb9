"""Eye-aligned face crops: rotate each face so its eyes are level and frame it as FER2013 does.

FER2013's faces were cropped and scaled so the eyes sit at about the same place in
every 48x48 image. A crop cut from a detector's box puts them wherever the box does,
tilted with the head. With landmarks, one similarity transform (rotation, scale,
shift) takes the eyes straight to FER2013's place, so the classifier sees faces
framed as it was trained. :data:`FER2013_FRAMING` was measured on FER2013's Training
images (``benchmarks/face_framing.py``, numbers in ``docs/face-alignment.md``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class FaceFraming:
    """Where the eyes sit in a crop, as fractions of its width and height."""

    eye_x: float  # the midpoint between the eyes, from the left
    eye_y: float  # the eye line, from the top
    eye_distance: float  # the distance between the eyes, as a fraction of the width


# Medians over 5,385 FER2013 Training faces in which YuNet found both eyes (of 6,000
# sampled): midpoint x 0.496, eye line 0.379, distance 0.359, tilt 0.3 degrees. The
# midpoint is centred exactly, as the training images are also seen mirrored.
FER2013_FRAMING = FaceFraming(eye_x=0.5, eye_y=0.379, eye_distance=0.359)


def alignment_matrix(
    left_eye: np.ndarray, right_eye: np.ndarray, size: tuple[int, int], framing: FaceFraming
) -> np.ndarray:
    """The 2x3 affine matrix taking frame pixels to crop pixels (crop ``size`` = height, width).

    ``left_eye`` is the eye on the image's left. The eye line becomes horizontal, the
    eyes ``framing.eye_distance`` of the width apart, their midpoint at (eye_x, eye_y).
    """
    height, width = size
    (lx, ly), (rx, ry) = (float(v) for v in left_eye), (float(v) for v in right_eye)
    angle = math.atan2(ry - ly, rx - lx)
    distance = max(math.hypot(rx - lx, ry - ly), 1e-3)
    scale = framing.eye_distance * width / distance
    c, s = scale * math.cos(angle), scale * math.sin(angle)
    mx, my = (lx + rx) / 2.0, (ly + ry) / 2.0
    tx = framing.eye_x * width - (c * mx + s * my)
    ty = framing.eye_y * height - (-s * mx + c * my)
    return np.array([[c, s, tx], [-s, c, ty]], dtype=np.float64)


def aligned_crop(
    image: np.ndarray, landmarks: np.ndarray, size: tuple[int, int], framing: FaceFraming
) -> np.ndarray:
    """One aligned uint8 grayscale crop of ``size`` (height, width) from a BGR or gray frame.

    Only the crop's own pixels are computed (the transform reads the frame where it
    needs to), so the cost does not grow with the frame. A face much larger than the
    crop is rendered at up to 4x and then area-averaged, which avoids aliasing.
    """
    return warp_crop(image, alignment_matrix(landmarks[0], landmarks[1], size, framing), size)


def warp_crop(image: np.ndarray, matrix: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The uint8 grayscale crop of ``size`` (height, width) that ``matrix`` cuts out."""
    height, width = size
    scale = math.hypot(matrix[0, 0], matrix[0, 1])
    factor = int(min(4, max(1, math.floor(1.0 / max(scale, 1e-6)))))
    if factor > 1:
        matrix = matrix * factor
    out = cv2.warpAffine(
        image,
        matrix,
        (width * factor, height * factor),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    if out.ndim == 3:
        out = cv2.cvtColor(out, cv2.COLOR_BGR2GRAY)
    if factor > 1:
        out = cv2.resize(out, (width, height), interpolation=cv2.INTER_AREA)
    return out


def eye_roll_degrees(landmarks: np.ndarray) -> float:
    """How far the eye line is from horizontal, in degrees (positive: the right eye lower)."""
    (lx, ly), (rx, ry) = landmarks[0], landmarks[1]
    return math.degrees(math.atan2(float(ry - ly), float(rx - lx)))


def turned_face_matrix(
    landmarks: np.ndarray, box: np.ndarray, size: tuple[int, int], framing: FaceFraming
) -> np.ndarray:
    """The 2x3 matrix of a crop for a turned head: levelled, scaled by eyes-to-mouth height.

    The eye distance shrinks as a head turns, so scaling by it zooms into a turned face
    and the eyes' midpoint drifts off the face's middle. The eye-to-mouth height does not
    change with the turn: it sets the scale (a frontal face gets the same size as
    :func:`alignment_matrix` gives it), the detector's box centre sets the middle, and
    the eye line sits where FER2013 puts it.
    """
    height, width = size
    points = np.asarray(landmarks, dtype=np.float64).reshape(5, 2)
    eye_mid = (points[0] + points[1]) / 2.0
    mouth_mid = (points[3] + points[4]) / 2.0
    down = mouth_mid - eye_mid
    face_height = max(math.hypot(*down), 1e-3)
    angle = math.atan2(down[1], down[0]) - math.pi / 2.0  # 0 when the face is upright
    scale = framing.eye_distance / FRONTAL_EYE_TO_MOUTH * width / face_height
    c, s = scale * math.cos(angle), scale * math.sin(angle)
    cx = float(box[0]) + float(box[2]) / 2.0
    # the crop's centre column through the box centre, the eye line at framing.eye_y
    u = np.array([c, s])
    v = np.array([-s, c])
    tx = width / 2.0 - float(np.dot(u, (cx, eye_mid[1])))
    ty = framing.eye_y * height - float(np.dot(v, eye_mid))
    return np.array([[c, s, tx], [-s, c, ty]], dtype=np.float64)


# eye distance / eye-to-mouth height on a frontal face (ferapp.core.faces.pose.EYE_RATIO)
FRONTAL_EYE_TO_MOUTH = 0.97
