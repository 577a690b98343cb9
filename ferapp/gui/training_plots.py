"""The Training tab's results: accuracy and loss curves per epoch, the validation confusion
matrix as a heatmap, and precision/recall per class."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QTableWidgetItem, QVBoxLayout, QWidget

from ferapp.core.emotions import EMOTIONS
from ferapp.gui.widgets import clear_table, fitted_table

TRAIN_PEN = pg.mkPen("#1f77b4", width=2)
VALIDATION_PEN = pg.mkPen("#d62728", width=2)


def _epoch_ticks(last: int) -> list[tuple[int, str]]:
    """Whole epochs only, at most about ten labels."""
    step = max(1, int(np.ceil(last / 10)))
    return [(e, str(e)) for e in range(1, max(last, 1) + 1, step)]


class TrainingPlots(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.acc_plot = self._curve_plot("accuracy", "accuracy", legend_at_bottom=True)
        self.loss_plot = self._curve_plot("loss", "loss", legend_at_bottom=False)
        self.confusion_plot = pg.PlotWidget(background="w")
        self.confusion_plot.setMouseEnabled(x=False, y=False)
        self.confusion_plot.hideButtons()
        self.confusion_image = pg.ImageItem()
        self.confusion_image.setColorMap(pg.colormap.get("viridis"))
        self.confusion_plot.addItem(self.confusion_image)
        view = self.confusion_plot.getViewBox()
        view.invertY(True)
        view.setAspectLocked(True)
        self.confusion_plot.setLabel("left", "true")
        self.confusion_plot.setLabel("bottom", "predicted")
        # three letters per column, so that seven names fit side by side
        self.confusion_plot.getAxis("left").setTicks(
            [[(i + 0.5, n) for i, n in enumerate(EMOTIONS)]]
        )
        self.confusion_plot.getAxis("bottom").setTicks(
            [[(i + 0.5, n[:3]) for i, n in enumerate(EMOTIONS)]]
        )
        for side in ("left", "bottom"):  # class names, not numbers: no "(x0.001)" scaling
            self.confusion_plot.getAxis(side).enableAutoSIPrefix(False)
        n = len(EMOTIONS)
        self.confusion_plot.setRange(xRange=(0, n), yRange=(0, n), padding=0)
        self._confusion_texts: list[pg.TextItem] = []
        self.report_table = fitted_table(list(EMOTIONS), ["precision", "recall"])
        report_box = QWidget()
        report_layout = QVBoxLayout(report_box)
        report_layout.setContentsMargins(0, 0, 0, 0)
        report_layout.addWidget(QLabel("Validation: precision and recall per class"))
        report_layout.addWidget(self.report_table)
        report_layout.addStretch(1)
        confusion_box = QWidget()
        confusion_layout = QVBoxLayout(confusion_box)
        confusion_layout.setContentsMargins(0, 0, 0, 0)
        confusion_layout.addWidget(
            QLabel("Validation: confusion matrix (share of each true class)")
        )
        confusion_layout.addWidget(self.confusion_plot, 1)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.acc_plot, 0, 0)
        grid.addWidget(self.loss_plot, 0, 1)
        grid.addWidget(confusion_box, 1, 0)
        grid.addWidget(report_box, 1, 1)
        self.clear()

    def _curve_plot(self, metric: str, title: str, legend_at_bottom: bool) -> pg.PlotWidget:
        plot = pg.PlotWidget(background="w", title=title)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        # accuracy rises and loss falls: each legend sits where its curves are not
        plot.addLegend(offset=(-10, -10) if legend_at_bottom else (-10, 10))
        plot.setLabel("bottom", "epoch")
        plot.setLabel("left", metric)
        for side in ("left", "bottom"):  # plain numbers: no "(x0.001)" scaling
            plot.getAxis(side).enableAutoSIPrefix(False)
        plot.showGrid(x=True, y=True, alpha=0.3)
        for key, pen, name in (
            (metric, TRAIN_PEN, "train"),
            (f"val_{metric}", VALIDATION_PEN, "validation"),
        ):
            self.curves[key] = plot.plot([], [], pen=pen, symbol="o", symbolSize=5, name=name)
        return plot

    def clear(self) -> None:
        """No results: a new run or another dataset starts."""
        for curve in self.curves.values():
            curve.setData([], [])
        for plot in (self.acc_plot, self.loss_plot):
            plot.getAxis("bottom").setTicks([_epoch_ticks(1)])
            plot.setXRange(0.5, 1.5, padding=0)
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
