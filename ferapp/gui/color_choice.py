"""Choosing the emotions' colours: one button per emotion in its true colour, and presets."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QWidget,
)

from ferapp.core.datasets.ferplus import EMOTIONS_8
from ferapp.core.output.colors import THESIS_PALETTE, ink_for, resolve_palette, to_hex


class ColorChoice(QGroupBox):
    """``colors`` holds the user's '#rrggbb' overrides of the default palette."""

    def __init__(self, colors: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__("Box colours", parent)
        self.colors = dict(colors)
        grid = QGridLayout(self)
        self.buttons: dict[str, QPushButton] = {}
        for i, emotion in enumerate(EMOTIONS_8):  # contempt: 8-class (FER+) models
            button = QPushButton(emotion)
            button.setToolTip(f"Choose the colour of {emotion} boxes and bars")
            button.clicked.connect(lambda _=False, e=emotion: self.choose(e))
            self.buttons[emotion] = button
            grid.addWidget(button, i // 4, i % 4)
        presets = QHBoxLayout()
        default = QPushButton("ferapp colours")
        default.setToolTip("ferapp's default colours: the thesis's, with fear orange")
        default.clicked.connect(lambda: self.set_colors({}))
        thesis = QPushButton("Thesis colours")
        thesis.setToolTip("The thesis's table 5.1 exactly (fear and neutral both green)")
        thesis.clicked.connect(
            lambda: self.set_colors({k: to_hex(v) for k, v in THESIS_PALETTE.items()})
        )
        presets.addWidget(default)
        presets.addWidget(thesis)
        grid.addLayout(presets, 2, 0, 1, 4)
        self._paint()

    def choose(self, emotion: str) -> None:
        current = QColor(to_hex(resolve_palette(self.colors)[emotion]))
        chosen = QColorDialog.getColor(current, self, f"Colour for {emotion}")
        if chosen.isValid():
            self.colors[emotion] = chosen.name()
            self._paint()

    def set_colors(self, colors: dict[str, str]) -> None:
        self.colors = dict(colors)
        self._paint()

    def _paint(self) -> None:
        """Each button in its emotion's true colour, its text black or white to stay readable."""
        palette = resolve_palette(self.colors)
        for emotion, button in self.buttons.items():
            rgb = palette[emotion]
            button.setStyleSheet(
                f"QPushButton {{ background-color: {to_hex(rgb)}; color: {to_hex(ink_for(rgb))};"
                " border: 1px solid #555; padding: 4px; }"
            )
