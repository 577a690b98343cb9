"""The real window, offscreen: results arrive, boxes and bars show them, settings persist."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from ferapp.core.detector import DetectorSettings
from ferapp.core.emotions import EMOTIONS, color_bgr
from ferapp.gui.main_window import MainWindow
from ferapp.gui.settings import load_settings, open_store, save_settings
from tests import media
from tests.conftest import run_cli

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
        lambda: window.last is not None and len(window.last.result.faces) == 1, timeout=WAIT_MS
    )
    face = window.last.result.faces[0]
    assert face.label == "happy"
    x, y, _w, h = face.box
    assert tuple(window.last.annotated[y + h // 2, x]) == color_bgr("happy")
    assert int(np.argmax(window.bars.heights)) == EMOTIONS.index("happy")
    assert "happy" in window.bars.caption.text()
    assert "faces 1" in window.status.text() and "faces.avi" in window.status.text()
    # the painted widget shows the yellow box too
    shot = window.view.grab().toImage()
    colors = {
        shot.pixelColor(i, j).name()
        for i in range(0, shot.width(), 3)
        for j in range(0, shot.height(), 3)
    }
    assert "#ffff00" in colors
    qtbot.waitUntil(lambda: "End of video" in window.view._message, timeout=WAIT_MS)


def test_source_switch_and_failures_show_messages(qtbot, window, tmp_path, face_video_path):
    window.start_source("97")
    qtbot.waitUntil(
        lambda: "camera 97 could not be opened" in window.view._message, timeout=WAIT_MS
    )
    assert "Open video" in window.view._message
    three = media.face_video(tmp_path / "three.avi", n_frames=8, faces=3)
    window.start_source(str(three))
    qtbot.waitUntil(
        lambda: window.last is not None and len(window.last.result.faces) == 3, timeout=WAIT_MS
    )
    assert window.source_name == "three.avi"
    assert window.bars.face_picker.count() == 3 and window.bars.face_picker.isVisible()


def test_broken_model_is_refused_and_the_previous_one_stays(
    qtbot, window, tmp_path, face_video_path
):
    qtbot.waitUntil(lambda: window.model_name.startswith("happy.keras"), timeout=WAIT_MS)
    broken = tmp_path / "broken.h5"
    broken.write_text("not a model")
    window.apply_settings(replace(window.settings, model_path=str(broken)))
    qtbot.waitUntil(lambda: "not an HDF5 model file" in window.model_error, timeout=WAIT_MS)
    window.start_source(str(face_video_path))
    qtbot.waitUntil(
        lambda: window.last is not None and bool(window.last.result.faces), timeout=WAIT_MS
    )
    assert window.last.result.faces[0].label == "happy"  # still classified by the old model


def test_settings_persist_and_reload(qtbot, tmp_path, happy_model_path):
    folder = str(tmp_path / "s")
    first = MainWindow(settings_dir=folder)
    qtbot.addWidget(first)
    new = replace(
        first.settings,
        model_path=str(happy_model_path),
        colors={"happy": "#ff8800"},
        detector=DetectorSettings(1.2, 4, 50, 400),
    )
    first.apply_settings(new)
    first.close()
    second = MainWindow(settings_dir=folder)
    qtbot.addWidget(second)
    assert second.settings.detector == DetectorSettings(1.2, 4, 50, 400)
    assert second.settings.colors == {"happy": "#ff8800"}
    assert second.settings.model_path == str(happy_model_path)
    second.close()
    assert second.inference_thread is None  # closed cleanly, threads joined


def test_custom_colour_is_used_for_boxes(qtbot, window, face_video_path):
    window.apply_settings(replace(window.settings, colors={"happy": "#ff8800"}))
    window.start_source(str(face_video_path))
    qtbot.waitUntil(
        lambda: window.last is not None and bool(window.last.result.faces), timeout=WAIT_MS
    )
    x, y, _w, h = window.last.result.faces[0].box
    assert tuple(window.last.annotated[y + h // 2, x]) == (0, 136, 255)


def test_snapshot_and_recording(qtbot, window, tmp_path, face_video_path):
    csv_path = tmp_path / "rec.csv"
    window.toggle_recording(path=str(csv_path))
    window.start_source(str(face_video_path))
    qtbot.waitUntil(lambda: "End of video" in window.view._message, timeout=WAIT_MS)
    window.toggle_recording()
    lines = csv_path.read_text().splitlines()
    assert lines[0].startswith("source,frame,time_ms,face,x,y,w,h,label,confidence,angry")
    assert len(lines) >= 2 and ",happy," in lines[1]
    png = window.snapshot(str(tmp_path / "snap.png"))
    assert png and (tmp_path / "snap.png").stat().st_size > 1000


def test_headless_screenshot_and_self_test(tmp_path, face_video_path, happy_model_path):
    shot = tmp_path / "window.png"
    proc = run_cli(
        "--source",
        str(face_video_path),
        "--screenshot",
        str(shot),
        "--exit-after",
        "3",
        "--settings-dir",
        str(tmp_path / "s"),
        env={"FERAPP_MODEL": str(happy_model_path), "QT_QPA_PLATFORM": "offscreen"},
    )
    assert proc.returncode == 0, proc.stderr
    assert shot.stat().st_size > 5000
    assert "Traceback" not in proc.stderr and "QThread: Destroyed" not in proc.stderr
    test = run_cli(
        "--self-test", env={"FERAPP_MODEL": str(happy_model_path), "QT_QPA_PLATFORM": "offscreen"}
    )
    assert test.returncode == 0, test.stdout + test.stderr
    assert test.stdout.startswith("ferapp self-test OK")
    broken = tmp_path / "broken.keras"
    broken.write_text("not a model")
    bad = run_cli("--self-test", env={"FERAPP_MODEL": str(broken), "QT_QPA_PLATFORM": "offscreen"})
    assert bad.returncode == 1 and "ferapp self-test FAILED" in bad.stdout
    assert "Traceback" not in bad.stderr


def test_a_thread_busy_in_a_blocking_call_is_kept_until_it_ends(qtbot):
    """Qt aborts the process when a running QThread is destroyed (closing the window
    while the model still loads did that): such a thread is kept, then waited for."""
    import threading

    from PySide6.QtCore import QObject, QThread

    from ferapp.gui import main_window

    release = threading.Event()

    class Busy(QObject):
        def run(self) -> None:
            release.wait(10)  # like a model load: deaf to quit() until it returns

    thread = QThread()
    worker = Busy()
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    thread.start()
    main_window._stop_thread(thread, worker, wait_ms=50)
    lingering = main_window._LINGERING
    assert thread.isRunning() and len(lingering) == 1 and lingering[0][0] is thread
    del thread, worker  # the window lets go of them; only the list holds them now
    release.set()
    main_window.wait_for_lingering_threads()
    assert main_window._LINGERING == []


def test_closing_while_the_default_model_loads_exits_cleanly(tmp_path, face_video_path):
    proc = run_cli(  # the real model takes seconds to load: the window closes first
        "--source",
        str(face_video_path),
        "--exit-after",
        "0.2",
        "--settings-dir",
        str(tmp_path / "s"),
        env={"QT_QPA_PLATFORM": "offscreen"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
