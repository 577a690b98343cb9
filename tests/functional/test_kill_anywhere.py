"""kill -9 at any moment loses nothing: the output holds nothing or a whole file, and a
resumed run ends where an uninterrupted one does. SIGTERM stops a command as Ctrl-C does."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from ferapp.core.model.classifier import EmotionClassifier
from tests import support
from tests.support import ROOT
from trainer.run_folder import run_dir

EPOCHS = 4


def _train_command(data: Path, out: Path) -> list[str]:
    return [
        sys.executable, "-m", "ferapp", "train", "--data", str(data), "--arch", "thesis2",
        "--epochs", str(EPOCHS), "--batch-size", "32", "--out", str(out), "--quiet",
        "--flip-average",
    ]  # fmt: skip


def _kill_when(proc: subprocess.Popen, ready, deadline_s: float = 120) -> bool:
    """SIGKILL ``proc`` as soon as ``ready()`` holds; False if it ended first."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline and proc.poll() is None:
        if ready():
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.002)
    proc.wait()
    return False


def _check_whole_or_absent(out: Path) -> None:
    if out.exists():
        EmotionClassifier.load(out)  # a whole, loadable model


def test_training_killed_while_writing_a_checkpoint_resumes_to_the_same_end(tmp_path, tiny_csv):
    """The hardest moment: a model or state file half written (SIGTERM between epochs,
    below, shows the rest of the rule)."""
    out = tmp_path / "m.keras"
    command = _train_command(tiny_csv, out)
    folder = run_dir(out)

    def writing_a_checkpoint() -> bool:  # a temporary model file is being written
        return any(folder.glob(".ferapp-tmp-last-*")) or any(out.parent.glob(".ferapp-tmp-m-*"))

    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    killed = _kill_when(proc, writing_a_checkpoint)
    assert killed and proc.returncode == -signal.SIGKILL, "it ended before it was killed"
    _check_whole_or_absent(out)
    state = folder / "state.json"
    if state.exists():
        json.loads(state.read_text())  # whole JSON
    resume = ["--resume"] if folder.joinpath("state.json").exists() else ["--overwrite"]
    done = subprocess.run(
        [*command, *resume], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(out.with_suffix(".json").read_text())
    assert summary["epochs_done"] == EPOCHS, (killed, summary["epochs_done"])
    assert [h["epoch"] for h in summary["history"]] == list(range(1, EPOCHS + 1))
    EmotionClassifier.load(out)
    assert not list(folder.glob(".ferapp-tmp-*")), "temporary files left in the run folder"


def test_analysis_killed_anywhere_leaves_nothing_or_the_whole_result(tmp_path, happy_model_path):
    video = support.face_video(tmp_path / "v.avi", n_frames=150)
    out_csv, out_json = tmp_path / "r.csv", tmp_path / "r.json"
    command = [
        sys.executable, "-m", "ferapp", "analyze", str(video), "--model", str(happy_model_path),
        "--csv", str(out_csv), "--json", str(out_json), "--quiet",
    ]  # fmt: skip
    reference = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert reference.returncode == 0, reference.stderr
    expected = out_csv.read_text(), json.loads(out_json.read_text())["summary"]
    out_csv.unlink()
    out_json.unlink()
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.monotonic()
    wait = random.Random(1).uniform(0.5, 2.0)
    assert _kill_when(proc, lambda: time.monotonic() - started > wait), "it ended unkilled"
    assert proc.returncode == -signal.SIGKILL
    for path in (out_csv, out_json):  # nothing, or the whole file
        if path.exists():
            assert path == out_json or path.read_text() == expected[0]
            if path == out_json:
                assert json.loads(path.read_text())["summary"] == expected[1]
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert out_csv.read_text() == expected[0]
    assert json.loads(out_json.read_text())["summary"] == expected[1]
    assert not list(tmp_path.glob(".ferapp-tmp-*"))  # the killed run's temporaries are gone


def _terminate_when(proc: subprocess.Popen, ready, deadline_s: float = 120) -> int:
    """SIGTERM ``proc`` once ``ready()`` holds; its exit code (it must still be running)."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline and proc.poll() is None and not ready():
        time.sleep(0.01)
    assert proc.poll() is None, "it ended before it could be terminated"
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=120)


def test_sigterm_stops_an_analysis_as_ctrl_c_does(tmp_path, happy_model_path):
    """The frames done are written, whole, and no temporary file stays behind."""
    video = support.face_video(tmp_path / "v.avi", n_frames=600)
    out_csv = tmp_path / "r.csv"
    command = [
        sys.executable, "-m", "ferapp", "analyze", str(video), "--model", str(happy_model_path),
        "--csv", str(out_csv),
    ]  # fmt: skip
    proc = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    started: list[float] = []

    def analysing() -> bool:  # the CSV's temporary file exists once frames are written
        if not started and list(tmp_path.glob(".ferapp-tmp-*")):
            started.append(time.monotonic())
        return bool(started) and time.monotonic() - started[0] > 0.5

    code = _terminate_when(proc, analysing)
    err = proc.stderr.read()
    assert code == 143, err
    rows = out_csv.read_text().splitlines()
    assert 1 < len(rows) < 601 and "interrupted, partial results written" in proc.stdout.read()
    assert "Traceback" not in err and not list(tmp_path.glob(".ferapp-tmp-*"))


def test_sigterm_during_training_keeps_finished_epochs_and_resume_redoes_the_cut_one(
    tmp_path, tiny_csv
):
    out = tmp_path / "m.keras"
    command = _train_command(tiny_csv, out)
    state = run_dir(out) / "state.json"
    proc = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    code = _terminate_when(proc, state.exists)
    err = proc.stderr.read()
    assert code == 143, err  # not 0: the run was cut, and says so
    done = json.loads(state.read_text())["epochs_done"]
    assert 1 <= done < EPOCHS and "Traceback" not in err
    assert [h["epoch"] for h in json.loads(state.read_text())["history"]] == list(
        range(1, done + 1)
    )
    resumed = subprocess.run(
        [*command, "--resume"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(out.with_suffix(".json").read_text())
    assert [h["epoch"] for h in summary["history"]] == list(range(1, EPOCHS + 1))
