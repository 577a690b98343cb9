"""The two background workers: the camera reads frames, the recogniser classifies the newest.

Each runs a plain loop on its own QThread and talks to the window only through
signals. Frames pass from camera to recogniser through a newest-wins slot
(:class:`ferapp.core.handoff.LatestOnly`), so a slow model drops frames instead of
building up latency.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QObject, QThread, Signal

from ferapp.core.classifier import EmotionClassifier
from ferapp.core.crop import CropSettings
from ferapp.core.default_model import NO_MODEL_HELP, find_default_model
from ferapp.core.detector import DetectorSettings, FaceDetector
from ferapp.core.drawing import draw_faces
from ferapp.core.errors import FerappError
from ferapp.core.export import ResultCsvWriter
from ferapp.core.handoff import LatestOnly
from ferapp.core.pipeline import FrameResult, Pipeline
from ferapp.core.smoothing import FaceTracker
from ferapp.core.sources import FolderSource, ImageSource, open_source

FOLDER_SECONDS_PER_IMAGE = 1.0
STILL_IMAGE_FPS = 5.0


@dataclass
class Captured:
    """A frame on its way from the camera to the recogniser."""

    image: np.ndarray
    index: int
    time_ms: float
    name: str
    captured_at: float  # time.perf_counter() when read


@dataclass
class Recognised:
    """What the window paints: the annotated frame and its results."""

    annotated: np.ndarray
    result: FrameResult
    captured: Captured
    dropped: int
    infer_ms: float
    class_names: tuple[str, ...] = field(default_factory=tuple)


class CameraWorker(QObject):
    """Reads a source (camera number, video, image, folder) and offers frames to the slot."""

    opened = Signal(str)  # source name
    failed = Signal(str)  # message for the user
    ended = Signal(str)  # why the stream ended normally

    def __init__(self, spec: str, slot: LatestOnly[Captured], mirror: bool = False) -> None:
        super().__init__()
        self.spec = spec
        self.slot = slot
        self.mirror = mirror
        self._stop = threading.Event()
        self._resume = threading.Event()
        self._resume.set()

    def stop(self) -> None:
        """Ask the loop to end; it does after the current read (the source is closed by its thread)."""
        self._stop.set()
        self._resume.set()

    def set_paused(self, paused: bool) -> None:
        if paused:
            self._resume.clear()
        else:
            self._resume.set()

    def run(self) -> None:
        lower_thread_priority()
        try:
            source = open_source(self.spec)
        except FerappError as exc:
            self.failed.emit(str(exc))
            return
        self.opened.emit(source.name)
        live = source.live
        fps = getattr(source, "fps", 0.0) or 0.0
        if isinstance(source, FolderSource):
            period = FOLDER_SECONDS_PER_IMAGE
        elif isinstance(source, ImageSource):
            period = 1.0 / STILL_IMAGE_FPS
        else:
            period = 1.0 / fps if fps > 0 and not live else 0.0
        next_due = time.perf_counter()
        try:
            while not self._stop.is_set():
                for frame in source:
                    if self._stop.is_set():
                        break
                    self._wait_if_paused()
                    if period:
                        delay = next_due - time.perf_counter()
                        if delay > 0 and self._stop.wait(delay):
                            break
                        next_due = max(next_due + period, time.perf_counter() - period)
                    image = frame.image[:, ::-1] if self.mirror and live else frame.image
                    self.slot.put(
                        Captured(
                            np.ascontiguousarray(image),
                            frame.index,
                            frame.time_ms,
                            frame.name,
                            time.perf_counter(),
                        )
                    )
                if not isinstance(source, ImageSource) or self._stop.is_set():
                    break  # a still image repeats, so it stays on screen with live settings
            if not self._stop.is_set():
                self.ended.emit("end of video" if fps else "end of images")
        except FerappError as exc:
            if not self._stop.is_set():
                self.failed.emit(str(exc))
        finally:
            source.close()

    def _wait_if_paused(self) -> None:
        while not self._resume.wait(0.1):
            if self._stop.is_set():
                return


class InferenceWorker(QObject):
    """Takes the newest frame, runs the core pipeline, draws, and emits :class:`Recognised`."""

    recognised = Signal(object)
    model_loaded = Signal(str)  # file name and how it runs, for the status bar
    model_failed = Signal(str)  # message; the previous model stays

    def __init__(
        self,
        slot: LatestOnly[Captured],
        detector: DetectorSettings,
        crop: CropSettings,
        model_path: str = "",
        colors_bgr: dict[str, tuple[int, int, int]] | None = None,
        smoothing: float = 0.6,
    ) -> None:
        super().__init__()
        self.slot = slot
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._pending_model: str | None = model_path
        self._pending_detector: DetectorSettings | None = detector
        self.crop = crop
        self.colors_bgr = colors_bgr or {}
        self._pipeline: Pipeline | None = None
        self._classifier: EmotionClassifier | None = None
        self.tracker = FaceTracker(smoothing)
        self._recorder: ResultCsvWriter | None = None
        self._last_frame: tuple[str, int] = ("", -1)

    # Called from the UI thread; applied by the worker thread before its next frame.
    def request_model(self, path: str) -> None:
        with self._lock:
            self._pending_model = path

    def request_detector(
        self,
        settings: DetectorSettings,
        crop: CropSettings,
        colors_bgr: dict[str, tuple[int, int, int]],
        smoothing: float,
    ) -> None:
        with self._lock:
            self._pending_detector = settings
            self.crop = crop
            self.colors_bgr = dict(colors_bgr)
            if smoothing != self.tracker.strength:
                self.tracker = FaceTracker(smoothing)

    def set_recorder(self, recorder: ResultCsvWriter | None) -> ResultCsvWriter | None:
        """Start (or with None stop) writing every result to CSV in this worker's thread.

        Returns the previous writer, which no longer receives rows and can be closed.
        """
        with self._lock:
            previous, self._recorder = self._recorder, recorder
        return previous

    def stop(self) -> None:
        self._stop.set()
        self.slot.close()

    def _apply_pending(self) -> None:
        with self._lock:
            model, self._pending_model = self._pending_model, None
            detector, self._pending_detector = self._pending_detector, None
            crop = self.crop
        if model is not None:
            self._load_model(model)
        if detector is not None or self._pipeline is None:
            try:
                face_detector = FaceDetector(detector or DetectorSettings())
            except FerappError as exc:
                self.model_failed.emit(f"face detector: {exc}")
                return
            self._pipeline = Pipeline(face_detector, self._classifier, crop)
        self._pipeline.classifier = self._classifier
        self._pipeline.crop = crop

    def _load_model(self, path: str) -> None:
        target = Path(path) if path else find_default_model()
        if target is None:
            self.model_failed.emit(NO_MODEL_HELP)
            return
        try:
            # One interpreter thread: the other core stays free for the UI and the camera.
            self._classifier = EmotionClassifier.load(target, threads=1)
        except FerappError as exc:
            self.model_failed.emit(str(exc))
            return
        self.model_loaded.emit(f"{target.name} ({self._classifier.precision})")

    def _smooth(self, captured: Captured, result: FrameResult) -> FrameResult:
        """Per-face smoothing within one stream; a new source or a rewind starts afresh."""
        if captured.name != self._last_frame[0] or captured.index <= self._last_frame[1]:
            self.tracker.reset()
        self._last_frame = (captured.name, captured.index)
        names = self._classifier.class_names if self._classifier else ()
        return replace(result, faces=self.tracker.update(result.faces, names))

    def run(self) -> None:
        lower_thread_priority()
        while not self._stop.is_set():
            self._apply_pending()
            captured = self.slot.take(timeout=0.1)
            if captured is None or self._pipeline is None:
                continue
            t0 = time.perf_counter()
            try:
                result = self._pipeline.process(captured.image)
            except FerappError as exc:
                self.model_failed.emit(str(exc))
                continue
            result = self._smooth(captured, result)
            with self._lock:  # file I/O here, not on the UI thread
                if self._recorder is not None:
                    self._recorder.write(captured.name, captured.index, captured.time_ms, result)
            annotated = draw_faces(captured.image.copy(), result.faces, self.colors_bgr)
            infer_ms = (time.perf_counter() - t0) * 1e3
            names = self._classifier.class_names if self._classifier else ()
            self.recognised.emit(
                Recognised(annotated, result, captured, self.slot.dropped, infer_ms, names)
            )


def lower_thread_priority(niceness: int = 5) -> None:
    """Let the UI thread win the CPU when the workers keep both cores busy.

    QThread priorities are ignored by Linux's default scheduler, where a thread has its
    own nice value instead (raising it needs no privileges).
    """
    thread = QThread.currentThread()
    thread.setPriority(QThread.Priority.LowPriority)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)


def hex_to_bgr(color: str) -> tuple[int, int, int] | None:
    """'#rrggbb' to an OpenCV BGR tuple (None if malformed)."""
    color = color.strip().lstrip("#")
    if len(color) != 6:
        return None
    try:
        r, g, b = (int(color[i : i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return None
    return (b, g, r)


def bgr_to_rgb_image(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
