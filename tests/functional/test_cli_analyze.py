"""`ferapp analyze` run as a user runs it, its CSV/JSON/annotated output parsed and checked."""

from __future__ import annotations

import csv
import json

import cv2
import numpy as np
import pytest

from ferapp.cli import main as cli_main
from ferapp.core.emotions import EMOTIONS
from ferapp.core.output.colors import color_bgr
from ferapp.core.output.rows import csv_columns
from tests import support
from tests.support import run_cli


@pytest.fixture
def photo_folder(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    cv2.imwrite(str(folder / "01_one.png"), support.face_frame(1))
    cv2.imwrite(str(folder / "02_three.jpg"), support.face_frame(3))
    cv2.imwrite(str(folder / "03_nobody.png"), support.blank_frame())
    (folder / "04_broken.png").write_bytes(b"broken")
    return folder


def test_analyze_folder_writes_complete_csv_json_and_annotations(
    tmp_path, photo_folder, happy_model_path
):
    out_csv, out_json, annotated = tmp_path / "r.csv", tmp_path / "r.json", tmp_path / "annotated"
    proc = run_cli(
        "analyze",
        str(photo_folder),
        "--model",
        str(happy_model_path),
        "--csv",
        str(out_csv),
        "--json",
        str(out_json),
        "--annotate",
        str(annotated),
    )
    assert proc.returncode == 0, proc.stderr
    assert "faces found: 4" in proc.stdout and "dominant emotion: happy" in proc.stdout
    assert "04_broken.png" in proc.stdout  # the skipped file is reported
    assert "Traceback" not in proc.stderr
    for notice in ("absl::InitializeLog", "oneDNN custom operations"):  # TensorFlow's start-up
        assert notice not in proc.stderr

    with open(out_csv, newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames) == csv_columns(EMOTIONS)
        rows = list(reader)
    assert [r["source"] for r in rows] == ["01_one.png"] + ["02_three.jpg"] * 3 + ["03_nobody.png"]
    # the face numbers drawn on the boxes and shown in the window's face picker
    assert [r["face"] for r in rows] == ["1", "1", "2", "3", ""]
    assert rows[-1]["label"] == "" and rows[-1]["x"] == ""
    for row in rows[:4]:
        assert row["label"] == "happy"
        probs = [float(row[e]) for e in EMOTIONS]
        assert sum(probs) == pytest.approx(1.0, abs=1e-3)
        assert float(row["confidence"]) == pytest.approx(max(probs), abs=1e-4)
        assert int(row["w"]) > 60

    report = json.loads(out_json.read_text())
    assert report["summary"]["faces"] == 4 and report["summary"]["per_emotion"] == {"happy": 4}
    assert len(report["frames"]) == 3

    assert sorted(p.name for p in annotated.iterdir()) == [
        "01_one.png",
        "02_three.jpg",
        "03_nobody.png",
    ]
    drawn = cv2.imread(str(annotated / "01_one.png"))
    x, y, _w, h = (int(rows[0][k]) for k in "xywh")
    assert tuple(drawn[y + h // 2, x]) == color_bgr("happy")  # yellow box edge


def test_analyze_video_gives_a_row_per_frame_and_an_annotated_video(
    tmp_path, face_video_path, happy_model_path
):
    out_csv, out_video = tmp_path / "v.csv", tmp_path / "v.avi"
    code = cli_main(
        [
            "analyze",
            str(face_video_path),
            "--model",
            str(happy_model_path),
            "--csv",
            str(out_csv),
            "--annotate",
            str(out_video),
            "--quiet",
        ]
    )
    assert code == 0
    with open(out_csv, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["frame"]) for r in rows] == list(range(12))
    assert float(rows[3]["time_ms"]) == pytest.approx(100.0)
    capture = cv2.VideoCapture(str(out_video))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 12
    ok, frame = capture.read()
    capture.release()
    assert ok and frame.shape == (480, 640, 3)


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing.png", "source not found"),
        (lambda p: _write(p / "bad.avi", b"RIFF0000AVI garbage"), "bad.avi"),
        (lambda p: _write(p / "bad.jpg", b"\xff\xd8 not jpeg"), "cannot decode"),
        (lambda p: "97", "camera 97 could not be opened"),
    ],
    ids=["missing", "corrupt-video", "unreadable-image", "no-camera"],
)
def test_bad_sources_give_a_message_and_non_zero_exit(
    tmp_path, happy_model_path, capfd, make, message
):
    code = cli_main(["analyze", str(make(tmp_path)), "--model", str(happy_model_path)])
    err = capfd.readouterr().err  # file descriptor 2: OpenCV's own log lines land there
    assert code == 1
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err  # ferapp's sentence, nothing else


def test_bad_model_files_give_a_message(tmp_path, capsys):
    image = tmp_path / "face.png"
    cv2.imwrite(str(image), support.face_frame(1))
    text_model = tmp_path / "model.h5"
    text_model.write_text("not a model")
    assert cli_main(["analyze", str(image), "--model", str(text_model)]) == 1
    assert "not an HDF5 model file" in capsys.readouterr().err
    proc = run_cli("analyze", str(image), "--model", str(text_model))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr


def test_no_model_available_says_how_to_get_one(tmp_path, capsys, monkeypatch):
    import ferapp.core.locations as locations

    monkeypatch.delenv("FERAPP_MODEL", raising=False)
    monkeypatch.setattr(locations, "find_default_model", lambda: None)
    image = tmp_path / "face.png"
    cv2.imwrite(str(image), np.zeros((10, 10, 3), np.uint8))
    assert cli_main(["analyze", str(image)]) == 1
    err = capsys.readouterr().err
    assert "no emotion model is available" in err and "ferapp train" in err


def test_smoothing_tracks_faces_through_a_video(tmp_path, happy_model_path):
    out_json = tmp_path / "s.json"
    video = support.face_video(tmp_path / "three.avi", n_frames=6, faces=3)
    code = cli_main(
        [
            "analyze",
            str(video),
            "--model",
            str(happy_model_path),
            "--json",
            str(out_json),
            "--smooth",
            "0.6",
            "--quiet",
        ]
    )
    assert code == 0
    frames = json.loads(out_json.read_text())["frames"]
    assert all(len(f["faces"]) == 3 for f in frames)
    assert all(f["faces"][0]["label"] == "happy" for f in frames)
    assert (
        cli_main(["analyze", str(video), "--model", str(happy_model_path), "--smooth", "1.5"]) == 1
    )


def test_unwritable_output_gives_a_message(tmp_path, happy_model_path, capsys):
    image = tmp_path / "face.png"
    cv2.imwrite(str(image), support.face_frame(1))
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a folder")
    code = cli_main(
        ["analyze", str(image), "--model", str(happy_model_path), "--csv", str(blocker / "out.csv")]
    )
    err = capsys.readouterr().err
    assert code == 1 and "cannot write" in err and "Traceback" not in err
