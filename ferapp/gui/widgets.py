"""Small widgets shared by the tabs: a label that elides, a table sized to its rows; where
a window opens."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
)

PREFERRED_SIZE = QSize(1100, 680)
TITLE_BAR = 32  # room left above the window for a window manager's title bar


def initial_geometry(available: QRect, preferred: QSize = PREFERRED_SIZE) -> QRect:
    """The window's first geometry: ``preferred``, shrunk to fit ``available`` (less room
    for a title bar above it), centred in it."""
    room = QSize(available.width(), max(available.height() - TITLE_BAR, 0))
    size = preferred.boundedTo(room)
    x = available.x() + (room.width() - size.width()) // 2
    y = available.y() + TITLE_BAR + (room.height() - size.height()) // 2
    return QRect(QPoint(x, y), size)


def sentence(text: str) -> str:
    """A message as a sentence: capital first letter, a full stop at the end."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


class ElidedLabel(QLabel):
    """One line of text that never widens its layout: cut with "..." where it does not fit,
    the whole text in the tooltip."""

    def __init__(self, text: str = "", parent=None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:  # Qt's name
        longer = len(text) != len(self._full)
        self._full = text
        self.setToolTip(text if text else "")
        self._elide()
        if longer:
            self.updateGeometry()  # a layout that gives the text its room hears of it

    def text(self) -> str:  # Qt's name: the whole text, not the elided one
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:  # Qt's name
        super().resizeEvent(event)
        self._elide()

    def sizeHint(self) -> QSize:  # Qt's name: room for the whole text
        margins = self.contentsMargins().left() + self.contentsMargins().right()
        width = self.fontMetrics().horizontalAdvance(self._full) + margins + 2
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # Qt's name: any width, the text elided
        return QSize(10, super().minimumSizeHint().height())

    def _elide(self) -> None:
        metrics = QFontMetrics(self.font())
        shown = metrics.elidedText(self._full, Qt.TextElideMode.ElideMiddle, max(self.width(), 10))
        super().setText(shown)


def fitted_table(rows: list[str], columns: list[str]) -> QTableWidget:
    """A read-only table exactly as tall as its rows (no scroll bar), columns stretched."""
    table = QTableWidget(len(rows), len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.setVerticalHeaderLabels(rows)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
    table.resizeRowsToContents()
    height = table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
    height += sum(table.rowHeight(i) for i in range(len(rows)))
    table.setFixedHeight(height)
    table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return table


def clear_table(table: QTableWidget) -> None:
    """Empty every cell (a new run or dataset: no stale numbers)."""
    for row in range(table.rowCount()):
        for column in range(table.columnCount()):
            table.setItem(row, column, None)


def spin_box(low: int, high: int, value: int, tip: str) -> QSpinBox:
    """An integer box from ``low`` to ``high`` showing ``value``, explained by ``tip``."""
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setToolTip(tip)
    return box


def start_folder(spec: str) -> str:
    """Where a file dialog opens: the folder of ``spec`` (a file or folder in use), so
    the next video or photo is a click away; "" (Qt's own choice) for a camera number."""
    path = Path(spec.strip()).expanduser() if spec.strip() else None
    if path is None or spec.strip().isdigit() or not path.exists():
        return ""
    return str(path if path.is_dir() else path.parent)


def beside(spec: str, name: str) -> str:
    """A file name to suggest for saving: ``name`` in the folder of ``spec`` (when known)."""
    return str(Path(start_folder(spec) or ".") / name)
