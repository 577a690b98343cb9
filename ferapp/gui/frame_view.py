"""A widget that paints the newest annotated frame, scaled to fit with its aspect ratio kept."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

BACKGROUND = QColor(24, 24, 28)
NOTE_BACKGROUND = QColor(0, 0, 0, 190)
TEXT = QColor(240, 240, 240)


class FrameView(QWidget):
    """Shows a BGR frame, or a message (with a next step) when there is nothing to show.

    Over a frame, a message is a small note along the frame's bottom edge, so the last
    frame stays readable (end of a video, a lost camera); ``badge`` is a short word in
    the frame's top-left corner (Paused).
    """

    message_changed = Signal(str)
    resized = Signal(
        int, int
    )  # the view's size in the screen's pixels: frames made to it paint fastest

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._message = ""
        self._badge = ""
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the Live view's keys act here

    @property
    def message(self) -> str:
        return self._message

    def set_frame(self, bgr: np.ndarray) -> None:
        """Show a BGR frame, or a BGRA one (drawn without conversion)."""
        height, width = bgr.shape[:2]
        data = np.ascontiguousarray(bgr)
        layout = QImage.Format.Format_RGB32 if data.shape[2] == 4 else QImage.Format.Format_BGR888
        # QImage shares the buffer: keep `data` alive with the image.
        self._image = QImage(data.data, width, height, data.strides[0], layout)
        self._image.setDevicePixelRatio(self.devicePixelRatioF())  # a scaled screen's pixels
        self._buffer = data
        self.update()  # a message stays until replaced: a late frame must not hide "end of video"

    def set_message(self, text: str) -> None:
        if text != self._message:
            self._message = text
            self.message_changed.emit(text)
            self.update()

    def set_badge(self, text: str) -> None:
        self._badge = text
        self.update()

    def clear(self) -> None:
        self._image = None
        self.update()

    def resizeEvent(self, event) -> None:  # Qt's name
        super().resizeEvent(event)
        ratio = self.devicePixelRatioF()  # frames are made for the screen's own pixels
        self.resized.emit(round(self.width() * ratio), round(self.height() * ratio))

    def image_rect(self) -> QRect:
        """Where the frame is drawn inside the widget."""
        if self._image is None:
            return QRect()
        scaled = self._image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        x = (self.width() - scaled.width()) // 2
        y = (self.height() - scaled.height()) // 2
        return QRect(x, y, scaled.width(), scaled.height())

    def paintEvent(self, event) -> None:  # Qt's name
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        font = QFont(self.font())
        font.setPointSize(max(11, font.pointSize() + 1))
        painter.setFont(font)
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        if self._image is None:
            if self._message:
                painter.setPen(TEXT)
                painter.drawText(self.rect().adjusted(30, 30, -30, -30), flags, self._message)
            painter.end()
            return
        frame = self.image_rect()
        ratio = self._image.devicePixelRatio()
        slack = 1 + ratio  # the view's logical pixels round, the frame's device pixels too
        fits = abs(frame.width() * ratio - self._image.width()) <= slack
        if fits and abs(frame.height() * ratio - self._image.height()) <= slack:  # 1:1
            painter.drawImage(frame.topLeft(), self._image)
        else:  # the view changed size since: scaled here until the next frame
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(frame, self._image)
        metrics = QFontMetrics(font)
        if self._message:
            inner = frame.adjusted(12, 0, -12, 0)
            text = metrics.boundingRect(inner, flags, self._message)
            note = QRect(
                frame.left(), frame.bottom() - text.height() - 16, frame.width(), text.height() + 16
            )
            painter.fillRect(note, NOTE_BACKGROUND)
            painter.setPen(TEXT)
            painter.drawText(note.adjusted(12, 0, -12, 0), flags, self._message)
        if self._badge:
            badge = metrics.boundingRect(self._badge).adjusted(-10, -6, 10, 6)
            badge.moveTopLeft(frame.topLeft() + QRect(0, 0, 10, 10).bottomRight())
            painter.fillRect(badge, NOTE_BACKGROUND)
            painter.setPen(TEXT)
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, self._badge)
        painter.end()
