"""Runs `ferapp train --events` as a child process and turns its output into Qt signals.

A separate process keeps the window alive if training crashes, makes Stop real, and
lets the trainer set its oneDNN guard before TensorFlow loads. The conversation follows
:mod:`trainer.protocol`. In a frozen build the application binary itself runs the
sub-command.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal

from ferapp.core.locations import ferapp_command
from trainer.protocol import STOP_REQUEST, TrainEvent

STOP_GRACE_MS = 15_000
CRASH_MARKERS = ("Traceback", "MemoryError", "Segmentation fault")


class TrainingProcess(QObject):
    event = Signal(object)  # a TrainEvent
    output = Signal(str)  # any other line, for the log
    finished = Signal(int, str)  # exit code, the error that ended the run ("" if none)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.process: QProcess | None = None
        self._buffer = ""
        self._last_error = ""

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning

    def start(self, train_args: list[str]) -> None:
        command = ferapp_command()
        process = QProcess(self)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        env = QProcessEnvironment.systemEnvironment()
        env.insert("PYTHONUNBUFFERED", "1")
        env.insert("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's C++ notices are not for the log
        process.setProcessEnvironment(env)
        process.readyReadStandardOutput.connect(self._read)
        process.finished.connect(self._finished)
        process.errorOccurred.connect(self._error)
        self.process = process
        self._buffer = ""
        self._last_error = ""
        process.start(command[0], [*command[1:], "train", *train_args, "--events", "--quiet"])

    def stop(self) -> None:
        """Ask for a clean stop (the best checkpoint is kept); kill if it does not come."""
        if not self.running:
            return
        self.process.write(f"{STOP_REQUEST}\n".encode())
        self.process.waitForBytesWritten(1000)

    def kill(self) -> None:
        if self.running:
            self.process.kill()
            self.process.waitForFinished(5000)

    def wait(self, msecs: int = STOP_GRACE_MS) -> bool:
        return self.process is None or self.process.waitForFinished(msecs)

    def _read(self) -> None:
        self._buffer += bytes(self.process.readAllStandardOutput()).decode("utf-8", "replace")
        *lines, self._buffer = self._buffer.split("\n")
        for line in lines:
            self._line(line.rstrip("\r"))

    def _line(self, line: str) -> None:
        event = TrainEvent.from_line(line)
        if event is not None:
            if event.kind == "error":
                self._last_error = event.message
            self.event.emit(event)
            return
        if not line.strip() or line.startswith("ferapp train: error:"):
            return  # the error event carried it
        if line.startswith(CRASH_MARKERS):
            self._last_error = f"training failed: {line.strip()}"
        self.output.emit(line)

    def _finished(self, code: int, status) -> None:
        if self._buffer:
            self._line(self._buffer)
            self._buffer = ""
        if status == QProcess.ExitStatus.CrashExit:
            self._last_error = (
                "the training process crashed (killed or out of memory); the best "
                "model so far is kept"
            )
        self.finished.emit(
            code if status == QProcess.ExitStatus.NormalExit else -1, self._last_error
        )

    def _error(self, error) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._last_error = f"could not start training: {self.process.errorString()}"
            self.finished.emit(-1, self._last_error)
