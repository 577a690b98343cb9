"""File > Open results: the timeline of an analysed video, face by face.

Reads a result JSON (``ferapp analyze --json``, or a batch's ``<name>.json``) on a worker
thread and draws each emotion's probability over time for the face picked, in the
emotions' colours.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QComboBox, QDialog, QLabel, QVBoxLayout, QWidget

from ferapp.batch.timeline import Timeline, read_timeline
from ferapp.core.errors import FerappError
from ferapp.core.output.colors import resolve_palette
from ferapp.gui.threads import start_job
from ferapp.gui.widgets import sentence


class TimelineRead(QObject):
    done = Signal(object)  # Timeline
    failed = Signal(str)
    ended = Signal()

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def run(self) -> None:
        try:
            self.done.emit(read_timeline(self.path))
        except FerappError as exc:
            self.failed.emit(str(exc))
        finally:
            self.ended.emit()


class ResultsDialog(QDialog):
    def __init__(self, path: Path, colors: dict[str, str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Results: {path.name}")
        self.resize(900, 520)
        self.palette = resolve_palette(colors)
        self.timeline: Timeline | None = None
        self.caption = QLabel(f"Reading {path.name}...")
        self.picker = QComboBox()
        self.picker.currentIndexChanged.connect(self._draw)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setLabel("bottom", "time (s)")
        self.plot.setLabel("left", "probability")
        self.plot.setYRange(-0.08, 1.02, padding=0)
        self.plot.addLegend(offset=(-10, 10))
        self.curves: dict[str, pg.PlotDataItem] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.picker)
        layout.addWidget(self.plot, 1)
        reader = TimelineRead(path)
        reader.done.connect(self.show_timeline)
        reader.failed.connect(lambda message: self.caption.setText(sentence(message)))
        self._reader = reader
        start_job(reader, "ferapp-results", reader.ended)

    def show_timeline(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.caption.setText(
            f"{Path(timeline.source).name}: {timeline.duration_s:.1f} s, "
            f"{len(timeline.faces)} face(s) tracked (the longest seen first)"
        )
        self.picker.blockSignals(True)
        self.picker.clear()
        self.picker.addItems([f"Face {f.face} ({len(f.times_s)} frames)" for f in timeline.faces])
        self.picker.blockSignals(False)
        for name in timeline.class_names:
            self.curves[name] = self.plot.plot(
                [], [], pen=pg.mkPen(self.palette.get(name, (128, 128, 128)), width=2), name=name
            )
        self.band = pg.ImageItem()
        self.plot.addItem(self.band)
        self._draw()

    def _draw(self) -> None:
        if self.timeline is None or not self.timeline.faces:
            return
        face = self.timeline.faces[max(self.picker.currentIndex(), 0)]
        t, p = np.asarray(face.times_s), np.asarray(face.probabilities)
        for i, name in enumerate(self.timeline.class_names):
            self.curves[name].setData(t, p[:, i])
        colors = np.array([self.palette.get(n, (128, 128, 128)) for n in self.timeline.class_names])
        band = colors[p.argmax(axis=1)][:, None, :].astype(np.uint8)  # the dominant emotion
        self.band.setImage(band, levels=(0, 255))
        span = max(t[-1] - t[0], 1e-3)
        self.band.setRect(pg.QtCore.QRectF(t[0], -0.07, span, 0.05))
