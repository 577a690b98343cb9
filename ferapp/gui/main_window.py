"""The main window: Live tab (frame, boxes, probability bars, status) and the Training tab."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import replace
from pathlib import Path

import cv2
from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
)

from ferapp.core.export import ResultCsvWriter
from ferapp.core.handoff import LatestOnly
from ferapp.gui.frame_view import FrameView
from ferapp.gui.probability_bars import ProbabilityBars
from ferapp.gui.settings import AppSettings, load_settings, open_store, save_settings
from ferapp.gui.settings_dialog import SettingsDialog
from ferapp.gui.training_tab import TrainingTab
from ferapp.gui.workers import CameraWorker, Captured, InferenceWorker, Recognised, hex_to_bgr

THREAD_STOP_MS = 5000
# Threads still inside a call that cannot be interrupted (a camera driver opening a
# device, TensorFlow loading a model) when asked to stop. Qt aborts the whole process if
# a running QThread is destroyed, so they and their workers are kept here until they end.
_LINGERING: list[tuple[QThread, QObject]] = []


def _stop_thread(
    thread: QThread, worker: QObject, wait_ms: int = THREAD_STOP_MS, delete: bool = True
) -> None:
    """Quit ``thread`` and wait up to ``wait_ms`` (-1: until it ends); keep it if it goes on."""
    thread.quit()
    finished = thread.wait() if wait_ms < 0 else thread.wait(wait_ms)
    if finished:
        if delete:
            worker.deleteLater()
            thread.deleteLater()
    else:
        _LINGERING.append((thread, worker))


def wait_for_lingering_threads() -> None:
    """Before the process ends: let threads busy in a blocking call finish it."""
    while _LINGERING:
        thread, _worker = _LINGERING.pop()
        thread.wait()


def _start(worker: QObject, name: str) -> QThread:
    thread = QThread()
    thread.setObjectName(name)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    thread.start()
    return thread


class MainWindow(QMainWindow):
    """Owns the two workers; paints what the recogniser emits; never waits on them."""

    painted = Signal(float)  # capture-to-paint latency in ms (benchmarks and tests listen)

    def __init__(self, settings_dir: str | None = None) -> None:
        super().__init__()
        self.setWindowTitle("ferapp - facial emotion recognition")
        self.resize(1100, 680)
        self.store = open_store(settings_dir)
        self.settings: AppSettings = load_settings(self.store)
        self.slot: LatestOnly[Captured] = LatestOnly()
        self.camera: CameraWorker | None = None
        self.camera_thread: QThread | None = None
        self.recorder: ResultCsvWriter | None = None
        self.last: Recognised | None = None
        self.paused = False
        self.source_name = ""
        self.model_name = ""
        self.model_error = ""
        self.ready = False  # the recogniser has tried its first model
        self._pending_source: str | None = None
        self._paint_times: deque[float] = deque(maxlen=30)

        self.view = FrameView()
        self.bars = ProbabilityBars()
        splitter = QSplitter()
        splitter.addWidget(self.view)
        splitter.addWidget(self.bars)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(splitter, "Live")
        self.training = TrainingTab()
        self.training.use_model.connect(self.use_trained_model)
        self.tabs.addTab(self.training, "Training")
        self.setCentralWidget(self.tabs)
        self.status = QLabel()
        self.statusBar().addPermanentWidget(self.status, 1)
        self._build_actions()

        self.inference = InferenceWorker(
            self.slot,
            self.settings.detector,
            self.settings.crop,
            self.settings.model_path,
            self._colors_bgr(),
            self.settings.smoothing,
        )
        self.inference.recognised.connect(self.on_recognised)
        self.inference.model_loaded.connect(self.on_model_loaded)
        self.inference.model_failed.connect(self.on_model_failed)
        self.inference_thread = _start(self.inference, "ferapp-inference")
        self.view.set_message("Starting...")

    # ------------------------------------------------------------------ building
    def _action(self, menu, text: str, shortcut, slot, checkable: bool = False) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)  # shortcuts work in full screen too, with the menu bar hidden
        return action

    def _build_actions(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "Open &camera", "Ctrl+K", self.open_camera)
        self._action(file_menu, "Open &video...", QKeySequence.StandardKey.Open, self.open_video)
        self._action(file_menu, "Open image &folder...", "Ctrl+Shift+O", self.open_folder)
        file_menu.addSeparator()
        self._action(file_menu, "&Snapshot (PNG)...", "Ctrl+S", self.snapshot)
        self.record_action = self._action(
            file_menu, "&Record results (CSV)...", "Ctrl+R", self.toggle_recording, checkable=True
        )
        file_menu.addSeparator()
        self._action(file_menu, "Se&ttings...", "Ctrl+,", self.open_settings)
        self._action(file_menu, "&Quit", QKeySequence.StandardKey.Quit, self.close)
        view_menu = self.menuBar().addMenu("&View")
        self.pause_action = self._action(
            view_menu, "&Pause", "Space", self.toggle_pause, checkable=True
        )
        self.mirror_action = self._action(
            view_menu, "&Mirror camera", "M", self.toggle_mirror, checkable=True
        )
        self.mirror_action.setChecked(self.settings.mirror)
        self._action(view_menu, "&Full screen", "F11", self.toggle_full_screen)

    def _colors_bgr(self) -> dict[str, tuple[int, int, int]]:
        out = {}
        for emotion, value in self.settings.colors.items():
            bgr = hex_to_bgr(value)
            if bgr is not None:
                out[emotion] = bgr
        return out

    # ------------------------------------------------------------------ sources
    def start_source(self, spec: str) -> None:
        """Stop the current source and start reading ``spec`` (camera number, video, folder).

        Until the recogniser has its first model, the source waits, so a video is
        analysed from its first frame.
        """
        if not self.ready:
            self._pending_source = spec
            self.view.set_message("Loading the model...")
            return
        self.stop_source()
        self.settings.source = spec
        save_settings(self.store, self.settings)
        self.slot.reopen()
        self.view.clear()
        self.view.set_message(f"Opening {spec if not spec.isdigit() else 'camera ' + spec}...")
        self.camera = CameraWorker(spec, self.slot, self.settings.mirror)
        self.camera.set_paused(self.paused)
        self.camera.opened.connect(self.on_source_opened)
        self.camera.failed.connect(self.on_source_failed)
        self.camera.ended.connect(self.on_source_ended)
        self.camera_thread = _start(self.camera, "ferapp-camera")

    def stop_source(self) -> None:
        if self.camera is None or self.camera_thread is None:
            return
        self.camera.stop()
        _stop_thread(self.camera_thread, self.camera)
        self.camera = None
        self.camera_thread = None

    def open_camera(self) -> None:
        spec = self.settings.source if self.settings.source.isdigit() else "0"
        self.start_source(spec)

    def open_video(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a video", "", "Videos (*.mp4 *.avi *.mov *.mkv *.webm);;All files (*)"
        )
        if path:
            self.start_source(path)

    def open_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open an image folder")
        if path:
            self.start_source(path)

    # ------------------------------------------------------------------ worker signals
    def on_source_opened(self, name: str) -> None:
        self.source_name = Path(name).name or name
        self.view.set_message("")

    def on_source_failed(self, message: str) -> None:
        self.view.clear()
        self.view.set_message(
            f"{message}\n\nFile > Open video (Ctrl+O) or Open image folder "
            "(Ctrl+Shift+O), or pick another camera in Settings (Ctrl+,)."
        )
        self.statusBar().showMessage(message, 10000)

    def on_source_ended(self, why: str) -> None:
        """Keep the last frame on screen, with a note and the next step."""
        self.view.set_message(f"{why.capitalize()}. Open another source from the File menu.")
        self.statusBar().showMessage(why.capitalize(), 10000)

    def _became_ready(self) -> None:
        if not self.ready:
            self.ready = True
            if self._pending_source is not None:
                spec, self._pending_source = self._pending_source, None
                self.start_source(spec)

    def on_model_loaded(self, name: str) -> None:
        self.model_name = name
        self.model_error = ""
        self.statusBar().showMessage(f"Model: {name}", 5000)
        self._became_ready()

    def on_model_failed(self, message: str) -> None:
        """Tell the user without blocking: the previous model (if any) stays in use."""
        text = f"Model not loaded: {message}"
        if not self.model_name:
            self.view.set_message(
                f"{message}\n\nFaces are still found; choose a model in Settings (Ctrl+,)."
            )
        self.statusBar().showMessage(text, 15000)
        self.model_error = message
        box = QMessageBox(
            QMessageBox.Icon.Warning, "Model not loaded", text, QMessageBox.StandardButton.Ok, self
        )
        box.setModal(False)
        box.show()
        self._became_ready()

    def on_recognised(self, item: Recognised) -> None:
        """Paint the newest result: the only work the UI thread does per frame."""
        self.last = item
        self.view.set_frame(item.annotated)
        self.bars.show_faces(item.result.faces, item.class_names)
        now = time.perf_counter()
        self._paint_times.append(now)
        latency_ms = (now - item.captured.captured_at) * 1e3
        fps = (
            (len(self._paint_times) - 1) / (self._paint_times[-1] - self._paint_times[0])
            if len(self._paint_times) > 1
            else 0.0
        )
        self.status.setText(
            f"{self.source_name}  |  {fps:4.1f} fps  |  inference {item.infer_ms:5.1f} ms  |  "
            f"faces {len(item.result.faces)}  |  dropped {item.dropped}  |  "
            f"model {self.model_name or 'none'}"
        )
        self.painted.emit(latency_ms)

    # ------------------------------------------------------------------ actions
    def toggle_pause(self) -> None:
        self.paused = self.pause_action.isChecked()
        if self.camera is not None:
            self.camera.set_paused(self.paused)
        self.statusBar().showMessage("Paused" if self.paused else "Running", 2000)

    def toggle_mirror(self) -> None:
        self.settings.mirror = self.mirror_action.isChecked()
        save_settings(self.store, self.settings)
        if self.camera is not None:
            self.camera.mirror = self.settings.mirror

    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
            self.menuBar().show()
        else:
            self.showFullScreen()

    def snapshot(self, path: str | None = None) -> str | None:
        """Save the annotated frame as PNG; returns the path, or None when nothing was saved."""
        if self.last is None:
            self.statusBar().showMessage("Nothing to save yet", 3000)
            return None
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                self, "Save snapshot", "ferapp-snapshot.png", "PNG images (*.png)"
            )
        if not path:
            return None
        ok, data = cv2.imencode(".png", self.last.annotated)
        try:
            if not ok:
                raise OSError("encoding failed")
            data.tofile(path)
        except OSError as exc:
            QMessageBox.warning(self, "Snapshot not saved", f"Cannot write {path}: {exc}")
            return None
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return path

    def toggle_recording(self, checked: bool = False, path: str | None = None) -> None:
        if self.recorder is not None:
            self.inference.set_recorder(None)
            self.recorder.close()
            self.statusBar().showMessage(f"Results saved to {self.recorder.path}", 5000)
            self.recorder = None
            self.record_action.setChecked(False)
            return
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                self, "Record results", "ferapp-results.csv", "CSV files (*.csv)"
            )
        if not path:
            self.record_action.setChecked(False)
            return
        try:
            self.recorder = ResultCsvWriter(Path(path))
        except OSError as exc:
            QMessageBox.warning(self, "Cannot record", f"Cannot write {path}: {exc}")
            self.record_action.setChecked(False)
            return
        self.inference.set_recorder(self.recorder)
        self.record_action.setChecked(True)
        self.statusBar().showMessage(f"Recording to {path}", 5000)

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self)
        if dialog.exec() != SettingsDialog.DialogCode.Accepted:
            return
        self.apply_settings(dialog.result_settings())

    def apply_settings(self, new: AppSettings) -> None:
        """Save and apply settings without a restart."""
        old = self.settings
        self.settings = new
        save_settings(self.store, new)
        self.inference.request_detector(new.detector, new.crop, self._colors_bgr(), new.smoothing)
        if new.model_path != old.model_path:
            self.inference.request_model(new.model_path)
        if new.source != old.source:
            self.start_source(new.source)
        self.mirror_action.setChecked(new.mirror)

    def use_trained_model(self, path: str) -> None:
        """The Training tab's 'use in Live' button: switch model and show the Live tab."""
        self.apply_settings(replace(self.settings, model_path=path))
        self.tabs.setCurrentIndex(0)

    def confirm_close_during_training(self) -> bool:
        answer = QMessageBox.question(
            self,
            "Training is running",
            "A model is being trained. Stop it and quit? The best model so far is kept.",
        )
        return answer == QMessageBox.StandardButton.Yes

    # ------------------------------------------------------------------ shutdown
    def shutdown(self) -> None:
        """Stop both workers and wait for their threads (idempotent)."""
        self.stop_source()
        if self.inference_thread is not None:
            self.inference.stop()
            # a model still loading finishes first (seconds); its loop then ends at once
            _stop_thread(self.inference_thread, self.inference, wait_ms=-1, delete=False)
            self.inference_thread = None
        wait_for_lingering_threads()
        if self.recorder is not None:
            self.inference.set_recorder(None)
            self.recorder.close()
            self.recorder = None

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt's name
        if self.training.running and not self.confirm_close_during_training():
            event.ignore()
            return
        self.training.shutdown()
        self.shutdown()
        save_settings(self.store, self.settings)
        event.accept()
