"""Outputs are never the input, never half-written, and a failed run leaves old files alone."""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
import time
from pathlib import Path

import cv2
import pytest

from ferapp.cli import main as cli_main
from tests import support
from tests.support import run_cli

full_disk = pytest.mark.skipif(sys.platform != "linux", reason="file size limits: Linux")


def limit_file_size(limit: int):
    """For a child process: writes past ``limit`` bytes fail, as on a full disk."""

    def apply() -> None:
        import resource
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.fixture
def photos(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("a.png", "b.jpg"):
        cv2.imwrite(str(folder / name), support.face_frame(1))
    return folder


def test_an_output_that_is_the_input_is_refused(tmp_path, photos, capsys, happy_model_path):
    before = {p.name: p.read_bytes() for p in photos.iterdir()}
    model = ["--model", str(happy_model_path)]
    assert cli_main(["analyze", str(photos), "--annotate", str(photos), *model]) == 1
    assert "would overwrite the input" in capsys.readouterr().err
    image = photos / "a.png"
    assert cli_main(["analyze", str(image), "--annotate", str(image), *model]) == 1
    assert cli_main(["analyze", str(image), "--json", str(image), *model]) == 1
    assert {p.name: p.read_bytes() for p in photos.iterdir()} == before
    video = support.face_video(tmp_path / "v.mp4", n_frames=5)
    size = video.stat().st_size
    assert cli_main(["analyze", str(video), "--csv", str(video), *model]) == 1
    assert "--csv" in capsys.readouterr().err and video.stat().st_size == size


def test_a_failed_run_leaves_earlier_results_alone(tmp_path, capsys, happy_model_path):
    video = support.face_video(tmp_path / "v.avi", n_frames=5)
    csv, json_out = tmp_path / "r.csv", tmp_path / "r.json"
    csv.write_text("earlier results\n" * 100)
    json_out.write_text('{"earlier": true}')
    code = cli_main(
        ["analyze", str(video), "--model", str(happy_model_path), "--csv", str(csv),
         "--json", str(json_out), "--annotate", str(tmp_path / "boxes.txt")]
    )  # fmt: skip
    assert code == 1 and "--annotate" in capsys.readouterr().err
    assert csv.read_text() == "earlier results\n" * 100
    assert json.loads(json_out.read_text()) == {"earlier": True}
    image = tmp_path / "face.png"
    cv2.imwrite(str(image), support.face_frame(1))
    assert cli_main(["analyze", str(image), "--annotate", str(tmp_path / "out.txt")]) == 1
    err = capsys.readouterr().err
    assert "out.txt" in err and "image file" in err and "Traceback" not in err
    assert not list(tmp_path.glob(".ferapp-tmp-*"))  # no temporary file left behind


@full_disk
def test_a_full_disk_is_reported_and_leaves_no_broken_file(tmp_path, happy_model_path):
    video = support.face_video(tmp_path / "v.avi", n_frames=40)
    target = tmp_path / "boxes.mp4"
    proc = run_cli(
        "analyze", str(video), "--model", str(happy_model_path), "--annotate", str(target),
        "--quiet", preexec_fn=limit_file_size(60_000),
    )  # fmt: skip
    assert proc.returncode == 1 and "boxes.mp4" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and not target.exists()
    good = tmp_path / "r.json"
    good.write_text('{"earlier": true}')
    proc = run_cli(
        "analyze", str(video), "--model", str(happy_model_path), "--json", str(good), "--quiet",
        preexec_fn=limit_file_size(20_000),
    )  # fmt: skip
    assert proc.returncode == 1 and "r.json" in proc.stderr and "Traceback" not in proc.stderr
    assert json.loads(good.read_text()) == {"earlier": True}


def test_an_unwritable_screenshot_is_reported(tmp_path, happy_model_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    proc = run_cli(
        "--source", str(support.face_video(tmp_path / "v.avi", n_frames=5)),
        "--screenshot", str(blocker / "shot.png"), "--exit-after", "1",
        "--settings-dir", str(tmp_path / "s"),
        env={"FERAPP_MODEL": str(happy_model_path)},
    )  # fmt: skip
    assert proc.returncode == 1 and "cannot write the screenshot" in proc.stderr


def test_a_model_that_fails_after_the_window_closed_does_not_keep_it_open(tmp_path):
    five = support.constant_model(classes=5)
    from ferapp.core.model.metadata import ModelInfo, save_model

    model = save_model(five, tmp_path / "five.keras", ModelInfo())
    image = tmp_path / "face.png"
    cv2.imwrite(str(image), support.face_frame(1))
    proc = run_cli(
        "--source", str(image), "--model", str(model), "--exit-after", "0.5",
        "--settings-dir", str(tmp_path / "s"), timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    proc = run_cli("--exit-after", "nan", "--settings-dir", str(tmp_path / "s"))
    assert proc.returncode == 2 and "--exit-after" in proc.stderr


def test_a_missing_model_named_by_the_environment_is_reported(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FERAPP_MODEL", str(tmp_path / "gone.keras"))
    image = tmp_path / "face.png"
    cv2.imwrite(str(image), support.face_frame(1))
    assert cli_main(["analyze", str(image)]) == 1
    assert "FERAPP_MODEL" in capsys.readouterr().err


def test_training_never_quietly_replaces_a_model(tmp_path, tiny_csv, capsys):
    out = tmp_path / "m.keras"
    base = ["train", "--data", str(tiny_csv), "--arch", "thesis2", "--epochs", "1",
            "--batch-size", "64", "--out", str(out), "--quiet"]  # fmt: skip
    assert cli_main(base) == 0
    first = out.read_bytes()
    capsys.readouterr()
    assert cli_main(base) == 1
    assert "already holds a model" in capsys.readouterr().err and out.read_bytes() == first
    assert cli_main([*base, "--resume", "--arch", "mini_xception"]) == 1
    assert "thesis2" in capsys.readouterr().err
    assert cli_main([*base, "--overwrite", "--epochs", "2"]) == 0
    assert json.loads(out.with_suffix(".json").read_text())["epochs_done"] == 2
    other = tmp_path / "other.keras"
    code = cli_main(
        ["train", "--data", str(tiny_csv), "--init-from", str(tmp_path / "gone.keras"),
         "--out", str(other), "--quiet"]
    )  # fmt: skip
    assert code == 1 and not other.exists()
    assert not (tmp_path / "other.keras.run").exists()  # no empty run folder left


def test_run_files_of_a_killed_process_are_cleaned_up(tmp_path, happy_model_path):
    """A temporary file that a killed run left beside its output goes at the next run."""
    csv = tmp_path / "r.csv"
    orphan = tmp_path / ".ferapp-tmp-r-p999999-abc123.csv"
    orphan.write_text("half")
    image = tmp_path / "face.png"
    cv2.imwrite(str(image), support.face_frame(1))
    assert (
        cli_main(["analyze", str(image), "--model", str(happy_model_path), "--csv", str(csv)]) == 0
    )
    assert csv.is_file() and not orphan.exists()


def test_a_taught_run_resumes_only_with_its_teacher(tmp_path, tiny_csv, learned, capsys):
    out = tmp_path / "student.keras"
    base = ["train", "--data", str(tiny_csv), "--arch", "thesis2", "--epochs", "1",
            "--batch-size", "64", "--augment", "rotation,flip,mixup", "--out", str(out),
            "--quiet"]  # fmt: skip
    taught = [*base, "--teacher", str(learned.out), "--teacher-weight", "0.6"]
    assert cli_main([*taught, "--class-weights"]) == 1
    assert "--class-weights cannot be combined with --teacher" in capsys.readouterr().err
    assert cli_main([*base, "--teacher-weight", "0.6"]) == 1
    assert "--teacher-weight needs --teacher" in capsys.readouterr().err
    assert cli_main([*base, "--teacher", str(tmp_path / "gone.keras")]) == 1
    err = capsys.readouterr().err  # said before the dataset is read
    assert "--teacher: model file not found" in err and "loading" not in err
    assert not out.exists()
    assert cli_main(taught) == 0
    assert "agrees with" in capsys.readouterr().err
    assert cli_main([*base, "--resume", "--epochs", "2"]) == 1
    assert f"used --teacher {learned.out}, not none" in capsys.readouterr().err
    assert cli_main([*taught[:-1], "0.9", "--resume", "--epochs", "2"]) == 1
    assert "used --teacher-weight 0.6" in capsys.readouterr().err
    assert cli_main([*taught, "--resume", "--epochs", "2", "--augment", "flip,erase"]) == 1
    assert "used --augment rotation,flip,mixup, not flip,erase" in capsys.readouterr().err
    assert cli_main([*taught, "--resume", "--epochs", "2"]) == 0
    assert json.loads(out.with_suffix(".json").read_text())["epochs_done"] == 2


class FifoReader(threading.Thread):
    """Reads a named pipe while a run writes into it. Opened at once without waiting for
    a writer, so the run never waits for a reader; :meth:`result` ends the reading."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        self.data = bytearray()
        self.stop = threading.Event()
        self.start()

    def run(self) -> None:
        while True:
            stopping = self.stop.is_set()
            try:
                chunk = os.read(self.fd, 1 << 16)
            except BlockingIOError:  # a writer is there, with nothing written yet
                chunk = None
            if chunk:
                self.data += chunk
            elif stopping:
                break
            else:
                time.sleep(0.01)
        os.close(self.fd)

    def result(self) -> bytes:
        self.stop.set()
        self.join(10)
        return bytes(self.data)


@pytest.fixture
def face_image(tmp_path) -> Path:
    image = tmp_path / "face.png"
    cv2.imwrite(str(image), support.face_frame(1))
    return image


def _analyze(image: Path, model: Path, *options: str | Path) -> int:
    return cli_main(["analyze", str(image), "--model", str(model), *map(str, options)])


def test_pipes_are_written_through_never_replaced(tmp_path, face_image, happy_model_path):
    csv_pipe, json_pipe = tmp_path / "rows.csv", tmp_path / "pipe"
    os.mkfifo(csv_pipe)
    os.mkfifo(json_pipe)
    link = tmp_path / "results.json"
    link.symlink_to(json_pipe)
    rows, document = FifoReader(csv_pipe), FifoReader(json_pipe)
    code = _analyze(face_image, happy_model_path, "--csv", csv_pipe, "--json", link)
    csv_text, json_text = rows.result().decode(), document.result().decode()
    assert code == 0
    assert csv_text.startswith("source,frame,time_ms") and ",happy," in csv_text
    assert json.loads(json_text)["summary"]["frames"] == 1
    assert stat.S_ISFIFO(csv_pipe.lstat().st_mode) and stat.S_ISFIFO(json_pipe.lstat().st_mode)
    assert link.is_symlink() and link.readlink() == json_pipe
    assert not list(tmp_path.glob(".ferapp-tmp-*"))


def test_a_link_to_standard_output_is_written_through(
    tmp_path, face_image, happy_model_path, capsys
):
    """`--csv out.csv` with out.csv -> /dev/stdout, standard output a pipe (`| less`)."""
    link = tmp_path / "out.csv"
    link.symlink_to("/dev/stdout")
    read_end, write_end = os.pipe()
    saved = os.dup(1)
    os.dup2(write_end, 1)
    os.close(write_end)
    try:
        code = _analyze(face_image, happy_model_path, "--csv", link)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    with os.fdopen(read_end, "rb") as pipe:
        written = pipe.read().decode()
    assert code == 0, capsys.readouterr().err
    assert written.startswith("source,frame,time_ms") and ",happy," in written
    assert link.is_symlink() and os.readlink(link) == "/dev/stdout"


def test_standard_output_into_a_file_is_written_through_its_descriptor(tmp_path):
    """`ferapp ... --json /dev/stdout > saved.json`: the name leads to a regular file through
    the process's descriptor; replacing that file by name would lose the output."""
    from ferapp.core.files import written_in_place
    from ferapp.core.output.writers import write_json

    saved_file, link = tmp_path / "saved.json", tmp_path / "out.json"
    link.symlink_to("/dev/stdout")
    fd = os.open(saved_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    saved = os.dup(1)
    os.dup2(fd, 1)
    os.close(fd)
    try:
        assert written_in_place(Path("/dev/stdout")) and written_in_place(link)
        write_json(link, {"written": "through"})
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    assert json.loads(saved_file.read_text()) == {"written": "through"}
    assert link.is_symlink() and not list(tmp_path.glob(".ferapp-tmp-*"))
    assert not written_in_place(saved_file) and not written_in_place(tmp_path / "absent")
    assert written_in_place(Path("/dev/null"))  # a device: never renamed over


def test_a_link_to_a_file_writes_that_file_and_stays(tmp_path, face_image, happy_model_path):
    results = tmp_path / "results"
    results.mkdir()
    real = results / "r.csv"
    real.write_text("earlier results\n")
    link, dangling = tmp_path / "latest.csv", tmp_path / "latest.json"
    link.symlink_to(real)
    dangling.symlink_to(Path("results") / "r.json")  # relative, and not there yet
    assert _analyze(face_image, happy_model_path, "--csv", link, "--json", dangling) == 0
    assert link.is_symlink() and link.readlink() == real
    assert real.read_text().startswith("source,frame,time_ms")
    assert dangling.is_symlink() and dangling.readlink() == Path("results") / "r.json"
    assert json.loads((results / "r.json").read_text())["summary"]["frames"] == 1
    assert not list(tmp_path.glob(".ferapp-tmp-*")) and not list(results.glob(".ferapp-tmp-*"))


def test_file_names_near_the_length_limit_are_written(tmp_path, face_image, happy_model_path):
    """A file system takes names of 255 bytes: the temporary name beside one must fit too."""
    csv_out = tmp_path / ("r" * 240 + ".csv")  # 244 characters
    json_out = tmp_path / ("é" * 120 + ".json")  # 245 bytes of UTF-8
    assert len(csv_out.name) == 244
    assert _analyze(face_image, happy_model_path, "--csv", csv_out, "--json", json_out) == 0
    assert csv_out.read_text().startswith("source,frame,time_ms")
    assert json.loads(json_out.read_text())["summary"]["frames"] == 1
    assert not list(tmp_path.glob(".ferapp-tmp-*"))


def test_an_annotated_video_into_a_pipe_is_refused(tmp_path, happy_model_path, capsys):
    """A video file is written with seeks; a pipe cannot take it, and stays a pipe."""
    video = support.face_video(tmp_path / "v.avi", n_frames=3)
    pipe = tmp_path / "boxes.mp4"
    os.mkfifo(pipe)
    assert _analyze(video, happy_model_path, "--annotate", pipe, "--quiet") == 1
    err = capsys.readouterr().err
    assert "--annotate" in err and "boxes.mp4 is not a regular file" in err
    assert stat.S_ISFIFO(pipe.lstat().st_mode) and not list(tmp_path.glob(".ferapp-tmp-*"))
