"""Reading and writing image files: one reader for every source, one writer for every output.

Bytes go through numpy, so non-ASCII paths work on every platform; writes are atomic.
Every image ferapp decodes (files, folders, uploads to the server) goes through
:func:`decode_image`, which turns a photo upright as its EXIF orientation tag says.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ferapp.core.errors import FerappError, InvalidFrameError, SourceError
from ferapp.core.files import write_bytes_atomic
from ferapp.core.sources.frames import as_bgr

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm"})
# What the writer takes for a colour image (.pgm holds gray only).
WRITABLE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
# OpenCV refuses larger images before decoding them (OPENCV_IO_MAX_IMAGE_PIXELS, set in
# ferapp/__init__.py): a 10000x10000 photo, far above any camera, well below a memory bomb.
MAX_PIXELS = 100_000_000
# Any bit depth (16-bit PNGs are rescaled later), any colour, and the EXIF orientation
# applied: IMREAD_UNCHANGED would leave a phone photo lying on its side (orientation 6 or 8)
# or upside down (3), and no face would be found in it. An alpha channel is dropped.
DECODE_FLAGS = cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR


def read_image(path: Path) -> np.ndarray:
    """Read an image file as BGR, with a clear error for missing or undecodable files."""
    if not path.is_file():
        raise SourceError(f"image not found: {path}")
    try:
        data = np.fromfile(str(path), dtype=np.uint8)
    except OSError as exc:
        raise SourceError(f"cannot read image {path}: {exc.strerror or exc}") from exc
    return decode_image(data, str(path))


def decode_image(data: np.ndarray | bytes, where: str) -> np.ndarray:
    """Decode image bytes (PNG, JPEG, ...) to upright BGR (EXIF orientation applied);
    SourceError naming ``where`` if impossible."""
    buffer = np.frombuffer(data, np.uint8) if isinstance(data, bytes | bytearray) else data
    if buffer.size == 0:
        raise SourceError(f"cannot decode image {where}: the file is empty")
    try:
        image = cv2.imdecode(buffer, DECODE_FLAGS)
    except cv2.error:
        image = None
    if image is None:
        raise SourceError(
            f"cannot decode image {where}: not an image, a damaged file, or larger than "
            f"{MAX_PIXELS // 1_000_000} megapixels"
        )
    try:
        return as_bgr(image)
    except InvalidFrameError as exc:
        raise SourceError(f"cannot use image {where}: {exc}") from exc


def writable_name(name: str) -> str:
    """``name`` with a suffix the writer takes (a .pgm input is written as .png)."""
    path = Path(name)
    return name if path.suffix.lower() in WRITABLE_SUFFIXES else str(path.with_suffix(".png"))


def encode_image(image: np.ndarray, suffix: str, where: str) -> bytes:
    """Encode a BGR (or gray) image for a file with ``suffix``; FerappError if impossible."""
    if suffix.lower() not in WRITABLE_SUFFIXES:
        raise FerappError(
            f"cannot write image {where}: unsupported file type {suffix or '(none)'!r}; "
            f"use {', '.join(WRITABLE_SUFFIXES)}"
        )
    try:
        ok, data = cv2.imencode(suffix, image)
    except cv2.error:
        ok = False
    if not ok:
        raise FerappError(f"cannot encode image {where}")
    return data.tobytes()


def write_image(path: Path, image: np.ndarray) -> Path:
    """Save an image atomically in the format its suffix names (snapshots, annotations, plots)."""
    path = Path(path)
    data = encode_image(image, path.suffix, str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(path, data)
    return path
