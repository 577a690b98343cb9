"""Results on disk: CSV rows and JSON records per face, the run summary, written atomically.

A CSV or JSON output is written under a temporary name and renamed into place when the
run ends (also when it is interrupted: the rows so far are complete). A run that fails
leaves the previous file at the requested path untouched.
"""

from __future__ import annotations

import csv
import json
import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from ferapp.core.emotions import EMOTIONS
from ferapp.core.files import PendingFile, atomic_open, naming
from ferapp.core.results import FaceResult, FrameResult

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


class Recorder(Protocol):
    """Receives every frame's results; ``close`` finishes the output."""

    def write(self, source: str, frame: int, time_ms: float, result: FrameResult) -> None: ...

    def close(self, **extra: Any) -> None: ...


class _PendingText:
    """A text file written under a temporary name; ``close`` puts it at ``path``, ``discard``
    drops it and leaves any previous file at ``path`` as it was."""

    def __init__(self, path: Path, **open_args: Any) -> None:
        self.path = Path(path)
        with naming(self.path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._pending = PendingFile(self.path)
            try:
                self._file: IO[str] = open(  # noqa: SIM115
                    self._pending.path, "w", encoding="utf-8", **open_args
                )
            except OSError:
                self._pending.discard()
                raise

    @property
    def closed(self) -> bool:
        return self._pending.done

    def _finish(self) -> None:
        with naming(self.path):
            try:
                self._file.flush()
                os.fsync(self._file.fileno())
                self._file.close()
            except OSError:
                self.discard()
                raise
            self._pending.commit()

    def _write(self, text: str) -> None:
        with naming(self.path):
            self._file.write(text)

    def discard(self) -> None:
        if not self._file.closed:
            self._file.close()
        self._pending.discard()


class ResultCsvWriter(_PendingText):
    """Streams rows to a CSV file as frames arrive; the file appears at ``path`` on close.

    Each frame's rows are flushed, so even after a crash the temporary file beside the
    target (``.ferapp-tmp-<name>-...``) holds what was done.
    """

    def __init__(
        self,
        path: Path,
        class_names: tuple[str, ...] = EMOTIONS,
        landmarks: bool = False,
        detector: str = "",
    ) -> None:
        super().__init__(path, newline="")
        self.class_names = class_names
        self.landmarks = landmarks
        self.detector = detector
        self._writer = csv.DictWriter(self._file, fieldnames=csv_columns(class_names, landmarks))
        self._writer.writeheader()

    def write(self, source: str, frame: int, time_ms: float, result: FrameResult) -> None:
        rows = result_rows(
            source, frame, time_ms, result, self.class_names, self.landmarks, self.detector
        )
        with naming(self.path):
            self._writer.writerows(rows)
            self._file.flush()

    def close(self, **extra: Any) -> None:
        if not self.closed:
            self._finish()


class ResultJsonWriter(_PendingText):
    """Streams frame records into one JSON document: ``header`` keys, ``frames``, then the
    keys given to ``close`` (the summary). Valid JSON appears at ``path`` on close."""

    def __init__(self, path: Path, class_names: tuple[str, ...], header: Mapping[str, Any]):
        super().__init__(path)
        self.class_names = class_names
        head = json.dumps({**header, "class_names": list(class_names)}, indent=1)
        self._write(head[:-2] + ',\n "frames": [')
        self._first = True

    def write(self, source: str, frame: int, time_ms: float, result: FrameResult) -> None:
        record = frame_record(source, frame, time_ms, result, self.class_names)
        self._write(("\n  " if self._first else ",\n  ") + json.dumps(record))
        self._first = False

    def close(self, **extra: Any) -> None:
        if self.closed:
            return
        tail = json.dumps(extra, indent=1)[1:]
        self._write("\n ]" + ("," + tail if extra else "\n}") + "\n")
        self._finish()


@dataclass
class RunSummary:
    """Counts gathered over a run: frames, faces and how often each emotion won."""

    frames: int = 0
    frames_with_faces: int = 0
    faces: int = 0
    per_emotion: Counter = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)

    def add(self, result: FrameResult) -> None:
        self.frames += 1
        self.faces += len(result.faces)
        self.frames_with_faces += bool(result.faces)
        self.per_emotion.update(f.label for f in result.faces if f.label)

    def write(self, source: str, frame: int, time_ms: float, result: FrameResult) -> None:
        self.add(result)

    def close(self, **extra: Any) -> None:
        pass

    @property
    def dominant(self) -> str | None:
        return self.per_emotion.most_common(1)[0][0] if self.per_emotion else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "frames": self.frames,
            "frames_with_faces": self.frames_with_faces,
            "faces": self.faces,
            "per_emotion": dict(self.per_emotion),
            "dominant": self.dominant,
            "skipped": self.skipped,
        }

    def text(self) -> str:
        lines = [
            f"frames: {self.frames}, with faces: {self.frames_with_faces}, faces found: {self.faces}"
        ]
        if self.per_emotion:
            lines.append(
                "per emotion: " + ", ".join(f"{k} {v}" for k, v in self.per_emotion.most_common())
            )
            lines.append(f"dominant emotion: {self.dominant}")
        if self.skipped:
            lines.append(
                f"skipped {len(self.skipped)} unreadable file(s): " + "; ".join(self.skipped)
            )
        return "\n".join(lines)


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path, "w") as handle:
        json.dump(data, handle, indent=1)
