"""What the Live tab keeps on view beside the frame: the source, the model, a recording.

Both stay in the status bar (permanent widgets) for as long as they are true, where a
passing message would be gone after a few seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from ferapp.core.output.rows import describe_detector
from ferapp.core.output.writers import ResultCsvWriter
from ferapp.gui.widgets import ElidedLabel

RECORDING_STYLE = "color: #c62828; font-weight: bold"
SOURCE_WIDTH = 160  # a long file name is cut in the middle, whole in its tooltip
MODEL_WIDTH = 240


class LiveIndicators(QWidget):
    """ "● Recording to results.csv" while recording, the source's name, and "Model: name"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recording = QLabel()
        self.recording.setStyleSheet(RECORDING_STYLE)
        self.recording.setVisible(False)
        self.source = ElidedLabel()
        self.source.setMaximumWidth(SOURCE_WIDTH)
        self.model = ElidedLabel("Model: loading...")
        self.model.setMaximumWidth(MODEL_WIDTH)
        self.model.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.setSpacing(12)
        layout.addWidget(self.recording)
        layout.addWidget(self.source)
        layout.addWidget(self.model)

    def set_source(self, name: str) -> None:
        self.source.setText(name)
        self.source.setMinimumWidth(
            min(self.source.fontMetrics().horizontalAdvance(name) + 4, SOURCE_WIDTH)
        )

    def set_model(self, name: str) -> None:
        """``name``: the model in use; "" when none could be loaded (faces only)."""
        # the file's name in view; how it runs (and the whole name) in the tooltip
        short = name.split(" (", 1)[0].removesuffix(".keras") if name else ""
        text = f"Model: {short}" if name else "Model: none (faces only)"
        self.model.setText(text)
        self.model.setToolTip(f"The emotion model in use: {name or 'none'} (Settings, Ctrl+,)")
        self.model.setMinimumWidth(min(self.model.fontMetrics().horizontalAdvance(text) + 4, 120))

    def set_recording(self, path: Path | None) -> None:
        """Show where results are being recorded to; None: not recording."""
        self.recording.setText(f"● Recording to {path.name}" if path is not None else "")
        self.recording.setToolTip(str(path) if path is not None else "")
        self.recording.setVisible(path is not None)


def new_recorder(
    path: Path, class_names: tuple[str, ...], detector: Mapping[str, Any]
) -> ResultCsvWriter:
    """A CSV of every result from now on, with landmarks, for the model's classes (the
    default emotions before a model is known) and the face detector ``detector`` describes."""
    described = describe_detector(detector)
    if class_names:
        return ResultCsvWriter(path, class_names, True, described)
    return ResultCsvWriter(path, landmarks=True, detector=described)
