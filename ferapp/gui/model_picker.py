"""A model picker for forms: none, the default model, files chosen so far, "Model file..."."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from ferapp.core.locations import find_default_model


def model_choice(none_label: str, tip: str) -> QComboBox:
    """A model picker: ``none_label`` (data ""), the default model when there is one, and
    "Model file..." (data "<file>", to open a file dialog)."""
    combo = QComboBox()
    combo.addItem(none_label, "")
    default = find_default_model()
    if default is not None:
        combo.addItem("The default model", str(default))
    combo.addItem("Model file...", "<file>")
    combo.setToolTip(tip)
    return combo


def select_model(combo: QComboBox, path: str) -> None:
    """Show ``path`` as the choice of a :func:`model_choice` box, listing a new file by
    name (its full path in the tooltip) above "Model file..."."""
    at = combo.findData(path)
    if at < 0:
        at = combo.count() - 1
        combo.insertItem(at, Path(path).name, path)
        combo.setItemData(at, path, Qt.ItemDataRole.ToolTipRole)
    combo.setCurrentIndex(at)
