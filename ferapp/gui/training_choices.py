"""The Training form's choice widgets that carry their own explanations: architecture,
learning rate, augmentations, and how the crowd's votes become targets."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox

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


def crowd_combos() -> tuple[QComboBox, QComboBox]:
    """The rule that turns votes into targets, and the number of classes."""
    labels = QComboBox()
    for mode, text in LABEL_MODE_TITLES.items():
        labels.addItem(text, mode)
    labels.setToolTip("FER+'s rules for turning the votes into training targets")
    classes = QComboBox()
    classes.addItem("7 emotions", 7)
    classes.addItem("8, with contempt", 8)
    return labels, classes


def architecture_combo(chosen: str) -> QComboBox:
    """Every architecture with its size, ``chosen`` selected."""
    combo = QComboBox()
    for name in ARCHITECTURE_NAMES:
        combo.addItem(f"{name} ({PARAMETER_COUNTS[name]:,} parameters)", name)
    combo.setCurrentIndex(ARCHITECTURE_NAMES.index(chosen))
    combo.setToolTip(
        "thesis1-3 and mini_xception are the thesis's; fernet and fernet_wide are ferapp's"
    )
    return combo


def learning_rate_box(value: float) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setDecimals(5)
    box.setRange(1e-5, 1.0)
    box.setSingleStep(1e-4)
    box.setValue(value)
    box.setToolTip("Adam's step size (1e-4 when fine-tuning a trained model)")
    return box
