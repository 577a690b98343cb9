"""Annotated output: one image for an image, a folder of images for a folder, a video for a
video or a camera. Written atomically; a video is checked to be readable before it counts."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ferapp.core.errors import FerappError, OutputError
from ferapp.core.files import PendingFile, written_in_place
from ferapp.core.sources.frames import FrameSource
from ferapp.core.sources.images import WRITABLE_SUFFIXES, writable_name, write_image

VIDEO_CODECS = {".avi": "MJPG", ".mp4": "mp4v", ".m4v": "mp4v", ".mov": "mp4v", ".mkv": "MJPG"}


def check_target(target: Path, source: FrameSource) -> None:
    """Refuse an annotation target that cannot hold this source's output, before any work."""
    if source.kind == "folder":
        if target.exists() and not target.is_dir():
            raise OutputError("annotate", f"{target}: a folder source is annotated into a folder")
        return
    suffix = target.suffix.lower()
    if source.is_stream and suffix not in VIDEO_CODECS:
        raise OutputError(
            "annotate",
            f"{target}: a video or camera is annotated into a video file; use "
            f"{', '.join(VIDEO_CODECS)}",
        )
    if source.is_stream and written_in_place(target):
        raise OutputError(
            "annotate",
            f"{target} is not a regular file (a pipe, a terminal or a device); a video is "
            "written only to a file",
        )
    if source.kind == "image" and suffix not in WRITABLE_SUFFIXES:
        raise OutputError(
            "annotate",
            f"{target}: an image is annotated into an image file; use "
            f"{', '.join(WRITABLE_SUFFIXES)}",
        )
    if target.is_dir():
        raise OutputError("annotate", f"{target} is a folder; give a file name")


class AnnotatedOutput:
    """Receives annotated frames; :meth:`close` completes the output (``ok=False`` drops it)."""

    def __init__(self, target: Path, source: FrameSource) -> None:
        check_target(target, source)
        self.target = target
        self.kind = (
            "folder" if source.kind == "folder" else "video" if source.is_stream else "image"
        )
        self.fps = source.fps or 30.0
        self.written = 0
        self._writer: cv2.VideoWriter | None = None
        self._pending: PendingFile | None = None
        if self.kind == "folder":
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)

    def write(self, name: str, image: np.ndarray) -> None:
        if self.kind == "folder":
            write_image(self.target / writable_name(name), image)
        elif self.kind == "image":
            write_image(self.target, image)
        else:
            self._write_frame(image)
        self.written += 1

    def _write_frame(self, image: np.ndarray) -> None:
        if self._writer is None:
            self._pending = PendingFile(self.target)
            fourcc = cv2.VideoWriter_fourcc(*VIDEO_CODECS[self.target.suffix.lower()])
            height, width = image.shape[:2]
            self._writer = cv2.VideoWriter(
                str(self._pending.path), fourcc, self.fps, (width, height)
            )
            if not self._writer.isOpened():
                self.close(ok=False)
                raise FerappError(f"cannot write video {self.target}")
        self._writer.write(image)

    def close(self, ok: bool = True) -> None:
        """Finish the video (checked readable, then renamed into place), or drop it."""
        writer, pending = self._writer, self._pending
        self._writer = self._pending = None
        if writer is None or pending is None:
            return
        writer.release()
        problem = _unreadable(pending.path, self.written) if ok else "dropped"
        if problem:
            pending.discard()
            if ok:
                raise FerappError(f"cannot write video {self.target}: {problem}")
            return
        pending.commit()


def _unreadable(path: Path | None, frames: int) -> str:
    """Why a written video cannot be read back (a full disk truncates it), or ''."""
    if path is None:
        return "nothing was written"
    capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            return "the file cannot be read back (is the disk full?)"
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        if count and count < frames:
            return f"only {count} of {frames} frames could be read back (is the disk full?)"
        return ""
    finally:
        capture.release()
