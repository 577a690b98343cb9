"""The Live tab's rules, in the real window offscreen: every change shows at once, paused
or ended too; the face picker; replay; what stays in the status bar."""

from __future__ import annotations

import re
from dataclasses import replace

import cv2
import pytest

from ferapp.core.faces.results import FaceResult
from ferapp.core.model.metadata import ModelInfo, save_model
from ferapp.gui.main_window import MainWindow
from ferapp.gui.settings import load_settings, open_store, save_settings
from tests import support

WAIT_MS = 60_000


@pytest.fixture
def window(qtbot, tmp_path, happy_model_path):
    store = open_store(tmp_path / "settings")
    save_settings(store, replace(load_settings(store), model_path=str(happy_model_path)))
    win = MainWindow(settings_dir=str(tmp_path / "settings"))
    qtbot.addWidget(win)
    win.show()
    yield win
    win.shutdown()


def paused_on_a_face(qtbot, window, video) -> None:
    """Play ``video`` until a face shows, pause, and wait until no frame comes any more."""
    window.start_source(str(video))
    qtbot.waitUntil(
        lambda: window.live.last is not None and bool(window.live.last.result.faces),
        timeout=WAIT_MS,
    )
    window.pause_action.trigger()
    count = [-1]

    def still() -> bool:
        same, count[0] = count[0] == window.live.frames_painted, window.live.frames_painted
        return same

    qtbot.waitUntil(still, timeout=WAIT_MS)
    qtbot.wait(300)
    qtbot.waitUntil(still, timeout=WAIT_MS)


def test_a_model_switched_while_paused_shows_on_the_frame_bars_and_snapshot(
    qtbot, window, tmp_path
):
    angry = save_model(support.constant_model(winner=0), tmp_path / "angry.keras", ModelInfo())
    paused_on_a_face(qtbot, window, support.face_video(tmp_path / "v.avi", 90))
    before = window.live.last
    assert before.result.faces[0].label == "happy"
    window.apply_settings(replace(window.settings, model_path=str(angry)))
    qtbot.waitUntil(lambda: window.live.last.result.faces[0].label == "angry", timeout=WAIT_MS)
    last = window.live.last
    assert last.again and last.captured.index == before.captured.index  # the same frame
    assert window.live.bars.caption.text().startswith("Face 1: angry")
    assert window.live.indicators.model.text().startswith("Model: angry")
    assert "paused" in window.status.text()
    snap = window.snapshot(str(tmp_path / "snap.png"))
    assert snap and (cv2.imread(snap) == last.annotated).all()


def test_landmarks_turned_on_while_paused_are_drawn_at_once(qtbot, window, tmp_path):
    paused_on_a_face(qtbot, window, support.face_video(tmp_path / "v.avi", 90))
    before = window.live.last
    assert not window.settings.landmarks
    window.landmarks_action.trigger()
    qtbot.waitUntil(lambda: window.live.last is not before, timeout=WAIT_MS)
    after = window.live.last
    assert after.again and after.captured.index == before.captured.index
    assert after.result.faces[0].landmarks  # the detector gives them: now drawn
    assert (after.annotated != before.annotated).any()
    assert [f.number for f in after.result.faces] == [f.number for f in before.result.faces]


def test_the_face_picker_acts_after_the_end_and_a_new_source_resets_it(qtbot, window, tmp_path):
    three = support.face_video(tmp_path / "three.avi", n_frames=8, faces=3)
    window.start_source(str(three))
    qtbot.waitUntil(lambda: "End of video" in window.live.view.message, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.live.bars.face_picker.count() == 3, timeout=WAIT_MS)
    bars = window.live.bars
    faces = window.live.last.result.faces
    for _ in range(3):
        other = (bars.face_picker.currentIndex() + 1) % 3
        bars.face_picker.setCurrentIndex(other)  # as a user's pick: no new result comes
        assert bars.caption.text().startswith(f"Face {faces[other].number}: happy")
    window.start_source(str(support.face_video(tmp_path / "one.avi", n_frames=40)))
    assert bars.face_picker.count() == 0 and bars.caption.text() == "No face in view"
    assert window.live.last is None  # nothing of the last source is redrawn or saved


def test_the_picker_starts_on_the_largest_face_and_keeps_a_pick(qtbot):
    from ferapp.gui.probability_bars import ProbabilityBars

    bars = ProbabilityBars()
    qtbot.addWidget(bars)
    probs = tuple([0.1] * 3 + [0.4] + [0.1] * 3)
    faces = tuple(
        FaceResult(box, "happy", 0.4, probs, track=i)
        for i, box in enumerate([(0, 0, 40, 40), (100, 0, 90, 90), (300, 0, 60, 60)])
    )
    bars.show_faces(faces, ())
    assert bars.face_picker.currentIndex() == 1 and bars.caption.text().startswith("Face 2:")
    bars.face_picker.setCurrentIndex(2)
    bars.show_faces(faces[1:], ())  # face 1 left: face 3 stays picked
    assert bars.caption.text().startswith("Face 3:")
    bars.reset()
    bars.show_faces(faces, ())
    assert bars.caption.text().startswith("Face 2:")


def test_a_video_that_ended_replays(qtbot, window, tmp_path):
    video = support.face_video(tmp_path / "short.avi", n_frames=10)
    window.start_source(str(video))
    qtbot.waitUntil(lambda: "End of video" in window.live.view.message, timeout=WAIT_MS)
    assert "Replay (R)" in window.live.view.message
    first = window.live.frames_painted
    replay = next(a for a in window.live.actions() if a.text().startswith("&Replay"))
    replay.trigger()
    qtbot.waitUntil(lambda: window.live.frames_painted > first, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "End of video" in window.live.view.message, timeout=WAIT_MS)
    assert [f.number for f in window.live.last.result.faces] == [1]


def test_recording_and_the_model_stay_in_view_and_the_numbers_are_whole(qtbot, window, tmp_path):
    video = support.face_video(tmp_path / "a-rather-long-name-for-a-video-file.avi", 300)
    window.toggle_recording(path=str(tmp_path / "rec.csv"))
    window.start_source(str(video))
    qtbot.waitUntil(lambda: window.live.frames_painted > 20, timeout=WAIT_MS)
    indicators = window.live.indicators
    assert indicators.recording.isVisible() and indicators.recording.text() == (
        "● Recording to rec.csv"
    )
    assert indicators.model.isVisible() and indicators.model.text().startswith("Model: happy")
    assert "fps" in window.status.text() and "inference" in window.status.text()
    # numbers only (the name is beside them): they fit the readout's room whole
    assert "a-rather" not in window.status.text()
    readout_room = window.status.maximumWidth()
    assert window.status.fontMetrics().horizontalAdvance(window.status.text()) < readout_room
    # after a pause, the rate counts from the first new frame, never over the pause
    window.pause_action.trigger()
    qtbot.wait(1500)
    readouts: list[str] = []
    window.live.readout.connect(readouts.append)
    painted = window.live.frames_painted
    window.pause_action.trigger()
    qtbot.waitUntil(lambda: window.live.frames_painted > painted + 10, timeout=WAIT_MS)
    rates = [float(m) for text in readouts for m in re.findall(r"([\d.]+) fps", text)]
    assert rates and min(rates) > 2.0, readouts
    window.toggle_recording()
    assert not indicators.recording.isVisible()


def test_the_indicators_in_the_status_bar_follow_a_change_of_settings(qtbot, tmp_path):
    """Settings applied (M, L, the dialog) keep the status bar's indicators the live ones."""
    from ferapp.gui.main_window import MainWindow

    win = MainWindow(settings_dir=str(tmp_path / "s"))
    qtbot.addWidget(win)
    try:
        shown = win.live.indicators
        win.apply_settings(replace(win.settings, mirror=not win.settings.mirror))
        assert win.live.indicators is shown and shown.parent() is not None
        win.live.start_recording(str(tmp_path / "r.csv"))
        assert shown.recording.text().endswith("r.csv")
        win.live.stop_recording()
    finally:
        win.shutdown()
