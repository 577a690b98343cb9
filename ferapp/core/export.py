"""Per-face results as CSV rows and JSON records, and the summary of a run."""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ferapp.core.emotions import EMOTIONS
from ferapp.core.pipeline import FrameResult

BASE_COLUMNS = ("source", "frame", "time_ms", "face", "x", "y", "w", "h", "label", "confidence")


def csv_columns(class_names: tuple[str, ...] = EMOTIONS) -> tuple[str, ...]:
    return BASE_COLUMNS + tuple(class_names)


def result_rows(
    source: str,
    frame: int,
    time_ms: float,
    result: FrameResult,
    class_names: tuple[str, ...] = EMOTIONS,
) -> list[dict[str, Any]]:
    """One row per face; a frame without faces gets one row with empty face fields."""
    base = {"source": source, "frame": frame, "time_ms": round(time_ms, 1)}
    if not result.faces:
        return [{**base, **{c: "" for c in csv_columns(class_names)[3:]}}]
    rows = []
    for i, face in enumerate(result.faces):
        x, y, w, h = face.box
        row = {
            **base,
            "face": i,
            "x": x,
            "y": y,
            "w": w,
            "h": h,
            "label": face.label,
            "confidence": round(face.confidence, 4) if face.label else "",
        }
        probs = face.probabilities or ("",) * len(class_names)
        row.update(
            {
                name: (round(p, 4) if p != "" else "")
                for name, p in zip(class_names, probs, strict=True)
            }
        )
        rows.append(row)
    return rows


class ResultCsvWriter:
    """Streams rows to a CSV file as frames arrive, so an interrupted run keeps what it did."""

    def __init__(self, path: Path, class_names: tuple[str, ...] = EMOTIONS) -> None:
        self.path = path
        self.class_names = class_names
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115
        self._writer = csv.DictWriter(self._file, fieldnames=csv_columns(class_names))
        self._writer.writeheader()

    def write(self, source: str, frame: int, time_ms: float, result: FrameResult) -> None:
        self._writer.writerows(result_rows(source, frame, time_ms, result, self.class_names))
        self._file.flush()

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()


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
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
