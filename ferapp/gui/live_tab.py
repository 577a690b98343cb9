"""The Live tab: the annotated frame, probability bars, and the two workers that feed them.

It owns the camera worker (reads frames at the source's pace) and the inference worker
(recognises the newest), each on its own thread, and only paints what they emit: the
frame on every result, the bars and the readout at a readable rate (a display timer
pulls the newest result). What the source is doing lives in a Qt-free LiveState. Every
change (settings, model, mirror, a face picked) shows at once, paused or ended too."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from ferapp.core.errors import FerappError
from ferapp.core.output.colors import resolve_palette
from ferapp.core.output.writers import ResultCsvWriter
from ferapp.core.sources.frames import FrameSource
from ferapp.core.sources.handoff import LatestOnly
from ferapp.core.sources.images import write_image
from ferapp.core.sources.opening import open_source
from ferapp.gui.camera_worker import RETRY_SECONDS, CameraWorker, Captured
from ferapp.gui.frame_view import FrameView
from ferapp.gui.inference_worker import InferenceWorker, Recognised
from ferapp.gui.live_actions import LiveIndicators, new_recorder
from ferapp.gui.live_state import LiveState, Shown, retry_text, stopped_texts
from ferapp.gui.probability_bars import ProbabilityBars
from ferapp.gui.settings import AppSettings
from ferapp.gui.threads import start_worker, stop_worker
from ferapp.gui.widgets import sentence

DISPLAY_INTERVAL_S = 0.2  # bars and readout: five refreshes a second are easy to read


class LiveTab(QWidget):
    """Shows a source's frames with their faces; never waits for the camera or the model."""

    painted = Signal(float)  # capture-to-paint latency in ms (benchmarks and tests listen)
    message = Signal(str, int)  # text for the status bar, and for how many ms (0: until replaced)
    readout = Signal(str)  # fps / inference / faces readout
    model_ready = Signal()  # the recogniser has tried its first model

    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.slot: LatestOnly[Captured] = LatestOnly()
        self.camera: CameraWorker | None = None
        self.camera_thread = None
        self.spec = ""  # the source being read (or read last: File > Replay)
        self.recorder: ResultCsvWriter | None = None
        self.last: Recognised | None = None
        self.flow = LiveState()
        self.model_name, self.model_error = "", ""
        self.ready = False
        self.closed = False  # after shutdown: late signals start nothing
        self._pending_source: str | None = None
        self.open_source: Callable[[str], FrameSource] = open_source  # tests put in fakes
        self.retry_seconds = RETRY_SECONDS  # before a lost camera is tried again
        self.frames_painted = 0
        self.display_interval_s = DISPLAY_INTERVAL_S  # 0: bars and readout on every frame
        self._shown_on_bars: Recognised | None = None  # the result the bars show
        self._displayed_at = -1e9  # perf_counter() of the last bars and readout refresh
        self._display_timer = QTimer(self)  # shows the newest result when the wait is over
        self._display_timer.setSingleShot(True)
        self._display_timer.timeout.connect(self.refresh_display)

        self.view = FrameView()
        self.bars = ProbabilityBars()
        self.bars.set_palette(resolve_palette(settings.colors))
        self.indicators = LiveIndicators()  # the window keeps them in its status bar
        splitter = QSplitter()
        splitter.addWidget(self.view)
        splitter.addWidget(self.bars)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        self.inference = InferenceWorker(self.slot, settings.recognition(), settings.model_path)
        self.inference.mirror = settings.mirror
        self.view.resized.connect(self._view_resized)
        self.inference.recognised.connect(self.on_recognised)
        self.inference.model_loaded.connect(self.on_model_loaded)
        self.inference.model_failed.connect(self.on_model_failed)
        self.inference.detector_failed.connect(self.on_detector_failed)
        self.inference_thread = start_worker(self.inference, "ferapp-inference")
        self.view.set_message("Starting...")

    def _view_resized(self, width: int, height: int) -> None:
        self.inference.view_size = (width, height) if width > 0 and height > 0 else None

    @property
    def paused(self) -> bool:
        return self.flow.paused

    @property
    def source_name(self) -> str:
        return self.flow.source_name

    # ------------------------------------------------------------------ sources
    def start_source(self, spec: str) -> None:
        """Stop the current source and start reading ``spec`` (camera number, video, folder).

        Until the recogniser has its first model, the source waits, so a video is
        analysed from its first frame.
        """
        if self.closed:
            return
        if not self.ready:
            self._pending_source = spec
            self.view.set_message("Loading the model...")
            return
        self.stop_source()
        self.slot.reopen()
        self.spec, self.last, self._shown_on_bars = spec, None, None
        self.inference.forget()
        self.bars.reset()
        self.view.clear()
        self.view.set_message(f"Opening {'camera ' + spec if spec.isdigit() else spec}...")
        self.camera = CameraWorker(
            spec, self.slot, self.settings.mirror, self.open_source, self.retry_seconds
        )
        self.camera.set_paused(self.flow.paused)
        self.camera.opened.connect(self.on_source_opened)
        self.camera.failed.connect(self.on_source_failed)
        self.camera.ended.connect(self.on_source_ended)
        self.camera.lost.connect(self.on_camera_lost)
        self.camera.retrying.connect(self.on_camera_retrying)
        self.camera.skipped.connect(self.on_file_skipped)
        self.camera_thread = start_worker(self.camera, "ferapp-camera")

    def stop_source(self) -> None:
        if self.camera is None or self.camera_thread is None:
            return
        stop_worker(self.camera_thread, self.camera)
        self.camera = None
        self.camera_thread = None
        self.spec = ""  # the source being read (or read last: File > Replay)

    # ------------------------------------------------------------------ worker signals
    def on_source_opened(self, name: str, kind: str) -> None:
        self.flow.opened(name, kind)
        self.view.set_message("")

    def on_source_failed(self, message: str) -> None:
        self._stopped("failed", *stopped_texts("failed", sentence(message), self.flow.skipped))
        self.view.clear()

    def on_source_ended(self, why: str) -> None:
        """Keep the last frame on screen, with a small note and the next step (replay)."""
        self._stopped("ended", *stopped_texts("ended", why, self.flow.skipped))

    def on_camera_lost(self, message: str) -> None:
        self._stopped("lost", *stopped_texts("lost", message, self.flow.skipped))

    def _stopped(self, state: str, note: str, status: str, for_ms: int) -> None:
        self.flow.stopped(state)
        self._show_readout()
        self.view.set_message(note)
        self.message.emit(status, for_ms)

    def on_camera_retrying(self, seconds: int) -> None:
        self.view.set_message(retry_text(seconds))

    def on_file_skipped(self, name: str, why: str) -> None:
        self.flow.skipped.append(f"{name}: {why}")
        self.message.emit(f"Skipped {name}: {why}", 10000)

    def replay(self) -> None:
        """Read the last source again from its start (a video that ended, a folder)."""
        if self.spec:
            self.start_source(self.spec)

    def reconnect_camera(self) -> None:
        if self.camera is not None:
            self.camera.reconnect_now()

    def _became_ready(self) -> None:
        if not self.ready:
            self.ready = True
            self.model_ready.emit()
            if self._pending_source is not None:
                spec, self._pending_source = self._pending_source, None
                self.start_source(spec)

    def on_model_loaded(self, name: str) -> None:
        self.model_name = name
        self.model_error = ""
        self.indicators.set_model(name)  # always in view: no passing message as well
        self._became_ready()

    def on_model_failed(self, message: str) -> None:
        """Tell the user without blocking: the previous model (if any) stays in use."""
        if not self.model_name:
            self.view.set_message(
                f"The emotion model could not be loaded. {sentence(message)}\n\nFaces are "
                "still found; choose another model in Settings (Ctrl+,)."
            )
        self.message.emit(f"Model not loaded: {sentence(message)}", 15000)
        self.model_error = message
        self.indicators.set_model(self.model_name)
        self._became_ready()

    def on_detector_failed(self, message: str) -> None:
        self.message.emit(f"Face detector not changed: {sentence(message)}", 15000)

    def on_recognised(self, item: Recognised) -> None:
        """Paint the newest frame: the only work the UI thread does on every result; a
        frame redone (new settings while paused) shows its bars at once too."""
        self.last = item
        self.frames_painted += 1
        self.view.set_frame(item.shown if item.shown is not None else item.annotated)
        now = time.perf_counter()
        shown = Shown(item.captured.name, item.infer_ms, len(item.result.faces), item.dropped)
        self.flow.painted(shown, now, again=item.again)
        if item.again:
            return self.refresh_display()
        wait = self._displayed_at + self.display_interval_s - now
        if wait <= 0:
            self.refresh_display()
        elif not self._display_timer.isActive():
            self._display_timer.start(int(wait * 1000) + 1)
        self.painted.emit((now - item.captured.captured_at) * 1e3)

    def refresh_display(self) -> None:
        """Show the newest result's bars and the readout: at once when the last refresh is
        older than ``display_interval_s``, else when the display timer ends the wait."""
        item = self.last
        self._displayed_at = time.perf_counter()
        if item is not None and item is not self._shown_on_bars:
            self._shown_on_bars = item
            self.bars.show_faces(item.result.faces, item.class_names)
            self._show_readout()

    def _show_readout(self) -> None:
        self.indicators.set_source(self.flow.where)
        self.readout.emit(self.flow.readout())

    # ------------------------------------------------------------------ actions
    def set_paused(self, paused: bool) -> None:
        self.flow.set_paused(paused)
        if self.camera is not None:
            self.camera.set_paused(paused)
        self.view.set_badge("Paused" if paused else "")
        self._show_readout()

    def set_mirror(self, mirror: bool) -> None:
        if self.camera is not None:
            self.camera.mirror = mirror
        self.inference.request_mirror(mirror)

    def apply_settings(self, settings: AppSettings) -> None:
        old = self.settings
        self.settings = settings
        self.inference.request_settings(settings.recognition())
        self.bars.set_palette(resolve_palette(settings.colors))
        self.set_mirror(settings.mirror)
        if settings.model_path != old.model_path:
            self.inference.request_model(settings.model_path)

    def save_snapshot(self, path: str) -> str:
        """Save the annotated frame (PNG, or the type the name gives); FerappError/OSError if not."""
        if self.last is None:
            raise FerappError("nothing to save yet")
        return str(write_image(Path(path), self.last.annotated))

    def start_recording(self, path: str) -> None:
        names = self.last.class_names if self.last else ()
        self.recorder = new_recorder(Path(path), names, self.settings.detector.describe())
        self.inference.set_recorder(self.recorder)
        self.indicators.set_recording(self.recorder.path)

    def stop_recording(self) -> Path | None:
        if self.recorder is None:
            return None
        self.inference.set_recorder(None)
        recorder, self.recorder = self.recorder, None
        self.indicators.set_recording(None)
        recorder.close()
        return recorder.path

    # ------------------------------------------------------------------ shutdown
    def shutdown(self) -> None:
        """Stop both workers and wait for their threads (idempotent)."""
        self.closed = True
        self._pending_source = None
        self._display_timer.stop()
        self.stop_source()
        if self.inference_thread is not None:
            # a model still loading finishes first (seconds); its loop then ends at once
            stop_worker(self.inference_thread, self.inference, wait_ms=-1, delete=False)
            self.inference_thread = None
        self.stop_recording()
