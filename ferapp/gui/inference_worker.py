"""The recogniser worker: takes the newest frame, runs the core's Recognizer, emits the result.

Settings changes and model switches are requested from the UI thread and applied by
this thread before its next frame, so the UI never waits for a model to load. When no
frame comes (paused, or the video ended), the last frame is done again with them, so
what is on screen always shows the settings and the model in use.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace

import cv2
import numpy as np
from PySide6.QtCore import QObject, Signal

from ferapp.core.errors import FerappError
from ferapp.core.faces.results import FrameResult
from ferapp.core.locations import ferapp_command, resolve_model_path
from ferapp.core.model.classifier import EmotionClassifier
from ferapp.core.output.writers import Recorder
from ferapp.core.recognition.recognizer import Recognizer
from ferapp.core.recognition.settings import RecognitionSettings
from ferapp.core.sources.handoff import LatestOnly
from ferapp.gui.camera_worker import Captured
from ferapp.gui.threads import lower_thread_priority


@dataclass
class Recognised:
    """What the window paints: the annotated frame (``shown``: scaled to the view, the
    frame itself when no view size is known) and its results."""

    annotated: np.ndarray
    result: FrameResult
    captured: Captured
    dropped: int
    infer_ms: float
    class_names: tuple[str, ...] = field(default_factory=tuple)
    shown: np.ndarray | None = None
    again: bool = False  # the last frame done again with new settings, a model or the mirror


def fit(image: np.ndarray, size: tuple[int, int] | None) -> np.ndarray:
    """``image`` scaled to fit ``size`` (width, height) with its aspect kept, as 4-channel
    BGRA (the screen's own layout); as it is when no size is given. Made here, on the
    worker's thread, the window paints pixel for pixel instead of scaling and converting
    every frame on the UI thread."""
    if size is None:
        return image
    height, width = image.shape[:2]
    rounded_width = size[1] * width // height  # as Qt's QSize.scaled(KeepAspectRatio)
    if rounded_width <= size[0]:
        target = (rounded_width, size[1])
    else:
        target = (size[0], size[0] * height // width)
    if min(target) < 1:
        return image
    if target != (width, height):
        smaller = target[0] < width
        interpolation = cv2.INTER_AREA if smaller else cv2.INTER_LINEAR
        image = cv2.resize(image, target, interpolation=interpolation)
    return cv2.cvtColor(image, cv2.COLOR_BGR2BGRA)


class InferenceWorker(QObject):
    """Takes the newest frame, recognises it (detect, classify, track, record, draw), emits it."""

    recognised = Signal(object)
    model_loaded = Signal(str)  # file name and how it runs, for the status bar
    model_failed = Signal(str)  # message; the previous model stays
    detector_failed = Signal(str)  # message; the previous detector stays

    def __init__(
        self,
        slot: LatestOnly[Captured],
        settings: RecognitionSettings,
        model_path: str = "",
    ) -> None:
        super().__init__()
        self.slot = slot
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._pending_model: str | None = model_path
        self._pending_settings: RecognitionSettings | None = settings
        self.settings = settings
        self._classifier: EmotionClassifier | None = None
        self._recorders: tuple[Recorder, ...] = ()
        self.recognizer: Recognizer | None = None
        self.view_size: tuple[int, int] | None = None  # set by the UI thread: frames fit it
        self.mirror = False  # as the UI asked: a camera's last frame done again follows it
        self._mirror_seen: bool | None = None  # the mirroring the tracks were made with
        self._redo = False  # the last frame is to be done again (nothing new came)
        self._last: Captured | None = None

    # Called from the UI thread; applied by the worker thread before its next frame.
    def request_model(self, path: str) -> None:
        with self._lock:
            self._pending_model = path
            self._redo = True

    def request_settings(self, settings: RecognitionSettings) -> None:
        with self._lock:
            self._pending_settings = settings
            self._redo = True

    def request_mirror(self, mirror: bool) -> None:
        """Mirror a camera's frames (the camera worker flips new ones; the last one here)."""
        with self._lock:
            self.mirror = mirror
            self._redo = True

    def forget(self) -> None:
        """A new source: its frames only from now on; the last one is never done again."""
        with self._lock:
            self._last = None
            self._redo = False

    def set_recorder(self, recorder: Recorder | None) -> tuple[Recorder, ...]:
        """Start (or with None stop) writing every result in this worker's thread.

        Returns the previous recorders, which get no more rows and can be closed.
        """
        with self._lock:
            self._recorders = (recorder,) if recorder is not None else ()
            if self.recognizer is None:
                return ()
            return self.recognizer.set_recorders(self._recorders)

    def stop(self) -> None:
        self._stop.set()
        self.slot.close()

    def _apply_pending(self) -> Captured | None:
        """Apply what the UI asked for; returns the last frame when it is to be done again."""
        with self._lock:
            model, self._pending_model = self._pending_model, None
            settings, self._pending_settings = self._pending_settings, None
            redo, self._redo = self._redo, False
        if model is not None:
            self._load_model(model)
        if settings is not None:
            self._apply_settings(settings)
        if self.recognizer is not None:
            self.recognizer.set_classifier(self._classifier)
        with self._lock:
            last = self._last if redo else None
        mirror_changed = self._mirror_seen is not None and self.mirror != self._mirror_seen
        if self.recognizer is not None and mirror_changed:
            self.recognizer.tracking.new_scene()  # faces swap sides: never each other's numbers
        self._mirror_seen = self.mirror
        if last is not None and last.live and last.mirrored != self.mirror:
            last = replace(last, image=cv2.flip(last.image, 1), mirrored=self.mirror)
        return last

    def _apply_settings(self, settings: RecognitionSettings) -> None:
        try:
            if self.recognizer is None:
                recognizer = Recognizer.from_settings(settings, self._classifier)
                with self._lock:  # a recording started meanwhile is not missed
                    recognizer.set_recorders(self._recorders)
                    self.recognizer = recognizer
            else:
                self.recognizer.apply(settings)
        except FerappError as exc:  # the previous detector stays
            self.detector_failed.emit(str(exc))
            return
        self.settings = settings

    def _load_model(self, path: str) -> None:
        """Load ``path``; a chosen model file that is gone gives way to the default model,
        said in ``model_failed``; any other failure keeps the model in use."""
        note = ""
        try:
            target = resolve_model_path(path)
            if path and not target.exists() and self._classifier is None:
                note = f"the model file {target} is gone; using the default model instead"
                target = resolve_model_path("")
            # One interpreter thread: the other core stays free for the UI and the camera.
            # A model not yet converted is converted in a child process: TensorFlow never
            # loads into the window's process, whose UI thread it would stall.
            self._classifier = EmotionClassifier.load(
                target, threads=1, convert_command=ferapp_command()
            )
        except FerappError as exc:
            self.model_failed.emit(str(exc))
            return
        self.model_loaded.emit(f"{target.name} ({self._classifier.precision})")
        if note:
            self.model_failed.emit(note)  # after the default is in use: said, not shown as lost

    def run(self) -> None:
        lower_thread_priority()
        # OpenCV's own thread pool would spin on the core this window leaves to the UI
        cv2.setNumThreads(1)
        self._apply_pending()
        while not self._stop.is_set():
            captured = self.slot.take(timeout=0.1)
            again = self._apply_pending()  # requests made while waiting apply to this frame
            if captured is None:
                captured = again
            if captured is None or self.recognizer is None:
                continue
            with self._lock:
                self._last = captured
            self._recognise(captured, again=captured is again)

    def _recognise(self, captured: Captured, again: bool) -> None:
        """Recognise ``captured`` (``again``: the last frame once more) and emit it."""
        assert self.recognizer is not None
        t0 = time.perf_counter()
        try:
            seen = self.recognizer.process(
                captured.image,
                captured.name,
                captured.index,
                captured.time_ms,
                stream=captured.stream,
                draw=True,
                again=again,
                clock_ms=captured.captured_at * 1e3,  # what the live view reuses, by the clock
            )
        except FerappError as exc:
            self.model_failed.emit(str(exc))
            return
        infer_ms = (time.perf_counter() - t0) * 1e3
        self.recognised.emit(
            Recognised(
                seen.annotated,
                seen.result,
                captured,
                self.slot.dropped,
                infer_ms,
                self.recognizer.class_names,
                fit(seen.annotated, self.view_size),
                again,
            )
        )
