"""Opening a source by what the user names: a camera number, a video, an image or a folder.

Every source yields :class:`~ferapp.core.sources.frames.Frame` objects, says what it is
(``kind``), its frame rate and how fast it should be played back (``pacing``), and
raises :class:`SourceError` with its name when it cannot be opened. Images and folders
are here; videos and cameras in :mod:`ferapp.core.sources.captures`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

from ferapp.core.errors import SourceError
from ferapp.core.sources.captures import (
    MAX_CAMERA_INDEX,
    CameraSource,
    VideoSource,
    no_such_camera,
)
from ferapp.core.sources.frames import Frame, FrameSource
from ferapp.core.sources.images import IMAGE_SUFFIXES, read_image

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = frozenset(
    {".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv"}
)
FOLDER_SECONDS_PER_IMAGE = 1.0  # how long the window shows each image of a folder
STILL_IMAGE_FPS = 5.0  # a single image is shown again at this rate (new settings apply)


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


def camera_index(spec: str | int | Path) -> int | None:
    """The camera number a source spec names (an int or a string of ASCII digits), else
    None; SourceError for a number too long for any camera. ("²" is a digit to Python but
    no number: a file name.)"""
    if isinstance(spec, int):
        return spec
    text = spec.strip() if isinstance(spec, str) else ""
    if not (text.isascii() and text.isdigit()):
        return None
    if len(text) > len(str(MAX_CAMERA_INDEX)):
        raise no_such_camera(text)
    return int(text)


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
