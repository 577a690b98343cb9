"""Batches: many videos, one damaged; killed and resumed; the same results on any runner."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import cv2
import pytest

from ferapp.batch.sources import DONE_FOLDER
from ferapp.cli import main as cli_main
from tests import support
from tests.support import ROOT


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("videos")
    for i in range(4):
        support.face_video(folder / f"clip{i}.avi", n_frames=30 + 10 * i, faces=1 + 2 * (i % 2))
    (folder / "damaged.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 truncated")
    return folder


def analyse(folder, out, model, *extra) -> int:
    return cli_main(["analyze", str(folder), "--out", str(out), "--model", str(model),
                     "--smooth", "0.5", "--quiet", *extra])  # fmt: skip


def results(out) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(out.glob("clip*.csv"))}


def test_a_batch_gives_a_result_per_video_and_names_the_damaged_one(
    videos, tmp_path, happy_model_path, capsys
):
    out = tmp_path / "out"
    assert analyse(videos, out, happy_model_path, "--workers", "1") == 1  # one failed
    text = capsys.readouterr().out
    assert "4 analysed, 0 already done, 1 failed" in text and "damaged.mp4" in text
    assert sorted(results(out)) == [f"clip{i}.csv" for i in range(4)]
    for i in range(4):
        data = json.loads((out / f"clip{i}.json").read_text())
        assert data["complete"] and data["summary"]["frames"] == 30 + 10 * i
        assert data["fingerprint"]["model_sha256"]
    summary = {row["source"].rsplit("/", 1)[-1]: row for row in _csv(out / "summary.csv")}
    assert summary["damaged.mp4"]["status"].startswith("failed: cannot open video")
    assert summary["clip1.avi"]["dominant"] == "happy" and summary["clip1.avi"]["faces"] == "120"
    # the pictures and the report open
    timeline = cv2.imread(str(out / "clip1.timeline.png"))
    assert timeline is not None and timeline.shape[0] > 300 and timeline.shape[1] > 600
    report = (out / "report.html").read_text()
    assert report.count("<tr>") == 1 + 5 and 'src="clip1.timeline.png"' in report
    assert "http" not in report  # nothing fetched from elsewhere
    # a rerun skips what is done
    assert analyse(videos, out, happy_model_path, "--workers", "1") == 1
    assert "0 analysed, 4 already done, 1 failed" in capsys.readouterr().out


def _csv(path):
    import csv

    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_two_workers_and_a_dask_cluster_give_the_results_of_one(
    videos, tmp_path, happy_model_path, capsys
):
    one, two, dask = tmp_path / "one", tmp_path / "two", tmp_path / "dask"
    analyse(videos, one, happy_model_path, "--workers", "1")
    analyse(videos, two, happy_model_path, "--workers", "2")
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
        host="127.0.0.1",
    ) as cluster:  # fmt: skip
        analyse(videos, dask, happy_model_path, "--scheduler", cluster.scheduler_address)
    capsys.readouterr()
    assert results(one) == results(two) == results(dask)
    assert len(results(one)) == 4


def test_a_batch_killed_midway_finishes_on_the_next_run(videos, tmp_path, happy_model_path):
    reference, out = tmp_path / "reference", tmp_path / "out"
    analyse(videos, reference, happy_model_path, "--workers", "1")
    command = [sys.executable, "-m", "ferapp", "analyze", str(videos), "--out", str(out),
               "--model", str(happy_model_path), "--smooth", "0.5", "--quiet", "--workers", "1"]  # fmt: skip
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (out / "clip1.json").exists():
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)  # after the first videos, before the last
    proc.wait()
    done_before = sorted(p.stem for p in (out / DONE_FOLDER).glob("clip*.json"))  # markers
    assert 1 <= len(done_before) < 4
    for name in done_before:  # what is there is whole
        assert json.loads((out / f"{name}.json").read_text())["complete"]
        assert (out / f"{name}.csv").is_file() and (out / f"{name}.timeline.png").is_file()
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert f"{4 - len(done_before)} analysed, {len(done_before)} already done" in again.stdout
    assert results(out) == results(reference)
    assert not list(out.glob(".ferapp-tmp-*"))
