"""Batches against hostile inputs: content rewritten in place, sources swapped, outputs
lost, an output folder inside the sources, mixed folders, bad list files and addresses,
and a batch killed or terminated while its workers run."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import psutil
import pytest

from tests import support
from tests.support import ROOT


def batch(model, *args: str) -> subprocess.CompletedProcess:
    """`ferapp analyze ... --out` in this process (one worker unless told)."""
    return support.run_in_process(
        "ferapp", "analyze", *map(str, args), "--model", str(model), "--quiet", "--workers", "1"
    )


def rows(out) -> dict[str, dict[str, str]]:
    """summary.csv by source file name."""
    with open(out / "summary.csv", newline="") as handle:
        return {os.path.basename(r["source"]): r for r in csv.DictReader(handle)}


def write_photos(folder, faces: int, n: int = 2) -> None:
    folder.mkdir(exist_ok=True)
    for i in range(n):
        assert cv2.imwrite(str(folder / f"p{i}.png"), support.face_frame(faces, shift=i))


def test_an_image_folder_rewritten_in_place_is_analysed_again(tmp_path, happy_model_path):
    photos, out = tmp_path / "photos", tmp_path / "out"
    write_photos(photos, faces=1)
    first = batch(happy_model_path, photos, "--out", out)
    assert first.returncode == 0 and "1 analysed, 0 already done" in first.stdout
    assert rows(out)["photos"]["faces"] == "2"
    times = {p: (p.stat().st_atime_ns, p.stat().st_mtime_ns) for p in [photos, *photos.iterdir()]}
    write_photos(photos, faces=3)  # same names, new pixels, old times
    for path, (atime, mtime) in times.items():
        os.utime(path, ns=(atime, mtime))
    again = batch(happy_model_path, photos, "--out", out)
    assert "1 analysed, 0 already done" in again.stdout
    assert rows(out)["photos"]["faces"] == "6"
    assert "0 analysed, 1 already done" in batch(happy_model_path, photos, "--out", out).stdout


@pytest.fixture
def twins(tmp_path):
    """a/clip.avi (one face) and b/clip.avi (three faces): same size, same times."""
    paths = [tmp_path / "a" / "clip.avi", tmp_path / "b" / "clip.avi"]
    for path, faces in zip(paths, (1, 3), strict=True):
        path.parent.mkdir()
        support.face_video(path, n_frames=12, faces=faces)
    size = max(p.stat().st_size for p in paths)
    for path in paths:
        with open(path, "ab") as handle:
            handle.write(b"\0" * (size - path.stat().st_size))  # a tail OpenCV ignores
        os.utime(path, ns=(1_700_000_000_000_000_000,) * 2)
    assert paths[0].stat().st_size == paths[1].stat().st_size
    return paths


def test_sources_swapped_are_each_reported_with_their_own_results(
    twins, tmp_path, happy_model_path
):
    a, b = twins
    out = tmp_path / "out"
    assert "2 analysed" in batch(happy_model_path, a, b, "--out", out).stdout
    # the other order: "clip" is now b's name, "clip-2" a's
    again = batch(happy_model_path, b, a, "--out", out)
    assert "2 analysed, 0 already done" in again.stdout
    with open(out / "summary.csv", newline="") as handle:
        faces = {r["source"]: r["faces"] for r in csv.DictReader(handle)}
    assert faces == {str(b): "36", str(a): "12"}
    # the files themselves swapped (renamed, times kept): the content tells them apart
    a.rename(tmp_path / "swap.avi")
    b.rename(a)
    (tmp_path / "swap.avi").rename(b)
    third = batch(happy_model_path, b, a, "--out", out)
    assert "2 analysed, 0 already done" in third.stdout
    with open(out / "summary.csv", newline="") as handle:
        faces = {r["source"]: r["faces"] for r in csv.DictReader(handle)}
    assert faces == {str(b): "12", str(a): "36"}


def test_a_missing_or_unwritten_output_is_made_again_on_the_rerun(tmp_path, happy_model_path):
    videos, out = tmp_path / "videos", tmp_path / "out"
    videos.mkdir()
    support.face_video(videos / "clip.avi", n_frames=10)
    blocked = out / "clip.timeline.png"
    blocked.mkdir(parents=True)  # the timeline cannot be written (as on a full disk)
    first = batch(happy_model_path, videos, "--out", out)
    assert first.returncode == 1 and "0 analysed, 0 already done, 1 failed" in first.stdout
    assert "clip.timeline.png" in first.stdout
    blocked.rmdir()
    again = batch(happy_model_path, videos, "--out", out)
    assert again.returncode == 0 and "1 analysed, 0 already done" in again.stdout
    assert cv2.imread(str(blocked)) is not None
    (out / "clip.csv").unlink()  # an output lost after the run
    assert "1 analysed, 0 already done" in batch(happy_model_path, videos, "--out", out).stdout
    assert (out / "clip.csv").is_file()
    assert "0 analysed, 1 already done" in batch(happy_model_path, videos, "--out", out).stdout
    # asking for more outputs than the earlier run made redoes the source
    more = batch(happy_model_path, videos, "--out", out, "--annotate-videos")
    assert "1 analysed, 0 already done" in more.stdout
    assert (out / "clip.annotated.mp4").is_file()


def test_outputs_inside_the_source_folder_are_never_sources(tmp_path, happy_model_path):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(2):
        support.face_video(src / f"clip{i}.avi", n_frames=8)
    for _ in range(3):  # --out is the source folder itself
        done = batch(happy_model_path, src, "--out", src, "--annotate-videos")
        assert done.returncode == 0 and done.stdout.startswith("2 source(s)"), done.stdout
    assert "0 analysed, 2 already done" in done.stdout
    assert sorted(p.name for p in src.glob("*.mp4")) == [
        "clip0.annotated.mp4",
        "clip1.annotated.mp4",
    ]
    nested = src / "results"  # --out inside the source folder, sources by a recursive glob
    for _ in range(2):
        done = batch(happy_model_path, f"{src}/**/*", "--out", nested, "--annotate-videos")
        assert done.returncode == 0 and done.stdout.startswith("2 source(s)"), done.stdout
    assert "left out" in done.stderr
    assert sorted(p.name for p in nested.glob("*.mp4")) == [
        "clip0.annotated.mp4",
        "clip1.annotated.mp4",
    ]


def test_a_folder_of_a_video_and_photos_gives_both_and_annotates_only_the_video(
    tmp_path, happy_model_path
):
    mixed, out = tmp_path / "mixed", tmp_path / "out"
    write_photos(mixed, faces=1, n=3)
    support.face_video(mixed / "clip.avi", n_frames=8)
    done = batch(happy_model_path, mixed, "--out", out, "--annotate-videos")
    assert done.returncode == 0 and "2 source(s): 2 analysed" in done.stdout
    table = rows(out)
    assert table["clip.avi"]["frames"] == "8" and table["mixed"]["frames"] == "3"
    assert "annotates videos only; not annotated: " + str(mixed) in done.stdout
    assert sorted(p.name for p in out.glob("*annotated*")) == ["clip.annotated.mp4"]


@pytest.mark.parametrize(
    "case, words",
    [
        ("self", "names itself"),
        ("loop", "names itself"),
        ("binary", "is not a list of sources"),
        ("scheduler", "is not a Dask scheduler address"),
    ],
)
def test_bad_lists_and_addresses_are_one_line_errors(case, words, tmp_path, happy_model_path):
    lst, other, photo = tmp_path / "list.txt", tmp_path / "other.txt", tmp_path / "photo.png"
    lst.write_text(f"# sources\n@{lst}\n")
    other.write_text(f"@{tmp_path / 'back.txt'}\n")
    (tmp_path / "back.txt").write_text(f"{other}\n")
    cv2.imwrite(str(photo), support.face_frame(1))
    args = {
        "self": [f"@{lst}"],
        "loop": [f"@{other}"],
        "binary": [f"@{photo}"],
        "scheduler": [str(photo), "--scheduler", "notaurl"],
    }[case]
    done = batch(happy_model_path, *args, "--out", tmp_path / "out")
    assert done.returncode == 1
    assert done.stderr.startswith("ferapp analyze: error: ") and words in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


LONG = 150  # frames: seconds of work for a worker


@pytest.fixture(scope="module")
def long_videos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("long")
    support.face_video(folder / "long0.avi", n_frames=LONG)
    for i in (1, 2):
        shutil.copy(folder / "long0.avi", folder / f"long{i}.avi")
    return folder


@pytest.fixture
def working_batch(long_videos, happy_model_path):
    """Starts a `--workers 2` batch in a session of its own and returns once both workers
    analyse, with its child processes (the workers and multiprocessing's resource
    tracker); whatever is left of the session is killed after the test."""
    sessions: list[int] = []

    def start(out) -> tuple[subprocess.Popen, list[psutil.Process]]:
        command = [sys.executable, "-m", "ferapp", "analyze", str(long_videos), "--out",
                   str(out), "--model", str(happy_model_path), "--quiet", "--workers", "2"]  # fmt: skip
        proc = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True,
        )  # fmt: skip
        sessions.append(proc.pid)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            children = psutil.Process(proc.pid).children(recursive=True)
            if len(children) >= 3 and len(list(out.glob(".ferapp-tmp-*.csv"))) >= 2:
                return proc, children
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        pytest.fail("the batch's two workers never started analysing")

    yield start
    for group in sessions:
        with contextlib.suppress(OSError):
            os.killpg(group, signal.SIGKILL)


def remaining(processes: list[psutil.Process], group: int, within_s: float) -> list[int]:
    """Pids of ``processes`` or of process group ``group`` still alive after ``within_s``."""
    deadline = time.monotonic() + within_s
    while True:
        alive = []
        for process in {*processes, *psutil.process_iter()}:
            try:
                if process.status() == psutil.STATUS_ZOMBIE:
                    continue
                if process in processes or os.getpgid(process.pid) == group:
                    alive.append(process.pid)
            except (psutil.Error, OSError):
                continue
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def test_a_killed_batch_leaves_no_process_behind(working_batch, tmp_path):
    proc, children = working_batch(tmp_path / "out")
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)  # the pipes reach their end: nobody else holds them
    assert proc.returncode == -signal.SIGKILL
    assert remaining(children, proc.pid, within_s=10) == []


def test_sigterm_stops_a_batch_as_ctrl_c_does(working_batch, tmp_path):
    out = tmp_path / "out"
    proc, children = working_batch(out)
    proc.send_signal(signal.SIGTERM)
    stderr = proc.communicate(timeout=60)[1]
    assert proc.returncode == 143, stderr
    assert "interrupted: run the same command again" in stderr.decode()
    assert "Traceback" not in stderr.decode()
    assert remaining(children, proc.pid, within_s=10) == []
    table = {Path(r["source"]).stem: r for r in rows(out).values()}
    stopped = [name for name, row in table.items() if row["status"] == "interrupted"]
    assert stopped, table  # the workers were stopped, not left to finish their videos
    for name in stopped:  # and what they did is kept
        result = json.loads((out / f"{name}.json").read_text())
        assert not result["complete"] and result["summary"]["frames"] < LONG
