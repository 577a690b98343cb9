"""The Training tab's results: accuracy and loss curves per epoch (their legend in a row
above them, never on the data), the validation confusion matrix as a heatmap, and
precision/recall per class."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QSizePolicy,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ferapp.core.emotions import EMOTIONS
from ferapp.gui.widgets import clear_table, fitted_table

TRAIN_COLOR, VALIDATION_COLOR = "#1f77b4", "#d62728"
SERIES = (("", TRAIN_COLOR, "o", "train"), ("val_", VALIDATION_COLOR, "s", "validation"))
LEGEND = "&nbsp;&nbsp;&nbsp;".join(
    f'<span style="color:{color}">{"&#9679;" if symbol == "o" else "&#9632;"} {name}</span>'
    for _prefix, color, symbol, name in SERIES
)
MIN_PLOT_HEIGHT, MIN_MATRIX_HEIGHT = 120, 200
COLUMN_GAP = 10  # pixels between the names of neighbouring columns
CONFUSION_CAPTION = "Validation images (colour: share of the true class)"


def _epoch_ticks(last: int) -> list[tuple[int, str]]:
    """Whole epochs only, at most about ten labels."""
    step = max(1, int(np.ceil(last / 10)))
    return [(e, str(e)) for e in range(1, max(last, 1) + 1, step)]


def column_names(names: list[str], width: float, fits) -> list[str]:
    """The longest prefixes of ``names`` (at most three letters, at least two: all
    different) that ``fits(text, width)`` says fit a column ``width`` pixels wide."""
    for letters in (3, 2):
        short = [n[:letters] for n in names]
        if all(fits(text, width) for text in short):
            return short
    return [n[:2] for n in names]


def _caption(text: str) -> QLabel:
    """A caption that wraps, with room for two lines in the layout's minimum."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setMinimumHeight(2 * label.fontMetrics().lineSpacing())
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom)
    return label


class TrainingPlots(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.legend = QLabel(LEGEND)
        self.legend.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.acc_plot = self._curve_plot("accuracy")
        self.loss_plot = self._curve_plot("loss")
        self.confusion_plot = pg.PlotWidget(background="w")
        self.confusion_plot.setMouseEnabled(x=False, y=False)
        self.confusion_plot.hideButtons()
        self.confusion_image = pg.ImageItem()
        self.confusion_image.setColorMap(pg.colormap.get("viridis"))
        self.confusion_plot.addItem(self.confusion_image)
        view = self.confusion_plot.getViewBox()
        view.invertY(True)
        view.setAspectLocked(True)
        self.confusion_plot.setLabel("left", "true class")
        self.confusion_plot.setLabel("bottom", "predicted class")
        # three letters per column, so that seven names fit side by side
        self.confusion_plot.getAxis("left").setTicks(
            [[(i + 0.5, n) for i, n in enumerate(EMOTIONS)]]
        )
        self._column_names: list[str] = []
        view.sigResized.connect(self._fit_column_names)
        self._fit_column_names()
        for side in ("left", "bottom"):  # class names, not numbers: no "(x0.001)" scaling
            self.confusion_plot.getAxis(side).enableAutoSIPrefix(False)
        n = len(EMOTIONS)
        self.confusion_plot.setRange(xRange=(0, n), yRange=(0, n), padding=0)
        self._confusion_texts: list[pg.TextItem] = []
        self.report_table = fitted_table(list(EMOTIONS), ["precision", "recall"])
        # on a short window the table scrolls rather than squeezing the plots
        self.report_table.setMinimumHeight(self.report_table.height() // 2)
        self.report_table.setMaximumHeight(self.report_table.height())
        self.report_table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.report_table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.confusion_plot.setMinimumHeight(MIN_MATRIX_HEIGHT)
        report_box = QWidget()
        report_layout = QVBoxLayout(report_box)
        report_layout.setContentsMargins(0, 0, 0, 0)
        report_layout.addWidget(_caption("Validation: precision and recall per class"))
        report_layout.addWidget(self.report_table)
        report_layout.addStretch(1)
        confusion_box = QWidget()
        confusion_layout = QVBoxLayout(confusion_box)
        confusion_layout.setContentsMargins(0, 0, 0, 0)
        confusion_layout.addWidget(_caption(CONFUSION_CAPTION))
        confusion_layout.addWidget(self.confusion_plot, 1)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.legend, 0, 0, 1, 2)
        grid.addWidget(self.acc_plot, 1, 0)
        grid.addWidget(self.loss_plot, 1, 1)
        grid.addWidget(confusion_box, 2, 0)
        grid.addWidget(report_box, 2, 1)
        grid.setRowStretch(1, 1)
        grid.setRowStretch(2, 1)
        self.clear()

    def heightForWidth(self, width: int) -> int:  # Qt's name: fill the height given
        return self.minimumSizeHint().height()

    def _curve_plot(self, metric: str) -> pg.PlotWidget:
        """The train and validation curves of ``metric``; lines and points in one colour
        per series, the legend being the row above the plots."""
        plot = pg.PlotWidget(background="w", title=metric)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.setMinimumHeight(MIN_PLOT_HEIGHT)
        plot.setLabel("bottom", "epoch")
        plot.getAxis("left").setWidth(44)  # room for the numbers: the title names the metric
        for side in ("left", "bottom"):  # plain numbers: no "(x0.001)" scaling
            plot.getAxis(side).enableAutoSIPrefix(False)
        plot.showGrid(x=True, y=True, alpha=0.3)
        for prefix, color, symbol, _name in SERIES:
            self.curves[prefix + metric] = plot.plot(
                [],
                [],
                pen=pg.mkPen(color, width=2),
                symbol=symbol,
                symbolSize=6,
                symbolBrush=color,
                symbolPen=color,
            )
        return plot

    def _fit_column_names(self) -> None:
        """Predicted classes under the matrix, as long as each column has room for."""
        axis = self.confusion_plot.getAxis("bottom")
        width = self.confusion_plot.getViewBox().width() / len(EMOTIONS)
        metrics = QFontMetrics(axis.style.get("tickFont") or self.font())
        names = column_names(
            list(EMOTIONS), width, lambda t, w: metrics.horizontalAdvance(t) + COLUMN_GAP <= w
        )
        if names != self._column_names:
            self._column_names = names
            axis.setTicks([[(i + 0.5, n) for i, n in enumerate(names)]])

    def clear(self) -> None:
        """No results: a new run or another dataset starts."""
        for curve in self.curves.values():
            curve.setData([], [])
        for plot in (self.acc_plot, self.loss_plot):  # a new run: nothing of the last one's scale
            plot.getAxis("bottom").setTicks([_epoch_ticks(1)])
            plot.setXRange(0.5, 1.5, padding=0)
            plot.setYRange(0, 1, padding=0)  # the first epoch's values set it again
        self.confusion_image.clear()
        for item in self._confusion_texts:
            self.confusion_plot.removeItem(item)
        self._confusion_texts = []
        clear_table(self.report_table)

    def show_history(self, history: list[dict]) -> None:
        epochs = [h.get("epoch", i + 1) for i, h in enumerate(history)]
        for key, curve in self.curves.items():
            curve.setData(epochs, [h.get(key, np.nan) for h in history])
        last = int(max(epochs, default=1))
        for plot in (self.acc_plot, self.loss_plot):
            plot.getAxis("bottom").setTicks([_epoch_ticks(last)])
            plot.setXRange(0.5, last + 0.5, padding=0)
            plot.enableAutoRange(axis="y")

    def show_report(self, report: dict | None) -> None:
        """The validation confusion matrix as a heatmap, and precision/recall per class."""
        if not report:
            return
        matrix = np.asarray(report["confusion_matrix"], dtype=float)
        rows = matrix.sum(axis=1, keepdims=True)
        share = np.divide(matrix, rows, out=np.zeros_like(matrix), where=rows > 0)
        self.confusion_image.setImage(share.T, levels=(0, 1))
        for item in self._confusion_texts:
            self.confusion_plot.removeItem(item)
        self._confusion_texts = []
        for i in range(matrix.shape[0]):
            for j in range(matrix.shape[1]):
                text = pg.TextItem(
                    str(int(matrix[i, j])),
                    anchor=(0.5, 0.5),
                    color="k" if share[i, j] > 0.5 else "w",
                )
                text.setPos(j + 0.5, i + 0.5)
                self.confusion_plot.addItem(text)
                self._confusion_texts.append(text)
        for row, name in enumerate(report["class_names"]):
            for column, key in enumerate(("precision", "recall")):
                value = report[key].get(name)
                item = QTableWidgetItem("-" if value is None else f"{value:.1%}")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.report_table.setItem(row, column, item)
