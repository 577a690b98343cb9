"""How recognition is set up, with the one set of defaults every caller shares.

The window, ``ferapp analyze``, the batch runner and the web server each turn their own
inputs (settings dialog, options, config) into a :class:`RecognitionSettings` and hand it
to :meth:`Recognizer.from_settings <ferapp.core.recognition.recognizer.Recognizer.from_settings>`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from ferapp.core.detect.base import DetectorSettings
from ferapp.core.errors import FerappError
from ferapp.core.faces.certainty import DEFAULT_MAX_YAW, Certainty
from ferapp.core.faces.crop import CropSettings
from ferapp.core.faces.tracking import check_smoothing
from ferapp.core.output.colors import RGB

#: Per-face averaging over frames: steady labels that still follow a change of expression.
DEFAULT_SMOOTHING = 0.6
MAX_REUSE_MS = 1000.0


@dataclass(frozen=True)
class RecognitionSettings:
    """Detector, crop, smoothing, uncertainty limits and drawing, checked when made.

    ``min_confidence`` None means the model's calibrated threshold. ``palette``,
    ``landmarks`` and ``blur_faces`` only change what is drawn (``landmarks`` also adds
    CSV columns; ``blur_faces`` hides who each face is in snapshots and annotations).
    """

    detector: DetectorSettings = field(default_factory=DetectorSettings)
    crop: CropSettings = field(default_factory=CropSettings)
    smoothing: float = DEFAULT_SMOOTHING
    min_confidence: float | None = None
    max_yaw: float = DEFAULT_MAX_YAW
    landmarks: bool = False
    palette: Mapping[str, RGB] | None = None
    # A live view's reuse (see ferapp.core.recognition.reuse); 0: every frame afresh
    classify_every_ms: float = 0.0
    detect_every_ms: float = 0.0
    blur_faces: bool = False

    def __post_init__(self) -> None:
        self.detector.validated()
        for what, value in (
            ("a face's classifications", self.classify_every_ms),
            ("two face detections", self.detect_every_ms),
        ):
            if not 0.0 <= value <= MAX_REUSE_MS:  # also refuses NaN
                raise FerappError(
                    f"the time between {what} must be 0 to {MAX_REUSE_MS:g} ms, got {value}"
                )
        check_smoothing(self.smoothing)
        Certainty(0.0 if self.min_confidence is None else self.min_confidence, self.max_yaw)

    def fingerprint(self) -> dict[str, Any]:
        """What changes the numbers in the results (not the colours they are drawn in)."""
        return {
            "detector": asdict(self.detector),
            "crop": asdict(self.crop),
            "smoothing": self.smoothing,
            "landmarks": self.landmarks,
            "min_confidence": self.min_confidence,
            "max_yaw": self.max_yaw,
            # only when set: the keys of earlier runs' results stay as they were
            **{
                k: v
                for k in ("classify_every_ms", "detect_every_ms", "blur_faces")
                if (v := getattr(self, k))
            },
        }
