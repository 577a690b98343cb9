"""Frame sources: camera, video file, single image and image folder behind one interface.

Every source yields :class:`Frame` objects (index, timestamp, BGR image, name) and
raises :class:`SourceError` with the source's name when it cannot be opened.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ferapp.core.errors import InvalidFrameError, SourceError
from ferapp.core.frames import as_bgr
from ferapp.core.quiet_stderr import stderr_filtered

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
        yield
    finally:
        cv2.utils.logging.setLogLevel(previous)


log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm"})
VIDEO_SUFFIXES = frozenset(
    {".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv"}
)


@dataclass(frozen=True)
class Frame:
    """One frame of a source."""

    index: int
    time_ms: float
    image: np.ndarray
    name: str


class FrameSource:
    """Base class: iterate to get frames; ``close`` releases the device or file."""

    name: str = ""
    live: bool = False

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


def read_image(path: Path) -> np.ndarray:
    """Read an image file as BGR, with a clear error for missing or undecodable files.

    Reads the bytes with numpy so that non-ASCII paths work on every platform.
    """
    if not path.is_file():
        raise SourceError(f"image not found: {path}")
    try:
        data = np.fromfile(str(path), dtype=np.uint8)
    except OSError as exc:
        raise SourceError(f"cannot read image {path}: {exc.strerror or exc}") from exc
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if image is None:
        raise SourceError(f"cannot decode image {path}: not an image or the file is damaged")
    try:
        return as_bgr(image)
    except InvalidFrameError as exc:
        raise SourceError(f"cannot use image {path}: {exc}") from exc


class ImageSource(FrameSource):
    """A single image file, yielded once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = str(path)
        self._image = read_image(path)

    def __iter__(self) -> Iterator[Frame]:
        yield Frame(0, 0.0, self._image, self.path.name)

    def __len__(self) -> int:
        return 1


class FolderSource(FrameSource):
    """The images of a folder in name order; unreadable files are skipped and listed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.name = str(folder)
        self.paths = sorted(
            p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
        )
        if not self.paths:
            raise SourceError(
                f"no images in folder {folder} (looked for {', '.join(sorted(IMAGE_SUFFIXES))})"
            )
        self.skipped: list[tuple[Path, str]] = []

    def __iter__(self) -> Iterator[Frame]:
        self.skipped = []
        index = 0
        for path in self.paths:
            try:
                image = read_image(path)
            except SourceError as exc:
                log.warning("skipping %s", exc)
                self.skipped.append((path, str(exc)))
                continue
            yield Frame(index, 0.0, image, path.name)
            index += 1

    def __len__(self) -> int:
        return len(self.paths)


class _CaptureSource(FrameSource):
    """Shared reading loop for OpenCV captures (video files and cameras)."""

    def __init__(self, capture: cv2.VideoCapture, name: str) -> None:
        self._capture = capture
        self.name = name

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None

    def _read(self) -> np.ndarray | None:
        if self._capture is None:
            return None
        ok, image = self._capture.read()
        return image if ok and image is not None and image.size else None


class VideoSource(_CaptureSource):
    """A video file; timestamps come from the container, or from the frame rate."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise SourceError(f"video not found: {path}")
        with opencv_quiet(), stderr_filtered(_is_container_complaint):
            capture = cv2.VideoCapture(str(path))
        if not capture.isOpened():
            capture.release()
            raise SourceError(f"cannot open video {path}: unknown format or damaged file")
        super().__init__(capture, str(path))
        self.path = path
        self.fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self._count = max(int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0), 0)
        with opencv_quiet(), stderr_filtered(_is_container_complaint):
            first = self._read()
        if first is None:
            self.close()
            raise SourceError(f"cannot decode any frame of video {path}: the file is damaged")
        self._first: np.ndarray | None = first

    def __iter__(self) -> Iterator[Frame]:
        index = 0
        while True:
            if self._first is not None:
                image, self._first = self._first, None
            else:
                image = self._read()
            if image is None:
                return
            time_ms = index * 1000.0 / self.fps if self.fps > 0 else 0.0
            yield Frame(index, time_ms, as_bgr(image), self.path.name)
            index += 1

    def __len__(self) -> int:
        return self._count


class CameraSource(_CaptureSource):
    """A live camera by index; timestamps are milliseconds since the first frame."""

    live = True

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


def open_source(spec: str | int | Path) -> FrameSource:
    """Open a camera (an integer or a string of digits), a video, an image or a folder."""
    if isinstance(spec, int) or (isinstance(spec, str) and spec.strip().isdigit()):
        return CameraSource(int(spec))
    path = Path(spec).expanduser()
    if path.is_dir():
        return FolderSource(path)
    if not path.exists():
        raise SourceError(
            f"source not found: {path} (give an image, a folder, a video or a camera number)"
        )
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource(path)
    if path.suffix.lower() in VIDEO_SUFFIXES:
        return VideoSource(path)
    # Unknown suffix: try as an image first, then as a video.
    try:
        return ImageSource(path)
    except SourceError:
        pass
    try:
        return VideoSource(path)
    except SourceError as exc:
        raise SourceError(
            f"cannot read {path}: neither an image nor a video OpenCV can decode"
        ) from exc
