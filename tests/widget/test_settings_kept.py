"""Settings that name files keep naming them; settings that cannot be kept or used are said."""

from __future__ import annotations

from dataclasses import replace

from ferapp.gui.app_main import self_test
from ferapp.gui.main_window import MainWindow
from ferapp.gui.settings import load_settings, open_store, save_settings

WAIT_MS = 60_000


def _window(qtbot, folder) -> MainWindow:
    win = MainWindow(settings_dir=str(folder))
    qtbot.addWidget(win)
    win.show()
    return win


def test_a_model_and_source_given_relative_are_kept_as_what_they_name(tmp_path, monkeypatch):
    (tmp_path / "m").mkdir()
    monkeypatch.chdir(tmp_path)
    store = open_store(tmp_path / "s")
    save_settings(store, replace(load_settings(store), model_path="m/copy.keras", source="v.mp4"))
    monkeypatch.chdir(tmp_path / "m")  # a later start from another folder
    kept = load_settings(open_store(tmp_path / "s"))
    assert kept.model_path == str(tmp_path / "m" / "copy.keras")
    assert kept.source == str(tmp_path / "v.mp4")
    save_settings(store, replace(kept, model_path="ferapp-fer2013", source="2"))
    kept = load_settings(open_store(tmp_path / "s"))
    assert (kept.model_path, kept.source) == ("ferapp-fer2013", "2")  # names, not paths


def test_a_saved_model_that_is_gone_gives_way_to_the_default_model_saying_so(
    qtbot, tmp_path, face_video_path
):
    store = open_store(tmp_path / "s")
    gone = tmp_path / "gone.keras"
    save_settings(store, replace(load_settings(store), model_path=str(gone)))
    win = _window(qtbot, tmp_path / "s")
    try:
        messages: list[str] = []
        win.live.message.connect(lambda text, _ms: messages.append(text))
        win.start_source(str(face_video_path))
        qtbot.waitUntil(lambda: any("gone" in m for m in messages), timeout=WAIT_MS)
        assert "ferapp-default" in win.live.model_name
        qtbot.waitUntil(lambda: win.live.last is not None, timeout=WAIT_MS)
        assert win.live.last.class_names  # emotions are read: the default model is in use
        assert f"{gone} is gone; using the default model" in messages[-1]
    finally:
        win.shutdown()
    assert self_test(str(tmp_path / "s")) == 1  # the self-test says what the window meets


def test_a_settings_file_that_is_a_folder_is_said_and_the_self_test_fails(qtbot, tmp_path, capsys):
    (tmp_path / "s" / "ferapp.ini").mkdir(parents=True)
    win = _window(qtbot, tmp_path / "s")
    try:
        qtbot.waitUntil(
            lambda: "is not a file" in win.statusBar().currentMessage(), timeout=WAIT_MS
        )
    finally:
        win.shutdown()
    capsys.readouterr()
    assert self_test(str(tmp_path / "s")) == 1
    out = capsys.readouterr().out
    assert out.startswith("ferapp self-test FAILED") and "ferapp.ini is not a file" in out


def test_a_camera_number_no_camera_can_have_is_said_not_fatal(qtbot, tmp_path):
    store = open_store(tmp_path / "s")
    save_settings(store, replace(load_settings(store), source="99999999999999999999"))
    win = _window(qtbot, tmp_path / "s")
    try:
        win.start_source(win.settings.source)
        qtbot.waitUntil(lambda: win.live.flow.state == "failed", timeout=WAIT_MS)
        assert "camera" in win.live.view.message.lower()
    finally:
        win.shutdown()


def test_a_version_1_settings_file_keeps_its_haar_values_and_gets_yunet(tmp_path):
    """Version 1 had no detector choice (Haar only): its Haar values stay, YuNet is chosen."""
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "ferapp.ini").write_text(
        "[General]\nschema_version=1\n\n[detector]\nscale_factor=1.3\nmin_neighbors=7\n"
        "min_size=60\n\n[view]\nmirror=false\nsmoothing=0.25\n"
    )
    settings = load_settings(open_store(folder))
    assert settings.detector.detector == "yunet"
    assert (settings.detector.scale_factor, settings.detector.min_neighbors) == (1.3, 7)
    assert settings.detector.min_size == 60
    assert settings.mirror is False and settings.smoothing == 0.25
    save_settings(open_store(folder), settings)
    assert "schema_version=2" in (folder / "ferapp.ini").read_text()
