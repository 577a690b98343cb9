"""`ferapp train --backend jax|torch`: the same trainer on Keras's other backends, in a
process that cannot import TensorFlow (as on a machine with only JAX or PyTorch), and
the model it saves opened by the app as any other."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from ferapp.core.model.classifier import EmotionClassifier
from ferapp.core.model.metadata import read_metadata
from tests.support import ROOT, run_in_process, striped_faces
from trainer.backends import is_installed
from trainer.protocol import RunSummary, summary_path
from trainer.run_folder import run_dir

# Run before ferapp: TensorFlow, LiteRT and tf_keras cannot be imported, as where
# they are not installed (found, but failing to load, as a missing module does).
WITHOUT_TENSORFLOW = """
import importlib.abc, importlib.machinery, sys
class Missing(importlib.abc.Loader):
    def create_module(self, spec):
        raise ModuleNotFoundError(f"No module named {spec.name!r}", name=spec.name)
    def exec_module(self, module):
        pass
class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ("tensorflow", "ai_edge_litert", "tf_keras"):
            return importlib.machinery.ModuleSpec(name, Missing())
        return None
sys.meta_path.insert(0, Absent())
from ferapp.app import main
code = main(sys.argv[1:])
assert "tensorflow" not in sys.modules, "TensorFlow was loaded"
sys.exit(code)
"""


def train_without_tensorflow(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_TENSORFLOW, "train", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_a_model_trained_on_another_backend_opens_in_the_app(tmp_path, tiny_csv, backend):
    if not is_installed(backend):
        pytest.fail(f"{backend} is part of the test install (python dev.py test installs it)")
    out = tmp_path / f"{backend}.keras"
    common = ["--data", str(tiny_csv), "--arch", "thesis2", "--batch-size", "16", "--out", str(out)]
    proc = train_without_tensorflow(*common, "--epochs", "1", "--backend", backend, "--quiet")
    assert proc.returncode == 0, proc.stderr[-3000:]
    said = re.search(
        r"^thesis2 on ((?:CPU, \d+ threads?|[^:(]+) \(\w+\)): 102,055 parameters", proc.stderr, re.M
    )
    assert said and said[1].endswith(f"({backend})"), proc.stderr[-3000:]
    summary = RunSummary.read(summary_path(out))
    assert summary.config["backend"] == backend and summary.device == said[1]

    # the app opens it as any model: converted for the runtime on TensorFlow, in this
    # process, and it reads the validation faces as the run measured
    info = read_metadata(out)
    assert info is not None and info.extra["architecture"] == "thesis2"
    clf = EmotionClassifier.load(out)
    assert clf.backend == "tflite"
    images, labels = striped_faces(192)
    right = (clf.classify_many(images[150:]).argmax(axis=1) == labels[150:]).mean()
    assert right == pytest.approx(summary.best_val_accuracy, abs=2 / 42)  # 8-bit weights
    assert summary.best_val_accuracy > 0.3  # it learnt (1/7 by chance)

    # continued: on its own backend unless another is named, which is refused
    other = "torch" if backend == "jax" else "jax"
    refused = train_without_tensorflow(*common, "--epochs", "2", "--backend", other, "--resume")
    assert refused.returncode == 1
    assert f"used --backend {backend}, not {other}; resume it with the same --backend" in (
        refused.stderr
    )
    if backend == "torch":
        resumed = train_without_tensorflow(*common, "--epochs", "2", "--resume", "--quiet")
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        assert "(torch): 102,055 parameters" in resumed.stderr
        assert "continuing after epoch 1" in resumed.stderr
        assert json.loads((run_dir(out) / "state.json").read_text())["epochs_done"] == 2


def test_a_backend_keras_is_not_running_on_is_refused_in_one_line(tmp_path, tiny_csv):
    # this process runs Keras on TensorFlow: it cannot train on JAX as well
    proc = run_in_process(
        "ferapp", "train", "--data", str(tiny_csv), "--out", str(tmp_path / "m.keras"),
        "--backend", "jax",
    )  # fmt: skip
    assert proc.returncode == 1
    assert "Keras is already running on tensorflow in this process" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "m.keras.run").exists()


def test_the_window_and_its_commands_run_keras_on_tensorflow_whatever_the_user_set():
    code = (
        "from ferapp.app import main\n"
        "try:\n    main(['evaluate', '--help'])\nexcept SystemExit:\n    pass\n"
        "import keras\nfrom trainer.backends import default_backend\n"
        "print(keras.config.backend(), default_backend())"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "KERAS_BACKEND": "torch"},
        timeout=120,
    )
    # the runtime converts models with TensorFlow; the user's choice stays training's default
    assert proc.stdout.split()[-2:] == ["tensorflow", "torch"], proc.stderr[-2000:]


# Run before ferapp: JAX's compiled half fails to load, as with a CUDA build that does
# not match the driver.
BROKEN_JAX = """
import importlib.abc, importlib.machinery, sys
class Broken(importlib.abc.Loader):
    def create_module(self, spec):
        raise RuntimeError("jaxlib was built for CUDA 12.8; the driver supports 12.2")
    def exec_module(self, module):
        pass
class Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        return importlib.machinery.ModuleSpec(name, Broken()) if name == "jaxlib" else None
sys.meta_path.insert(0, Finder())
from ferapp.app import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_backend_that_fails_to_load_is_said_in_one_line(tmp_path, tiny_csv):
    out = tmp_path / "m.keras"
    proc = subprocess.run(
        [sys.executable, "-c", BROKEN_JAX, "train", "--data", str(tiny_csv), "--out", str(out),
         "--backend", "jax", "--events"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1
    said = "Keras could not start on jax: jaxlib was built for CUDA 12.8"
    assert proc.stderr.startswith(f"ferapp train: error: {said}"), proc.stderr[-2000:]
    assert said in proc.stdout  # the window reads it as the run's error event
    assert "Traceback" not in proc.stderr and not run_dir(out).exists()
