"""The main window: the Live and Training tabs, menus, the status bar and the settings."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QIcon, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QSizePolicy, QTabWidget

from ferapp.core.errors import FerappError
from ferapp.core.locations import resource_path
from ferapp.gui.about import AboutDialog
from ferapp.gui.live_tab import LiveTab
from ferapp.gui.results_dialog import ResultsDialog
from ferapp.gui.settings import (
    AppSettings,
    load_settings,
    open_store,
    save_settings,
    settings_problem,
)
from ferapp.gui.settings_dialog import SettingsDialog
from ferapp.gui.threads import wait_for_lingering_threads
from ferapp.gui.training_tab import TrainingTab
from ferapp.gui.widgets import ElidedLabel, beside, initial_geometry, start_folder

STATUS_READOUT_WIDTH = 430  # at most: the readout is as wide as its text, shrinks with the window
TYPICAL_READOUT = "30.0 fps  |  inference 12.3 ms  |  faces 5  |  dropped 123"


def app_icon() -> QIcon:
    """ferapp's icon (a box around a face, in the colour of happy); empty if not installed."""
    try:
        return QIcon(str(resource_path("ferapp.svg")))
    except FerappError:
        return QIcon()


class MainWindow(QMainWindow):
    """Owns the tabs and the settings; the Live tab owns the workers."""

    painted = Signal(float)  # capture-to-paint latency in ms (benchmarks and tests listen)

    def __init__(self, settings_dir: str | None = None) -> None:
        super().__init__()
        self.setWindowTitle("ferapp - facial emotion recognition")
        self.setWindowIcon(app_icon())
        self.store = open_store(settings_dir)
        self.settings: AppSettings = load_settings(self.store)
        self.settings_problem = settings_problem(self.store)

        self.live = LiveTab(self.settings)
        self.live.painted.connect(self.painted)
        self.live.message.connect(self.show_message)
        self.live.model_ready.connect(self.tell_settings_problem)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.live, "Live")
        self.training = TrainingTab()
        self.training.use_model.connect(self.use_trained_model)
        self.tabs.addTab(self.training, "Training")
        self.setCentralWidget(self.tabs)
        # Temporary messages (saved, recording, ended, errors) show on the left of the status
        # bar; the readout of what flows stays on the right and never takes their room.
        self.status = ElidedLabel()
        self.status.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.status.setMaximumWidth(STATUS_READOUT_WIDTH)
        # room for the usual numbers whole; only a window narrower than that cuts them
        typical = self.status.fontMetrics().horizontalAdvance(TYPICAL_READOUT) + 8
        self.status.setMinimumWidth(min(typical, STATUS_READOUT_WIDTH))
        self.status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.live.readout.connect(self.status.setText)
        self.statusBar().addPermanentWidget(self.live.indicators)  # source, model, recording
        self.statusBar().addPermanentWidget(self.status)
        self._build_actions()
        screen = self.screen() or QGuiApplication.primaryScreen()
        self.setGeometry(initial_geometry(screen.availableGeometry()))

    # ------------------------------------------------------------------ building
    def _action(
        self, menu, text: str, shortcut, slot, checkable: bool = False, live_only: bool = False
    ) -> QAction:
        """A menu entry with a shortcut. ``live_only``: a single-key shortcut that acts only
        while the Live tab has the focus, so form controls elsewhere keep their keys (Space
        ticks a check box; M types an M); the menu entry works from anywhere."""
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        menu.addAction(action)
        if live_only:
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.live.addAction(action)
        else:
            self.addAction(action)  # works in full screen too, with the menu bar hidden
        return action

    def _build_actions(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "Open &camera", "Ctrl+K", self.open_camera)
        self._action(file_menu, "Open &video...", QKeySequence.StandardKey.Open, self.open_video)
        self._action(file_menu, "Open image &folder...", "Ctrl+Shift+O", self.open_folder)
        self._action(file_menu, "Open &results (JSON)...", None, self.open_results)
        self.reconnect_action = self._action(
            file_menu, "Reco&nnect camera", None, self.live.reconnect_camera
        )
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
            view_menu, "&Pause", "Space", self.toggle_pause, checkable=True, live_only=True
        )
        self.mirror_action = self._action(
            view_menu, "&Mirror camera", "M", self.toggle_mirror, checkable=True, live_only=True
        )
        self.mirror_action.setChecked(self.settings.mirror)
        self.landmarks_action = self._action(
            view_menu, "Show &landmarks", "L", self.toggle_landmarks, checkable=True, live_only=True
        )
        self.landmarks_action.setChecked(self.settings.landmarks)
        self._action(view_menu, "&Replay from the start", "R", self.live.replay, live_only=True)
        self._action(view_menu, "&Full screen", "F11", self.toggle_full_screen)
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&About ferapp", None, self.show_about)

    def open_results(self, path: str | None = None) -> ResultsDialog | None:
        """Show the timeline of an analysed video (a result JSON of analyze or a batch)."""
        if not path:
            path, _ = QFileDialog.getOpenFileName(
                self, "Open results", start_folder(self.settings.source),
                "ferapp results (*.json);;All files (*)",
            )  # fmt: skip
        if not path:
            return None
        dialog = ResultsDialog(Path(path), self.settings.colors, self)
        dialog.show()
        return dialog

    def show_about(self) -> None:
        AboutDialog(self.live.model_name, self).exec()

    def show_message(self, text: str, timeout_ms: int = 5000) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    def tell_settings_problem(self) -> None:
        """Say once (after the model's own message) that settings are not being kept."""
        if self.settings_problem:
            logging.getLogger("ferapp").warning(self.settings_problem)
            self.show_message(self.settings_problem, 30000)
            self.settings_problem = None

    # ------------------------------------------------------------------ sources
    def start_source(self, spec: str) -> None:
        """Read ``spec`` (camera number, video, image, folder) in the Live tab; remembered."""
        if self.settings.source != spec:
            self.settings.source = spec
            save_settings(self.store, self.settings)
        self.live.start_source(spec)

    def open_camera(self) -> None:
        spec = self.settings.source if self.settings.source.isdigit() else "0"
        self.start_source(spec)

    def open_video(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a video", start_folder(self.settings.source),
            "Videos (*.mp4 *.avi *.mov *.mkv *.webm);;All files (*)",
        )  # fmt: skip
        if path:
            self.start_source(path)

    def open_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(
            self, "Open an image folder", start_folder(self.settings.source)
        )
        if path:
            self.start_source(path)

    # ------------------------------------------------------------------ actions
    def toggle_pause(self) -> None:
        self.live.set_paused(self.pause_action.isChecked())
        self.show_message(
            "Paused: press Space (or View > Pause) to go on" if self.live.paused else "Running",
            0 if self.live.paused else 2000,
        )

    def toggle_mirror(self) -> None:
        self.apply_settings(replace(self.settings, mirror=self.mirror_action.isChecked()))

    def toggle_landmarks(self) -> None:
        self.apply_settings(replace(self.settings, landmarks=self.landmarks_action.isChecked()))

    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
            self.menuBar().show()
        else:
            self.showFullScreen()

    def snapshot(self, path: str | None = None) -> str | None:
        """Save the annotated frame as PNG; returns the path, or None when nothing was saved."""
        if self.live.last is None:
            self.show_message("Nothing to save yet", 3000)
            return None
        if not path:
            where = beside(self.settings.source, "ferapp-snapshot.png")
            path, _ = QFileDialog.getSaveFileName(self, "Save snapshot", where, "PNG (*.png)")
        if not path:
            return None
        try:
            saved = self.live.save_snapshot(path)
        except (FerappError, OSError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            QMessageBox.warning(self, "Snapshot not saved", f"Cannot write {path}: {reason}")
            return None
        self.show_message(f"Saved {saved}", 5000)
        return saved

    def toggle_recording(self, checked: bool = False, path: str | None = None) -> None:
        if self.live.recorder is not None:
            saved = self.live.stop_recording()
            self.show_message(f"Results saved to {saved}", 5000)
            self.record_action.setChecked(False)
            return
        if not path:
            where = beside(self.settings.source, "ferapp-results.csv")
            path, _ = QFileDialog.getSaveFileName(self, "Record results", where, "CSV (*.csv)")
        if not path:
            self.record_action.setChecked(False)
            return
        try:
            self.live.start_recording(path)
        except OSError as exc:
            QMessageBox.warning(
                self, "Cannot record", f"Cannot write {path}: {exc.strerror or exc}"
            )
            self.record_action.setChecked(False)
            return
        self.record_action.setChecked(True)
        self.show_message(f"Recording to {path}", 5000)

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
        self.live.apply_settings(new)
        if new.source != old.source:
            self.live.start_source(new.source)
        self.mirror_action.setChecked(new.mirror)
        self.landmarks_action.setChecked(new.landmarks)

    def use_trained_model(self, path: str) -> None:
        """The Training tab's 'use in Live' button: switch model and show the Live tab."""
        self.apply_settings(replace(self.settings, model_path=path))
        self.tabs.setCurrentWidget(self.live)

    def confirm_close_during_training(self) -> bool:
        answer = QMessageBox.question(
            self,
            "Training is running",
            "A model is being trained. Stop it and quit? The best model so far is kept.",
        )
        return answer == QMessageBox.StandardButton.Yes

    # ------------------------------------------------------------------ shutdown
    def shutdown(self) -> None:
        """Stop the workers and wait for their threads (idempotent)."""
        self.live.shutdown()
        wait_for_lingering_threads()

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt's name
        if self.training.running and not self.confirm_close_during_training():
            event.ignore()
            return
        self.training.shutdown()
        self.shutdown()
        save_settings(self.store, self.settings)
        event.accept()
