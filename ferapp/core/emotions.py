"""The seven FER2013 emotions, in the dataset's label order, and their box colours."""

from __future__ import annotations

EMOTIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")

# Thesis table 5.1 gives RGB; OpenCV draws in BGR, so the tuples below are reversed
# from the RGB the thesis lists. Disgust had no colour in the thesis: magenta is
# distinct from every other box colour.
EMOTION_COLORS_RGB: dict[str, tuple[int, int, int]] = {
    "angry": (255, 0, 0),
    "disgust": (255, 0, 255),
    "fear": (0, 255, 0),
    "happy": (255, 255, 0),
    "sad": (0, 0, 255),
    "surprise": (0, 255, 255),
    "neutral": (0, 255, 0),
}
UNKNOWN_COLOR_RGB: tuple[int, int, int] = (255, 255, 255)


def color_rgb(label: str) -> tuple[int, int, int]:
    """The RGB box colour of an emotion (white for labels outside FER2013)."""
    return EMOTION_COLORS_RGB.get(label, UNKNOWN_COLOR_RGB)


def color_bgr(label: str) -> tuple[int, int, int]:
    """The same colour in OpenCV's BGR channel order."""
    r, g, b = color_rgb(label)
    return (b, g, r)
