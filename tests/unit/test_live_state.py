"""The Live tab's Qt-free state: what the readout says in each state, and the rate."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ferapp.gui.live_state import LiveState, RateMeter, Shown, stopped_texts


def _played(state: LiveState, frames: int, fps: float, start: float = 100.0) -> None:
    for i in range(frames):
        state.painted(Shown("img_0001.png", 7.25, 2, 1), now=start + i / fps)


def test_the_live_state_needs_no_qt() -> None:
    blocked = "import sys; sys.modules['PySide6'] = None; import ferapp.gui.live_state"
    proc = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_the_rate_counts_painted_frames_per_second() -> None:
    meter = RateMeter(window=10)
    assert meter.rate == 0.0
    for i in range(25):
        meter.tick(i / 20)
    assert meter.rate == pytest.approx(20.0)
    meter.reset()
    assert meter.rate == 0.0


def test_a_video_shows_its_name_rate_model_time_and_faces() -> None:
    state = LiveState()
    state.opened("/videos/class.mp4", "video")
    _played(state, 30, fps=25.0)
    assert state.state == "playing"
    text = state.readout()
    assert text == "25.0 fps  |  inference 7.2 ms  |  faces 2  |  dropped 1"
    assert state.where == "class.mp4"  # beside the numbers, never cutting them


def test_a_folder_shows_the_picture_being_read() -> None:
    state = LiveState()
    state.opened("/photos", "folder")
    _played(state, 3, fps=10.0)
    assert state.where == "img_0001.png" and state.readout().startswith("10.0 fps")


def test_after_resuming_the_rate_starts_again_rather_than_mixing_in_the_pause() -> None:
    state = LiveState()
    state.opened("v.mp4", "video")
    _played(state, 30, fps=30.0)
    state.set_paused(True)
    assert state.state == "paused" and "paused" in state.readout()
    assert "fps" not in state.readout()
    state.set_paused(False)
    state.painted(Shown("", 5.0, 1, 0), now=500.0)  # long after the pause began
    assert "measuring" in state.readout() and "0.1 fps" not in state.readout()
    state.painted(Shown("", 5.0, 1, 0), now=500.05)
    assert "20.0 fps" in state.readout()


@pytest.mark.parametrize(
    ("event", "word"), [("ended", "ended"), ("lost", "camera lost"), ("failed", "failed")]
)
def test_a_source_that_stops_says_why_instead_of_a_rate(event: str, word: str) -> None:
    state = LiveState()
    state.opened("0", "camera")
    _played(state, 5, fps=30.0)
    state.stopped(event)
    assert state.state == event
    assert word in state.readout() and "fps" not in state.readout()


def test_a_lost_camera_plays_again_when_frames_come_back() -> None:
    state = LiveState()
    state.opened("0", "camera")
    state.stopped("lost")
    _played(state, 2, fps=30.0)
    assert state.state == "playing"


def test_opening_a_source_while_paused_keeps_it_paused_and_forgets_the_last_one() -> None:
    state = LiveState(paused=True)
    state.skipped.append("bad.png: unreadable")
    _played(state, 3, fps=30.0)
    state.opened("/b/next.mp4", "video")
    assert state.state == "paused" and state.skipped == [] and state.shown is None
    assert state.readout() == "paused" and state.where == "next.mp4"


def test_a_frame_redone_is_shown_but_not_counted_as_a_frame() -> None:
    state = LiveState()
    state.opened("v.mp4", "video")
    _played(state, 10, fps=30.0)  # 100.0 .. 100.3 s
    state.painted(Shown("", 9.0, 3, 0), now=105.0, again=True)  # landmarks turned on
    assert state.shown is not None and state.shown.faces == 3
    assert "30.0 fps" in state.readout()  # the redone frame is not a frame 5 s later


def test_an_ended_video_offers_a_replay() -> None:
    note, status, for_ms = stopped_texts("ended", "end of video", [])
    assert "Replay (R)" in note and "R to replay" in status and for_ms == 0
    note, _status, _ = stopped_texts("ended", "end of images", ["a.png: unreadable"])
    assert "Skipped 1 unreadable file(s)" in note
