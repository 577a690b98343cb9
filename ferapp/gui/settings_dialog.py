"""The settings dialog: model and source, face detector and its parameters, crop and
smoothing, box colours."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ferapp.core.errors import FerappError
from ferapp.core.model.metadata import model_file_problem
from ferapp.gui.cameras import CameraSearch, list_cameras
from ferapp.gui.color_choice import ColorChoice
from ferapp.gui.recognition_sections import CropSection, DetectorSection
from ferapp.gui.settings import AppSettings
from ferapp.gui.threads import start_job

MODEL_FILTER = "Keras models (*.keras *.h5 *.hdf5)"


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

        self.model_combo = QComboBox()
        self.model_combo.addItem("What people see (FER+ crowd labels, the default)", "")
        self.model_combo.addItem("FER2013's own labels (the benchmark)", "ferapp-fer2013")
        self.model_combo.addItem("A model file...", "<file>")
        self.model_combo.setToolTip(
            "ferapp ships two models: one trained on what ten people per face saw (FER+), "
            "one on FER2013's single label per face; or a model you trained"
        )
        shipped = settings.model_path in ("", "ferapp-default", "ferapp-fer2013")
        self.model_combo.setCurrentIndex(
            self.model_combo.findData(
                "" if settings.model_path == "ferapp-default" else settings.model_path
            )
            if shipped
            else 2
        )
        self.model_edit = QLineEdit("" if shipped else settings.model_path)
        self.model_edit.setPlaceholderText("a .keras or .h5 file")
        self.model_edit.setToolTip("The emotion model file (.keras or .h5)")
        self.browse = QPushButton("Choose...")
        self.browse.clicked.connect(self._choose_model)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model_edit, 1)
        model_row.addWidget(self.browse)
        self.model_combo.currentIndexChanged.connect(self._model_kind_chosen)
        self._model_kind_chosen()

        self.min_confidence = QDoubleSpinBox()
        self.min_confidence.setRange(-0.01, 1.0)
        self.min_confidence.setSingleStep(0.05)
        self.min_confidence.setDecimals(2)
        self.min_confidence.setSpecialValueText("the model's own")
        self.min_confidence.setValue(
            -0.01 if settings.min_confidence is None else settings.min_confidence
        )
        self.min_confidence.setToolTip(
            "Faces whose confidence is below this are drawn grey with a '?': their label is "
            "more likely wrong than right. The shipped models are calibrated, so 0.50 means "
            "right half the time; 'the model's own' uses the model's calibrated threshold"
        )
        self.max_yaw = QDoubleSpinBox()
        self.max_yaw.setRange(0.0, 90.0)
        self.max_yaw.setSingleStep(5.0)
        self.max_yaw.setDecimals(0)
        self.max_yaw.setSuffix(" degrees")
        self.max_yaw.setValue(min(settings.max_yaw, 90.0))
        self.max_yaw.setToolTip(
            "Faces turned further than this from the camera are drawn grey with a '?': "
            "the model reads profiles much less well (90 = never)"
        )

        self.blur_faces = QCheckBox("Blur each face under its box")
        self.blur_faces.setChecked(settings.blur_faces)
        self.blur_faces.setToolTip(
            "Snapshots and the view show each face blurred under its coloured box, so "
            "they can be shared without showing who is in them"
        )

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
        general_form.addRow("Model", self.model_combo)
        general_form.addRow("Model file", model_row)
        general_form.addRow("Uncertain below", self.min_confidence)
        general_form.addRow("Uncertain when turned over", self.max_yaw)
        general_form.addRow("Privacy", self.blur_faces)
        general_form.addRow("Source", self.source_combo)
        general_form.addRow("", self.camera_status)

        self.detector_box = DetectorSection(settings.detector)
        self.crop_box = CropSection(settings.crop, settings.smoothing)

        self.colors_box = ColorChoice(settings.colors)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(general)
        layout.addWidget(self.detector_box)
        layout.addWidget(self.crop_box)
        layout.addWidget(self.colors_box)
        layout.addWidget(buttons)

    def model_choice(self) -> str:
        """'' (the default), a shipped model's name, or the file typed or chosen."""
        kind = self.model_combo.currentData()
        return self.model_edit.text().strip() if kind == "<file>" else kind

    def _model_kind_chosen(self) -> None:
        is_file = self.model_combo.currentData() == "<file>"
        self.model_edit.setEnabled(is_file)
        self.browse.setEnabled(is_file)

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

    def result_settings(self) -> AppSettings:
        """The edited settings (call after exec() returned Accepted)."""
        source = self.source_combo.currentData()
        if source in ("<video>", "<folder>"):
            source = self.settings.source
        return replace(
            self.settings,
            model_path=self.model_choice(),
            source=str(source),
            detector=self.detector_box.settings(),
            crop=self.crop_box.crop(),
            min_confidence=(
                None if self.min_confidence.value() < 0 else round(self.min_confidence.value(), 2)
            ),
            max_yaw=self.max_yaw.value(),
            blur_faces=self.blur_faces.isChecked(),
            colors=dict(self.colors_box.colors),
            smoothing=self.crop_box.smoothing.value(),
        )

    def accept(self) -> None:
        problem = model_file_problem(self.model_choice())
        if (
            problem is None
            and self.model_combo.currentData() == "<file>"
            and not self.model_choice()
        ):
            problem = "Choose a model file, or one of the shipped models."
        if problem is None:
            try:
                self.result_settings().detector.validated()
            except FerappError as exc:
                problem = str(exc)
        if problem is not None:
            QMessageBox.warning(self, "Cannot use these settings", problem)
            return
        super().accept()
