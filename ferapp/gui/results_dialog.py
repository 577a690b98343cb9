"""File > Open results: the timeline of an analysed video, face by face; the faces of
each photo of an image folder; a batch's sources.

Reads a result JSON (``ferapp analyze --json``, or a batch's ``<name>.json``) on a worker
thread and draws each emotion's probability over time for the face picked, in the
emotions' colours. A batch's ``summary.json`` lists its sources: picking one opens its
result here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

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
            batch = read_batch_summary(self.path)
            self.done.emit(batch if batch is not None else read_timeline(self.path))
        except FerappError as exc:
            self.failed.emit(str(exc))
        finally:
            self.ended.emit()


def read_batch_summary(path: Path) -> list[dict] | None:
    """A batch's summary.json: its table's rows (source, status, result, ...); None for
    any other file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (isinstance(data, dict) and isinstance(data.get("table"), list) and "sources" in data):
        return None
    return [row for row in data["table"] if isinstance(row, dict)]


class ResultsDialog(QDialog):
    def __init__(self, path: Path, colors: dict[str, str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Results: {path.name}")
        self.folder = path.parent
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
        self.sources = QListWidget()  # a batch's sources; a photo folder's photos
        self.sources.itemActivated.connect(self._open_source)
        self.sources.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.picker)
        layout.addWidget(self.sources, 1)
        layout.addWidget(self.plot, 1)
        self._read(path)

    def _read(self, path: Path) -> None:
        self.caption.setText(f"Reading {path.name}...")
        reader = TimelineRead(path)
        reader.done.connect(self._show)
        reader.failed.connect(lambda message: self.caption.setText(sentence(message)))
        self._reader = reader
        start_job(reader, "ferapp-results", reader.ended)

    def _show(self, read: Timeline | list[dict]) -> None:
        if isinstance(read, list):
            self.show_batch(read)
        elif read.photos is not None:
            self.show_photos(read)
        else:
            self.show_timeline(read)

    def show_batch(self, rows: list[dict]) -> None:
        """A batch summary: one line per source; double-click (or Enter) opens its result."""
        self.caption.setText(
            f"A batch of {len(rows)} source(s). Double-click one to open its result "
            "(or open its <name>.json)."
        )
        self._list(
            (
                f"{Path(str(row.get('source', ''))).name}: {row.get('status', '')}, "
                f"{row.get('faces', 0)} face(s), mostly {row.get('dominant') or 'none'}",
                row.get("result") or None,
            )
            for row in rows
        )

    def show_photos(self, timeline: Timeline) -> None:
        """Photos are unrelated pictures: each one's faces, not a timeline."""
        photos = timeline.photos or []
        self.caption.setText(
            f"{Path(timeline.source).name}: {len(photos)} photo(s), each on its own "
            "(face number: label and confidence)"
        )
        self._list(
            (f"{p.name}: {'; '.join(f.text() for f in p.faces) or 'no face found'}", None)
            for p in photos
        )

    def _list(self, entries) -> None:
        self.timeline = None
        self.picker.hide()
        self.plot.hide()
        self.sources.clear()
        for text, result in entries:
            item = QListWidgetItem(text)
            item.setData(pg.QtCore.Qt.ItemDataRole.UserRole, result)
            self.sources.addItem(item)
        self.sources.show()

    def _open_source(self, item: QListWidgetItem) -> None:
        result = item.data(pg.QtCore.Qt.ItemDataRole.UserRole)
        if not result:
            return
        self.sources.hide()
        self.setWindowTitle(f"Results: {result}")
        self._read(self.folder / result)

    def show_timeline(self, timeline: Timeline) -> None:
        self.sources.hide()
        self.picker.show()
        self.plot.show()
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
            if name in self.curves:
                continue
            self.curves[name] = self.plot.plot(
                [], [], pen=pg.mkPen(self.palette.get(name, (128, 128, 128)), width=2), name=name
            )
        if not hasattr(self, "band"):
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
