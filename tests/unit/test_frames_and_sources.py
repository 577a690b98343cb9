"""Frame normalisation and the four kinds of frame source, on real files."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest

from ferapp.core.errors import InvalidFrameError, SourceError
from ferapp.core.sources.frames import as_bgr
from ferapp.core.sources.images import decode_image, read_image
from ferapp.core.sources.opening import (
    CameraSource,
    FolderSource,
    ImageSource,
    VideoSource,
    camera_index,
    open_source,
)
from tests import support
from tests.hostile_media import jpeg_with_orientation, variable_rate_mp4


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


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_photos_are_turned_upright_by_their_exif_orientation(tmp_path, orientation):
    upright = support.face_frame(1)
    upright[:60, :100] = (0, 0, 255)  # a red corner: top left when upright
    photo = jpeg_with_orientation(tmp_path / f"télé-{orientation}.jpg", upright, orientation)
    stored = cv2.imdecode(np.fromfile(str(photo), np.uint8), cv2.IMREAD_UNCHANGED)
    assert stored.shape != upright.shape or np.abs(stored.astype(int) - upright).mean() > 20
    for image in (read_image(photo), decode_image(photo.read_bytes(), "upload")):
        assert image.shape == upright.shape
        assert np.abs(image.astype(int) - upright).mean() < 4  # JPEG's loss only
        assert tuple(image[20, 30]) == pytest.approx((0, 0, 255), abs=40)


def test_video_times_come_from_the_container(tmp_path):
    """A phone records at a variable rate: times are the file's, not index / frame rate."""
    durations = [40] * 6 + [500] * 6
    frames = [np.full((48, 64, 3), 20 * i, np.uint8) for i in range(len(durations))]
    video = variable_rate_mp4(tmp_path / "vfr.mp4", frames, durations)
    with open_source(video) as source:
        times = [frame.time_ms for frame in source]
    expected = [float(sum(durations[:i])) for i in range(len(durations))]
    assert times == pytest.approx(expected, abs=1)  # index / fps would be off by 1.7 s
    with VideoSource(video) as source:  # no timestamp (0) or one going back: the frame rate
        source.fps = 10.0
        assert source._time_ms(0, 0.0) == 0.0
        assert source._time_ms(1, 90.0) == 90.0
        assert source._time_ms(2, 0.0) == 200.0
        assert source._time_ms(3, 150.0) == 300.0
        assert source._time_ms(4, float("nan")) == 400.0
        assert source._time_ms(5, 120.0) == 500.0


def test_numbers_that_no_camera_can_have_are_refused_in_words():
    assert camera_index("²") is None  # a digit to str.isdigit, but no number: a file name
    assert camera_index(" 2 ") == 2
    for spec in ("99999999999999999999", "9" * 5000):
        with pytest.raises(SourceError, match=r"camera 9+.* does not exist: cameras are numbered"):
            open_source(spec)
    for number in (2**31, -1):
        with pytest.raises(SourceError, match=f"camera {number} does not exist"):
            CameraSource(number)
    with pytest.raises(SourceError, match="source not found: ²"):
        open_source("²")
