"""A widget that paints the newest annotated frame, scaled to fit with its aspect ratio kept."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget


class FrameView(QWidget):
    """Shows a BGR frame, or a message (with a next step) when there is nothing to show."""

    message_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._message = ""
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def set_frame(self, bgr: np.ndarray) -> None:
        height, width = bgr.shape[:2]
        data = np.ascontiguousarray(bgr)
        # QImage shares the buffer: keep `data` alive with the image.
        self._image = QImage(data.data, width, height, data.strides[0], QImage.Format.Format_BGR888)
        self._buffer = data
        self.update()  # a message stays until replaced: a late frame must not hide "end of video"

    def set_message(self, text: str) -> None:
        if text != self._message:
            self._message = text
            self.message_changed.emit(text)
            self.update()

    def clear(self) -> None:
        self._image = None
        self.update()

    def image_rect(self) -> QRect:
        """Where the frame is drawn inside the widget."""
        if self._image is None:
            return QRect()
        scaled = self._image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        x = (self.width() - scaled.width()) // 2
        y = (self.height() - scaled.height()) // 2
        return QRect(x, y, scaled.width(), scaled.height())

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(24, 24, 28))
        if self._image is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(self.image_rect(), self._image)
        if self._message:
            painter.setPen(QColor(235, 235, 235))
            font = QFont(self.font())
            font.setPointSize(max(11, font.pointSize() + 2))
            painter.setFont(font)
            box = self.rect().adjusted(30, 30, -30, -30)
            if self._image is not None:
                painter.fillRect(box, QColor(0, 0, 0, 170))
            painter.drawText(
                box, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._message
            )
        painter.end()
