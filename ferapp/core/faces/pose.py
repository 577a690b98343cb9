"""Head pose from YuNet's five landmarks: yaw (turn) and roll (tilt), in degrees.

Five points cannot give a full head pose, but two cues of the turn are robust:

* the nose tip leaves the face's midline as the head turns (it stands out from the
  face by about a third of the eye-to-mouth height), and
* the eyes come closer together (foreshortening), while the eye-to-mouth height stays.

In the head's own frame (the eye line levelled), with ``h`` the eye-to-mouth height,
``offset`` the nose's distance from the midline (between the eyes' midpoint and the
mouth's) and ``d`` the eye distance, a rigid head turned by ``yaw`` gives
``offset / h = NOSE_DEPTH * sin(yaw)`` and ``d / h = EYE_RATIO * cos(yaw)``, so
``yaw = atan2(offset / NOSE_DEPTH, d / EYE_RATIO)``: both cues at once, bounded to
+-90 degrees. ``EYE_RATIO`` is the median over frontal faces (``docs/turned-faces.md``);
``NOSE_DEPTH`` follows from a mean adult head (eyes 25 mm and mouth corners 20 mm
behind the nose tip, eye line to mouth 65 mm). Positive yaw: the nose points to the
image's right. Roll: the eye line's angle, positive when the eye on the image's right is
lower.

The buckets (frontal up to 25 degrees, turned up to 55, profile beyond) are the ones the
accuracy reports use.
"""

from __future__ import annotations

import math

import numpy as np

EYE_RATIO = 0.97  # eye distance / eye-to-mouth height on a frontal face (measured)
NOSE_DEPTH = 0.45  # nose tip's lead over the eyes and mouth, / eye-to-mouth height (fitted)
FRONTAL_MAX_DEG = 25.0
TURNED_MAX_DEG = 55.0
POSE_BUCKETS = ("frontal", "turned", "profile")


def head_pose(landmarks: np.ndarray) -> tuple[float, float]:
    """(yaw, roll) in degrees from five (x, y) landmarks in YuNet's order."""
    points = np.asarray(landmarks, dtype=np.float64).reshape(5, 2)
    left_eye, right_eye, nose, mouth_left, mouth_right = points
    eye_mid = (left_eye + right_eye) / 2.0
    mouth_mid = (mouth_left + mouth_right) / 2.0
    down = mouth_mid - eye_mid  # the face's vertical axis, image down
    height = math.hypot(*down)
    if height < 1e-6:
        return 0.0, 0.0
    # the head's frame: v along eye->mouth, u perpendicular (image right when upright)
    v = down / height
    u = np.array([v[1], -v[0]])
    midline = (eye_mid + mouth_mid) / 2.0
    offset = float(np.dot(nose - midline, u)) / height
    eye_distance = abs(float(np.dot(right_eye - left_eye, u))) / height
    yaw = math.degrees(math.atan2(offset / NOSE_DEPTH, eye_distance / EYE_RATIO))
    roll = math.degrees(math.atan2(*(right_eye - left_eye)[::-1]))
    return yaw, roll


def pose_bucket(yaw: float | None) -> str:
    """'frontal', 'turned' or 'profile' for a yaw in degrees (frontal without one)."""
    turn = abs(yaw or 0.0)
    if turn <= FRONTAL_MAX_DEG:
        return "frontal"
    return "turned" if turn <= TURNED_MAX_DEG else "profile"
