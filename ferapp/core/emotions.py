"""The seven FER2013 emotions, in the dataset's label order (their colours: ``colors``)."""

from __future__ import annotations

EMOTIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
