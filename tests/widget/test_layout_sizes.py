"""The window on small screens, offscreen: it opens inside the screen, its minimum fits
1024x600 and 800x500 (a 1600x1000 screen at scale 2), and the Training form is whole."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QWidget

from ferapp.gui.main_window import STATUS_READOUT_WIDTH, MainWindow
from ferapp.gui.settings_dialog import SettingsDialog
from ferapp.gui.widgets import PREFERRED_SIZE, TITLE_BAR, initial_geometry

SMALL_SCREENS = [QRect(0, 0, 1024, 600), QRect(0, 0, 800, 500)]  # 800x500: 1600x1000 at 2x
FOLDER_ERROR = (
    "The image folder /data/faces has no train/ or val/ folder with class folders inside "
    "(ROOT/<split>/<class>/)."
)
LONG_PATH = "/home/someone/ferapp-models/mini_xception-20260101-1200.keras"


@pytest.fixture
def window(qtbot, tmp_path):
    win = MainWindow(settings_dir=str(tmp_path / "settings"))
    qtbot.addWidget(win)
    yield win
    win.training.shutdown()
    win.shutdown()


@pytest.mark.parametrize(
    "available", [*SMALL_SCREENS, QRect(1920, 40, 1920, 1040)], ids=["1024", "800", "wide"]
)
def test_the_first_geometry_lies_inside_the_available_area(available: QRect) -> None:
    shown = initial_geometry(available)
    with_title_bar = shown.adjusted(0, -TITLE_BAR, 0, 0)
    assert available.contains(with_title_bar), (shown, available)
    if available.width() >= PREFERRED_SIZE.width():  # room: the comfortable size, centred
        assert shown.size() == PREFERRED_SIZE
        assert shown.center().x() in range(available.center().x() - 1, available.center().x() + 2)


def test_the_window_opens_inside_its_screen(qtbot, window) -> None:
    window.show()
    available = window.screen().availableGeometry()
    assert available.contains(window.geometry()), (window.geometry(), available)
    assert window.size() == initial_geometry(available).size()


@pytest.mark.parametrize("available", SMALL_SCREENS, ids=["1024x600", "800x500"])
def test_the_minimum_fits_a_small_screen(qtbot, window, available: QRect) -> None:
    room = initial_geometry(available).size()
    for tab in (window.live, window.training):  # each tab's own needs count
        window.tabs.setCurrentWidget(tab)
        needed = window.minimumSizeHint().expandedTo(window.minimumSize())
        assert needed.width() <= room.width() and needed.height() <= room.height(), needed
    window.setGeometry(initial_geometry(available))
    window.show()
    qtbot.waitExposed(window)
    assert window.size() == room  # not pushed wider or taller by a minimum


def _inside_viewport(widget: QWidget, viewport: QWidget) -> bool:
    left = widget.mapTo(viewport, QPoint(0, 0)).x()
    return left >= 0 and left + widget.width() <= viewport.width()


@pytest.mark.parametrize("available", SMALL_SCREENS, ids=["1024x600", "800x500"])
def test_the_training_form_is_whole_on_a_small_screen(qtbot, window, available: QRect) -> None:
    form = window.training.form
    form.data_status.setText(FOLDER_ERROR)
    form.out_edit.setText(LONG_PATH)
    form.set_teacher("")
    window.setGeometry(initial_geometry(available))
    window.show()
    window.tabs.setCurrentWidget(window.training)
    qtbot.waitExposed(window)
    viewport = window.training.form_scroll.viewport()
    qtbot.waitUntil(lambda: form.width() <= viewport.width())  # no horizontal cut
    table = form.counts_table
    header = table.horizontalHeader()
    for widget in (
        table,
        form.data_status,
        form.teacher_weight,
        form.out_edit,
        *form.augment_boxes.values(),
        form.flip_average,
    ):
        assert widget.isVisible() and _inside_viewport(widget, viewport), widget
    for box in (*form.augment_boxes.values(), form.teacher_weight, form.flip_average):
        assert box.width() >= box.sizeHint().width(), box.text() if hasattr(box, "text") else box
    # the counts' "validation" header, the wrapped error text and the save path are whole
    assert header.sectionSize(1) >= header.sectionSizeHint(1)
    assert form.data_status.height() >= form.data_status.heightForWidth(form.data_status.width())
    if available.width() >= 1024:  # an everyday model path shows whole beside the form
        text_room = form.out_edit.width() - 2 * form.out_edit.fontMetrics().averageCharWidth()
        assert form.out_edit.fontMetrics().horizontalAdvance(LONG_PATH) <= text_room
    assert form.out_edit.toolTip() == LONG_PATH


def test_the_augmentations_wrap_onto_rows_that_fit(qtbot, window) -> None:
    grid = window.training.form.augment_grid
    narrow = grid.minimumSizeHint().width()
    assert grid.columns(narrow) == 1
    assert grid.columns(10_000) == len(grid.boxes)
    assert grid.heightForWidth(narrow) > grid.heightForWidth(10_000)


def test_eye_levelling_is_off_with_the_haar_detector(qtbot, window) -> None:
    dialog = SettingsDialog(window.settings, window, camera_lister=lambda: [])
    qtbot.addWidget(dialog)
    dialog.show()
    combo, align = dialog.detector_box.detector_combo, dialog.crop_box.align
    combo.setCurrentIndex(combo.findData("yunet"))
    assert align.isEnabled() and "YuNet" in align.toolTip()
    checked = align.isChecked()
    combo.setCurrentIndex(combo.findData("haar"))
    assert not align.isEnabled() and not dialog.crop_box.crop_rule.isEnabled()
    assert "Haar" in align.toolTip()
    assert align.isChecked() == checked  # the setting is kept for YuNet
    combo.setCurrentIndex(combo.findData("yunet"))
    assert align.isEnabled()


def test_the_status_readout_never_widens_the_window(qtbot, window) -> None:
    window.status.setText("12.5 fps  |  inference 8.1 ms  |  faces 5  |  dropped 0 " * 4)
    window.setGeometry(initial_geometry(SMALL_SCREENS[1]))
    window.show()
    qtbot.waitExposed(window)
    assert window.width() <= SMALL_SCREENS[1].width()
    assert window.status.width() <= STATUS_READOUT_WIDTH
    assert window.status.minimumSizeHint().width() < 100  # it elides rather than widens
