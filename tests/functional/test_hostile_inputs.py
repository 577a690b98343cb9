"""A hostile-input corpus, made by the tests: every case ends in one clear sentence that
names the file, row or option, or in a reported skip; never a traceback, a hang or a
partly written output at the requested path."""

from __future__ import annotations

import csv
import gzip
import json
import os
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import cv2
import h5py
import keras
import numpy as np
import pytest

from ferapp.cli import main as cli_main
from ferapp.core.errors import FerappError, InvalidFrameError
from ferapp.core.model.metadata import ModelInfo, save_model
from tests import hostile_media, support

Maker = Callable[[Path], Path]


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        code = cli_main(argv)
    except SystemExit as exc:  # argparse's own errors: usage and one line
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in err, err
    return code, out, err


def assert_one_clear_error(code: int, err: str, *names: str) -> None:
    lines = [line for line in err.splitlines() if "error" in line]
    assert code != 0 and len(lines) == 1, err
    for name in names:
        assert name in lines[0], (name, lines[0])


# ------------------------------------------------------------------ model files
WITH_METADATA = ModelInfo()


def _saved(model, path: Path, info: ModelInfo | None = WITH_METADATA) -> Path:
    if info is None:
        model.save(path)
        return path
    return save_model(model, path, info)


def _lambda_model(path: Path) -> Path:
    inputs = keras.Input((48, 48, 1))
    outputs = keras.layers.Dense(7, activation="softmax")(
        keras.layers.Flatten()(keras.layers.Lambda(lambda t: t * 2)(inputs))
    )
    return _saved(keras.Model(inputs, outputs), path)


def _custom_class(path: Path) -> Path:
    good = _saved(support.constant_model(), path.with_name("good.keras"))
    with zipfile.ZipFile(good) as archive, zipfile.ZipFile(path, "w") as out:
        for item in archive.infolist():
            data = archive.read(item)
            if item.filename == "config.json":
                config = json.loads(data)
                config["config"]["layers"][1]["class_name"] = "EvilLayer"
                config["config"]["layers"][1]["module"] = "evil.package"
                data = json.dumps(config).encode()
            out.writestr(item, data)
    return path


def _zip_bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", b" " * 60_000_000)  # 60 MB of spaces, 60 KB packed
    return path


def _huge_input(path: Path) -> Path:
    good = _saved(support.constant_model(), path.with_name("small.keras"))
    with zipfile.ZipFile(good) as archive, zipfile.ZipFile(path, "w") as out:
        for item in archive.infolist():
            data = archive.read(item)
            if item.filename == "config.json":
                data = data.replace(b"48, 48", b"100000, 100000").replace(
                    b"48,48", b"100000,100000"
                )
            out.writestr(item, data)
    return path


def _nan_weights(path: Path) -> Path:
    model = support.constant_model()
    kernel, bias = model.layers[-1].get_weights()
    model.layers[-1].set_weights([kernel, np.full_like(bias, np.nan)])
    return _saved(model, path)


def _edited(path: Path, member: str, edit: Callable[[bytes], bytes]) -> Path:
    """A good model file with one member of its archive changed by ``edit``."""
    good = _saved(support.constant_model(), path.with_name("good.keras"))
    with zipfile.ZipFile(good) as archive, zipfile.ZipFile(path, "w") as out:
        for item in archive.infolist():
            data = archive.read(item)
            out.writestr(item, edit(data) if item.filename == member else data)
    return path


def _input_size(number: bytes) -> Callable[[bytes], bytes]:
    """Edits ferapp.json: the input height becomes ``number`` (Infinity, NaN, 1e999)."""
    return lambda data: re.sub(rb'("input_size": \[\s*)48', rb"\g<1>" + number, data)


def _deep_h5(path: Path, depth: int = 20_000) -> Path:
    """An .h5 model whose architecture is brackets nested ``depth`` deep (an HDF5
    attribute holds 64 KB; Python's parser gives up at about 1,000)."""
    _saved(support.constant_model(), path)
    with h5py.File(path, "a") as h5:
        h5.attrs["model_config"] = "[" * depth + "]" * depth
    return path


def _marked(path: Path, **fields: int) -> Path:
    """A good model file whose config.json the zip headers call encrypted or packed oddly."""
    _saved(support.constant_model(), path)
    return hostile_media.set_member_fields(path, "config.json", **fields)


def _truncated(path: Path) -> Path:
    good = _saved(support.constant_model(), path.with_name("whole.keras"))
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    return path


MODELS: dict[str, tuple[Maker, str | tuple[str, ...]]] = {
    "random bytes": (lambda p: _write(p / "random.keras", os.urandom(5000)), "random.keras"),
    "random bytes h5": (lambda p: _write(p / "random.h5", os.urandom(5000)), "random.h5"),
    "truncated archive": (lambda p: _truncated(p / "cut.keras"), "cut.keras"),
    "empty file": (lambda p: _write(p / "empty.keras", b""), "empty.keras"),
    "wrong input size": (
        lambda p: _saved(support.constant_model(input_size=(32, 32)), p / "in32.keras"),
        "in32.keras",
    ),
    "two input channels": (
        lambda p: _saved(
            support.constant_model(channels=2), p / "ch2.keras", ModelInfo(channels=1)
        ),
        "ch2.keras",
    ),
    "five outputs": (
        lambda p: _saved(support.constant_model(classes=5), p / "five.keras"),
        "five.keras",
    ),
    "nan weights": (lambda p: _nan_weights(p / "nan.keras"), "nan.keras"),
    "lambda layer": (lambda p: _lambda_model(p / "lambda.keras"), "Lambda"),
    "custom class": (lambda p: _custom_class(p / "custom.keras"), "evil.package"),
    "zip bomb": (lambda p: _zip_bomb(p / "bomb.keras"), "bomb.keras"),
    "huge declared input": (lambda p: _huge_input(p / "huge.keras"), "100000"),
    "no metadata": (
        lambda p: _saved(support.constant_model(), p / "bare.keras", None),
        "--pixel-scaling",
    ),
    "config nested 100,000 deep": (
        lambda p: _edited(p / "deep.keras", "config.json", lambda _: b"[" * 10**5 + b"]" * 10**5),
        ("deep.keras", "nested 100000 deep"),
    ),
    "h5 config nested 20,000 deep": (lambda p: _deep_h5(p / "deep.h5"), ("deep.h5", "nested")),
    "input size Infinity": (
        lambda p: _edited(p / "inf.keras", "ferapp.json", _input_size(b"Infinity")),
        ("inf.keras", "Infinity, not a finite number"),
    ),
    "input size NaN": (
        lambda p: _edited(p / "nan-size.keras", "ferapp.json", _input_size(b"NaN")),
        ("nan-size.keras", "NaN, not a finite number"),
    ),
    "input size 1e999": (
        lambda p: _edited(p / "e999.keras", "ferapp.json", _input_size(b"1e999")),
        ("e999.keras", "1e999, not a finite number"),
    ),
    "input size 48.5": (
        lambda p: _edited(p / "half.keras", "ferapp.json", _input_size(b"48.5")),
        ("half.keras", "not a whole number"),
    ),
    "encrypted member": (
        lambda p: _marked(p / "locked.keras", flags=0x1),
        ("locked.keras", "config.json inside the archive is encrypted"),
    ),
    "unknown compression method": (
        lambda p: _marked(p / "packed.keras", method=98),
        ("packed.keras", "compression method 98"),
    ),
    "text file": (lambda p: _write(p / "notes.txt", b"hello"), "notes.txt"),
    "missing": (lambda p: p / "absent.keras", "absent.keras"),
    "a folder": (lambda p: _mkdir(p / "folder.keras"), "folder.keras"),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


@pytest.mark.parametrize("case", list(MODELS))
def test_hostile_model_files(case, tmp_path, capsys):
    make, names = MODELS[case]
    model = make(tmp_path)
    image = tmp_path / "face.png"
    cv2.imwrite(str(image), support.face_frame(1))
    out = tmp_path / "out.csv"
    code, _out, err = run(["analyze", str(image), "--model", str(model), "--csv", str(out)], capsys)
    assert_one_clear_error(code, err, *((names,) if isinstance(names, str) else names))
    assert not out.exists()


# ------------------------------------------------------------------ dataset rows
GOOD = " ".join(["128"] * 2304)
ROWS: dict[str, tuple[str, str]] = {  # case: (file text after the header, what the message names)
    "wrong pixel count": ("3,1 2 3,PublicTest\n", "line 2"),
    "non-numeric pixels": (f"3,{GOOD[:-3]}abc,PublicTest\n", "line 2"),
    "label out of range": (f"9,{GOOD},PublicTest\n", "line 2"),
    "label not a number": (f"happy,{GOOD},PublicTest\n", "line 2"),
    "pixel out of range": (f"3,{GOOD[:-3]}300,PublicTest\n", "line 2"),
    "missing columns": ("3\n", "line 2"),
    "unknown usage": (f"3,{GOOD},Validation\n", "line 2"),
}


@pytest.mark.parametrize("case", list(ROWS))
def test_malformed_rows_are_named_or_skipped(case, tmp_path, capsys, happy_model_path):
    bad, where = ROWS[case]
    data = tmp_path / "rows.csv"
    data.write_text("emotion,pixels,Usage\n" + bad + f"3,{GOOD},PublicTest\n")
    argv = ["evaluate", "--data", str(data), "--model", str(happy_model_path)]
    code, _out, err = run(argv, capsys)
    assert_one_clear_error(code, err, "rows.csv", where)
    code, out, err = run([*argv, "--skip-bad-rows"], capsys)
    assert code == 0 and "skipped 1 malformed row" in err and "line 2" in err
    assert "samples: 1" in out


@pytest.mark.parametrize(
    ("case", "make", "outcome"),
    [
        ("empty lines and CRLF", lambda p: _write(p / "d.csv", f"emotion,pixels,Usage\r\n\r\n3,{GOOD},PublicTest\r\n".encode()), "ok"),
        ("byte-order mark", lambda p: _write(p / "d.csv", f"\ufeffemotion,pixels,Usage\n3,{GOOD},PublicTest\n".encode()), "ok"),
        ("header only", lambda p: _write(p / "d.csv", b"emotion,pixels,Usage\n"), "no usable rows"),
        ("no header", lambda p: _write(p / "d.csv", f"3,{GOOD},PublicTest\n".encode()), "header"),
        ("empty file", lambda p: _write(p / "d.csv", b""), "is empty"),
        ("truncated gzip", lambda p: _write(p / "d.csv.gz", gzip.compress(("emotion,pixels,Usage\n" + f"3,{GOOD},PublicTest\n" * 50).encode())[:400]), "cannot read"),
        ("binary junk", lambda p: _write(p / "d.csv", os.urandom(3000)), "d.csv"),
        ("missing", lambda p: p / "absent.csv", "not found"),
    ],
)  # fmt: skip
def test_whole_dataset_files(case, make, outcome, tmp_path, capsys, happy_model_path):
    data = make(tmp_path)
    code, out, err = run(
        ["evaluate", "--data", str(data), "--model", str(happy_model_path)], capsys
    )
    if outcome == "ok":
        assert code == 0 and "samples: 1" in out, err
    else:
        assert_one_clear_error(code, err, outcome)


# ------------------------------------------------------------------ images and videos
def _image(path: Path, image: np.ndarray) -> Path:
    ok, data = cv2.imencode(path.suffix, image)
    assert ok
    data.tofile(str(path))
    return path


FACE_AT = (40, 30, 240, 270)  # where the face of an upright photo lies: x0, y0, x1, y1


def _upright_photo() -> np.ndarray:
    """A 640x480 photo with one face near its top-left corner: turned sideways or upside
    down, the face would be elsewhere (or not found at all)."""
    frame = support.blank_frame()
    x0, y0, x1, y1 = FACE_AT
    frame[y0:y1, x0:x1] = support.astronaut_face()
    return frame


def _turned(path: Path, orientation: int) -> Path:
    return hostile_media.jpeg_with_orientation(path, _upright_photo(), orientation)


IMAGES: dict[str, tuple[Maker, str]] = {  # case: (maker, "ok", "face" or what the message names)
    "corrupt": (lambda p: _write(p / "corrupt.png", b"\x89PNG\r\n" + os.urandom(200)), "corrupt.png"),
    "zero bytes": (lambda p: _write(p / "zero.jpg", b""), "zero.jpg"),
    "16-bit": (lambda p: _image(p / "deep.png", (support.face_frame(1).astype(np.uint16) * 257)), "ok"),
    "RGBA": (lambda p: _image(p / "alpha.png", cv2.cvtColor(support.face_frame(1), cv2.COLOR_BGR2BGRA)), "ok"),
    "1x1": (lambda p: _image(p / "dot.png", np.zeros((1, 1, 3), np.uint8)), "ok"),
    "8000x6000": (lambda p: _image(p / "big.jpg", np.full((6000, 8000, 3), 90, np.uint8)), "ok"),
    "non-ASCII name": (lambda p: _image(p / "visage-été-顔.png", support.face_frame(1)), "ok"),
    "text named .png": (lambda p: _write(p / "text.png", b"just text"), "text.png"),
    "EXIF orientation 6": (lambda p: _turned(p / "phone-6.jpg", 6), "face"),
    "EXIF orientation 8": (lambda p: _turned(p / "phone-8.jpg", 8), "face"),
    "EXIF orientation 3": (lambda p: _turned(p / "phone-3.jpg", 3), "face"),
    "EXIF orientation 6, non-ASCII name": (lambda p: _turned(p / "téléphone-6.jpeg", 6), "face"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(IMAGES))
def test_hostile_images(case, tmp_path, capsys, happy_model_path):
    make, outcome = IMAGES[case]
    image = make(tmp_path)
    out = tmp_path / "out" / "r.json"
    code, _stdout, err = run(
        ["analyze", str(image), "--model", str(happy_model_path), "--json", str(out)], capsys
    )
    if outcome == "ok":
        assert code == 0 and json.loads(out.read_text())["summary"]["frames"] == 1, err
    elif outcome == "face":  # found upright, where the photo shows it
        assert code == 0, err
        (face,) = json.loads(out.read_text())["frames"][0]["faces"]
        x, y, w, h = face["box"]
        x0, y0, x1, y1 = FACE_AT
        assert x0 <= x + w / 2 <= x1 and y0 <= y + h / 2 <= y1, face["box"]
    else:
        assert_one_clear_error(code, err, outcome)
        assert not out.exists()


def test_a_folder_with_broken_entries_is_analysed_and_the_entries_listed(
    tmp_path, capsys, happy_model_path
):
    folder = tmp_path / "photos"
    folder.mkdir()
    _image(folder / "a.png", support.face_frame(1))
    _image(folder / "b.pgm", cv2.cvtColor(support.face_frame(1), cv2.COLOR_BGR2GRAY))
    _write(folder / "c.png", b"broken")
    _write(folder / "d.jpg", b"")
    (folder / "e.png").mkdir()  # a folder with an image's name
    os.symlink(folder / "loop.png", folder / "loop.png")  # a link to itself
    annotated, summary = tmp_path / "annotated", tmp_path / "s.json"
    code, out, err = run(
        ["analyze", str(folder), "--model", str(happy_model_path), "--annotate", str(annotated),
         "--json", str(summary)],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert "[ERROR" not in err and "skipped 4 unreadable file(s)" in out
    for name in ("c.png", "d.jpg", "e.png", "loop.png"):
        assert name in out
    assert sorted(p.name for p in annotated.iterdir()) == ["a.png", "b.png"]  # .pgm as .png
    assert json.loads(summary.read_text())["summary"]["frames"] == 2


VIDEOS: dict[str, tuple[Maker, str]] = {
    "text named .mp4": (lambda p: _write(p / "text.mp4", b"not a video at all"), "text.mp4"),
    "zero frames": (lambda p: _empty_video(p / "empty.avi"), "empty.avi"),
    "random bytes .avi": (lambda p: _write(p / "noise.avi", os.urandom(20000)), "noise.avi"),
    "missing": (lambda p: p / "absent.mp4", "absent.mp4"),
    "no camera 97": (lambda p: "97", "camera 97"),
    "a superscript two": (lambda p: "²", "source not found: ²"),
    "camera beyond a C int": (
        lambda p: "99999999999999999999",
        "camera 99999999999999999999 does not exist",
    ),
    "camera of 5000 digits": (lambda p: "9" * 5000, "(5000 digits) does not exist"),
    "a URL": (lambda p: "rtsp://example.invalid/stream", "rtsp://example.invalid"),
}


def _empty_video(path: Path) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (64, 48))
    writer.release()
    return path


@pytest.mark.parametrize("case", list(VIDEOS))
def test_hostile_videos_and_sources(case, tmp_path, capsys, happy_model_path):
    make, name = VIDEOS[case]
    source = str(make(tmp_path))
    code, _out, err = run(["analyze", source, "--model", str(happy_model_path)], capsys)
    assert_one_clear_error(code, err, name)


def test_a_truncated_video_is_analysed_with_a_warning(tmp_path, capsys, happy_model_path):
    whole = support.face_video(tmp_path / "whole.avi", n_frames=30)
    cut = _write(tmp_path / "cut.avi", whole.read_bytes()[: whole.stat().st_size // 2])
    out = tmp_path / "cut.csv"
    code, _stdout, err = run(
        ["analyze", str(cut), "--model", str(happy_model_path), "--csv", str(out), "--quiet"],
        capsys,
    )
    assert code == 0 and "cut.avi" in err and "truncated" in err
    assert 2 < len(out.read_text().splitlines()) < 31


def test_a_variable_frame_rate_video_keeps_its_own_times(tmp_path, capsys, happy_model_path):
    """As a phone records: frames 40 ms apart, then 500 ms apart (index / fps: 1.7 s off)."""
    durations = [40] * 6 + [500] * 6
    frames = [support.face_frame(1, shift=i) for i in range(len(durations))]
    video = hostile_media.variable_rate_mp4(tmp_path / "phone.mp4", frames, durations)
    out = tmp_path / "times.csv"
    code, _stdout, err = run(
        ["analyze", str(video), "--model", str(happy_model_path), "--csv", str(out), "--quiet"],
        capsys,
    )
    assert code == 0, err
    with out.open(newline="") as handle:
        times = {int(row["frame"]): float(row["time_ms"]) for row in csv.DictReader(handle)}
    expected = [sum(durations[:i]) for i in range(len(durations))]
    assert [times[i] for i in sorted(times)] == pytest.approx(expected, abs=1)


# ------------------------------------------------------------------ frames given to the core
FRAMES = {
    "uint8": np.full((40, 50, 3), 9, np.uint8),
    "uint16": np.full((40, 50, 3), 9000, np.uint16),
    "int32": np.full((40, 50, 3), -5, np.int32),
    "int8": np.full((40, 50, 3), -5, np.int8),
    "float32 0..1": np.full((40, 50, 3), 0.5, np.float32),
    "float64 0..255": np.full((40, 50, 3), 200.0),
    "float nan": np.full((40, 50, 3), np.nan, np.float32),
    "float inf": np.full((40, 50, 3), np.inf),
    "bool": np.ones((40, 50, 3), bool),
    "gray": np.zeros((40, 50), np.uint8),
    "1 channel": np.zeros((40, 50, 1), np.uint8),
    "2 channels": np.zeros((40, 50, 2), np.uint8),
    "4 channels": np.zeros((40, 50, 4), np.uint8),
    "5 channels": np.zeros((40, 50, 5), np.uint8),
    "0 channels": np.zeros((40, 50, 0), np.uint8),
    "1x1": np.zeros((1, 1, 3), np.uint8),
    "1 row": np.zeros((1, 3000, 3), np.uint8),
    "1 column": np.zeros((3000, 1, 3), np.uint8),
    "empty": np.zeros((0, 0, 3), np.uint8),
    "1-d": np.zeros(30, np.uint8),
    "4-d": np.zeros((2, 40, 50, 3), np.uint8),
    "non-contiguous": support.face_frame(1)[::2, ::3],
    "reversed": support.face_frame(1)[::-1, ::-1],
    "complex": np.zeros((40, 50, 3), np.complex64),
    "object": np.full((4, 5, 3), None, object),
}


REFUSED = "refused"
# What each frame gives with YuNet and with Haar: faces found, or a refusal naming the frame.
FRAME_OUTCOMES = {
    **{case: (0, 0) for case in FRAMES},
    **{
        case: (REFUSED, REFUSED)
        for case in (
            "2 channels",
            "5 channels",
            "0 channels",
            "empty",
            "1-d",
            "4-d",
            "complex",
            "object",
        )
    },
    "non-contiguous": (1, 0),  # every other row, every third column: Haar misses the face
}


@pytest.fixture(scope="module")
def both_pipelines(happy_model_path):
    """One classifier and both detectors, loaded once for every frame case."""
    from ferapp.core.detect.base import DetectorSettings
    from ferapp.core.detect.factory import create_detector
    from ferapp.core.model.classifier import EmotionClassifier
    from ferapp.core.recognition.pipeline import Pipeline

    classifier = EmotionClassifier.load(happy_model_path)
    return [
        Pipeline(create_detector(DetectorSettings(detector=name)), classifier)
        for name in ("yunet", "haar")
    ]


@pytest.mark.parametrize("case", list(FRAMES))
def test_any_frame_gives_its_result_or_a_clear_error(case, both_pipelines):
    outcomes = []
    for pipeline in both_pipelines:
        try:
            outcomes.append(len(pipeline.process(FRAMES[case]).faces))
        except InvalidFrameError as exc:
            assert "frame" in str(exc)
            outcomes.append(REFUSED)
    assert tuple(outcomes) == FRAME_OUTCOMES[case]


# ------------------------------------------------------------------ options
OPTIONS = [
    (["analyze", "{image}", "--max-frames", "-1"], "--max-frames"),
    (["analyze", "{image}", "--smooth", "nan"], "smoothing"),
    (["analyze", "{image}", "--smooth", "2"], "smoothing"),
    (["analyze", "{image}", "--detect-width", "-5"], "detect width"),
    (["analyze", "{image}", "--detect-width", "999999"], "detect width"),
    (["analyze", "{image}", "--score-threshold", "nan"], "score threshold"),
    (["analyze", "{image}", "--score-threshold", "0"], "score threshold"),
    (["analyze", "{image}", "--detector", "haar", "--scale-factor", "0"], "scale factor"),
    (["analyze", "{image}", "--detector", "haar", "--min-size", "0"], "min size"),
    (["analyze", "{image}", "--detector", "haar", "--min-neighbors", "100"], "min neighbors"),
    (["analyze", "{image}", "--offset-x", "-1"], "offset x"),
    (["analyze", "{image}", "--offset-y", "nan"], "offset y"),
    (["analyze", "{image}", "--detector", "dlib"], "--detector"),
    (["analyze", "{image}", "--max-frames", "lots"], "--max-frames"),
    (["analyze", "{image}", "--class-names", "a,a,b,c,d,e,f"], "repeat"),
    (["analyze", "{image}", "--class-names", "source,x,y,a,b,c,d"], "CSV column"),
    (["analyze", "{image}", "--class-names", ",,,,,,"], "class name"),
    (["analyze", "{image}", "--class-names", "one"], "two class names"),
    (["train", "--data", "{csv}", "--out", "{out}", "--epochs", "0"], "--epochs"),
    (["train", "--data", "{csv}", "--out", "{out}", "--batch-size", "0"], "--batch-size"),
    (["train", "--data", "{csv}", "--out", "{out}", "--learning-rate", "-1"], "--learning-rate"),
    (["train", "--data", "{csv}", "--out", "{out}", "--learning-rate", "nan"], "--learning-rate"),
    (["train", "--data", "{csv}", "--out", "{out}", "--label-smoothing", "5"], "--label-smoothing"),
    (["train", "--data", "{csv}", "--out", "{out}", "--average-last", "-2"], "--average-last"),
    (["train", "--data", "{csv}", "--out", "{out}", "--augment", "sharpen"], "sharpen"),
    (["train", "--data", "{csv}", "--out", "{out}", "--resume"], "nothing to resume"),
    (["train", "--data", "{csv}", "--out", "{out}", "--resume", "--overwrite"], "--overwrite"),
]


@pytest.mark.parametrize(("argv", "named"), OPTIONS, ids=[" ".join(a[3:]) for a, _ in OPTIONS])
def test_bad_options_are_named(argv, named, tmp_path, capsys, happy_model_path, tiny_csv):
    image = tmp_path / "face.png"
    cv2.imwrite(str(image), support.face_frame(1))
    values = {"image": str(image), "csv": str(tiny_csv), "out": str(tmp_path / "m.keras")}
    argv = [a.format(**values) for a in argv]
    if argv[0] == "analyze":
        argv += ["--model", str(happy_model_path)]
    code, _out, err = run(argv, capsys)
    assert_one_clear_error(code, err, named)
    assert not (tmp_path / "m.keras").exists()


def test_the_core_refuses_bad_settings_itself():
    from ferapp.core.faces.crop import CropSettings
    from ferapp.core.faces.tracking import FaceTracker

    for make in (lambda: CropSettings(offset_x=float("nan")), lambda: FaceTracker(float("inf"))):
        with pytest.raises(FerappError):
            make()
