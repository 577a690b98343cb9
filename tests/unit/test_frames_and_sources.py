"""Frame normalisation and the four kinds of frame source, on real files."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest

from ferapp.core.errors import InvalidFrameError, SourceError
from ferapp.core.sources.frames import as_bgr
from ferapp.core.sources.opening import (
    CameraSource,
    FolderSource,
    ImageSource,
    VideoSource,
    open_source,
)
from tests import support


@pytest.mark.parametrize(
    "frame",
    [
        np.full((20, 30), 7, np.uint8),
        np.full((20, 30, 1), 7, np.uint8),
        np.full((20, 30, 4), 7, np.uint8),
        np.full((20, 30, 3), 7 * 257, np.uint16),
        np.full((20, 30, 3), 7 / 255, np.float32),
    ],
    ids=["gray", "gray1", "bgra", "uint16", "float"],
)
def test_as_bgr_converts_layouts(frame):
    out = as_bgr(frame)
    assert out.shape == (20, 30, 3) and out.dtype == np.uint8
    assert abs(int(out[0, 0, 0]) - 7) <= 1


@pytest.mark.parametrize(
    "frame",
    [None, np.zeros((0, 0, 3), np.uint8), np.zeros((5,), np.uint8), np.zeros((4, 4, 5), np.uint8)],
)
def test_as_bgr_rejects_empty_and_odd_frames(frame):
    with pytest.raises(InvalidFrameError):
        as_bgr(frame)


def test_image_folder_and_video_sources(tmp_path):
    face = support.face_frame(1)
    cv2.imwrite(str(tmp_path / "a.png"), face)
    cv2.imwrite(str(tmp_path / "b.jpg"), cv2.cvtColor(face, cv2.COLOR_BGR2GRAY))
    (tmp_path / "c.png").write_bytes(b"not a png at all")
    (tmp_path / "notes.txt").write_text("ignored")

    image = open_source(tmp_path / "a.png")
    assert isinstance(image, ImageSource)
    frames = list(image)
    assert len(frames) == 1 and frames[0].image.shape == (480, 640, 3)

    folder = open_source(tmp_path)
    assert isinstance(folder, FolderSource) and len(folder) == 3
    frames = list(folder)
    assert [f.name for f in frames] == ["a.png", "b.jpg"]
    assert all(f.image.ndim == 3 for f in frames)
    assert [p.name for p, _ in folder.skipped] == ["c.png"]

    video = support.face_video(tmp_path / "v.avi", n_frames=10, fps=20)
    with open_source(video) as src:
        assert isinstance(src, VideoSource)
        frames = list(src)
    assert len(frames) == 10
    assert [f.index for f in frames] == list(range(10))
    assert frames[4].time_ms == pytest.approx(200.0)


def test_missing_and_broken_sources_say_what_and_where(tmp_path):
    with pytest.raises(SourceError, match=r"not found.*nothing\.png"):
        open_source(tmp_path / "nothing.png")
    bad_video = tmp_path / "broken.mp4"
    bad_video.write_bytes(b"\x00\x01garbage" * 100)
    with pytest.raises(SourceError, match=r"broken\.mp4"):
        open_source(bad_video)
    bad_image = tmp_path / "broken.png"
    bad_image.write_bytes(b"\x89PNG broken")
    with pytest.raises(SourceError, match=r"cannot decode image .*broken\.png"):
        open_source(bad_image)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SourceError, match="no images in folder"):
        open_source(empty)


def test_missing_camera_gives_a_next_step():
    with pytest.raises(SourceError, match=r"camera 97 could not be opened.*video file"):
        CameraSource(97)


def test_camera_lost_mid_stream_says_so_and_a_stop_is_quiet(tmp_path):
    video = support.face_video(tmp_path / "cam.avi", n_frames=5)
    # a real OpenCV capture that stops delivering after 5 frames, like an unplugged camera
    camera = CameraSource(3, capture=cv2.VideoCapture(str(video)))
    frames = []
    with pytest.raises(SourceError, match=r"camera 3 stopped delivering frames \(unplugged"):
        for frame in camera:
            frames.append(frame)
    assert [f.index for f in frames] == [0, 1, 2, 3, 4] and frames[0].name == "camera 3"
    assert all(b.time_ms >= a.time_ms for a, b in itertools.pairwise(frames))
    # closed by the window while reading (Stop, another source): the loop just ends
    camera = CameraSource(3, capture=cv2.VideoCapture(str(video)))
    seen = 0
    for _ in camera:
        seen += 1
        if seen == 2:
            camera.close()
    assert seen == 2
