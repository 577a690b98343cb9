"""The real window, offscreen: results arrive, boxes and bars show them, settings persist."""

from __future__ import annotations

import sys
from dataclasses import replace

import numpy as np
import pytest

from ferapp.core.detect.base import DetectorSettings
from ferapp.core.emotions import EMOTIONS
from ferapp.core.output.colors import color_bgr
from ferapp.gui.main_window import MainWindow
from ferapp.gui.settings import load_settings, open_store, save_settings
from tests import support

WAIT_MS = 60_000


@pytest.fixture
def window(qtbot, tmp_path, happy_model_path):
    store = open_store(tmp_path / "settings")
    settings = load_settings(store)
    save_settings(store, replace(settings, model_path=str(happy_model_path)))
    win = MainWindow(settings_dir=str(tmp_path / "settings"))
    qtbot.addWidget(win)
    win.show()
    yield win
    win.shutdown()


def test_live_results_boxes_and_bars(qtbot, window, face_video_path):
    window.start_source(str(face_video_path))
    with qtbot.waitSignal(window.painted, timeout=WAIT_MS):
        pass
    qtbot.waitUntil(
        lambda: window.live.last is not None and len(window.live.last.result.faces) == 1,
        timeout=WAIT_MS,
    )
    face = window.live.last.result.faces[0]
    assert face.label == "happy"
    x, y, _w, h = face.box
    assert tuple(window.live.last.annotated[y + h // 2, x]) == color_bgr("happy")
    assert int(np.argmax(window.live.bars.heights)) == EMOTIONS.index("happy")
    assert "happy" in window.live.bars.caption.text()
    assert "faces 1" in window.status.text()
    assert window.live.indicators.source.text() == "faces.avi"
    assert window.live.indicators.model.text().startswith("Model: happy")
    # the painted widget shows the yellow box too
    shot = window.live.view.grab().toImage()
    colors = {
        shot.pixelColor(i, j).name()
        for i in range(0, shot.width(), 3)
        for j in range(0, shot.height(), 3)
    }
    assert "#ffff00" in colors
    qtbot.waitUntil(lambda: "End of video" in window.live.view.message, timeout=WAIT_MS)


def test_source_switch_and_failures_show_messages(qtbot, window, tmp_path, face_video_path):
    window.start_source("97")
    qtbot.waitUntil(
        lambda: "Camera 97 could not be opened" in window.live.view.message, timeout=WAIT_MS
    )
    assert "Open video" in window.live.view.message
    three = support.face_video(tmp_path / "three.avi", n_frames=8, faces=3)
    window.start_source(str(three))
    qtbot.waitUntil(
        lambda: window.live.last is not None and len(window.live.last.result.faces) == 3,
        timeout=WAIT_MS,
    )
    assert window.live.source_name == "three.avi"
    assert window.live.bars.face_picker.count() == 3 and window.live.bars.face_picker.isVisible()


def test_broken_model_is_refused_and_the_previous_one_stays(
    qtbot, window, tmp_path, face_video_path
):
    qtbot.waitUntil(lambda: window.live.model_name.startswith("happy.keras"), timeout=WAIT_MS)
    broken = tmp_path / "broken.h5"
    broken.write_text("not a model")
    window.apply_settings(replace(window.settings, model_path=str(broken)))
    qtbot.waitUntil(lambda: "not an HDF5 model file" in window.live.model_error, timeout=WAIT_MS)
    window.start_source(str(face_video_path))
    qtbot.waitUntil(
        lambda: window.live.last is not None and bool(window.live.last.result.faces),
        timeout=WAIT_MS,
    )
    assert window.live.last.result.faces[0].label == "happy"  # still classified by the old model


def test_settings_persist_and_reload(qtbot, tmp_path, happy_model_path):
    folder = str(tmp_path / "s")
    first = MainWindow(settings_dir=folder)
    qtbot.addWidget(first)
    new = replace(
        first.settings,
        model_path=str(happy_model_path),
        colors={"happy": "#ff8800"},
        detector=DetectorSettings(scale_factor=1.2, min_neighbors=4, min_size=50, detect_width=400),
    )
    first.apply_settings(new)
    first.close()
    second = MainWindow(settings_dir=folder)
    qtbot.addWidget(second)
    assert second.settings.detector == DetectorSettings(
        scale_factor=1.2, min_neighbors=4, min_size=50, detect_width=400
    )
    assert second.settings.colors == {"happy": "#ff8800"}
    assert second.settings.model_path == str(happy_model_path)
    second.close()
    assert second.live.inference_thread is None  # closed cleanly, threads joined


def test_custom_colour_is_used_for_boxes(qtbot, window, face_video_path):
    window.apply_settings(replace(window.settings, colors={"happy": "#ff8800"}))
    window.start_source(str(face_video_path))
    qtbot.waitUntil(
        lambda: window.live.last is not None and bool(window.live.last.result.faces),
        timeout=WAIT_MS,
    )
    x, y, _w, h = window.live.last.result.faces[0].box
    assert tuple(window.live.last.annotated[y + h // 2, x]) == (0, 136, 255)


def test_snapshot_and_recording(qtbot, window, tmp_path, face_video_path):
    csv_path = tmp_path / "rec.csv"
    window.toggle_recording(path=str(csv_path))
    window.start_source(str(face_video_path))
    qtbot.waitUntil(lambda: "End of video" in window.live.view.message, timeout=WAIT_MS)
    window.toggle_recording()
    lines = csv_path.read_text().splitlines()
    assert lines[0].startswith("source,frame,time_ms,face,x,y,w,h,label,confidence,angry")
    assert len(lines) >= 2 and ",happy," in lines[1]
    png = window.snapshot(str(tmp_path / "snap.png"))
    assert png and (tmp_path / "snap.png").stat().st_size > 1000


def test_a_thread_busy_in_a_blocking_call_is_kept_until_it_ends(qtbot):
    """Qt aborts the process when a running QThread is destroyed (closing the window
    while the model still loads did that): such a thread is kept, then waited for."""
    import threading

    from PySide6.QtCore import QObject, QThread

    from ferapp.gui import threads

    release = threading.Event()

    class Busy(QObject):
        def run(self) -> None:
            release.wait(10)  # like a model load: deaf to quit() until it returns

    thread = QThread()
    worker = Busy()
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    thread.start()
    threads.stop_worker(thread, worker, wait_ms=50)
    lingering = threads._LINGERING
    assert thread.isRunning() and len(lingering) == 1 and lingering[0][0] is thread
    del thread, worker  # the window lets go of them; only the list holds them now
    release.set()
    threads.wait_for_lingering_threads()
    assert threads._LINGERING == []


def test_a_lost_camera_is_retried_with_a_countdown_and_comes_back(qtbot, window, tmp_path):
    """A capture that stops delivering (as an unplugged camera does) and delivers again."""
    import cv2

    from ferapp.core.sources.captures import CameraSource

    video = support.face_video(tmp_path / "camera.avi", n_frames=10)
    opened: list[int] = []

    def camera(spec: str) -> CameraSource:
        opened.append(1)
        return CameraSource(int(spec), capture=cv2.VideoCapture(str(video)))

    live = window.live
    live.open_source, live.retry_seconds = camera, 1
    qtbot.waitUntil(lambda: live.ready, timeout=WAIT_MS)
    countdowns: list[str] = []
    live.view.message_changed.connect(countdowns.append)
    window.start_source("3")
    qtbot.waitUntil(lambda: len(opened) >= 2, timeout=WAIT_MS)  # lost, counted down, reopened
    assert any("stopped delivering" in m for m in countdowns)
    assert any("trying again in 1 s" in m for m in countdowns)
    frames_before = live.frames_painted
    qtbot.waitUntil(lambda: live.frames_painted > frames_before, timeout=WAIT_MS)  # it resumed
    # a long countdown, cut short by File > Reconnect camera
    live.stop_source()
    live.retry_seconds = 60
    opened.clear()
    window.start_source("3")
    qtbot.waitUntil(lambda: any("trying again in 60 s" in m for m in countdowns), timeout=WAIT_MS)
    window.reconnect_action.trigger()
    qtbot.waitUntil(lambda: len(opened) >= 2, timeout=10_000)


def test_pause_and_a_snapshot_are_said_where_they_can_be_seen(
    qtbot, window, face_video_path, tmp_path
):
    window.start_source(str(face_video_path))
    qtbot.waitUntil(lambda: window.live.last is not None, timeout=WAIT_MS)
    window.pause_action.trigger()
    assert "Paused" in window.statusBar().currentMessage()
    assert "paused" in window.status.text() and window.live.view._badge == "Paused"
    saved = window.snapshot(str(tmp_path / "snap.png"))
    assert saved and f"Saved {saved}" == window.statusBar().currentMessage()
    window.pause_action.trigger()
    assert window.live.view._badge == ""
    # the readout has its own place: a message and the readout are both on screen
    assert window.status.isVisible() and window.status.width() > 300


def test_single_keys_act_on_the_live_view_only(qtbot, window):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    window.tabs.setCurrentWidget(window.training)
    box = window.training.form.skip_bad
    box.setFocus()
    qtbot.waitUntil(box.hasFocus, timeout=5000)
    QTest.keyClick(box, Qt.Key.Key_Space)
    assert box.isChecked() and not window.pause_action.isChecked()
    combo = window.training.form.arch_combo
    combo.setFocus()
    mirror = window.settings.mirror
    QTest.keyClick(combo, Qt.Key.Key_M)
    assert window.settings.mirror == mirror  # M chose an architecture, not the mirror
    window.tabs.setCurrentWidget(window.live)
    window.live.view.setFocus()
    qtbot.waitUntil(window.live.view.hasFocus, timeout=5000)
    QTest.keyClick(window.live.view, Qt.Key.Key_Space)
    assert window.pause_action.isChecked()


def test_box_numbers_are_the_numbers_of_the_face_picker(qtbot, window, tmp_path):
    three = support.face_video(tmp_path / "three.avi", n_frames=8, faces=3)
    window.start_source(str(three))
    qtbot.waitUntil(
        lambda: window.live.last is not None and len(window.live.last.result.faces) == 3,
        timeout=WAIT_MS,
    )
    faces = window.live.last.result.faces
    picker = window.live.bars.face_picker
    assert [picker.itemText(i) for i in range(picker.count())] == [
        f"Face {f.number}" for f in faces
    ]
    assert sorted(f.number for f in faces) == [1, 2, 3]
    picker.setCurrentIndex(2)
    window.live.bars.show_faces(faces, window.live.last.class_names)
    assert window.live.bars.caption.text().startswith(f"Face {faces[2].number}:")


def test_about_shows_the_version_the_model_card_and_the_licences(qtbot, window):
    from ferapp import __version__
    from ferapp.gui.about import AboutDialog

    dialog = AboutDialog("happy.keras", window)
    qtbot.addWidget(dialog)
    texts = [dialog.tabs.widget(i).toPlainText() for i in range(dialog.tabs.count())]
    assert __version__ in texts[0] and "happy.keras" in texts[0]
    assert "Model card" in texts[1]
    assert "FER2013" in texts[2] and "YuNet" in texts[2] and "LGPL" in texts[2]
    assert not window.windowIcon().isNull()


def test_a_results_file_opens_as_a_timeline(qtbot, window, tmp_path, happy_model_path):
    from ferapp.cli import main as cli_main

    video = support.face_video(tmp_path / "three.avi", n_frames=12, faces=3)
    result = tmp_path / "three.json"
    cli_main(["analyze", str(video), "--model", str(happy_model_path), "--json", str(result),
              "--quiet"])  # fmt: skip
    dialog = window.open_results(str(result))
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.timeline is not None, timeout=WAIT_MS)
    assert dialog.picker.count() == 3 and "3 face(s)" in dialog.caption.text()
    xs, ys = dialog.curves["happy"].getData()
    assert len(xs) == 12 and min(ys) > 0.5
    broken = tmp_path / "broken.json"
    broken.write_text("{}")
    other = window.open_results(str(broken))
    qtbot.addWidget(other)
    qtbot.waitUntil(lambda: "not a ferapp result file" in other.caption.text(), timeout=WAIT_MS)


def test_an_installed_ferapp_lists_each_bundled_library_licence(qtbot, window, tmp_path,
                                                                monkeypatch):  # fmt: skip
    """In a bundle (sys._MEIPASS), Help > About links every licence file it carries."""
    from ferapp.gui.about import AboutDialog

    (tmp_path / "licenses" / "numpy").mkdir(parents=True)
    (tmp_path / "licenses" / "numpy" / "LICENSE.txt").write_text("BSD")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    dialog = AboutDialog("happy.keras", window)
    qtbot.addWidget(dialog)
    shown = dialog.tabs.widget(2).toMarkdown()
    assert "numpy" in shown and (tmp_path / "licenses/numpy/LICENSE.txt").as_uri() in shown


def test_frames_come_scaled_to_the_view_and_follow_its_size(qtbot, window, face_video_path):
    """The worker scales each frame to the view (the UI thread paints pixel for pixel);
    after a resize, frames of the new size follow."""
    window.start_source(str(face_video_path))

    def shown_fits() -> bool:
        last = window.live.last
        rect = window.live.view.image_rect()
        return last is not None and last.shown.shape == (rect.height(), rect.width(), 4)

    qtbot.waitUntil(shown_fits, timeout=WAIT_MS)
    before = window.live.last.shown.shape
    window.resize(window.width() - 200, window.height() - 100)
    qtbot.waitUntil(
        lambda: shown_fits() and window.live.last.shown.shape != before, timeout=WAIT_MS
    )
    annotated = window.live.last.annotated  # the frame itself, for snapshots
    assert annotated.shape[:2] == support.face_frame(1).shape[:2]


def test_a_source_opened_while_paused_shows_its_first_frame_and_waits(
    qtbot, window, face_video_path
):
    window.pause_action.trigger()
    window.start_source(str(face_video_path))
    qtbot.waitUntil(lambda: window.live.last is not None, timeout=WAIT_MS)
    first = window.live.last.captured.index
    qtbot.wait(500)  # paused: no second frame comes
    assert first == 0 and window.live.last.captured.index == 0
    window.pause_action.trigger()
    qtbot.waitUntil(lambda: window.live.last.captured.index > 0, timeout=WAIT_MS)
