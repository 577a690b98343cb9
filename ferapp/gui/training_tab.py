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
from PySide6.QtWidgets import (
    QFrame,
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
from ferapp.gui.dataset_check import DatasetCheck
from ferapp.gui.threads import start_job
from ferapp.gui.training_form import TrainingForm, ask_about_existing_run, resume_mismatch
from ferapp.gui.training_plots import TrainingPlots
from ferapp.gui.training_process import TrainingProcess
from ferapp.gui.widgets import ElidedLabel, clear_table
from trainer.protocol import MESSAGE_KINDS, RunSummary, summary_path

LEFT_PANEL_WIDTH = 430
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
        # Running dataset checks with their threads; only the newest one's result is shown.
        self._checks: list[tuple[DatasetCheck, object]] = []
        self.checked_path = ""  # the dataset whose counts are on show (or being counted)
        self.dataset_ok = True  # False: the check found the dataset unusable as set
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
        buttons = QHBoxLayout()
        for button in (self.start_button, self.stop_button, self.use_button):
            buttons.addWidget(button)
        self.progress = QProgressBar()
        self.progress_label = ElidedLabel("Not running")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)

        # The form scrolls on a short screen; the buttons, progress and messages below
        # it stay in sight.
        form_scroll = QScrollArea()
        form_scroll.setWidget(self.form)
        form_scroll.setWidgetResizable(True)
        form_scroll.setFrameShape(QFrame.Shape.NoFrame)
        form_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        form_scroll.viewport().setAutoFillBackground(False)  # the window's own background
        self.form.setAutoFillBackground(False)
        left = QWidget()
        left.setFixedWidth(LEFT_PANEL_WIDTH + form_scroll.verticalScrollBar().sizeHint().width())
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(form_scroll, 1)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.progress)
        left_layout.addWidget(self.progress_label)
        left_layout.addWidget(self.message)

        self.plots = TrainingPlots()
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(5000)
        log_box = QGroupBox("Log")
        QVBoxLayout(log_box).addWidget(self.log_view)
        right = QSplitter()
        right.setOrientation(right.orientation().Vertical)
        right.addWidget(self.plots)
        right.addWidget(log_box)
        right.setStretchFactor(0, 4)
        right.setStretchFactor(1, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(left)
        layout.addWidget(right, 1)

    def show_problem(self, text: str) -> None:
        self.message.setText(text)

    # ------------------------------------------------------------------ dataset check
    def check_dataset(self, path: str) -> None:
        """Count the dataset's rows per split and class on a worker thread."""
        path = path.strip()
        if not path or path == self.checked_path:
            return
        self.checked_path = path
        self.dataset_ok = True
        clear_table(self.form.counts_table)
        self.plots.clear()  # results of another dataset
        self.message.setText("")
        self.form.data_status.setStyleSheet("")
        self.form.data_status.setText("Checking the dataset...")
        check = DatasetCheck(path)
        # bound methods of this widget: Qt delivers the results on the UI thread
        check.done.connect(self._dataset_checked)
        check.failed.connect(self._dataset_failed)
        check.progress.connect(self._dataset_progress)
        for older, _thread in self._checks:  # their results would be ignored anyway
            older.cancel()
        self._checks = [(c, t) for c, t in self._checks if not t.isFinished()]
        self._checks.append((check, start_job(check, "ferapp-dataset-check", check.ended)))
        self._update_start()

    def _stop_checks(self) -> None:
        for check, thread in list(self._checks):
            check.cancel()
            thread.quit()
            thread.wait()
        self._checks = []

    def _dataset_progress(self, path: str, rows: int) -> None:
        if path == self.checked_path:
            self.form.data_status.setText(f"Checking the dataset... {rows:,} rows read")

    def _dataset_checked(self, path: str, counts: dict, skipped: list) -> None:
        if path != self.checked_path:
            return  # the user has chosen another dataset since
        for column, split in enumerate(("train", "val")):
            for row, name in enumerate(EMOTIONS):
                value = counts.get(split, {}).get(name, 0)
                self.form.counts_table.setItem(row, column, QTableWidgetItem(f"{value:,}"))
        total = {s: sum(c.values()) for s, c in counts.items()}
        text = f"{total.get('train', 0):,} training and {total.get('val', 0):,} validation images."
        if skipped:
            where, why = skipped[0]
            text += (
                f" {len(skipped)} malformed row(s)/file(s), first at {where}: {why}. Tick "
                "'Skip malformed rows' to train without them."
            )
        self.form.data_status.setText(text)
        self.form.data_status.setStyleSheet(ERROR_STYLE if skipped else "")
        self._update_start()

    def _dataset_failed(self, path: str, message: str) -> None:
        if path != self.checked_path:
            return
        self.dataset_ok = False
        self.form.data_status.setText(message)
        self.form.data_status.setStyleSheet(ERROR_STYLE)
        self._update_start()

    def _update_start(self) -> None:
        """Start is offered unless the dataset check failed (a missing file, no usable rows);
        malformed rows are said under the dataset, and the run names them."""
        self.start_button.setEnabled(self.dataset_ok and not self.running)
        self.start_button.setToolTip(
            "" if self.dataset_ok else "This dataset cannot be used: see the message under it"
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
            mismatch = resume_mismatch(Path(out), self.form.resume_settings())
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

    def on_event(self, event: dict) -> None:
        kind = event.get("kind")
        epochs, batches = max(event.get("epochs", 1), 1), max(event.get("batches", 1), 1)
        if kind == "batch":
            done = (event["epoch"] - 1) * batches + event["batch"]
            self.progress.setMaximum(epochs * batches)
            self.progress.setValue(done)
            self.progress_label.setText(
                f"Epoch {event['epoch']}/{epochs}, batch {event['batch']}/{batches}  -  "
                f"elapsed {format_duration(event.get('elapsed_s'))}, "
                f"about {format_duration(event.get('eta_s'))} left"
            )
        elif kind == "epoch":
            logs = event.get("logs", {})
            self.history.append(logs)
            self.plots.show_history(self.history)
            self.log(
                f"epoch {event['epoch']}/{epochs}: accuracy {logs.get('accuracy', 0):.3f}, "
                f"validation {logs.get('val_accuracy', 0):.3f}, loss {logs.get('loss', 0):.3f} "
                f"({logs.get('seconds', 0):.0f} s)"
            )
        elif kind in MESSAGE_KINDS and kind != "error":
            self.log(event.get("message", ""))
        elif kind == "end":
            self.log(f"run {event.get('message', 'ended')}")

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
        self._stop_checks()
