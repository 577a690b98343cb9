"""The settings dialog: model file, camera or file source, detector and crop parameters, colours."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ferapp.core.crop import CropSettings
from ferapp.core.detector import DetectorSettings
from ferapp.core.emotions import EMOTIONS, color_rgb
from ferapp.core.errors import FerappError
from ferapp.core.model_file import (
    MODEL_SUFFIXES,
    check_architecture_is_safe,
    read_architecture,
    read_metadata,
)
from ferapp.gui.cameras import list_cameras
from ferapp.gui.settings import AppSettings

MODEL_FILTER = "Keras models (*.keras *.h5 *.hdf5)"


def check_model_file(path: str) -> str | None:
    """Why a model file cannot be used (None if it looks usable); nothing from it is run."""
    if not path:
        return None
    p = Path(path)
    if p.suffix.lower() not in MODEL_SUFFIXES:
        return f"{p.name}: not a model file ({', '.join(MODEL_SUFFIXES)})"
    try:
        check_architecture_is_safe(read_architecture(p), p.name)
        if read_metadata(p) is None:
            return (
                f"{p.name} carries no ferapp metadata (class names, input size, pixel "
                "scaling); use it from the command line with --pixel-scaling"
            )
    except FerappError as exc:
        return str(exc)
    except OSError as exc:
        return f"{p.name}: {exc}"
    return None


class _CameraSearch(QObject):
    """Lists cameras on a background thread (opening each one can take seconds on Windows
    and macOS) and hands the list to the UI thread through ``found``."""

    found = Signal(list)

    def start(self, lister: Callable[[], list[tuple[int, str]]]) -> None:
        def run() -> None:
            try:
                cameras = lister()
            except Exception:  # a failed probe means no camera to offer
                cameras = []
            self.found.emit(cameras)

        # The thread keeps this object alive until it has emitted; if the dialog is gone
        # by then, Qt has already cut the connection.
        threading.Thread(target=run, daemon=True, name="ferapp-cameras").start()


class SettingsDialog(QDialog):
    def __init__(
        self,
        settings: AppSettings,
        parent: QWidget | None = None,
        camera_lister: Callable[[], list[tuple[int, str]]] = list_cameras,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("ferapp settings")
        self.settings = settings
        self.colors = dict(settings.colors)

        self.model_edit = QLineEdit(settings.model_path)
        self.model_edit.setPlaceholderText("the shipped default model")
        browse = QPushButton("Choose...")
        browse.clicked.connect(self._choose_model)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model_edit, 1)
        model_row.addWidget(browse)

        self.source_combo = QComboBox()
        if settings.source.isdigit():  # named when the camera search below finds it
            self.source_combo.addItem(f"Camera {settings.source}", settings.source)
        elif settings.source:
            self.source_combo.addItem(Path(settings.source).name, settings.source)
        self.source_combo.addItem("Video file...", "<video>")
        self.source_combo.addItem("Image folder...", "<folder>")
        found = self.source_combo.findData(settings.source)
        self.source_combo.setCurrentIndex(max(found, 0))
        self.source_combo.activated.connect(self._source_chosen)
        self.camera_status = QLabel("Looking for cameras...")
        self.camera_status.setEnabled(False)
        self._camera_search = _CameraSearch()
        self._camera_search.found.connect(self._cameras_found)
        self._camera_search.start(camera_lister)

        d, c = settings.detector, settings.crop
        self.scale = self._double(1.01, 2.0, 0.05, d.scale_factor)
        self.neighbors = self._int(0, 50, d.min_neighbors)
        self.min_size = self._int(1, 4096, d.min_size, " px")
        self.detect_width = self._int(0, 8192, d.detect_width, " px")
        self.detect_width.setSpecialValueText("full size")
        self.offset_x = self._double(0.0, 1.0, 0.05, c.offset_x)
        self.offset_y = self._double(0.0, 1.0, 0.05, c.offset_y)
        self.smoothing = self._double(0.0, 0.95, 0.05, settings.smoothing)
        self.smoothing.setToolTip(
            "How much each face's probabilities are averaged over frames "
            "(0 = every frame on its own)"
        )

        form = QFormLayout()
        form.addRow("Model file", model_row)
        form.addRow("Source", self.source_combo)
        form.addRow("", self.camera_status)
        detector_box = QGroupBox("Face detection")
        detector_form = QFormLayout(detector_box)
        detector_form.addRow("Scale factor", self.scale)
        detector_form.addRow("Minimum neighbours", self.neighbors)
        detector_form.addRow("Minimum face size", self.min_size)
        detector_form.addRow("Detection width", self.detect_width)
        detector_form.addRow("Crop offset, sides", self.offset_x)
        detector_form.addRow("Crop offset, top/bottom", self.offset_y)
        detector_form.addRow("Smoothing over frames", self.smoothing)

        colors_box = QGroupBox("Box colours")
        grid = QGridLayout(colors_box)
        self.color_buttons: dict[str, QPushButton] = {}
        for i, emotion in enumerate(EMOTIONS):
            button = QPushButton(emotion)
            button.clicked.connect(lambda _=False, e=emotion: self._choose_color(e))
            self.color_buttons[emotion] = button
            grid.addWidget(button, i // 4, i % 4)
        reset = QPushButton("Thesis colours")
        reset.clicked.connect(self._reset_colors)
        grid.addWidget(reset, 1, 3)
        self._paint_color_buttons()

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(detector_box)
        layout.addWidget(colors_box)
        layout.addWidget(buttons)

    @staticmethod
    def _double(lo: float, hi: float, step: float, value: float) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setRange(lo, hi)
        box.setSingleStep(step)
        box.setDecimals(2)
        box.setValue(value)
        return box

    @staticmethod
    def _int(lo: int, hi: int, value: int, suffix: str = "") -> QSpinBox:
        box = QSpinBox()
        box.setRange(lo, hi)
        box.setValue(value)
        box.setSuffix(suffix)
        return box

    def _choose_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a model", "", MODEL_FILTER)
        if path:
            self.model_edit.setText(path)

    def _source_chosen(self) -> None:
        data = self.source_combo.currentData()
        if data == "<video>":
            path, _ = QFileDialog.getOpenFileName(
                self, "Open a video", "", "Videos (*.mp4 *.avi *.mov *.mkv *.webm)"
            )
        elif data == "<folder>":
            path = QFileDialog.getExistingDirectory(self, "Open an image folder")
        else:
            return
        if path:
            self.source_combo.insertItem(0, Path(path).name, path)
        self.source_combo.setCurrentIndex(0)

    def _cameras_found(self, cameras: list[tuple[int, str]]) -> None:
        """Put the cameras found first in the source list, keeping the current choice."""
        selected = self.source_combo.currentData()
        for position, (index, name) in enumerate(cameras):
            text = f"Camera {index}: {name}"
            at = self.source_combo.findData(str(index))
            if at >= 0:
                self.source_combo.setItemText(at, text)
            else:
                self.source_combo.insertItem(position, text, str(index))
        found = {str(index) for index, _ in cameras}
        if self.settings.source.isdigit() and self.settings.source not in found:
            at = self.source_combo.findData(self.settings.source)
            self.source_combo.setItemText(at, f"Camera {self.settings.source} (not found)")
        self.source_combo.setCurrentIndex(max(self.source_combo.findData(selected), 0))
        count = len(cameras)
        self.camera_status.setText(
            "No camera found: choose a video file or an image folder"
            if not count
            else f"{count} camera{'s' if count > 1 else ''} found"
        )

    def _choose_color(self, emotion: str) -> None:
        current = QColor(self.colors.get(emotion) or QColor(*color_rgb(emotion)).name())
        chosen = QColorDialog.getColor(current, self, f"Colour for {emotion}")
        if chosen.isValid():
            self.colors[emotion] = chosen.name()
            self._paint_color_buttons()

    def _reset_colors(self) -> None:
        self.colors = {}
        self._paint_color_buttons()

    def _paint_color_buttons(self) -> None:
        for emotion, button in self.color_buttons.items():
            color = QColor(self.colors.get(emotion) or QColor(*color_rgb(emotion)).name())
            ink = "black" if color.lightness() > 128 else "white"
            button.setStyleSheet(f"background-color: {color.name()}; color: {ink};")

    def result_settings(self) -> AppSettings:
        """The edited settings (call after exec() returned Accepted)."""
        source = self.source_combo.currentData()
        if source in ("<video>", "<folder>"):
            source = self.settings.source
        return replace(
            self.settings,
            model_path=self.model_edit.text().strip(),
            source=str(source),
            detector=DetectorSettings(
                self.scale.value(),
                self.neighbors.value(),
                self.min_size.value(),
                self.detect_width.value(),
            ),
            crop=CropSettings(self.offset_x.value(), self.offset_y.value()),
            colors=dict(self.colors),
            smoothing=self.smoothing.value(),
        )

    def accept(self) -> None:
        problem = check_model_file(self.model_edit.text().strip())
        if problem is None:
            try:
                self.result_settings().detector.validated()
            except FerappError as exc:
                problem = str(exc)
        if problem is not None:
            QMessageBox.warning(self, "Cannot use these settings", problem)
            return
        super().accept()
