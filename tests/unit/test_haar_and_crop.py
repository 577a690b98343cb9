"""The thesis's Haar detection on real faces, boxes mapped back from the downscaled copy, face crops."""

from __future__ import annotations

import numpy as np
import pytest

from ferapp.core.detect.base import DetectorSettings
from ferapp.core.detect.factory import create_detector
from ferapp.core.detect.haar import load_cascade
from ferapp.core.errors import DetectorError, FerappError
from ferapp.core.faces.crop import CropSettings, crop_faces, enlarge_box
from ferapp.core.faces.tracking import iou
from tests import support


@pytest.mark.parametrize("faces", [1, 3])
def test_downscaled_detection_finds_the_same_faces(faces):
    frame = support.face_frame(faces)
    fast = create_detector(DetectorSettings(detector="haar", detect_width=320)).detect(frame).boxes
    full = create_detector(DetectorSettings(detector="haar", detect_width=0)).detect(frame).boxes
    assert len(fast) == len(full) == faces
    assert list(fast[:, 0]) == sorted(fast[:, 0])  # left to right
    for a, b in zip(fast, full, strict=True):
        assert iou(tuple(a), tuple(b)) > 0.7


def test_no_face_in_blank_tiny_frames():
    detector = create_detector(DetectorSettings(detector="haar"))
    assert detector.detect(support.blank_frame()).boxes.shape == (0, 4)
    assert detector.detect(np.zeros((10, 12), np.uint8)).boxes.shape == (0, 4)


def test_bad_settings_and_broken_cascade_fail_loudly(tmp_path):
    with pytest.raises(DetectorError, match="scale factor"):
        create_detector(DetectorSettings(detector="haar", scale_factor=1.0))
    broken = tmp_path / "cascade.xml"
    broken.write_text("<opencv_storage><nothing/></opencv_storage>")
    with pytest.raises(DetectorError, match="could not be loaded"):
        load_cascade(broken)
    with pytest.raises(DetectorError, match="not found"):
        load_cascade(tmp_path / "missing.xml")


def test_crop_enlarges_proportionally_and_pads_at_edges():
    settings = CropSettings(offset_x=0.1, offset_y=0.2)
    assert enlarge_box(np.array([100, 100, 50, 100]), settings) == (95, 80, 155, 220)
    assert enlarge_box(np.array([100, 100, 100, 200]), settings) == (90, 60, 210, 340)

    gray = np.tile(np.arange(100, dtype=np.uint8), (80, 1))  # brightness = column
    crops = crop_faces(gray, np.array([[0, 0, 40, 40], [60, 40, 40, 40]]), (48, 48), settings)
    assert crops.shape == (2, 48, 48) and crops.dtype == np.uint8
    # left edge padded by replicating column 0; right crop reaches column 99 and beyond
    assert crops[0, :, 0].max() == 0
    assert crops[1, :, -1].min() == 99
    with pytest.raises(FerappError, match="offset"):
        CropSettings(offset_x=2.0)


def test_one_face_gets_one_haar_box() -> None:
    from ferapp.core.detect.haar import one_box_per_face

    face, lower_half = [100, 100, 80, 80], [110, 140, 60, 40]
    other = [300, 100, 80, 80]
    kept = one_box_per_face(np.array([lower_half, face, other], np.int32))
    assert sorted(map(tuple, kept.tolist())) == [tuple(face), tuple(other)]
    touching = [170, 100, 80, 80]  # a neighbour overlapping a little stays
    assert len(one_box_per_face(np.array([face, touching], np.int32))) == 2
    assert one_box_per_face(np.zeros((0, 4), np.int32)).shape == (0, 4)
