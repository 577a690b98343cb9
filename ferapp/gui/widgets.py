"""Small widgets shared by the tabs: a label that elides, a table sized to its rows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
)


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
        self._full = text
        self.setToolTip(text if text else "")
        self._elide()

    def text(self) -> str:  # Qt's name: the whole text, not the elided one
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:  # Qt's name
        super().resizeEvent(event)
        self._elide()

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
