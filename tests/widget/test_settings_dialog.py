"""The settings dialog: cameras are looked for in the background, choices survive the search."""

from __future__ import annotations

import threading
from dataclasses import replace

from ferapp.gui.settings import AppSettings
from ferapp.gui.settings_dialog import SettingsDialog


def combo_items(dialog: SettingsDialog) -> list[str]:
    combo = dialog.source_combo
    return [combo.itemText(i) for i in range(combo.count())]


def test_dialog_opens_while_the_camera_search_runs(qtbot):
    release = threading.Event()

    def slow_search() -> list[tuple[int, str]]:
        release.wait(30)  # as opening cameras one by one can take seconds
        return [(0, "Built-in"), (2, "USB camera")]

    dialog = SettingsDialog(replace(AppSettings(), source="2"), camera_lister=slow_search)
    qtbot.addWidget(dialog)
    # constructed while the search is still blocked: the saved camera is already chosen
    assert dialog.camera_status.text() == "Looking for cameras..."
    assert dialog.source_combo.currentData() == "2"
    release.set()
    qtbot.waitUntil(lambda: dialog.camera_status.text() == "2 cameras found", timeout=10_000)
    assert combo_items(dialog)[:2] == ["Camera 0: Built-in", "Camera 2: USB camera"]
    assert dialog.source_combo.currentData() == "2"
    assert dialog.result_settings().source == "2"


def test_a_missing_camera_and_a_failing_search_are_told(qtbot):
    def broken_search() -> list[tuple[int, str]]:
        raise OSError("device busy")

    dialog = SettingsDialog(replace(AppSettings(), source="1"), camera_lister=broken_search)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.camera_status.text().startswith("No camera"), timeout=10_000)
    assert "video file" in dialog.camera_status.text()
    assert combo_items(dialog)[0] == "Camera 1 (not found)"
    assert dialog.result_settings().source == "1"  # kept: it may be plugged in later


def test_the_real_camera_search_finishes(qtbot, tmp_path):
    video = tmp_path / "clip.avi"
    dialog = SettingsDialog(replace(AppSettings(), source=str(video)))
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: "Looking" not in dialog.camera_status.text(), timeout=30_000)
    assert dialog.result_settings().source == str(video)  # a file source stays chosen


def test_the_blur_checkbox_round_trips_through_the_dialog_and_the_file(qtbot, tmp_path):
    from ferapp.gui.settings import load_settings, open_store, save_settings

    dialog = SettingsDialog(AppSettings(), camera_lister=lambda: [])
    qtbot.addWidget(dialog)
    assert not dialog.blur_faces.isChecked()
    dialog.blur_faces.setChecked(True)
    chosen = dialog.result_settings()
    assert chosen.blur_faces and chosen.recognition().blur_faces
    save_settings(open_store(tmp_path), chosen)
    loaded = load_settings(open_store(tmp_path))
    assert loaded.blur_faces and loaded.recognition().blur_faces
    again = SettingsDialog(loaded, camera_lister=lambda: [])
    qtbot.addWidget(again)
    assert again.blur_faces.isChecked()
    save_settings(open_store(tmp_path), replace(loaded, blur_faces=False))
    assert not load_settings(open_store(tmp_path)).blur_faces
