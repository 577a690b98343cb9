"""Live bar chart (pyqtgraph) of the class probabilities of one face, in the emotions' colours."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

from ferapp.core.emotions import EMOTIONS
from ferapp.core.output.colors import RGB, color_rgb
from ferapp.core.output.rows import face_number

INK = "#202020"  # axis text and values, dark enough to read on white


INSIDE_FROM = 0.75  # bars longer than this carry their value inside


class ProbabilityBars(QWidget):
    """Bars for the selected face; a combo box picks the face (by the number on its box)
    when several are in view. It starts on the largest face, keeps the picked one while
    it is in view, and a pick shows that face's bars at once (paused or ended too)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.class_names: tuple[str, ...] = EMOTIONS
        self.palette: dict[str, RGB] | None = None
        self.face_picker = QComboBox()
        self.face_picker.setToolTip("Which face the bars show (the number on its box)")
        self.face_picker.setVisible(False)  # shown when more than one face is in view
        self.face_picker.currentIndexChanged.connect(self._show_picked)
        self.faces: tuple = ()  # the newest faces shown, for a pick made between results
        self.caption = QLabel("No face in view")
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setXRange(-0.04, 1.12, padding=0)  # room for 0, and for a full bar's value
        self.plot.setLabel("bottom", "probability")
        self.plot.showGrid(x=True, alpha=0.3)
        self.plot.getViewBox().invertY(True)  # first class at the top
        bottom, left = self.plot.getAxis("bottom"), self.plot.getAxis("left")
        bottom.setTicks([[(v, f"{v:g}") for v in (0, 0.25, 0.5, 0.75, 1)]])
        for axis in (bottom, left):
            axis.setTextPen(pg.mkPen(INK))
            axis.setPen(pg.mkPen(INK))
        # horizontal bars: one row per class, so the names stay readable
        self.bars = pg.BarGraphItem(x0=[0] * 7, y=list(range(7)), width=[0] * 7, height=0.7)
        self.plot.addItem(self.bars)
        self.values: list[pg.TextItem] = []
        self.heights: list[float] = [0.0] * 7
        self._set_axis(self.class_names)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.face_picker)
        layout.addWidget(self.caption)
        layout.addWidget(self.plot, 1)
        self.numbers: list[int] = []  # the face number of each picker entry

    def set_palette(self, palette: Mapping[str, RGB] | None) -> None:
        """Colour the bars as the boxes are coloured."""
        self.palette = dict(palette) if palette is not None else None
        self._set_axis(self.class_names)

    def _set_axis(self, names: Sequence[str]) -> None:
        self.plot.getAxis("left").setTicks([list(enumerate(names))])
        self.plot.setYRange(-0.6, len(names) - 0.4, padding=0)
        for item in self.values:
            self.plot.removeItem(item)
        self.values = []
        for row in range(len(names)):  # each bar's value, just after its end
            text = pg.TextItem("", color=INK, anchor=(0, 0.5))
            text.setPos(0, row)
            self.plot.addItem(text)
            self.values.append(text)
        brushes = [pg.mkBrush(*color_rgb(n, self.palette)) for n in names]
        pens = [pg.mkPen(80, 80, 80) for _ in names]
        n = len(names)  # all arrays at once: the class count may change with the model
        self.bars.setOpts(x0=[0] * n, y=list(range(n)), width=[0] * n, brushes=brushes, pens=pens)
        self.heights = [0.0] * n

    def reset(self) -> None:
        """A new source: no faces, no pick (its largest face will be picked first)."""
        self.show_faces((), ())

    def show_faces(self, faces, class_names: tuple[str, ...]) -> None:
        """Update with the faces of the newest frame (keeps the picked face while it is in
        view, else picks the largest)."""
        if class_names and class_names != self.class_names:
            self.class_names = class_names
            self._set_axis(class_names)
        self.faces = tuple(faces)
        numbers = [face_number(f, i) for i, f in enumerate(faces)]
        index = self.face_picker.currentIndex()
        picked_number = self.numbers[index] if 0 <= index < len(self.numbers) else None
        if numbers != self.numbers:
            if picked_number in numbers:
                at = numbers.index(picked_number)
            else:
                areas = [f.box[2] * f.box[3] for f in faces]
                at = areas.index(max(areas)) if areas else -1
            self.face_picker.blockSignals(True)
            self.face_picker.clear()
            self.face_picker.addItems([f"Face {n}" for n in numbers])
            self.face_picker.setCurrentIndex(at)
            self.face_picker.blockSignals(False)
            self.numbers = numbers
        self.face_picker.setVisible(len(faces) > 1)
        self._show_picked()

    def _show_picked(self) -> None:
        """The bars and caption of the picked face of the newest faces."""
        faces, numbers = self.faces, self.numbers
        picked = max(self.face_picker.currentIndex(), 0)
        face = faces[picked] if picked < len(faces) else None
        if face is None or not face.probabilities:
            self.heights = [0.0] * len(self.class_names)
            self.caption.setText("No face in view" if not faces else "Faces found; no model loaded")
        else:
            self.heights = list(face.probabilities)
            text = f"Face {numbers[picked]}: {face.label} {face.confidence:.0%}"
            if face.uncertain:
                text = f"Face {numbers[picked]}: ? {face.label} {face.confidence:.0%} (uncertain: {face.uncertain})"
            self.caption.setText(text)
        self.bars.setOpts(width=self.heights)
        shown = face is not None and bool(face.probabilities)
        for text, value, row in zip(
            self.values, self.heights, range(len(self.values)), strict=False
        ):
            text.setText(f"{value:.0%}" if shown else "")
            inside = value > INSIDE_FROM  # a long bar's value sits inside its end: never cut
            text.setAnchor((1, 0.5) if inside else (0, 0.5))
            text.setPos(value - 0.01 if inside else value + 0.01, row)
