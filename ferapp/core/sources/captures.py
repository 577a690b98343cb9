"""Sources read through OpenCV's capture: video files and cameras."""

from __future__ import annotations

import contextlib
import math
import re
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from ferapp.core.errors import SourceError
from ferapp.core.quiet_stderr import stderr_filtered
from ferapp.core.sources.frames import Frame, FrameSource, as_bgr

# What FFmpeg and OpenCV's own AVI reader print about a damaged file, which ferapp
# reports in one sentence instead: "[avi @ 0x55...] ...", "Unexpected element. ...".
_CONTAINER_COMPLAINT = re.compile(r"^\[[\w,.-]+ @ 0x[0-9a-fA-F]+\]|^Unexpected element\.")


def _is_container_complaint(line: str) -> bool:
    return bool(_CONTAINER_COMPLAINT.match(line))


@contextlib.contextmanager
def opencv_quiet() -> Iterator[None]:
    """Silence OpenCV's own log lines while opening a capture: a file it cannot decode or a
    missing camera is reported by ferapp in one clear sentence instead."""
    previous = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        with stderr_filtered(_is_container_complaint):
            yield
    finally:
        cv2.utils.logging.setLogLevel(previous)


class _CaptureSource(FrameSource):
    """Shared reading loop for OpenCV captures (video files and cameras)."""

    def __init__(self, capture: cv2.VideoCapture, name: str) -> None:
        self._capture: cv2.VideoCapture | None = capture
        self.name = name

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None

    def _read(self) -> np.ndarray | None:
        capture = self._capture
        if capture is None:
            return None
        ok, image = capture.read()
        return image if ok and image is not None and image.size else None


MAX_JUMP_MS = 10_000.0  # a timestamp further past the last one than this is not believed


class VideoSource(_CaptureSource):
    """A video file; timestamps are the container's own (a variable frame rate, as phones
    record, is kept), else the frame index over the frame rate.

    ``ended_early`` is set when the file stops well before the frame count its container
    declares (a truncated download, a copy that was cut off).
    """

    kind = "video"

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise SourceError(f"video not found: {path}")
        with opencv_quiet():
            capture = cv2.VideoCapture(str(path))
        if not capture.isOpened():
            capture.release()
            raise SourceError(f"cannot open video {path}: unknown format or damaged file")
        super().__init__(capture, str(path))
        self.path = path
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps if 0 < fps < 1000 else 0.0
        self._count = max(int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0), 0)
        self.frames_read = 0
        self._last_ms = 0.0
        with opencv_quiet():
            first = self._read()
        if first is None:
            self.close()
            raise SourceError(f"cannot decode any frame of video {path}: the file is damaged")
        self._first: tuple[np.ndarray, float] | None = (first, self._position_ms())

    @property
    def pacing(self) -> float:
        return 1.0 / self.fps if self.fps > 0 else 0.0

    @property
    def ended_early(self) -> bool:
        """Fewer frames were decoded than the container declares (by more than 2 %)."""
        return self._count > 0 and self.frames_read < self._count * 0.98 - 1

    def _position_ms(self) -> float:
        """The container's timestamp of the frame just read (0 when it has none)."""
        capture = self._capture
        return float(capture.get(cv2.CAP_PROP_POS_MSEC) or 0.0) if capture is not None else 0.0

    def _time_ms(self, index: int, reported: float) -> float:
        """Frame ``index``'s time: the container's ``reported`` timestamp while it moves
        forward; index / fps where it reports 0 or goes backwards (never before the last)."""
        plausible = index == 0 or reported - self._last_ms <= MAX_JUMP_MS  # not one bogus stamp
        moves_on = reported > self._last_ms or (index == 0 and reported >= 0)
        if math.isfinite(reported) and moves_on and plausible:
            self._last_ms = reported
        else:
            by_rate = index * 1000.0 / self.fps if self.fps > 0 else 0.0
            self._last_ms = max(by_rate, self._last_ms)
        return self._last_ms

    def __iter__(self) -> Iterator[Frame]:
        index = 0
        while True:
            if self._first is not None:
                (image, reported), self._first = self._first, None
            else:
                image = self._read()
                reported = self._position_ms()
            if image is None:
                return
            self.frames_read = index + 1
            time_ms = self._time_ms(index, reported)
            yield Frame(index, time_ms, as_bgr(image), self.path.name)
            index += 1

    def __len__(self) -> int:
        return self._count


MAX_CAMERA_INDEX = 2**31 - 1  # OpenCV takes a camera number as a C int


def no_such_camera(number: object) -> SourceError:
    """The error for a camera number no camera can have (negative, or beyond a C int)."""
    text = str(number)
    shown = text if len(text) <= 24 else f"{text[:20]}... ({len(text)} digits)"
    return SourceError(
        f"camera {shown} does not exist: cameras are numbered 0, 1, 2, ... (at most "
        f"{MAX_CAMERA_INDEX}); give a camera number, a video file, an image or a folder"
    )


class CameraSource(_CaptureSource):
    """A live camera by index; timestamps are milliseconds since the first frame."""

    kind = "camera"

    def __init__(
        self,
        index: int,
        width: int | None = None,
        height: int | None = None,
        *,
        capture: cv2.VideoCapture | None = None,
    ) -> None:
        """Open camera ``index``; or take ``capture``, an already opened live OpenCV capture
        (a stream, or in the tests a video file that ends as an unplugged camera would)."""
        if not 0 <= index <= MAX_CAMERA_INDEX:
            raise no_such_camera(index)
        if capture is None:
            with opencv_quiet():
                capture = cv2.VideoCapture(index)
        if not capture.isOpened():
            capture.release()
            raise SourceError(
                f"camera {index} could not be opened: no camera with that number, or it is in "
                "use by another program. Choose another camera, or open a video file or image "
                "folder instead."
            )
        if width and height:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        super().__init__(capture, f"camera {index}")
        self.index = index
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps if 0 < fps < 1000 else 0.0

    def __iter__(self) -> Iterator[Frame]:
        start = time.monotonic()
        index = 0
        while self._capture is not None:
            image = self._read()
            if image is None:
                if self._capture is None:  # closed from another thread: a normal stop
                    return
                raise SourceError(
                    f"camera {self.index} stopped delivering frames (unplugged or taken by "
                    "another program)"
                )
            yield Frame(index, (time.monotonic() - start) * 1000.0, as_bgr(image), self.name)
            index += 1
