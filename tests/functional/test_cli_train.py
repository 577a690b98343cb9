"""`ferapp train` and the trainer's own commands, run as a user runs them."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from ferapp.core.classifier import EmotionClassifier
from ferapp.core.emotions import EMOTIONS
from ferapp.core.model_file import ModelInfo, load_keras_model, read_metadata, save_model
from tests.support import (
    ROOT,
    asymmetric_network,
    banded_faces,
    predict,
    run_cli,
    run_module,
)
from trainer.flip_average import INFO_KEY, is_flip_averaged, with_flip_average
from trainer.run_folder import run_dir


@pytest.fixture(scope="module")
def network():
    return asymmetric_network()


def test_init_from_another_architecture_is_refused_clearly(tmp_path, tiny_csv, learned):
    proc = run_cli(
        "train",
        "--data",
        str(tiny_csv),
        "--arch",
        "mini_xception",
        "--epochs",
        "1",
        "--init-from",
        str(learned.out),
        "--out",
        str(tmp_path / "m.keras"),
        "--quiet",
    )
    assert proc.returncode == 1, proc.stderr
    assert "different architecture" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli(
        "train",
        "--data",
        str(tiny_csv),
        "--epochs",
        "1",
        "--quiet",
        "--init-from",
        str(tmp_path / "missing.keras"),
        "--out",
        str(tmp_path / "m.keras"),
    )
    assert proc.returncode == 1 and "--init-from" in proc.stderr and "Traceback" not in proc.stderr


def test_resume_after_the_process_is_killed(tmp_path, tiny_csv):
    out = tmp_path / "m.keras"
    cmd = [
        sys.executable,
        "-m",
        "ferapp",
        "train",
        "--data",
        str(tiny_csv),
        "--arch",
        "mini_xception",
        "--epochs",
        "4",
        "--batch-size",
        "32",
        "--out",
        str(out),
        "--quiet",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    state = run_dir(out) / "state.json"
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        if state.exists() and json.loads(state.read_text())["epochs_done"] >= 1:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = json.loads(state.read_text())["epochs_done"]
    assert 1 <= done_before < 4, "the run should have been killed mid-way"
    first_epoch = json.loads(state.read_text())["history"][0]

    resumed = subprocess.run(
        [*cmd, "--resume"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    final = json.loads(state.read_text())
    assert final["epochs_done"] == 4
    assert [h["epoch"] for h in final["history"]] == [1, 2, 3, 4]
    assert final["history"][0] == first_epoch
    EmotionClassifier.load(out)


def test_averaging_saved_checkpoints_from_the_command_line(tmp_path, tiny_csv, learned):
    out = tmp_path / "avg.keras"
    flipped = save_model(  # a flip-averaged checkpoint counts as the network inside it
        with_flip_average(load_keras_model(learned.out)),
        tmp_path / "flipped.keras",
        read_metadata(learned.out),
    )
    proc = run_module(
        "trainer.averaging",
        "--data",
        str(tiny_csv),
        "--out",
        str(out),
        str(flipped),
        str(run_dir(learned.out) / "last.keras"),
    )
    assert proc.returncode == 0, proc.stderr
    assert "averaged 2 checkpoints: validation accuracy" in proc.stdout
    assert EmotionClassifier.load(out).class_names == EMOTIONS
    assert not is_flip_averaged(load_keras_model(out))


def test_command_line_saves_a_safe_self_describing_flip_model(tmp_path, network):
    source = save_model(network, tmp_path / "net.keras", ModelInfo(extra={"architecture": "x"}))
    out = tmp_path / "flip.keras"
    proc = run_module("trainer.flip_average", str(source), str(out))
    assert proc.returncode == 0, proc.stderr
    assert "flip averaging built in" in proc.stdout
    assert read_metadata(out).extra == {"architecture": "x", INFO_KEY: True}
    loaded = load_keras_model(out)  # built-in layers only: the safe loader accepts it
    x = banded_faces(3)
    expected = (predict(network, x) + predict(network, x[:, :, ::-1])) / 2
    clf = EmotionClassifier.load(out, quantize=False)
    assert np.allclose(clf.classify(x), expected, atol=1e-5)
    assert np.allclose(predict(loaded, x), expected, atol=1e-6)
    # --inner gives the network back on its own, as a teacher that sees one image
    inner = tmp_path / "inner.keras"
    proc = run_module("trainer.flip_average", "--inner", str(out), str(inner))
    assert proc.returncode == 0, proc.stderr
    assert "the network alone" in proc.stdout
    assert read_metadata(inner).extra == {"architecture": "x"}
    assert np.allclose(
        EmotionClassifier.load(inner, quantize=False).classify(x), predict(network, x), atol=1e-5
    )
    proc = run_module("trainer.flip_average", "--inner", str(inner), str(tmp_path / "again.keras"))
    assert proc.returncode == 1 and "has no flip averaging built in" in proc.stderr


def test_missing_metadata_is_refused_in_one_line(tmp_path, network):
    bare = tmp_path / "bare.keras"
    network.save(bare)
    proc = run_module("trainer.flip_average", str(bare), str(tmp_path / "o.keras"))
    assert proc.returncode == 1
    assert "no ferapp metadata" in proc.stderr and "Traceback" not in proc.stderr
