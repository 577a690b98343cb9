"""The Training tab's form: dataset, starting point, architecture and settings, output file.

Layout and choices only; the tab (:mod:`ferapp.gui.training_tab`) runs what it describes.
"""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QWidget,
)

from ferapp.core.emotions import EMOTIONS
from ferapp.core.errors import FerappError
from ferapp.core.locations import find_default_model
from ferapp.core.model.metadata import model_file_problem, read_metadata
from ferapp.gui.widgets import fitted_table
from trainer.config import DEFAULT_TEACHER_WEIGHT
from trainer.protocol import (
    ARCHITECTURE_NAMES,
    AUGMENTATIONS,
    PARAMETER_COUNTS,
    THESIS_AUGMENTATIONS,
    Augmentation,
)
from trainer.run_folder import PATH_SETTINGS, RunFolder, setting_text

LABEL_MODE_TITLES = {
    "crossentropy": "the crowd's vote shares (FER+'s best)",
    "probability": "one vote drawn per epoch",
    "majority": "the majority's emotion",
}


class TrainingForm(QWidget):
    """Emits ``dataset_chosen(path)`` when a dataset is picked or typed, ``problem(text)``
    when a choice cannot be used (``problem("")`` when a later choice can)."""

    dataset_chosen = Signal(str)
    problem = Signal(str)

    def __init__(self, models_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.models_dir = models_dir
        self.data_edit = QLineEdit()
        self.data_edit.setPlaceholderText("FER2013 .csv / .csv.gz, or an image folder")
        self.data_edit.editingFinished.connect(
            lambda: self.dataset_chosen.emit(self.data_edit.text())
        )
        pick_file = QPushButton("File...")
        pick_file.clicked.connect(self._pick_file)
        pick_folder = QPushButton("Folder...")
        pick_folder.clicked.connect(self._pick_folder)
        data_row = QHBoxLayout()  # the buttons under the path: the path gets the width
        data_row.addWidget(pick_file)
        data_row.addWidget(pick_folder)
        data_row.addStretch(1)
        self.data_status = QLabel("Choose a dataset.")
        self.data_status.setWordWrap(True)
        self.counts_table = fitted_table(list(EMOTIONS), ["train", "validation"])
        self.skip_bad = QCheckBox("Skip malformed rows")
        self.skip_bad.setToolTip("Leave out rows or files that cannot be read (they are counted)")

        self.arch_combo = QComboBox()
        for name in ARCHITECTURE_NAMES:
            self.arch_combo.addItem(f"{name} ({PARAMETER_COUNTS[name]:,} parameters)", name)
        self.arch_combo.setCurrentIndex(ARCHITECTURE_NAMES.index("mini_xception"))
        self.arch_combo.setToolTip(
            "thesis1-3 and mini_xception are the thesis's; fernet and fernet_wide are ferapp's"
        )
        self.epochs = self._spin(1, 1000, 30, "Passes over the training images")
        self.batch = self._spin(1, 4096, 64, "Images per training step")
        self.learning_rate = QDoubleSpinBox()
        self.learning_rate.setDecimals(5)
        self.learning_rate.setRange(1e-5, 1.0)
        self.learning_rate.setSingleStep(1e-4)
        self.learning_rate.setValue(1e-3)
        self.learning_rate.setToolTip("Adam's step size (1e-4 when fine-tuning a trained model)")
        self.average_last = self._spin(0, 1000, 0, "")
        self.average_last.setSpecialValueText("off")
        self.average_last.setSuffix(" epochs")
        self.average_last.setToolTip(
            "Average the weights of the last epochs (stochastic weight averaging); the "
            "average replaces the best epoch when it scores higher on validation"
        )
        self.flip_average = QCheckBox("Average each face with its mirror image")
        self.flip_average.setChecked(True)
        self.flip_average.setToolTip(
            "At the end, build test-time flip averaging into the model (two passes per "
            "face); kept when it scores higher on validation"
        )
        self.augment_boxes = {name: QCheckBox(name) for name in AUGMENTATIONS}
        augment_row = QHBoxLayout()
        for name, box in self.augment_boxes.items():
            box.setChecked(name in THESIS_AUGMENTATIONS)
            box.setToolTip("The thesis's augmentation, applied to each training image on the fly")
            augment_row.addWidget(box)
        self.augment_boxes["erase"].setToolTip(
            "Random erasing: half the training images get a rectangle of noise, so the "
            "network cannot lean on one part of the face (not in the thesis)"
        )
        self.augment_boxes["mixup"].setToolTip(
            "Mixup: each training image blended with another, and their labels alike, "
            "so the network learns smoother boundaries between expressions (not in the thesis)"
        )
        self.augment_boxes["turn"].setToolTip(
            "Turned heads: each face squeezed sideways by up to 30 % and moved off-centre, as "
            "a head turned by up to about 45 degrees looks (not in the thesis)"
        )
        self.votes_edit = QLineEdit()
        self.votes_edit.setPlaceholderText("none: FER2013's own labels")
        self.votes_edit.setToolTip(
            "FER+ crowd votes for a FER2013 CSV (ten people per face): train on what the "
            "crowd saw instead of one annotator's label"
        )
        pick_votes = QPushButton("Votes...")
        pick_votes.clicked.connect(self._pick_votes)
        self.labels_combo = QComboBox()
        for mode, text in LABEL_MODE_TITLES.items():
            self.labels_combo.addItem(text, mode)
        self.labels_combo.setToolTip("FER+'s rules for turning the votes into training targets")
        self.classes_combo = QComboBox()
        self.classes_combo.addItem("7 emotions", 7)
        self.classes_combo.addItem("8, with contempt", 8)
        votes_row = QHBoxLayout()
        votes_row.addWidget(self.votes_edit, 1)
        votes_row.addWidget(pick_votes)
        crowd_row = QHBoxLayout()
        crowd_row.addWidget(self.labels_combo, 1)
        crowd_row.addWidget(self.classes_combo)
        self.out_edit = QLineEdit()
        self.out_edit.setToolTip("Where the best model is saved (a .keras file)")
        pick_out = QPushButton("Save as...")
        pick_out.clicked.connect(self._pick_out)
        out_row = QHBoxLayout()
        out_row.addWidget(pick_out)
        out_row.addStretch(1)
        self.arch_combo.currentIndexChanged.connect(self._default_out)
        self._default_out()
        self.start_combo = model_choice(
            "New model (random weights)",
            "Continue from a trained model's weights (fine-tuning), for example on your "
            "own labelled images; the architecture follows the model",
        )
        self.start_combo.activated.connect(self._start_chosen)
        self._teacher = ""  # the chosen teacher's path
        self.teacher_combo = model_choice(
            "No teacher",
            "Knowledge distillation: learn from a finished model's answers on each training "
            "image as well as from the labels",
        )
        self.teacher_combo.activated.connect(self._teacher_chosen)
        self.teacher_weight = QDoubleSpinBox()
        self.teacher_weight.setRange(0.05, 1.0)
        self.teacher_weight.setSingleStep(0.05)
        self.teacher_weight.setValue(DEFAULT_TEACHER_WEIGHT)
        self.teacher_weight.setPrefix("teacher's share ")
        self.teacher_weight.setToolTip(
            "Each training target is this share of the teacher's answer plus the rest of "
            "the one-hot label"
        )
        self.teacher_weight.setEnabled(False)
        teacher_row = QHBoxLayout()
        teacher_row.addWidget(self.teacher_combo, 1)
        teacher_row.addWidget(self.teacher_weight)

        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Dataset", self.data_edit)
        form.addRow("", data_row)
        form.addRow("", self.data_status)
        form.addRow("", self.counts_table)
        form.addRow("", self.skip_bad)
        form.addRow("Crowd labels", votes_row)
        form.addRow("", crowd_row)
        form.addRow("Start from", self.start_combo)
        form.addRow("Taught by", teacher_row)
        form.addRow("Architecture", self.arch_combo)
        form.addRow("Epochs", self.epochs)
        form.addRow("Batch size", self.batch)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow("Augmentation", augment_row)
        form.addRow("Average the last", self.average_last)
        form.addRow("At test time", self.flip_average)
        form.addRow("Save model to", self.out_edit)
        form.addRow("", out_row)

    @staticmethod
    def _spin(lo: int, hi: int, value: int, tip: str) -> QSpinBox:
        box = QSpinBox()
        box.setRange(lo, hi)
        box.setValue(value)
        box.setToolTip(tip)
        return box

    # ------------------------------------------------------------------ choices
    def _pick_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "FER2013 CSV", "", "FER2013 CSV (*.csv *.csv.gz *.gz);;All files (*)"
        )
        if path:
            self.data_edit.setText(path)
            self.dataset_chosen.emit(path)

    def _pick_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Image folder (ROOT/<split>/<class>/)")
        if path:
            self.data_edit.setText(path)
            self.dataset_chosen.emit(path)

    def _pick_votes(self) -> None:
        start = str(Path(self.data_edit.text().strip()).parent) if self.data_edit.text() else ""
        path, _ = QFileDialog.getOpenFileName(
            self, "FER+ votes", start, "FER+ votes (*.csv);;All files (*)"
        )
        if path:
            self.votes_edit.setText(path)

    def _pick_out(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the model as", self.out_edit.text(), "Keras model (*.keras)"
        )
        if path:
            self.out_edit.setText(path)

    def _start_chosen(self) -> None:
        """A start model fixes the architecture; fine-tuning wants a smaller learning rate."""
        data = self.start_combo.currentData()
        if data == "<file>":
            path, _ = QFileDialog.getOpenFileName(
                self, "Start from a model", "", "Keras model (*.keras)"
            )
            self.set_start_model(path)  # "" (cancelled): back to new random weights
            return
        self.set_start_model(data)

    def set_start_model(self, path: str) -> None:
        """Start the next run from ``path`` ("" = new random weights); problems are told."""
        if not path:
            self.start_combo.setCurrentIndex(0)
            self.arch_combo.setEnabled(True)
            return
        problem, arch = None, None
        try:
            info = read_metadata(Path(path))
            arch = (info.extra or {}).get("architecture") if info else None
        except (FerappError, OSError) as exc:
            problem = str(exc)
        if problem is None and arch not in ARCHITECTURE_NAMES:
            problem = (
                f"{Path(path).name} was not made by ferapp's trainer (its architecture is "
                "unknown), so training cannot continue from it."
            )
        if problem is not None:
            self.set_start_model("")
            self.problem.emit(problem)
            return
        select_model(self.start_combo, path)
        self.arch_combo.setCurrentIndex(self.arch_combo.findData(arch))
        self.arch_combo.setEnabled(False)
        self.learning_rate.setValue(min(self.learning_rate.value(), 1e-4))

    def _teacher_chosen(self) -> None:
        data = self.teacher_combo.currentData()
        if data == "<file>":
            data, _ = QFileDialog.getOpenFileName(
                self, "Learn from a model", "", "Keras model (*.keras)"
            )
            if not data:  # cancelled: the teacher chosen before stays
                data = self.teacher_path()
        self.set_teacher(data)

    def teacher_path(self) -> str:
        """The chosen teacher model's path, "" for none."""
        return self._teacher

    def set_teacher(self, path: str) -> None:
        """Teach the next run with the model at ``path`` ("" = none); problems are told.

        Only what can be read quickly is checked here; the trainer checks the teacher's
        classes and input size against the dataset and says what does not match.
        """
        problem = model_file_problem(path, "a teacher must be a model saved by ferapp.")
        if problem is not None:
            path = ""
            self.problem.emit(problem)
        elif path:
            self.problem.emit("")  # a usable teacher: an earlier complaint no longer holds
        select_model(self.teacher_combo, path)
        self._teacher = path
        self.teacher_weight.setEnabled(bool(path))

    def _default_out(self) -> None:
        stamp = time.strftime("%Y%m%d-%H%M")
        self.out_edit.setText(
            str(self.models_dir / f"{self.arch_combo.currentData()}-{stamp}.keras")
        )

    def resume_settings(self) -> SimpleNamespace:
        """What a continued run must share with the saved one, as `ferapp train` saves it."""
        teacher = self.teacher_path()
        return SimpleNamespace(
            arch=self.arch_combo.currentData(),
            data=str(Path(self.data_edit.text().strip())),
            augmentation=Augmentation.parse(self.augment_text()),
            teacher=str(Path(teacher)) if teacher else None,
            teacher_weight=(
                round(self.teacher_weight.value(), 4) if teacher else DEFAULT_TEACHER_WEIGHT
            ),
            precision=None,  # `ferapp train --precision auto`: a continued run keeps its own
        )

    def augment_text(self) -> str:
        """The ticked augmentations as ``--augment`` takes them."""
        return ",".join(n for n, box in self.augment_boxes.items() if box.isChecked()) or "none"

    def train_arguments(self) -> list[str]:
        """The `ferapp train` arguments this form describes."""
        args = [
            "--data",
            self.data_edit.text().strip(),
            "--arch",
            self.arch_combo.currentData(),
            "--epochs",
            str(self.epochs.value()),
            "--batch-size",
            str(self.batch.value()),
            "--learning-rate",
            repr(self.learning_rate.value()),
            "--augment",
            self.augment_text(),
            "--out",
            self.out_edit.text().strip(),
        ]
        if self.skip_bad.isChecked():
            args.append("--skip-bad-rows")
        if self.start_combo.currentData():
            args += ["--init-from", self.start_combo.currentData()]
        if self.teacher_path():
            args += [
                "--teacher",
                self.teacher_path(),
                "--teacher-weight",
                repr(round(self.teacher_weight.value(), 4)),
            ]
        votes = self.votes_edit.text().strip()
        if votes:
            args += ["--votes", votes, "--labels", self.labels_combo.currentData()]
            args += ["--classes", str(self.classes_combo.currentData())]
        if self.average_last.value():
            args += ["--average-last", str(self.average_last.value())]
        if self.flip_average.isChecked():
            args.append("--flip-average")
        return args


def model_choice(none_label: str, tip: str) -> QComboBox:
    """A model picker: ``none_label`` (data ""), the default model when there is one, and
    "Model file..." (data "<file>", to open a file dialog)."""
    combo = QComboBox()
    combo.addItem(none_label, "")
    default = find_default_model()
    if default is not None:
        combo.addItem("The default model", str(default))
    combo.addItem("Model file...", "<file>")
    combo.setToolTip(tip)
    return combo


def select_model(combo: QComboBox, path: str) -> None:
    """Show ``path`` as the choice of a :func:`model_choice` box, listing a new file by
    name (its full path in the tooltip) above "Model file..."."""
    at = combo.findData(path)
    if at < 0:
        at = combo.count() - 1
        combo.insertItem(at, Path(path).name, path)
        combo.setItemData(at, path, Qt.ItemDataRole.ToolTipRole)
    combo.setCurrentIndex(at)


def ask_about_existing_run(parent: QWidget, out: Path) -> list[str] | None:
    """Extra arguments when ``out`` already holds a model or a run: continue it or
    replace it, as the user says; None when the user cancels."""
    folder = RunFolder(out)
    if not out.exists() and not folder.exists():
        return []
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "The model file exists",
        f"{out.name} already holds a model"
        + (" and an interrupted run that can be continued." if folder.exists() else ".")
        + " Replace it with a new run?",
        parent=parent,
    )
    resume = box.addButton("Continue it", QMessageBox.ButtonRole.AcceptRole)
    replace = box.addButton("Replace it", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    resume.setEnabled(folder.exists())
    box.exec()
    if box.clickedButton() is resume:
        return ["--resume"]
    if box.clickedButton() is replace:
        return ["--overwrite"]
    return None


SETTING_NAMES = {
    "arch": "architecture",
    "data": "dataset",
    "augmentation": "augmentation",
    "teacher": "teacher",
    "teacher_weight": "teacher's share",
}


def resume_mismatch(out: Path, settings: SimpleNamespace) -> str:
    """What the form must change to continue the run saved beside ``out`` ("" = nothing)."""
    try:
        state = RunFolder(out).load_state()
    except (OSError, ValueError) as exc:
        return f"The saved run of {out.name} cannot be read ({exc}); replace it instead."
    differences = RunFolder.differences(state or {}, settings)
    if not differences:
        return ""

    def shown(key: str, value: object, other: object) -> str:
        if key in PATH_SETTINGS and value is not None:
            # the file name, or the whole path where two files share a name
            same_name = other is not None and Path(value).name == Path(other).name
            return str(value) if same_name else Path(value).name
        return setting_text(value)

    listed = "; ".join(
        f"{SETTING_NAMES[key]} {shown(key, was, now)} (the form says {shown(key, now, was)})"
        for key, was, now in differences
    )
    return (
        f"The saved run of {out.name} began with {listed}. Set the same to continue it, "
        "or save the new run to another file."
    )
