"""Frame sources: camera, video file, single image and image folder behind one interface.

Every source yields :class:`Frame` objects (index, timestamp, BGR image, name), says
what it is (``kind``), its frame rate and how fast it should be played back
(``pacing``), and raises :class:`SourceError` with its name when it cannot be opened.
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

from ferapp.core.errors import SourceError
from ferapp.core.frames import as_bgr
from ferapp.core.images import IMAGE_SUFFIXES, read_image
from ferapp.core.quiet_stderr import stderr_filtered

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = frozenset(
    {".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv"}
)
FOLDER_SECONDS_PER_IMAGE = 1.0  # how long the window shows each image of a folder
STILL_IMAGE_FPS = 5.0  # a single image is shown again at this rate (new settings apply)

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


class ImageSource(FrameSource):
    """A single image file, yielded once (the window repeats it)."""

    kind = "image"
    repeats = True

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = str(path)
        self._image = read_image(path)

    @property
    def pacing(self) -> float:
        return 1.0 / STILL_IMAGE_FPS

    def __iter__(self) -> Iterator[Frame]:
        yield Frame(0, 0.0, self._image, self.path.name)

    def __len__(self) -> int:
        return 1


def _image_entries(folder: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Image files of a folder in name order, and entries with an image name that are not
    readable files (a folder called x.png, a broken link or a link loop)."""
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise SourceError(f"cannot list folder {folder}: {exc.strerror or exc}") from exc
    files, bad = [], []
    for path in entries:
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        try:
            path.stat()
        except OSError as exc:
            bad.append((path, f"cannot be read: {exc.strerror or exc}"))
            continue
        if path.is_file():
            files.append(path)
        else:
            bad.append((path, "not a file"))
    return files, bad


class FolderSource(FrameSource):
    """The images of a folder in name order; unreadable files are skipped and listed."""

    kind = "folder"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.name = str(folder)
        self.paths, self._unusable = _image_entries(folder)
        if not self.paths:
            raise SourceError(
                f"no images in folder {folder} (looked for {', '.join(sorted(IMAGE_SUFFIXES))})"
            )
        self._skipped: list[tuple[Path, str]] = list(self._unusable)

    @property
    def pacing(self) -> float:
        return FOLDER_SECONDS_PER_IMAGE

    @property
    def skipped(self) -> list[tuple[Path, str]]:
        return self._skipped

    def __iter__(self) -> Iterator[Frame]:
        self._skipped = list(self._unusable)
        index = 0
        for path in self.paths:
            try:
                image = read_image(path)
            except SourceError as exc:
                log.warning("skipping %s", exc)
                self._skipped.append((path, str(exc)))
                continue
            yield Frame(index, 0.0, image, path.name)
            index += 1

    def __len__(self) -> int:
        return len(self.paths)


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


class VideoSource(_CaptureSource):
    """A video file; timestamps come from the frame rate.

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
        with opencv_quiet():
            first = self._read()
        if first is None:
            self.close()
            raise SourceError(f"cannot decode any frame of video {path}: the file is damaged")
        self._first: np.ndarray | None = first

    @property
    def pacing(self) -> float:
        return 1.0 / self.fps if self.fps > 0 else 0.0

    @property
    def ended_early(self) -> bool:
        """Fewer frames were decoded than the container declares (by more than 2 %)."""
        return self._count > 0 and self.frames_read < self._count * 0.98 - 1

    def __iter__(self) -> Iterator[Frame]:
        index = 0
        while True:
            if self._first is not None:
                image, self._first = self._first, None
            else:
                image = self._read()
            if image is None:
                return
            self.frames_read = index + 1
            time_ms = index * 1000.0 / self.fps if self.fps > 0 else 0.0
            yield Frame(index, time_ms, as_bgr(image), self.path.name)
            index += 1

    def __len__(self) -> int:
        return self._count


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


def camera_index(spec: str | int | Path) -> int | None:
    """The camera number a source spec names (an int or a string of digits), else None."""
    if isinstance(spec, int):
        return spec
    if isinstance(spec, str) and spec.strip().isdigit():
        return int(spec)
    return None


def open_source(spec: str | int | Path) -> FrameSource:
    """Open a camera (an integer or a string of digits), a video, an image or a folder."""
    index = camera_index(spec)
    if index is not None:
        return CameraSource(index)
    if isinstance(spec, str) and "://" in spec:
        raise SourceError(
            f"{spec}: network streams are not supported; give a camera number, a video "
            "file, an image or a folder"
        )
    path = Path(spec).expanduser()
    try:
        is_dir = path.is_dir()
        exists = path.exists()
    except OSError as exc:  # a name too long, a link loop
        raise SourceError(f"cannot open {path}: {exc.strerror or exc}") from exc
    if is_dir:
        return FolderSource(path)
    if not exists:
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
