"""The Training tab: pick data and settings, train in a child process, watch, stop, inspect, use."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

import trainer
from ferapp.core.emotions import EMOTIONS
from ferapp.core.errors import FerappError
from ferapp.core.locations import find_default_model
from ferapp.core.model_file import read_metadata
from ferapp.gui.training_process import TrainingProcess

AUGMENTATIONS = ("rotation", "shift", "zoom", "flip")


class _Cancelled(Exception):
    pass


class DatasetCheck(QObject):
    """Loads a dataset on a worker thread to count rows per split and class.

    :meth:`cancel` (any thread) ends a CSV check within a few thousand rows, so closing
    the window never waits for a large file to be read to its end.
    """

    done = Signal(str, dict, list)  # path, counts {split: {class: n}}, skipped [(where, why)]
    failed = Signal(str, str)  # path, message
    progress = Signal(str, int)  # path, rows read so far
    ended = Signal()  # after done, failed or a cancel: the thread may stop

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def _rows_read(self, rows: int) -> None:
        if self._cancel.is_set():
            raise _Cancelled
        self.progress.emit(self.path, rows)

    def run(self) -> None:
        try:
            self._count()
        finally:
            self.ended.emit()

    def _count(self) -> None:
        from trainer.datasets import load_dataset

        try:
            splits = load_dataset(self.path, skip_bad_rows=True, progress=self._rows_read)
        except _Cancelled:
            return
        except (FerappError, OSError) as exc:
            self.failed.emit(self.path, str(exc))
            return
        if not self._cancel.is_set():
            self.done.emit(self.path, splits.counts(), [list(s) for s in splits.skipped])


def _format_duration(seconds: float | None) -> str:
    if seconds is None or not np.isfinite(seconds):
        return "-"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {secs:02d}s"


class TrainingTab(QWidget):
    """Emits ``use_model(path)`` when the user wants the new model in the Live tab."""

    use_model = Signal(str)
    run_finished = Signal(int)  # exit code (tests and the window listen)

    def __init__(self, models_dir: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.models_dir = models_dir or Path.home() / "ferapp-models"
        self.process = TrainingProcess(self)
        self.process.event.connect(self.on_event)
        self.process.output.connect(self.log)
        self.process.finished.connect(self.on_finished)
        # Running dataset checks with their threads; only the newest one's result is shown.
        self._checks: list[tuple[DatasetCheck, QThread]] = []
        self.skipped_rows = 0
        self.checked_path = ""  # the dataset whose counts are on show (or being counted)
        self.history: list[dict] = []
        self.started_at = 0.0
        self.last_model: str = ""
        self._build()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.data_edit = QLineEdit()
        self.data_edit.setPlaceholderText("FER2013 .csv / .csv.gz, or an image folder")
        self.data_edit.editingFinished.connect(lambda: self.check_dataset(self.data_edit.text()))
        pick_file = QPushButton("File...")
        pick_file.clicked.connect(self._pick_file)
        pick_folder = QPushButton("Folder...")
        pick_folder.clicked.connect(self._pick_folder)
        data_row = QHBoxLayout()
        data_row.addWidget(self.data_edit, 1)
        data_row.addWidget(pick_file)
        data_row.addWidget(pick_folder)
        self.data_status = QLabel("Choose a dataset.")
        self.data_status.setWordWrap(True)
        self.counts_table = QTableWidget(len(EMOTIONS), 2)
        self.counts_table.setHorizontalHeaderLabels(["train", "validation"])
        self.counts_table.setVerticalHeaderLabels(list(EMOTIONS))
        self.counts_table.setMaximumHeight(240)
        self.counts_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.skip_bad = QCheckBox("Skip malformed rows")

        self.arch_combo = QComboBox()
        for name in trainer.ARCHITECTURE_NAMES:
            self.arch_combo.addItem(f"{name} ({trainer.PARAMETER_COUNTS[name]:,} parameters)", name)
        self.arch_combo.setCurrentIndex(trainer.ARCHITECTURE_NAMES.index("mini_xception"))
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 1000)
        self.epochs.setValue(30)
        self.batch = QSpinBox()
        self.batch.setRange(1, 4096)
        self.batch.setValue(64)
        self.learning_rate = QDoubleSpinBox()
        self.learning_rate.setDecimals(5)
        self.learning_rate.setRange(1e-5, 1.0)
        self.learning_rate.setSingleStep(1e-4)
        self.learning_rate.setValue(1e-3)
        self.average_last = QSpinBox()
        self.average_last.setRange(0, 1000)
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
        for box in self.augment_boxes.values():
            box.setChecked(True)
            augment_row.addWidget(box)
        self.out_edit = QLineEdit()
        pick_out = QPushButton("Save as...")
        pick_out.clicked.connect(self._pick_out)
        out_row = QHBoxLayout()
        out_row.addWidget(self.out_edit, 1)
        out_row.addWidget(pick_out)
        self.arch_combo.currentIndexChanged.connect(self._default_out)
        self._default_out()
        self.start_combo = QComboBox()
        self.start_combo.addItem("New model (random weights)", "")
        default = find_default_model()
        if default is not None:
            self.start_combo.addItem("The default model", str(default))
        self.start_combo.addItem("Model file...", "<file>")
        self.start_combo.setToolTip(
            "Continue from a trained model's weights (fine-tuning), for example on your "
            "own labelled images; the architecture follows the model"
        )
        self.start_combo.activated.connect(self._start_chosen)

        form = QFormLayout()
        form.addRow("Dataset", data_row)
        form.addRow("", self.data_status)
        form.addRow("", self.skip_bad)
        form.addRow("Start from", self.start_combo)
        form.addRow("Architecture", self.arch_combo)
        form.addRow("Epochs", self.epochs)
        form.addRow("Batch size", self.batch)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow("Augmentation", augment_row)
        form.addRow("Average the last", self.average_last)
        form.addRow("At test time", self.flip_average)
        form.addRow("Save model to", out_row)

        self.start_button = QPushButton("Start training")
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop)
        self.use_button = QPushButton("Use this model in Live")
        self.use_button.setEnabled(False)
        self.use_button.clicked.connect(lambda: self.use_model.emit(self.last_model))
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.use_button)
        self.progress = QProgressBar()
        self.progress_label = QLabel("Not running")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addLayout(form)
        left_layout.addWidget(self.counts_table)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.progress)
        left_layout.addWidget(self.progress_label)
        left_layout.addWidget(self.message)
        left_layout.addStretch(1)

        self.acc_plot = pg.PlotWidget(background="w", title="accuracy")
        self.loss_plot = pg.PlotWidget(background="w", title="loss")
        self.curves = {}
        for plot, metric in ((self.acc_plot, "accuracy"), (self.loss_plot, "loss")):
            plot.addLegend(offset=(-10, 10))
            plot.setLabel("bottom", "epoch")
            plot.showGrid(x=True, y=True, alpha=0.3)
            self.curves[metric] = plot.plot(
                [], [], pen=pg.mkPen("#1f77b4", width=2), symbol="o", symbolSize=5, name="train"
            )
            self.curves["val_" + metric] = plot.plot(
                [],
                [],
                pen=pg.mkPen("#d62728", width=2),
                symbol="o",
                symbolSize=5,
                name="validation",
            )
        self.confusion_plot = pg.PlotWidget(background="w", title="confusion matrix (validation)")
        self.confusion_image = pg.ImageItem()
        self.confusion_plot.addItem(self.confusion_image)
        self.confusion_plot.getViewBox().invertY(True)
        self.confusion_plot.getViewBox().setAspectLocked(True)
        self.confusion_plot.setLabel("left", "true")
        self.confusion_plot.setLabel("bottom", "predicted")
        self.confusion_plot.getAxis("left").setTicks(
            [[(i + 0.5, n) for i, n in enumerate(EMOTIONS)]]
        )
        # three letters below the columns, so that seven names fit side by side
        self.confusion_plot.getAxis("bottom").setTicks(
            [[(i + 0.5, n[:3]) for i, n in enumerate(EMOTIONS)]]
        )
        for side in ("left", "bottom"):  # class names, not numbers: no "(x0.001)" scaling
            self.confusion_plot.getAxis(side).enableAutoSIPrefix(False)
        n = len(EMOTIONS)
        self.confusion_plot.setRange(xRange=(0, n), yRange=(0, n), padding=0)  # all names
        self._confusion_texts: list[pg.TextItem] = []
        self.report_table = QTableWidget(len(EMOTIONS), 2)
        self.report_table.setHorizontalHeaderLabels(["precision", "recall"])
        self.report_table.setVerticalHeaderLabels(list(EMOTIONS))
        self.report_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(5000)

        plots = QGridLayout()
        plots.addWidget(self.acc_plot, 0, 0)
        plots.addWidget(self.loss_plot, 0, 1)
        plots.addWidget(self.confusion_plot, 1, 0)
        plots.addWidget(self.report_table, 1, 1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addLayout(plots, 3)
        log_box = QGroupBox("Log")
        QVBoxLayout(log_box).addWidget(self.log_view)
        right_layout.addWidget(log_box, 1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 2)
        QVBoxLayout(self).addWidget(splitter)

    # ------------------------------------------------------------------ choices
    def _pick_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "FER2013 CSV", "", "FER2013 CSV (*.csv *.csv.gz *.gz);;All files (*)"
        )
        if path:
            self.data_edit.setText(path)
            self.check_dataset(path)

    def _pick_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Image folder (ROOT/<split>/<class>/)")
        if path:
            self.data_edit.setText(path)
            self.check_dataset(path)

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
        """Start the next run from ``path`` ("" = new random weights); problems are shown."""
        self.message.setText("")
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
        if problem is None and arch not in trainer.ARCHITECTURE_NAMES:
            problem = (
                f"{Path(path).name} was not made by ferapp's trainer (its architecture is "
                "unknown), so training cannot continue from it"
            )
        if problem is not None:
            self.set_start_model("")
            self.message.setText(problem)
            return
        at = self.start_combo.findData(path)
        if at < 0:
            self.start_combo.insertItem(self.start_combo.count() - 1, Path(path).name, path)
            at = self.start_combo.findData(path)
        self.start_combo.setCurrentIndex(at)
        self.arch_combo.setCurrentIndex(self.arch_combo.findData(arch))
        self.arch_combo.setEnabled(False)
        self.learning_rate.setValue(min(self.learning_rate.value(), 1e-4))

    def _default_out(self) -> None:
        stamp = time.strftime("%Y%m%d-%H%M")
        self.out_edit.setText(
            str(self.models_dir / f"{self.arch_combo.currentData()}-{stamp}.keras")
        )

    def check_dataset(self, path: str) -> None:
        """Count the dataset's rows per split and class on a worker thread."""
        path = path.strip()
        if not path:
            return
        self.checked_path = path
        self.data_status.setText("Checking the dataset...")
        check, thread = DatasetCheck(path), QThread()
        check.moveToThread(thread)
        thread.started.connect(check.run)
        # bound methods of this widget: Qt delivers the results on the UI thread
        check.done.connect(self._dataset_checked)
        check.failed.connect(self._dataset_failed)
        check.progress.connect(self._dataset_progress)
        check.ended.connect(thread.quit)
        for older, _thread in self._checks:  # their results would be ignored anyway
            older.cancel()
        self._checks = [(c, t) for c, t in self._checks if not t.isFinished()]
        self._checks.append((check, thread))
        thread.start()

    def _stop_checks(self) -> None:
        for check, thread in list(self._checks):
            check.cancel()
            thread.quit()
            thread.wait()
        self._checks = []

    def _dataset_progress(self, path: str, rows: int) -> None:
        if path == self.checked_path:
            self.data_status.setText(f"Checking the dataset... {rows:,} rows read")

    def _dataset_checked(self, path: str, counts: dict, skipped: list) -> None:
        if path != self.checked_path:
            return  # the user has chosen another dataset since
        for column, split in enumerate(("train", "val")):
            for row, name in enumerate(EMOTIONS):
                value = counts.get(split, {}).get(name, 0)
                self.counts_table.setItem(row, column, QTableWidgetItem(f"{value:,}"))
        total = {s: sum(c.values()) for s, c in counts.items()}
        text = f"{total.get('train', 0):,} training and {total.get('val', 0):,} validation images."
        self.skipped_rows = len(skipped)
        if skipped:
            where, why = skipped[0]
            text += (
                f" {len(skipped)} malformed row(s)/file(s), first at {where}: {why}. Tick "
                "'Skip malformed rows' to train without them."
            )
        self.data_status.setText(text)
        self.data_status.setStyleSheet("color: #b00020;" if skipped else "")

    def _dataset_failed(self, path: str, message: str) -> None:
        if path != self.checked_path:
            return
        self.data_status.setText(message)
        self.data_status.setStyleSheet("color: #b00020;")

    # ------------------------------------------------------------------ running
    @property
    def running(self) -> bool:
        return self.process.running

    def train_arguments(self) -> list[str]:
        augment = [n for n, box in self.augment_boxes.items() if box.isChecked()]
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
            ",".join(augment) or "none",
            "--out",
            self.out_edit.text().strip(),
        ]
        if self.skip_bad.isChecked():
            args.append("--skip-bad-rows")
        if self.start_combo.currentData():
            args += ["--init-from", self.start_combo.currentData()]
        if self.average_last.value():
            args += ["--average-last", str(self.average_last.value())]
        if self.flip_average.isChecked():
            args.append("--flip-average")
        return args

    def start(self) -> None:
        if self.running:
            return
        data = self.data_edit.text().strip()
        out = self.out_edit.text().strip()
        if not data or not Path(data).exists():
            self.message.setText(f"Choose an existing dataset first ({data or 'none chosen'}).")
            return
        if not out:
            self.message.setText("Choose where to save the model.")
            return
        if data != self.checked_path:
            self.check_dataset(data)  # show the counts while the run loads the same file
        self.message.setText("")
        self.history = []
        for curve in self.curves.values():
            curve.setData([], [])
        self.log_view.clear()
        self.progress.setValue(0)
        self.progress_label.setText("Loading the dataset...")
        self.start_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.use_button.setEnabled(False)
        self.started_at = time.monotonic()
        self.last_model = out
        self.process.start(self.train_arguments())

    def stop(self) -> None:
        if self.running:
            self.progress_label.setText("Stopping after this batch (the best model is kept)...")
            self.stop_button.setEnabled(False)
            self.process.stop()

    def log(self, line: str) -> None:
        self.log_view.appendPlainText(line)

    def on_event(self, event: dict) -> None:
        kind = event.get("kind")
        epochs, batches = max(event.get("epochs", 1), 1), max(event.get("batches", 1), 1)
        if kind == "start":
            self.log(event.get("message", ""))
        elif kind == "batch":
            done = (event["epoch"] - 1) * batches + event["batch"]
            self.progress.setMaximum(epochs * batches)
            self.progress.setValue(done)
            self.progress_label.setText(
                f"Epoch {event['epoch']}/{epochs}, batch {event['batch']}/{batches}  -  "
                f"elapsed {_format_duration(event.get('elapsed_s'))}, "
                f"about {_format_duration(event.get('eta_s'))} left"
            )
        elif kind == "epoch":
            logs = event.get("logs", {})
            self.history.append(logs)
            epochs_seen = [h.get("epoch", i + 1) for i, h in enumerate(self.history)]
            for key, curve in self.curves.items():
                curve.setData(epochs_seen, [h.get(key, np.nan) for h in self.history])
            self.log(
                f"epoch {event['epoch']}: accuracy {logs.get('accuracy', 0):.3f}, "
                f"validation {logs.get('val_accuracy', 0):.3f}, loss {logs.get('loss', 0):.3f}"
            )
        elif kind in ("averaging", "average", "flip"):
            self.log(event.get("message", ""))
        elif kind == "end":
            self.log(f"run {event.get('message', 'ended')}")

    def on_finished(self, code: int, error: str) -> None:
        self.start_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        summary_path = Path(self.last_model).with_suffix(".json")
        if code == 0 and summary_path.is_file():
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
            self.show_report(summary.get("validation"))
            state = "Stopped" if summary.get("cancelled") else "Finished"
            where = trainer.best_model_origin(
                summary["best_epoch"], summary.get("average"), summary.get("flip_average")
            )
            self.progress_label.setText(
                f"{state}: best validation accuracy {summary['best_val_accuracy']:.1%} "
                f"({where}); model saved to {self.last_model}"
            )
            self.use_button.setEnabled(Path(self.last_model).is_file())
        else:
            self.progress_label.setText("Training did not finish.")
            self.message.setText(
                error or f"The training process ended with code {code}; see the log."
            )
            self.use_button.setEnabled(Path(self.last_model).is_file())
        self.run_finished.emit(code)

    def show_report(self, report: dict | None) -> None:
        """The validation confusion matrix as a heatmap, and precision/recall per class."""
        if not report:
            return
        matrix = np.asarray(report["confusion_matrix"], dtype=float)
        rows = matrix.sum(axis=1, keepdims=True)
        share = np.divide(matrix, rows, out=np.zeros_like(matrix), where=rows > 0)
        self.confusion_image.setImage(share.T, levels=(0, 1))
        self.confusion_image.setColorMap(pg.colormap.get("viridis"))
        for item in self._confusion_texts:
            self.confusion_plot.removeItem(item)
        self._confusion_texts = []
        for i in range(matrix.shape[0]):
            for j in range(matrix.shape[1]):
                text = pg.TextItem(
                    str(int(matrix[i, j])),
                    anchor=(0.5, 0.5),
                    color="k" if share[i, j] > 0.5 else "w",
                )
                text.setPos(j + 0.5, i + 0.5)
                self.confusion_plot.addItem(text)
                self._confusion_texts.append(text)
        for row, name in enumerate(report["class_names"]):
            for column, key in enumerate(("precision", "recall")):
                value = report[key].get(name)
                item = QTableWidgetItem("-" if value is None else f"{value:.1%}")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.report_table.setItem(row, column, item)

    def shutdown(self) -> None:
        """Stop a run (cleanly if it can) and the dataset check."""
        if self.running:
            self.process.stop()
            if not self.process.wait():
                self.process.kill()
        self._stop_checks()
