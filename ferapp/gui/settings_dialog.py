"""The settings dialog: model and source, face detector and its parameters, crop and
smoothing, box colours."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
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

from ferapp.core.colors import THESIS_PALETTE, ink_for, resolve_palette, to_hex
from ferapp.core.crop import CropSettings
from ferapp.core.detection import (
    DETECTOR_NAMES,
    DETECTOR_RANGES,
    DETECTOR_TITLES,
    PARAMETERS,
    DetectorSettings,
)
from ferapp.core.emotions import EMOTIONS
from ferapp.core.errors import FerappError
from ferapp.core.model_file import (
    MODEL_SUFFIXES,
    check_architecture_is_safe,
    read_architecture,
    read_metadata,
)
from ferapp.core.smoothing import MAX_SMOOTHING
from ferapp.gui.cameras import list_cameras
from ferapp.gui.settings import AppSettings
from ferapp.gui.threads import start_job

MODEL_FILTER = "Keras models (*.keras *.h5 *.hdf5)"
LABELS = {
    "detect_width": "Detection width",
    "score_threshold": "Score threshold",
    "nms_threshold": "Overlap (NMS) threshold",
    "scale_factor": "Scale factor",
    "min_neighbors": "Minimum neighbours",
    "min_size": "Minimum face size",
}


def check_model_file(path: str) -> str | None:
    """Why a model file cannot be used (None if it looks usable); nothing from it is run."""
    if not path:
        return None
    p = Path(path)
    if not p.is_file():
        return f"Model file {p} does not exist."
    if p.suffix.lower() not in MODEL_SUFFIXES:
        return f"{p.name} is not a model file ({', '.join(MODEL_SUFFIXES)})."
    try:
        check_architecture_is_safe(read_architecture(p), p.name)
        if read_metadata(p) is None:
            return (
                f"{p.name} carries no ferapp metadata (class names, input size, pixel "
                "scaling); use it from the command line with --pixel-scaling."
            )
    except FerappError as exc:
        return str(exc)
    except OSError as exc:
        return f"{p.name}: {exc.strerror or exc}"
    return None


class CameraSearch(QObject):
    """Lists cameras on a worker thread (opening each one can take seconds on Windows and
    macOS) and hands the list to the UI thread through ``found``."""

    found = Signal(list)

    def __init__(self, lister: Callable[[], list[tuple[int, str]]]) -> None:
        super().__init__()
        self.lister = lister

    def run(self) -> None:
        try:
            cameras = self.lister()
        except Exception:  # a failed probe means no camera to offer
            cameras = []
        self.found.emit(cameras)


def _spin_box(name: str, value: float) -> QSpinBox | QDoubleSpinBox:
    """A spin box with the range, step and help of a detector setting."""
    limits = DETECTOR_RANGES[name]
    if isinstance(value, int):
        box: QSpinBox | QDoubleSpinBox = QSpinBox()
        box.setRange(0 if limits.zero else int(limits.low), int(limits.high))
        box.setSingleStep(int(limits.step))
        if name in ("detect_width", "min_size"):
            box.setSuffix(" px")
    else:
        box = QDoubleSpinBox()
        box.setDecimals(2)
        box.setRange(limits.low, limits.high)
        box.setSingleStep(limits.step)
    if limits.zero:
        box.setSpecialValueText(limits.zero)
    box.setValue(value)
    box.setToolTip(limits.help[0].upper() + limits.help[1:])
    return box


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
        self.model_edit.setToolTip("The emotion model (.keras or .h5); empty for the default")
        browse = QPushButton("Choose...")
        browse.clicked.connect(self._choose_model)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model_edit, 1)
        model_row.addWidget(browse)

        self.source_combo = QComboBox()
        self.source_combo.setToolTip(
            "What the Live tab shows: a camera, a video or an image folder"
        )
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
        self._camera_search = CameraSearch(camera_lister)
        self._camera_search.found.connect(self._cameras_found)
        start_job(self._camera_search, "ferapp-cameras", ended=self._camera_search.found)

        general = QGroupBox("Model and source")
        general_form = QFormLayout(general)
        general_form.addRow("Model file", model_row)
        general_form.addRow("Source", self.source_combo)
        general_form.addRow("", self.camera_status)

        d = settings.detector
        self.detector_combo = QComboBox()
        for name in DETECTOR_NAMES:
            self.detector_combo.addItem(DETECTOR_TITLES[name], name)
        self.detector_combo.setCurrentIndex(DETECTOR_NAMES.index(d.detector))
        self.detector_combo.setToolTip(
            "YuNet finds turned, small and partly hidden faces and gives eye positions for "
            "aligned crops; the Haar cascade is the thesis's detector"
        )
        self.detector_combo.currentIndexChanged.connect(self._show_detector_parameters)
        self.parameters = {name: _spin_box(name, getattr(d, name)) for name in DETECTOR_RANGES}
        detector_box = QGroupBox("Face detection")
        self.detector_form = QFormLayout(detector_box)
        self.detector_form.addRow("Detector", self.detector_combo)
        for name, box in self.parameters.items():
            self.detector_form.addRow(LABELS[name], box)
        self._show_detector_parameters()

        c = settings.crop
        self.align = QCheckBox("Level the eyes and frame faces as in the training images")
        self.align.setChecked(c.align)
        self.align.setToolTip("Uses YuNet's eye positions; Haar boxes are always box crops")
        self.offset_x = self._fraction(
            c.offset_x, "Box crops: added on each side, fraction of the box width"
        )
        self.offset_y = self._fraction(
            c.offset_y, "Box crops: added above and below, fraction of the box height"
        )
        self.smoothing = QDoubleSpinBox()
        self.smoothing.setRange(0.0, MAX_SMOOTHING)
        self.smoothing.setSingleStep(0.05)
        self.smoothing.setValue(settings.smoothing)
        self.smoothing.setSpecialValueText("off")
        self.smoothing.setToolTip(
            "How much each face's probabilities are averaged over frames, so labels do not "
            "flicker (0 = every frame on its own)"
        )
        crop_box = QGroupBox("Face crop and smoothing")
        crop_form = QFormLayout(crop_box)
        crop_form.addRow("", self.align)
        crop_form.addRow("Box crop, sides", self.offset_x)
        crop_form.addRow("Box crop, top/bottom", self.offset_y)
        crop_form.addRow("Smoothing over frames", self.smoothing)

        colors_box = QGroupBox("Box colours")
        grid = QGridLayout(colors_box)
        self.color_buttons: dict[str, QPushButton] = {}
        for i, emotion in enumerate(EMOTIONS):
            button = QPushButton(emotion)
            button.setToolTip(f"Choose the colour of {emotion} boxes and bars")
            button.clicked.connect(lambda _=False, e=emotion: self._choose_color(e))
            self.color_buttons[emotion] = button
            grid.addWidget(button, i // 4, i % 4)
        presets = QHBoxLayout()
        default = QPushButton("ferapp colours")
        default.setToolTip("ferapp's default colours: the thesis's, with fear orange")
        default.clicked.connect(lambda: self._set_colors({}))
        thesis = QPushButton("Thesis colours")
        thesis.setToolTip("The thesis's table 5.1 exactly (fear and neutral both green)")
        thesis.clicked.connect(
            lambda: self._set_colors({k: to_hex(v) for k, v in THESIS_PALETTE.items()})
        )
        presets.addWidget(default)
        presets.addWidget(thesis)
        grid.addLayout(presets, 2, 0, 1, 4)
        self._paint_color_buttons()

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(general)
        layout.addWidget(detector_box)
        layout.addWidget(crop_box)
        layout.addWidget(colors_box)
        layout.addWidget(buttons)

    @staticmethod
    def _fraction(value: float, tip: str) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setRange(0.0, 1.0)
        box.setSingleStep(0.05)
        box.setDecimals(2)
        box.setValue(value)
        box.setToolTip(tip)
        return box

    def _show_detector_parameters(self) -> None:
        """Only the chosen detector's own parameters are shown."""
        used = PARAMETERS[self.detector_combo.currentData()]
        for name, box in self.parameters.items():
            self.detector_form.setRowVisible(box, name in used)

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
        current = QColor(to_hex(resolve_palette(self.colors)[emotion]))
        chosen = QColorDialog.getColor(current, self, f"Colour for {emotion}")
        if chosen.isValid():
            self.colors[emotion] = chosen.name()
            self._paint_color_buttons()

    def _set_colors(self, colors: dict[str, str]) -> None:
        self.colors = dict(colors)
        self._paint_color_buttons()

    def _paint_color_buttons(self) -> None:
        """Each button in its emotion's true colour, its text black or white to stay readable."""
        palette = resolve_palette(self.colors)
        for emotion, button in self.color_buttons.items():
            rgb = palette[emotion]
            button.setStyleSheet(
                f"QPushButton {{ background-color: {to_hex(rgb)}; color: {to_hex(ink_for(rgb))};"
                " border: 1px solid #555; padding: 4px; }"
            )

    def result_settings(self) -> AppSettings:
        """The edited settings (call after exec() returned Accepted)."""
        source = self.source_combo.currentData()
        if source in ("<video>", "<folder>"):
            source = self.settings.source
        values = {name: box.value() for name, box in self.parameters.items()}
        return replace(
            self.settings,
            model_path=self.model_edit.text().strip(),
            source=str(source),
            detector=DetectorSettings(detector=self.detector_combo.currentData(), **values),
            crop=CropSettings(self.offset_x.value(), self.offset_y.value(), self.align.isChecked()),
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
