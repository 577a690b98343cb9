"""Results as rows: the CSV columns, one CSV row and one JSON record per face."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ferapp.core.emotions import EMOTIONS
from ferapp.core.faces.results import FaceResult, FrameResult

BASE_COLUMNS = ("source", "frame", "time_ms", "face", "x", "y", "w", "h", "label", "confidence")
# Head pose (degrees, empty without landmarks) and why a label is uncertain ("" if it is not).
POSE_COLUMNS = ("yaw", "roll", "uncertain")
# Optional columns: the five landmarks (YuNet) as x/y pairs.
LANDMARK_NAMES = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")
LANDMARK_COLUMNS = tuple(f"{n}_{axis}" for n in LANDMARK_NAMES for axis in ("x", "y"))


def csv_columns(
    class_names: tuple[str, ...] = EMOTIONS, landmarks: bool = False
) -> tuple[str, ...]:
    """The CSV header: base columns, one per class, the detector, and landmarks if asked."""
    return (
        BASE_COLUMNS
        + tuple(class_names)
        + ("detector", *POSE_COLUMNS)
        + (LANDMARK_COLUMNS if landmarks else ())
    )


def describe_detector(settings: Mapping[str, Any]) -> str:
    """'yunet score_threshold=0.7 nms_threshold=0.3 detect_width=320' for the CSV column."""
    values = dict(settings)
    name = values.pop("detector", "")
    return " ".join([str(name), *(f"{k}={v}" for k, v in values.items())])


def face_number(face: FaceResult, position: int) -> int:
    """The number shown on the box and in the bars: the track's, else the position's (1-based)."""
    return face.number or position + 1


def result_rows(
    source: str,
    frame: int,
    time_ms: float,
    result: FrameResult,
    class_names: tuple[str, ...] = EMOTIONS,
    landmarks: bool = False,
    detector: str = "",
) -> list[dict[str, Any]]:
    """One row per face; a frame without faces gets one row with empty face fields."""
    columns = csv_columns(class_names, landmarks)
    base = {"source": source, "frame": frame, "time_ms": round(time_ms, 1)}
    if not result.faces:
        return [{**base, **{c: "" for c in columns[3:]}, "detector": detector}]
    rows = []
    for i, face in enumerate(result.faces):
        x, y, w, h = face.box
        row: dict[str, Any] = {
            **base,
            "face": face_number(face, i),
            "x": x,
            "y": y,
            "w": w,
            "h": h,
            "label": face.label,
            "confidence": round(face.confidence, 4) if face.label else "",
            "detector": detector,
            "yaw": "" if face.yaw is None else face.yaw,
            "roll": "" if face.roll is None else face.roll,
            "uncertain": face.uncertain,
        }
        probs = face.probabilities or ("",) * len(class_names)
        row.update(
            {
                name: (round(p, 4) if p != "" else "")
                for name, p in zip(class_names, probs, strict=True)
            }
        )
        if landmarks:
            points = [round(v, 1) for point in face.landmarks for v in point]
            row.update(zip(LANDMARK_COLUMNS, points or [""] * len(LANDMARK_COLUMNS), strict=True))
        rows.append(row)
    return rows


def face_record(face: FaceResult, position: int, class_names: tuple[str, ...]) -> dict[str, Any]:
    """One face as JSON: box, number, track, label, confidence, probabilities, landmarks."""
    record: dict[str, Any] = {
        "face": face_number(face, position),
        "box": list(face.box),
        "track": face.track,
        "label": face.label,
        "confidence": round(face.confidence, 6),
        "probabilities": {
            c: round(p, 6) for c, p in zip(class_names, face.probabilities, strict=False)
        },
        "detector_score": round(face.score, 4),
        "yaw": face.yaw,
        "roll": face.roll,
        "uncertain": face.uncertain,
    }
    if face.landmarks:
        record["landmarks"] = {
            name: [round(x, 1), round(y, 1)]
            for name, (x, y) in zip(LANDMARK_NAMES, face.landmarks, strict=False)
        }
    return record


def frame_record(
    name: str, index: int, time_ms: float, result: FrameResult, class_names: tuple[str, ...]
) -> dict[str, Any]:
    return {
        "source": name,
        "frame": index,
        "time_ms": round(time_ms, 1),
        "faces": [face_record(f, i, class_names) for i, f in enumerate(result.faces)],
    }
