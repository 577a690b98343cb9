"""What a source's frames add up to: frames, faces and each emotion's count."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ferapp.core.faces.results import FrameResult


@dataclass
class FrameCounts:
    """Counts gathered over a source: frames, faces and how often each emotion won (a recorder)."""

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
