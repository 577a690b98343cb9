"""The one place a detector is made from its settings (YuNet or the thesis's Haar cascade)."""

from __future__ import annotations

from ferapp.core.detect.base import DetectorSettings, FaceDetector
from ferapp.core.detect.haar import HaarDetector
from ferapp.core.detect.yunet import YuNetDetector


def create_detector(settings: DetectorSettings | None = None) -> FaceDetector:
    """The detector ``settings.detector`` names, with its weights or cascade loaded."""
    settings = (settings or DetectorSettings()).validated()
    if settings.detector == "haar":
        return HaarDetector(settings)
    return YuNetDetector(settings)
