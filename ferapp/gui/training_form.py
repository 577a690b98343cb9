"""The Training tab's form: dataset, starting point, architecture and settings, output file.

Layout and choices only; the tab (:mod:`ferapp.gui.training_tab`) runs what it describes.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from ferapp.core.emotions import EMOTIONS
from ferapp.core.model.metadata import model_file_problem
from ferapp.gui.model_picker import model_choice, select_model
from ferapp.gui.training_choices import (
    CheckGrid,
    architecture_combo,
    augment_checkboxes,
    backend_combo,
    crowd_combos,
    learning_rate_box,
    shrinkable,
    start_model_architecture,
    teacher_weight_box,
)
from ferapp.gui.widgets import fitted_table, spin_box
from trainer.backends import default_backend
from trainer.config import TrainConfig
from trainer.protocol import (
    Augmentation,
)

D = TrainConfig(data="")  # the defaults: the same as `ferapp train`'s


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

        self.arch_combo = architecture_combo(D.arch)
        self.backend_combo = backend_combo(default_backend())
        self.epochs = spin_box(1, 1000, D.epochs, "Passes over the training images")
        self.batch = spin_box(1, 4096, D.batch_size, "Images per training step")
        self.learning_rate = learning_rate_box(D.learning_rate)
        self.average_last = spin_box(0, 1000, D.average_last, "")
        self.average_last.setSpecialValueText("off")
        self.average_last.setSuffix(" epochs")
        self.average_last.setToolTip(
            "Average the weights of the last epochs (stochastic weight averaging); the "
            "average replaces the best epoch when it scores higher on validation"
        )
        self.flip_average = QCheckBox("Average each face with its mirror image")
        self.flip_average.setChecked(D.flip_average)
        self.flip_average.setToolTip(
            "At the end, build test-time flip averaging into the model (two passes per "
            "face); kept when it scores higher on validation"
        )
        self.augment_boxes = augment_checkboxes(D.augmentation)
        self.augment_grid = CheckGrid(list(self.augment_boxes.values()))
        self.votes_edit = QLineEdit()
        self.votes_edit.setPlaceholderText("none: FER2013's own labels")
        self.votes_edit.setToolTip(
            "FER+ crowd votes for a FER2013 CSV (ten people per face): train on what the "
            "crowd saw instead of one annotator's label"
        )
        pick_votes = QPushButton("Votes...")
        pick_votes.clicked.connect(self._pick_votes)
        self.labels_combo, self.classes_combo = crowd_combos()
        votes_row = QHBoxLayout()
        votes_row.addWidget(self.votes_edit, 1)
        votes_row.addWidget(pick_votes)
        self.out_edit = QLineEdit()
        self.out_edit.textChanged.connect(self.out_edit.setToolTip)  # the whole path
        pick_out = QPushButton("Save as...")
        pick_out.clicked.connect(self._pick_out)
        out_row = QHBoxLayout()
        out_row.addWidget(pick_out)
        out_row.addStretch(1)
        self.arch_combo.currentIndexChanged.connect(self._default_out)
        self._default_out()
        self.start_combo = shrinkable(
            model_choice(
                "New model (random weights)",
                "Continue from a trained model's weights (fine-tuning), for example on your "
                "own labelled images; the architecture follows the model",
            )
        )
        self.start_combo.activated.connect(self._start_chosen)
        self._teacher = ""  # the chosen teacher's path
        self.teacher_combo = shrinkable(
            model_choice(
                "No teacher",
                "Knowledge distillation: learn from a finished model's answers on each training "
                "image as well as from the labels",
            )
        )
        self.teacher_combo.activated.connect(self._teacher_chosen)
        self.teacher_weight = teacher_weight_box(D.teacher_weight)

        # Rows wrap (label above field) where the width is short; paths, messages and
        # the counts take the whole width.
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for label, field in (
            ("Dataset", data_row),
            (None, self.data_edit),
            (None, self.data_status),
            (None, self.counts_table),
            (None, self.skip_bad),
            ("Crowd votes", votes_row),
            ("Votes become", self.labels_combo),
            ("Classes", self.classes_combo),
            ("Start from", self.start_combo),
            ("Taught by", self.teacher_combo),
            ("Teacher's share", self.teacher_weight),
            ("Architecture", self.arch_combo),
            ("Train with", self.backend_combo),
            ("Epochs", self.epochs),
            ("Batch size", self.batch),
            ("Learning rate", self.learning_rate),
            ("Augmentation", self.augment_grid),
            ("Average the last", self.average_last),
            ("At test time", self.flip_average),
            ("Save model to", out_row),
            (None, self.out_edit),
        ):
            if label is None:
                form.addRow(field)
            else:
                form.addRow(label, field)

    # ------------------------------------------------------------------ choices
    def _pick_file(self) -> None:
        filters = "FER2013 CSV (*.csv *.csv.gz *.gz);;All files (*)"
        self._dataset_picked(QFileDialog.getOpenFileName(self, "FER2013 CSV", "", filters)[0])

    def _pick_folder(self) -> None:
        title = "Image folder (ROOT/<split>/<class>/)"
        self._dataset_picked(QFileDialog.getExistingDirectory(self, title))

    def _dataset_picked(self, path: str) -> None:
        if path:  # "": the dialog was cancelled
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
        arch, problem = start_model_architecture(path)
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

    def augment_text(self) -> str:
        """The ticked augmentations as ``--augment`` takes them."""
        return ",".join(n for n, box in self.augment_boxes.items() if box.isChecked()) or "none"

    def config(self) -> TrainConfig:
        """The run this form describes (checked by the run itself, which says what is wrong)."""
        teacher = self.teacher_path()
        votes = self.votes_edit.text().strip()
        return TrainConfig(
            data=self.data_edit.text().strip(),
            arch=self.arch_combo.currentData(),
            out=self.out_edit.text().strip(),
            epochs=self.epochs.value(),
            batch_size=self.batch.value(),
            learning_rate=self.learning_rate.value(),
            augmentation=Augmentation.parse(self.augment_text()),
            skip_bad_rows=self.skip_bad.isChecked(),
            init_from=self.start_combo.currentData() or None,
            average_last=self.average_last.value(),
            flip_average=self.flip_average.isChecked(),
            teacher=teacher or None,
            teacher_weight=round(self.teacher_weight.value(), 4) if teacher else D.teacher_weight,
            votes=votes or None,
            labels=self.labels_combo.currentData() if votes else D.labels,
            classes=self.classes_combo.currentData() if votes else D.classes,
            backend=self.backend_combo.currentData(),
        )

    def train_arguments(self) -> list[str]:
        """The `ferapp train` arguments this form describes (the backend always named:
        the run must not take another from its environment)."""
        config = self.config()
        args = config.command_line()
        return args if "--backend" in args else [*args, "--backend", config.backend]
