"""Emotion colours: the palettes, parsing of user colours, and the one lookup everything uses.

Boxes (OpenCV, BGR), probability bars (Qt), the settings dialog and the web page all
take their colours from :func:`resolve_palette`, so a colour the user picks shows the
same everywhere.

The thesis's table 5.1 (RGB) gives neutral and fear the same green and no colour for
disgust; ferapp's default palette keeps every other thesis colour, gives fear orange so
the two can be told apart, and disgust magenta. The ``thesis`` palette is the table
exactly (disgust magenta, as it had none).
"""

from __future__ import annotations

from collections.abc import Mapping

RGB = tuple[int, int, int]

THESIS_PALETTE: dict[str, RGB] = {
    "angry": (255, 0, 0),
    "disgust": (255, 0, 255),
    "fear": (0, 255, 0),
    "happy": (255, 255, 0),
    "sad": (0, 0, 255),
    "surprise": (0, 255, 255),
    "neutral": (0, 255, 0),
}
DEFAULT_PALETTE: dict[str, RGB] = {
    **THESIS_PALETTE,
    "fear": (255, 140, 0),
    "contempt": (160, 82, 45),  # an eighth class (FER+): brown, apart from every other
}
THESIS_PALETTE["contempt"] = DEFAULT_PALETTE["contempt"]  # the thesis had seven classes
PALETTES: dict[str, dict[str, RGB]] = {"ferapp": DEFAULT_PALETTE, "thesis": THESIS_PALETTE}
UNKNOWN_RGB: RGB = (255, 255, 255)  # labels outside FER2013, and faces without a label
UNCERTAIN_RGB: RGB = (150, 150, 150)  # a face whose label is not to be trusted


def parse_hex(text: str) -> RGB | None:
    """'#rrggbb' (or 'rrggbb') to an RGB tuple; None when malformed."""
    text = str(text).strip().lstrip("#")
    if len(text) != 6:
        return None
    try:
        return (int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16))
    except ValueError:
        return None


def to_hex(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def resolve_palette(overrides: Mapping[str, str] | None = None) -> dict[str, RGB]:
    """The default palette with the user's '#rrggbb' overrides applied (malformed ones ignored)."""
    palette = dict(DEFAULT_PALETTE)
    for label, value in (overrides or {}).items():
        rgb = parse_hex(value)
        if rgb is not None:
            palette[label] = rgb
    return palette


def color_rgb(label: str, palette: Mapping[str, RGB] | None = None) -> RGB:
    """The RGB colour of a label in ``palette`` (the default one when None)."""
    return (palette if palette is not None else DEFAULT_PALETTE).get(label, UNKNOWN_RGB)


def color_bgr(label: str, palette: Mapping[str, RGB] | None = None) -> RGB:
    """The same colour in OpenCV's BGR channel order."""
    r, g, b = color_rgb(label, palette)
    return (b, g, r)


def ink_for(rgb: RGB) -> RGB:
    """Black or white, whichever reads better on ``rgb`` (perceived luminance)."""
    r, g, b = rgb
    return (0, 0, 0) if 0.299 * r + 0.587 * g + 0.114 * b > 140 else (255, 255, 255)
