"""The settings dialog's recognition sections: the face detector with its parameters, and
the face crop with smoothing."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QSpinBox,
)

from ferapp.core.detect.base import (
    DETECTOR_NAMES,
    DETECTOR_RANGES,
    DETECTOR_TITLES,
    PARAMETERS,
    DetectorSettings,
)
from ferapp.core.faces.crop import CropSettings
from ferapp.core.faces.tracking import MAX_SMOOTHING

CROP_RULE_TITLES = {
    "auto": "By head pose (eye-levelled, or whole for a turned head)",
    "aligned": "Eye-levelled, as the training images",
    "turned": "Whole head, levelled",
}
ALIGN_TIP = "Uses YuNet's eye positions"
NO_ALIGN_TIP = "The Haar cascade finds no eyes: its faces are always box crops"
LABELS = {
    "detect_width": "Detection width",
    "score_threshold": "Score threshold",
    "nms_threshold": "Overlap (NMS) threshold",
    "scale_factor": "Scale factor",
    "min_neighbors": "Minimum neighbours",
    "min_size": "Minimum face size",
}


def _spin_box(name: str, value: float) -> QSpinBox | QDoubleSpinBox:
    """A spin box with the range, step and help of a detector setting."""
    limits = DETECTOR_RANGES[name]
    if isinstance(value, int):
        box: QSpinBox | QDoubleSpinBox = QSpinBox()
        box.setRange(0 if limits.zero else int(limits.low), int(limits.high))
        box.setSingleStep(int(limits.step))
        if name in ("detect_width", "min_size"):
            box.setSuffix(" px")
    else:
        box = QDoubleSpinBox()
        box.setDecimals(2)
        box.setRange(limits.low, limits.high)
        box.setSingleStep(limits.step)
    if limits.zero:
        box.setSpecialValueText(limits.zero)
    box.setValue(value)
    box.setToolTip(limits.help[0].upper() + limits.help[1:])
    return box


def _fraction(value: float, tip: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(0.0, 1.0)
    box.setSingleStep(0.05)
    box.setDecimals(2)
    box.setValue(value)
    box.setToolTip(tip)
    return box


class DetectorSection(QGroupBox):
    """The detector choice and, shown for the chosen one, its own parameters; says
    ``detector_chosen(name)`` when the choice changes."""

    detector_chosen = Signal(str)

    def __init__(self, d: DetectorSettings) -> None:
        super().__init__("Face detection")
        self.detector_combo = QComboBox()
        for name in DETECTOR_NAMES:
            self.detector_combo.addItem(DETECTOR_TITLES[name], name)
        self.detector_combo.setCurrentIndex(DETECTOR_NAMES.index(d.detector))
        self.detector_combo.setToolTip(
            "YuNet finds turned, small and partly hidden faces and gives eye positions for "
            "aligned crops; the Haar cascade is the thesis's detector"
        )
        self.detector_combo.currentIndexChanged.connect(self._show_parameters)
        self.detector_combo.currentIndexChanged.connect(
            lambda: self.detector_chosen.emit(self.detector_combo.currentData())
        )
        self.parameters = {name: _spin_box(name, getattr(d, name)) for name in DETECTOR_RANGES}
        self.form = QFormLayout(self)
        self.form.addRow("Detector", self.detector_combo)
        for name, box in self.parameters.items():
            self.form.addRow(LABELS[name], box)
        self._show_parameters()

    def _show_parameters(self) -> None:
        """Only the chosen detector's own parameters are shown."""
        used = PARAMETERS[self.detector_combo.currentData()]
        for name, box in self.parameters.items():
            self.form.setRowVisible(box, name in used)

    def settings(self) -> DetectorSettings:
        values = {name: box.value() for name, box in self.parameters.items()}
        return DetectorSettings(detector=self.detector_combo.currentData(), **values)


class CropSection(QGroupBox):
    """How faces are framed for the model, and smoothing over frames."""

    def __init__(self, c: CropSettings, smoothing: float) -> None:
        super().__init__("Face crop and smoothing")
        self.align = QCheckBox("Level the eyes and frame faces as in the training images")
        self.align.setChecked(c.align)
        self.align.setToolTip(ALIGN_TIP)
        self.crop_rule = QComboBox()
        for rule, text in CROP_RULE_TITLES.items():
            self.crop_rule.addItem(text, rule)
        self.crop_rule.setCurrentIndex(max(self.crop_rule.findData(c.rule), 0))
        self.crop_rule.setToolTip(
            "With YuNet's landmarks: how each face is framed for the model. Eye-levelled "
            "framing suits frontal faces; a turned head is kept whole by its eye-to-mouth "
            "height; by head pose picks per face"
        )
        self.align.toggled.connect(self._enable_rule)
        self.crop_rule.setEnabled(c.align)
        self._linked = False  # to the dialog's detector section, once shown
        self.offset_x = _fraction(
            c.offset_x, "Box crops: added on each side, fraction of the box width"
        )
        self.offset_y = _fraction(
            c.offset_y, "Box crops: added above and below, fraction of the box height"
        )
        self.smoothing = QDoubleSpinBox()
        self.smoothing.setRange(0.0, MAX_SMOOTHING)
        self.smoothing.setSingleStep(0.05)
        self.smoothing.setValue(smoothing)
        self.smoothing.setSpecialValueText("off")
        self.smoothing.setToolTip(
            "How much each face's probabilities are averaged over frames, so labels do not "
            "flicker (0 = every frame on its own)"
        )
        form = QFormLayout(self)
        form.addRow("", self.align)
        form.addRow("Framing", self.crop_rule)
        form.addRow("Box crop, sides", self.offset_x)
        form.addRow("Box crop, top/bottom", self.offset_y)
        form.addRow("Smoothing over frames", self.smoothing)

    def set_detector(self, name: str) -> None:
        """Eye levelling needs YuNet's landmarks: with Haar it is off, and says why."""
        landmarks = name != "haar"
        self.align.setEnabled(landmarks)
        self.align.setToolTip(ALIGN_TIP if landmarks else NO_ALIGN_TIP)
        self._enable_rule()

    def _enable_rule(self) -> None:
        self.crop_rule.setEnabled(self.align.isEnabled() and self.align.isChecked())

    def showEvent(self, event: QShowEvent) -> None:  # Qt's name
        """Follow the detector section beside this one in the dialog."""
        super().showEvent(event)
        parent = self.parentWidget()
        detector = parent.findChild(DetectorSection) if parent and not self._linked else None
        if detector is not None:
            self._linked = True
            detector.detector_chosen.connect(self.set_detector)
            self.set_detector(detector.detector_combo.currentData())

    def crop(self) -> CropSettings:
        return CropSettings(
            self.offset_x.value(),
            self.offset_y.value(),
            self.align.isChecked(),
            self.crop_rule.currentData(),
        )
