"""When a face's label is not to be trusted: low calibrated confidence, or a head turned
further than the model reads well. Such faces are drawn grey with a "?" and keep every
probability in the results, with the reason."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

from ferapp.core.errors import FerappError
from ferapp.core.faces.results import FaceResult

#: Used when the model file names no threshold of its own (calibrated models do).
DEFAULT_MIN_CONFIDENCE = 0.4
#: Beyond this yaw (degrees) a label is marked uncertain: accuracy on profile faces of
#: the development set is about half that on frontal ones (docs/turned-faces.md).
DEFAULT_MAX_YAW = 60.0


@dataclass(frozen=True)
class Certainty:
    """The two limits: ``min_confidence`` (0 = never for confidence) and ``max_yaw``
    (degrees; 90 or more = never for the turn)."""

    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    max_yaw: float = DEFAULT_MAX_YAW

    def __post_init__(self) -> None:
        if not (isinstance(self.min_confidence, int | float) and 0 <= self.min_confidence <= 1):
            raise FerappError(
                f"minimum confidence must be between 0 and 1, got {self.min_confidence}"
            )
        if not (isinstance(self.max_yaw, int | float) and 0 <= self.max_yaw <= 180):
            raise FerappError(f"largest head turn must be 0 to 180 degrees, got {self.max_yaw}")

    def reason(self, face: FaceResult) -> str:
        """'' when the label can be shown as it is, else why not."""
        if not face.label:
            return ""
        if face.confidence < self.min_confidence or math.isnan(face.confidence):
            return f"confidence below {self.min_confidence:.0%}"
        if face.yaw is not None and abs(face.yaw) > self.max_yaw:
            return f"head turned more than {self.max_yaw:g} degrees"
        return ""

    def mark(self, faces: Iterable[FaceResult]) -> tuple[FaceResult, ...]:
        """The faces with ``uncertain`` set (or cleared) by these limits."""
        return tuple(replace(f, uncertain=self.reason(f)) for f in faces)
