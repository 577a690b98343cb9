"""What recognition produces: one face's result and one frame's results."""

from __future__ import annotations

from dataclasses import dataclass, field

Box = tuple[int, int, int, int]  # x, y, width, height in frame pixels
Point = tuple[float, float]


@dataclass(frozen=True)
class FaceResult:
    """One face: its box, the winning label and all class probabilities.

    ``landmarks`` holds five (x, y) points in frame pixels when the detector gives them
    (YuNet): the eye on the image's left, the eye on its right, the nose tip, and the
    mouth corners on the left and right; empty for the Haar cascade.
    """

    box: Box
    label: str
    confidence: float
    probabilities: tuple[float, ...]
    track: int = -1  # the same number for the same face across frames, when tracked
    landmarks: tuple[Point, ...] = ()
    score: float = 1.0  # the detector's confidence that this is a face
    yaw: float | None = None  # head turn in degrees from the landmarks (ferapp.core.faces.pose)
    roll: float | None = None  # head tilt in degrees (the eye line's angle)
    uncertain: str = ""  # why the label is not to be trusted ("" when it is)

    @property
    def number(self) -> int:
        """The face's number shown to the user: its track plus one, 0 when untracked."""
        return self.track + 1 if self.track >= 0 else 0


@dataclass(frozen=True)
class FrameResult:
    """All faces of one frame and how long each stage took, in milliseconds."""

    faces: tuple[FaceResult, ...]
    timings_ms: dict[str, float] = field(default_factory=dict)
