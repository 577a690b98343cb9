"""Live bar chart (pyqtgraph) of the class probabilities of one face, in the emotions' colours."""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

from ferapp.core.emotions import EMOTIONS, color_rgb


class ProbabilityBars(QWidget):
    """Bars for the selected face; a combo box picks the face when several are in view."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.class_names: tuple[str, ...] = EMOTIONS
        self.face_picker = QComboBox()
        self.face_picker.setToolTip("Which face the bars show")
        self.face_picker.setVisible(False)  # shown when more than one face is in view
        self.caption = QLabel("No face in view")
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setXRange(0, 1, padding=0)
        self.plot.setLabel("bottom", "probability")
        self.plot.showGrid(x=True, alpha=0.3)
        self.plot.getViewBox().invertY(True)  # first class at the top
        # horizontal bars: one row per class, so the names stay readable
        self.bars = pg.BarGraphItem(x0=[0] * 7, y=list(range(7)), width=[0] * 7, height=0.7)
        self.plot.addItem(self.bars)
        self._set_axis(self.class_names)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.face_picker)
        layout.addWidget(self.caption)
        layout.addWidget(self.plot, 1)
        self.heights: list[float] = [0.0] * 7

    def _set_axis(self, names: Sequence[str]) -> None:
        self.plot.getAxis("left").setTicks([list(enumerate(names))])
        self.plot.setYRange(-0.6, len(names) - 0.4, padding=0)
        brushes = [pg.mkBrush(*color_rgb(n)) for n in names]
        pens = [pg.mkPen(80, 80, 80) for _ in names]
        self.bars.setOpts(
            x0=[0] * len(names), y=list(range(len(names))), brushes=brushes, pens=pens
        )

    def show_faces(self, faces, class_names: tuple[str, ...]) -> None:
        """Update with the faces of the newest frame (keeps the picked face when it still exists)."""
        if class_names and class_names != self.class_names:
            self.class_names = class_names
            self._set_axis(class_names)
        picked = max(self.face_picker.currentIndex(), 0)
        if self.face_picker.count() != len(faces):
            self.face_picker.blockSignals(True)
            self.face_picker.clear()
            self.face_picker.addItems([f"Face {i + 1}" for i in range(len(faces))])
            self.face_picker.setCurrentIndex(min(picked, len(faces) - 1))
            self.face_picker.blockSignals(False)
        self.face_picker.setVisible(len(faces) > 1)
        labelled = [f for f in faces if f.probabilities]
        if not labelled:
            self.heights = [0.0] * len(self.class_names)
            self.caption.setText("No face in view" if not faces else "Faces found; no model loaded")
        else:
            face = labelled[min(picked, len(labelled) - 1)]
            self.heights = list(face.probabilities)
            self.caption.setText(f"{face.label}: {face.confidence:.0%}")
        self.bars.setOpts(width=self.heights)
