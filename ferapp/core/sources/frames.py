"""Frames: what every source yields (:class:`Frame`, :class:`FrameSource`), and turning
whatever OpenCV or a caller hands us into a 3-channel uint8 BGR image."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ferapp.core.errors import InvalidFrameError


@dataclass(frozen=True)
class Frame:
    """One frame of a source."""

    index: int
    time_ms: float
    image: np.ndarray
    name: str


class FrameSource:
    """Base class: iterate to get frames; ``close`` releases the device or file.

    ``kind`` is "camera", "video", "image" or "folder"; ``fps`` the frame rate when
    known (else 0); ``pacing`` the seconds between frames when played in real time
    (0: as they come); ``repeats`` says that the window shows it again and again.
    """

    kind: str = ""
    name: str = ""
    fps: float = 0.0
    repeats: bool = False

    @property
    def live(self) -> bool:
        """Frames arrive as they happen (a camera), rather than from a file."""
        return self.kind == "camera"

    @property
    def is_stream(self) -> bool:
        """Frames of one scene over time, where tracking and smoothing make sense."""
        return self.kind in ("camera", "video")

    @property
    def pacing(self) -> float:
        return 0.0

    @property
    def skipped(self) -> list[tuple[Path, str]]:
        """Entries left out because they could not be read: (path, reason)."""
        return []

    def __iter__(self) -> Iterator[Frame]:
        raise NotImplementedError

    def __len__(self) -> int:
        """Number of frames when known in advance, else 0."""
        return 0

    def close(self) -> None:
        """Release the underlying device or file (safe to call twice)."""

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def as_bgr(frame: np.ndarray | None) -> np.ndarray:
    """Return ``frame`` as a contiguous HxWx3 uint8 BGR image.

    Grayscale (HxW or HxWx1) and BGRA (HxWx4) frames are converted; 16-bit and
    float frames are rescaled. Empty or shapeless frames raise
    :class:`InvalidFrameError` with the shape that was seen.
    """
    if frame is None:
        raise InvalidFrameError("empty frame: the source returned no image")
    arr = np.asarray(frame)
    if arr.size == 0 or arr.ndim not in (2, 3) or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise InvalidFrameError(f"empty or malformed frame of shape {arr.shape}")
    if arr.dtype != np.uint8:
        arr = _to_uint8(arr)
    if arr.ndim == 2:
        return cv2.cvtColor(arr, cv2.COLOR_GRAY2BGR)
    channels = arr.shape[2]
    if channels == 1:
        return cv2.cvtColor(arr[:, :, 0], cv2.COLOR_GRAY2BGR)
    if channels == 3:
        return np.ascontiguousarray(arr)
    if channels == 4:
        return cv2.cvtColor(arr, cv2.COLOR_BGRA2BGR)
    raise InvalidFrameError(f"frame has {channels} channels; expected 1, 3 or 4")


def _to_uint8(arr: np.ndarray) -> np.ndarray:
    if arr.dtype == np.uint16:
        return (arr >> 8).astype(np.uint8)
    if np.issubdtype(arr.dtype, np.floating):
        finite = np.nan_to_num(arr.astype(np.float32))
        scale = 255.0 if finite.max(initial=0.0) <= 1.0 else 1.0
        return np.clip(finite * scale, 0, 255).astype(np.uint8)
    if np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_:
        return np.clip(arr, 0, 255).astype(np.uint8)
    raise InvalidFrameError(f"frame has unsupported pixel type {arr.dtype}")


def to_gray(frame_bgr: np.ndarray) -> np.ndarray:
    """Grayscale copy of a BGR frame."""
    return cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY)
