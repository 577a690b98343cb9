"""The Training form's choice widgets that carry their own explanations: architecture,
learning rate, augmentations (in a grid that wraps), and how the crowd's votes become
targets."""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QSizePolicy, QWidget

from ferapp.core.errors import FerappError
from ferapp.core.model.metadata import read_metadata
from trainer.backends import BACKENDS, DEFAULT_BACKEND, install_hint, installed_backends
from trainer.protocol import (
    ARCHITECTURE_NAMES,
    AUGMENTATIONS,
    PARAMETER_COUNTS,
    THESIS_AUGMENTATIONS,
    Augmentation,
)

LABEL_MODE_TITLES = {
    "crossentropy": "the crowd's vote shares (FER+'s best)",
    "probability": "one vote drawn per epoch",
    "majority": "the majority's emotion",
}
AUGMENT_TIPS = {
    **dict.fromkeys(
        THESIS_AUGMENTATIONS,
        "The thesis's augmentation, applied to each training image on the fly",
    ),
    "erase": "Random erasing: half the training images get a rectangle of noise, so the "
    "network cannot lean on one part of the face (not in the thesis)",
    "mixup": "Mixup: each training image blended with another, and their labels alike, "
    "so the network learns smoother boundaries between expressions (not in the thesis)",
    "turn": "Turned heads: each face squeezed sideways by up to 30 % and moved off-centre, as "
    "a head turned by up to about 45 degrees looks (not in the thesis)",
    "blur": "Camera blur: most faces slightly blurred, as faces cut out of real photos and "
    "camera frames are less sharp than FER2013's (not in the thesis)",
}


def augment_checkboxes(ticked: Augmentation) -> dict[str, QCheckBox]:
    """A checkbox per augmentation, ticked as ``ticked`` does them."""
    on = ticked.names().split(",")
    boxes = {}
    for name in AUGMENTATIONS:
        box = QCheckBox(name)
        box.setChecked(name in on)
        box.setToolTip(AUGMENT_TIPS[name])
        boxes[name] = box
    return boxes


class CheckGrid(QWidget):
    """Check boxes in equal columns, as many as the width holds; the rest wrap below."""

    SPACING = 8

    def __init__(self, boxes: list[QCheckBox], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.boxes = boxes
        for box in boxes:
            box.setParent(self)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def _cell(self) -> QSize:
        hints = [box.sizeHint() for box in self.boxes]
        return QSize(max(h.width() for h in hints), max(h.height() for h in hints))

    def columns(self, width: int) -> int:
        """How many columns fit in ``width`` (at least one)."""
        step = self._cell().width() + self.SPACING
        return max(1, min(len(self.boxes), (width + self.SPACING) // step))

    def hasHeightForWidth(self) -> bool:  # Qt's name
        return True

    def heightForWidth(self, width: int) -> int:  # Qt's name
        rows = math.ceil(len(self.boxes) / self.columns(width))
        return rows * self._cell().height() + (rows - 1) * self.SPACING // 2

    def sizeHint(self) -> QSize:  # Qt's name: four columns
        width = 4 * (self._cell().width() + self.SPACING) - self.SPACING
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:  # Qt's name: one column
        width = self._cell().width()
        return QSize(width, self.heightForWidth(width))

    def resizeEvent(self, event: QResizeEvent) -> None:  # Qt's name
        super().resizeEvent(event)
        cell, columns = self._cell(), self.columns(self.width())
        for i, box in enumerate(self.boxes):
            row, column = divmod(i, columns)
            x = column * (cell.width() + self.SPACING)
            box.setGeometry(
                x, row * (cell.height() + self.SPACING // 2), cell.width(), cell.height()
            )


def shrinkable(combo: QComboBox, letters: int = 14) -> QComboBox:
    """``combo`` asks for the room of ``letters`` letters at least, not of its longest item
    (its layout widens it where there is room; the list shows whole items)."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(letters)
    return combo


def crowd_combos() -> tuple[QComboBox, QComboBox]:
    """The rule that turns votes into targets, and the number of classes."""
    labels = QComboBox()
    for mode, text in LABEL_MODE_TITLES.items():
        labels.addItem(text, mode)
    labels.setToolTip("FER+'s rules for turning the votes into training targets")
    classes = QComboBox()
    classes.addItem("7 emotions", 7)
    classes.addItem("8, with contempt", 8)
    return shrinkable(labels), shrinkable(classes)


def architecture_combo(chosen: str) -> QComboBox:
    """Every architecture with its size, ``chosen`` selected."""
    combo = QComboBox()
    for name in ARCHITECTURE_NAMES:
        combo.addItem(f"{name} ({PARAMETER_COUNTS[name]:,} parameters)", name)
    combo.setCurrentIndex(ARCHITECTURE_NAMES.index(chosen))
    combo.setToolTip(
        "thesis1-3 and mini_xception are the thesis's; fernet and fernet_wide are ferapp's"
    )
    return shrinkable(combo)


def learning_rate_box(value: float) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setDecimals(5)
    box.setRange(1e-5, 1.0)
    box.setSingleStep(1e-4)
    box.setValue(value)
    box.setToolTip("Adam's step size (1e-4 when fine-tuning a trained model)")
    return box


def teacher_weight_box(value: float) -> QDoubleSpinBox:
    """The teacher's share of each target; off until a teacher is chosen."""
    box = QDoubleSpinBox()
    box.setRange(0.05, 1.0)
    box.setSingleStep(0.05)
    box.setValue(value)
    box.setToolTip(
        "Each training target is this share of the teacher's answer plus the rest of "
        "the one-hot label"
    )
    box.setEnabled(False)
    return box


BACKEND_TITLES = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}


def backend_combo(chosen: str) -> QComboBox:
    """The Keras backends, those not installed here shown but not choosable."""
    combo = QComboBox()
    installed = installed_backends()
    for name in BACKENDS:
        combo.addItem(BACKEND_TITLES[name], name)
        if name not in installed:
            item = combo.model().item(combo.count() - 1)
            item.setEnabled(False)
            item.setText(f"{BACKEND_TITLES[name]} (not installed)")
            item.setToolTip(f"Install it with {install_hint(name)}")
    index = BACKENDS.index(chosen if chosen in installed else DEFAULT_BACKEND)
    combo.setCurrentIndex(index)
    combo.setToolTip(
        "What trains the network: JAX and PyTorch use an NVIDIA GPU when they see one; "
        "the model file is the same whichever trains it"
    )
    return shrinkable(combo)


def start_model_architecture(path: str) -> tuple[str | None, str | None]:
    """(the architecture of the model a run would start from, None) or (None, why it
    cannot start from it)."""
    try:
        info = read_metadata(Path(path))
    except (FerappError, OSError) as exc:
        return None, str(exc)
    arch = (info.extra or {}).get("architecture") if info else None
    if arch not in ARCHITECTURE_NAMES:
        return None, (
            f"{Path(path).name} was not made by ferapp's trainer (its architecture is "
            "unknown), so training cannot continue from it."
        )
    return arch, None
