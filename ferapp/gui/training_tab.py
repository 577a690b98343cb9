"""The Training tab: pick data and settings, train in a child process, watch, stop, inspect, use.

The form (:mod:`ferapp.gui.training_form`) describes a run; the child process
(:mod:`ferapp.gui.training_process`) runs ``ferapp train`` and reports events; the plots
(:mod:`ferapp.gui.training_plots`) show them. This module wires them together.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ferapp.core.emotions import EMOTIONS
from ferapp.gui.dataset_check import DatasetChecker
from ferapp.gui.training_form import TrainingForm
from ferapp.gui.training_plots import TrainingPlots
from ferapp.gui.training_process import TrainingProcess
from ferapp.gui.training_runs import ask_about_existing_run, resume_mismatch
from ferapp.gui.widgets import ElidedLabel, clear_table
from trainer.protocol import MESSAGE_KINDS, RunSummary, TrainEvent, summary_path

FORM_WIDTH, FORM_SHARE = 480, 44  # the form starts this wide, at most this % of the tab
ERROR_STYLE = "color: #b00020;"


def format_duration(seconds: float | None) -> str:
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
        self.form = TrainingForm(models_dir or Path.home() / "ferapp-models")
        self.form.dataset_chosen.connect(self.check_dataset)
        self.form.problem.connect(self.show_problem)
        self.process = TrainingProcess(self)
        self.process.event.connect(self.on_event)
        self.process.output.connect(self.log)
        self.process.finished.connect(self.on_finished)
        self.checker = DatasetChecker(self)  # the form's dataset: counted on a thread
        self.checker.status.connect(self._show_dataset_status)
        self.checker.counted.connect(self._show_counts)
        self.checker.usable.connect(lambda _ok: self._update_start())
        self.history: list[dict] = []
        self.started_at = 0.0
        self.last_model = ""

        self.start_button = QPushButton("Start training")
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop)
        self.use_button = QPushButton("Use this model in Live")
        self.use_button.setEnabled(False)
        self.use_button.clicked.connect(lambda: self.use_model.emit(self.last_model))
        buttons = QGridLayout()  # two rows: each button's text whole on a narrow form
        buttons.addWidget(self.start_button, 0, 0)
        buttons.addWidget(self.stop_button, 0, 1)
        buttons.addWidget(self.use_button, 1, 0, 1, 2)
        self.progress = QProgressBar()
        self.progress_label = ElidedLabel("Not running")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)

        # The form scrolls on a short screen and wraps on a narrow one; the buttons,
        # progress and messages below it stay in sight.
        form_scroll = QScrollArea()
        form_scroll.setWidget(self.form)
        form_scroll.setWidgetResizable(True)
        form_scroll.setFrameShape(QFrame.Shape.NoFrame)
        form_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        form_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        form_scroll.viewport().setAutoFillBackground(False)  # the window's own background
        self.form.setAutoFillBackground(False)
        self.form_scroll = form_scroll
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(form_scroll, 1)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.progress)
        left_layout.addWidget(self.progress_label)
        left_layout.addWidget(self.message)

        self.plots = TrainingPlots()
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(5000)
        self.log_view.setMinimumHeight(3 * self.log_view.fontMetrics().lineSpacing())
        log_box = QGroupBox("Log")
        QVBoxLayout(log_box).addWidget(self.log_view)
        plots_scroll = QScrollArea()  # on a short window the plots scroll, never squeezed
        plots_scroll.setWidget(self.plots)
        plots_scroll.setWidgetResizable(True)
        plots_scroll.setFrameShape(QFrame.Shape.NoFrame)
        plots_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(plots_scroll)
        right.addWidget(log_box)
        right.setStretchFactor(0, 4)
        right.setStretchFactor(1, 1)
        # The form and the results share the width: the form keeps about its own width
        # as the window grows, both shrink on a small screen, the user can move the line.
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self._split = False  # the form's share is set when the tab is first shown
        layout = QHBoxLayout(self)
        layout.addWidget(self.splitter)

    def showEvent(self, event: QShowEvent) -> None:  # Qt's name
        super().showEvent(event)
        if not self._split and self.splitter.width() > 0:
            self._split = True
            width = self.splitter.width()
            form = min(FORM_WIDTH, width * FORM_SHARE // 100)
            self.splitter.setSizes([form, width - form])

    def show_problem(self, text: str) -> None:
        self.message.setText(text)

    # ------------------------------------------------------------------ dataset check
    def check_dataset(self, path: str) -> None:
        """Count the dataset's rows per split and class on a worker thread."""
        if self.checker.check(path):
            clear_table(self.form.counts_table)
            self.plots.clear()  # results of another dataset
            self.message.setText("")

    def _show_dataset_status(self, text: str, error: bool) -> None:
        self.form.data_status.setText(text)
        self.form.data_status.setStyleSheet(ERROR_STYLE if error else "")

    def _show_counts(self, counts: dict) -> None:
        for column, split in enumerate(("train", "val")):
            for row, name in enumerate(EMOTIONS):
                value = counts.get(split, {}).get(name, 0)
                self.form.counts_table.setItem(row, column, QTableWidgetItem(f"{value:,}"))

    def _update_start(self) -> None:
        """Start is offered unless the dataset check failed (a missing file, no usable rows);
        malformed rows are said under the dataset, and the run names them."""
        self.start_button.setEnabled(self.checker.ok and not self.running)
        self.start_button.setToolTip(
            "" if self.checker.ok else "This dataset cannot be used: see the message under it"
        )

    # ------------------------------------------------------------------ running
    @property
    def running(self) -> bool:
        return self.process.running

    def train_arguments(self) -> list[str]:
        return self.form.train_arguments()

    def start(self) -> None:
        if self.running:
            return
        data = self.form.data_edit.text().strip()
        out = self.form.out_edit.text().strip()
        if not data or not Path(data).exists():
            self.message.setText(f"Choose an existing dataset first ({data or 'none chosen'}).")
            return
        if not out:
            self.message.setText("Choose where to save the model.")
            return
        teacher = self.form.teacher_path()
        if teacher and not Path(teacher).is_file():
            self.message.setText(f"The teacher model {teacher} is gone; choose it again.")
            return
        args = self.train_arguments()
        existing = ask_about_existing_run(self, Path(out))
        if existing is None:
            return
        if existing == ["--resume"]:
            mismatch = resume_mismatch(Path(out), self.form.config())
            if mismatch:
                self.message.setText(mismatch)
                return
        args += existing
        self.check_dataset(data)  # show the counts while the run loads the same file
        self.message.setText("")
        self.history = []
        self.plots.clear()
        self.log_view.clear()
        self.progress.setValue(0)
        self.progress.setFormat("%p%")
        self.progress_label.setText("Loading the dataset...")
        self.start_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.form.setEnabled(False)  # the run's settings are fixed until it ends
        self.use_button.setEnabled(False)
        self.started_at = time.monotonic()
        self.last_model = out
        self.process.start(args)

    def stop(self) -> None:
        if self.running:
            self.progress_label.setText("Stopping after this batch (the best model is kept)...")
            self.stop_button.setEnabled(False)
            self.process.stop()

    def log(self, line: str) -> None:
        self.log_view.appendPlainText(line)

    def on_event(self, event: TrainEvent) -> None:
        epochs, batches = max(event.epochs, 1), max(event.batches, 1)
        if event.kind == "batch":
            self.progress.setMaximum(epochs * batches)
            self.progress.setValue((event.epoch - 1) * batches + event.batch)
            self.progress_label.setText(
                f"{event.text().capitalize()}  -  elapsed {format_duration(event.elapsed_s)}, "
                f"about {format_duration(event.eta_s)} left"
            )
        elif event.kind == "epoch":
            self.history.append(event.logs)
            self.plots.show_history(self.history)
            self.log(event.text())
        elif event.kind == "end" or (event.kind in MESSAGE_KINDS and event.kind != "error"):
            self.log(event.text())
            if event.device:  # the start: what trains, in sight while it does
                self.progress_label.setText(f"Training on {event.device}...")
                self.progress.setFormat(f"%p%  ({event.device})")

    def on_finished(self, code: int, error: str) -> None:
        self.stop_button.setEnabled(False)
        self.form.setEnabled(True)
        self._update_start()
        summary_file = summary_path(Path(self.last_model))
        if code == 0 and summary_file.is_file():
            summary = RunSummary.read(summary_file)
            self.plots.show_report(summary.validation)
            state = "Stopped" if summary.cancelled else "Finished"
            self.progress_label.setText(
                f"{state}: best validation accuracy {summary.best_val_accuracy:.1%} "
                f"({summary.origin})"
            )
            self.progress_label.setToolTip(f"Model saved to {self.last_model}")
            if self.progress.maximum() and not summary.cancelled:
                self.progress.setValue(self.progress.maximum())
        else:
            self.progress_label.setText("Training did not finish.")
            self.message.setText(
                error or f"The training process ended with code {code}; see the log."
            )
        self.use_button.setEnabled(Path(self.last_model).is_file())
        self.run_finished.emit(code)

    def shutdown(self) -> None:
        """Stop a run (cleanly if it can) and the dataset checks."""
        if self.running:
            self.process.stop()
            if not self.process.wait():
                self.process.kill()
        self.checker.stop()
