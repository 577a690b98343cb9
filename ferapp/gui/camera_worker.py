"""The camera worker: reads a source at its own pace and offers frames to the recogniser.

Frames pass through a newest-wins slot (:class:`ferapp.core.sources.handoff.LatestOnly`), so a
slow model drops frames instead of building up latency. A camera that stops delivering
(unplugged, taken by another program) is retried every few seconds, with a countdown
the window shows and a :meth:`CameraWorker.reconnect_now` for its button.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from PySide6.QtCore import QObject, Signal

from ferapp.core.errors import FerappError, SourceError
from ferapp.core.sources.frames import FrameSource
from ferapp.core.sources.handoff import LatestOnly
from ferapp.core.sources.opening import open_source
from ferapp.gui.threads import lower_thread_priority

RETRY_SECONDS = 5


@dataclass
class Captured:
    """A frame on its way from the camera to the recogniser."""

    image: np.ndarray
    index: int
    time_ms: float
    name: str
    stream: bool  # part of a video or camera stream (faces are tracked across frames)
    captured_at: float  # time.perf_counter() when read
    live: bool = False  # from a camera: mirrored on request
    mirrored: bool = False  # flipped left to right (``live`` only)


class CameraWorker(QObject):
    """Reads a source (camera number, video, image, folder) and offers frames to the slot."""

    opened = Signal(str, str)  # source name, kind
    failed = Signal(str)  # could not open: message for the user
    ended = Signal(str)  # the source ended normally: why
    lost = Signal(str)  # a camera stopped delivering: message (retrying follows)
    retrying = Signal(int)  # seconds until the next attempt to reopen the camera
    skipped = Signal(str, str)  # a folder's file could not be read: name, why

    def __init__(
        self,
        spec: str,
        slot: LatestOnly[Captured],
        mirror: bool = False,
        opener: Callable[[str], FrameSource] = open_source,
        retry_seconds: int = RETRY_SECONDS,
    ) -> None:
        super().__init__()
        self.spec = spec
        self.slot = slot
        self.mirror = mirror
        self.opener = opener
        self.retry_seconds = retry_seconds
        self._stop = threading.Event()
        self._resume = threading.Event()
        self._resume.set()
        self._reconnect = threading.Event()

    # Called from the UI thread.
    def stop(self) -> None:
        """Ask the loop to end; it does after the current read (its thread closes the source)."""
        self._stop.set()
        self._resume.set()
        self._reconnect.set()

    def set_paused(self, paused: bool) -> None:
        if paused:
            self._resume.clear()
        else:
            self._resume.set()

    def reconnect_now(self) -> None:
        """Try to reopen a lost camera at once instead of at the end of the countdown."""
        self._reconnect.set()

    # The worker thread.
    def run(self) -> None:
        lower_thread_priority()
        try:
            source = self.opener(self.spec)
        except FerappError as exc:
            self.failed.emit(str(exc))
            return
        except Exception as exc:  # a driver or OpenCV refusing a setting: said, never fatal
            logging.getLogger("ferapp").exception("opening %s", self.spec)
            self.failed.emit(f"{self.spec} could not be opened: {exc}")
            return
        while source is not None:
            self.opened.emit(source.name, source.kind)
            try:
                self._play(source)
            except SourceError as exc:
                if self._stop.is_set():
                    return
                if not source.live:
                    self.failed.emit(str(exc))
                    return
                self.lost.emit(str(exc))
                source = self._reopen()
                continue
            if not self._stop.is_set():
                self.ended.emit("end of video" if source.kind == "video" else "end of images")
            return

    def _reopen(self) -> FrameSource | None:
        """Count down and try again until the camera is back or the worker is stopped."""
        while not self._stop.is_set():
            self._reconnect.clear()
            for remaining in range(self.retry_seconds, 0, -1):
                self.retrying.emit(remaining)
                if self._reconnect.wait(1.0):
                    break
            if self._stop.is_set():
                return None
            self.retrying.emit(0)
            try:
                return self.opener(self.spec)
            except FerappError:
                continue
        return None

    def _play(self, source: FrameSource) -> None:
        """Offer every frame at the source's pace; closes the source when done."""
        period = source.pacing
        next_due = time.perf_counter()
        reported = 0

        def report_skipped() -> int:
            for path, why in source.skipped[reported:]:
                self.skipped.emit(path.name, why)
            return len(source.skipped)

        shown_one = False  # a source opened while paused still shows its first frame
        try:
            while not self._stop.is_set():
                for frame in source:
                    if self._stop.is_set():
                        break
                    if shown_one:
                        self._wait_if_paused()
                    shown_one = True
                    if period:
                        delay = next_due - time.perf_counter()
                        if delay > 0 and self._stop.wait(delay):
                            break
                        next_due = max(next_due + period, time.perf_counter() - period)
                    # cv2.flip: a tenth of a millisecond, where numpy's reversed copy takes two
                    mirrored = self.mirror and source.live
                    image = (
                        cv2.flip(frame.image, 1) if mirrored else np.ascontiguousarray(frame.image)
                    )
                    self.slot.put(
                        Captured(
                            image,
                            frame.index,
                            frame.time_ms,
                            frame.name,
                            source.is_stream,
                            time.perf_counter(),
                            source.live,
                            mirrored,
                        )
                    )
                    reported = report_skipped()
                reported = report_skipped()
                if not source.repeats:
                    break  # a still image repeats, so it stays on screen with live settings
        finally:
            source.close()

    def _wait_if_paused(self) -> None:
        while not self._resume.wait(0.1):
            if self._stop.is_set():
                return
