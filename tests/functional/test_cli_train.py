"""`ferapp train` and the trainer's own commands, run as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from ferapp.core.emotions import EMOTIONS
from ferapp.core.model.classifier import EmotionClassifier
from ferapp.core.model.metadata import ModelInfo, load_keras_model, read_metadata, save_model
from tests.support import (
    ROOT,
    asymmetric_network,
    banded_faces,
    predict,
    run_cli,
    run_in_process,
)
from trainer.flip_average import INFO_KEY, is_flip_averaged, with_flip_average
from trainer.precision import cpu_has_amx_bf16
from trainer.run_folder import run_dir


@pytest.fixture(scope="module")
def network():
    return asymmetric_network()


def test_init_from_another_architecture_is_refused_clearly(tmp_path, tiny_csv, learned):
    proc = run_in_process(
        "ferapp",
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
    proc = run_in_process(
        "ferapp",
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


def test_averaging_saved_checkpoints_from_the_command_line(tmp_path, tiny_csv, learned):
    out = tmp_path / "avg.keras"
    flipped = save_model(  # a flip-averaged checkpoint counts as the network inside it
        with_flip_average(load_keras_model(learned.out)),
        tmp_path / "flipped.keras",
        read_metadata(learned.out),
    )
    proc = run_in_process(
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
    proc = run_in_process("trainer.flip_average", str(source), str(out))
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
    proc = run_in_process("trainer.flip_average", "--inner", str(out), str(inner))
    assert proc.returncode == 0, proc.stderr
    assert "the network alone" in proc.stdout
    assert read_metadata(inner).extra == {"architecture": "x"}
    assert np.allclose(
        EmotionClassifier.load(inner, quantize=False).classify(x), predict(network, x), atol=1e-5
    )
    proc = run_in_process(
        "trainer.flip_average", "--inner", str(inner), str(tmp_path / "again.keras")
    )
    assert proc.returncode == 1 and "has no flip averaging built in" in proc.stderr


def test_command_line_saves_an_ensemble_that_answers_the_mean_and_teaches(
    tmp_path, tiny_csv, network, learned
):
    import keras

    from trainer.architectures import build

    keras.utils.set_random_seed(5)
    other = build("fernet")
    first = save_model(network, tmp_path / "a.keras", ModelInfo(extra={"architecture": "fernet"}))
    flipped = save_model(
        with_flip_average(other),
        tmp_path / "b.keras",
        ModelInfo(extra={"architecture": "fernet", INFO_KEY: True}),
    )
    out = tmp_path / "ensemble.keras"
    proc = run_in_process("trainer.ensemble", str(out), str(first), str(flipped))
    assert proc.returncode == 0, proc.stderr
    assert "saved" in proc.stdout and "2 models" in proc.stdout
    # flip averaging only where every member has it
    assert read_metadata(out).extra == {
        "architecture": "fernet",
        "ensemble": ["a.keras", "b.keras"],
    }
    x = banded_faces(3)
    b_answers = (predict(other, x) + predict(other, x[:, :, ::-1])) / 2
    expected = (predict(network, x) + b_answers) / 2
    assert np.abs(predict(network, x) - b_answers).max() > 1e-3  # else the test could not fail
    clf = EmotionClassifier.load(out, quantize=False)  # the safe loader accepts it
    assert np.allclose(clf.classify(x), expected, atol=1e-5)
    # two networks, the second answering for the mirror image: the cost of one flipped
    second = save_model(
        other, tmp_path / "b-inner.keras", ModelInfo(extra={"architecture": "fernet"})
    )
    pair = tmp_path / "pair.keras"
    proc = run_in_process(
        "trainer.ensemble", "--mirror-alternate", str(pair), str(first), str(second)
    )
    assert proc.returncode == 0, proc.stderr
    assert read_metadata(pair).extra == {
        "architecture": "fernet",
        "ensemble": ["a.keras", "b-inner.keras"],
        "ensemble_mirror_alternate": True,
    }
    expected = (predict(network, x) + predict(other, x[:, :, ::-1])) / 2
    assert np.abs(expected - (predict(network, x) + predict(other, x)) / 2).max() > 1e-3
    assert np.allclose(
        EmotionClassifier.load(pair, quantize=False).classify(x), expected, atol=1e-5
    )
    assert not is_flip_averaged(load_keras_model(pair))  # no network of its own to unwrap
    proc = run_in_process(
        "trainer.ensemble", "--mirror-alternate", str(pair), str(first), str(flipped)
    )
    assert proc.returncode == 1 and "flip_average --inner" in proc.stderr
    odd = [str(first), str(second), str(first)]
    proc = run_in_process("trainer.ensemble", "--mirror-alternate", str(tmp_path / "o.keras"), *odd)
    assert proc.returncode == 1 and "even number" in proc.stderr
    # an ensemble holding the pair is no pair itself: the member's keys stay with it
    outer = tmp_path / "outer.keras"
    assert run_in_process("trainer.ensemble", str(outer), str(pair), str(first)).returncode == 0
    assert read_metadata(outer).extra == {
        "architecture": "fernet",
        "ensemble": ["pair.keras", "a.keras"],
    }
    proc = run_in_process("trainer.ensemble", "--mirror-alternate", str(tmp_path / "p.keras"),
                      str(outer), str(first))  # fmt: skip
    assert proc.returncode == 1 and "flip_average --inner" in proc.stderr  # a mirror inside
    # an ensemble of trained models is a teacher like any model
    ensemble = tmp_path / "learned-twice.keras"
    assert (
        run_in_process(
            "trainer.ensemble", str(ensemble), str(learned.out), str(learned.out)
        ).returncode
        == 0
    )
    taught = run_in_process(
        "ferapp", "train", "--data", str(tiny_csv), "--arch", "thesis2", "--epochs", "1",
        "--teacher", str(ensemble), "--out", str(tmp_path / "student.keras"), "--quiet",
    )  # fmt: skip
    assert taught.returncode == 0, taught.stderr
    assert "taught by learned-twice.keras" in taught.stderr
    # members that disagree on their classes are refused in one line
    other_classes = save_model(
        network, tmp_path / "c.keras", ModelInfo(class_names=("a", "b", "c", "d", "e", "f", "g"))
    )
    proc = run_in_process(
        "trainer.ensemble", str(tmp_path / "x.keras"), str(first), str(other_classes)
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "must agree" in proc.stderr


def test_missing_metadata_is_refused_in_one_line(tmp_path, network):
    bare = tmp_path / "bare.keras"
    network.save(bare)
    proc = run_in_process("trainer.flip_average", str(bare), str(tmp_path / "o.keras"))
    assert proc.returncode == 1
    assert "no ferapp metadata" in proc.stderr and "Traceback" not in proc.stderr


def _without_the_guard() -> dict[str, str]:
    """This process's environment without the oneDNN limit conftest sets for itself."""
    return {k: v for k, v in os.environ.items() if k != "ONEDNN_MAX_CPU_ISA"}


def _python(code: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_without_the_guard(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_crash_guard_is_set_only_for_the_architectures_that_need_it(tmp_path, tiny_csv):
    proc = _python(
        "import os, trainer\n"
        "trainer.prepare_training(['fernet', 'thesis1', 'thesis2', 'thesis3'])\n"
        "print(os.environ.get('ONEDNN_MAX_CPU_ISA'), trainer.can_train('mini_xception'))\n"
        "trainer.prepare_training(['fernet', 'mini_xception'])\n"
        "print(os.environ.get('ONEDNN_MAX_CPU_ISA'), trainer.can_train('mini_xception'))\n"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[:2] == ["None False", "AVX2 True"]
    # too late once TensorFlow is loaded: the guarded architecture is refused, others train
    proc = _python(
        "import tensorflow, os, trainer\n"
        "from ferapp.core.errors import FerappError\n"
        "from trainer.config import TrainConfig\n"
        "from trainer.datasets import load_dataset\n"
        "from trainer.training import Trainer\n"
        "trainer.prepare_training(['mini_xception'])\n"
        f"splits = load_dataset({str(tiny_csv)!r})\n"
        "for arch in ('mini_xception', 'thesis2'):\n"
        f"    out = os.path.join({str(tmp_path)!r}, arch + '.keras')\n"
        "    config = TrainConfig(data='d', arch=arch, out=out, epochs=1, batch_size=32)\n"
        "    try:\n"
        "        print(arch, Trainer(config, splits).run().epochs_done)\n"
        "    except FerappError as exc:\n"
        "        print(arch, exc)\n"
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert (
        lines[0].startswith("mini_xception mini_xception has a stride-2 convolution")
        and "TensorFlow was loaded first" in lines[0]
        and lines[1] == "thesis2 1"
    )


def test_the_unguarded_architectures_train_with_a_partial_last_batch_at_full_speed(
    tmp_path, tiny_csv
):
    """The crash the guard is for, looked for where there is no guard (float32)."""
    proc = _python(
        "import os, trainer\n"
        "trainer.prepare_training(['thesis1', 'thesis2', 'thesis3', 'fernet'])\n"
        "assert 'ONEDNN_MAX_CPU_ISA' not in os.environ\n"
        "from trainer.config import TrainConfig\n"
        "from trainer.datasets import load_dataset\n"
        "from trainer.training import Trainer\n"
        f"splits = load_dataset({str(tiny_csv)!r})\n"
        "for arch in ('thesis1', 'thesis2', 'thesis3', 'fernet'):\n"
        f"    out = os.path.join({str(tmp_path)!r}, arch + '.keras')\n"
        "    config = TrainConfig(data='d', arch=arch, out=out, epochs=1, batch_size=32)\n"
        "    print(arch, Trainer(config, splits).run().epochs_done)\n",
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["thesis1", "1", "thesis2", "1", "thesis3", "1", "fernet", "1"]


@pytest.mark.skipif(not cpu_has_amx_bf16(), reason="bfloat16 training needs a CPU with AMX")
def test_fernet_trains_in_bfloat16_resumes_in_it_and_saves_a_float32_model(tmp_path, tiny_csv):
    out = tmp_path / "m.keras"
    train = ["train", "--data", str(tiny_csv), "--arch", "fernet", "--batch-size", "32"]
    train += ["--early-stopping", "0", "--out", str(out), "--quiet"]
    unguarded = {"ONEDNN_MAX_CPU_ISA": "ALL"}  # as `ferapp train --arch fernet` runs
    first = run_cli(*train, "--epochs", "1", env=unguarded)  # auto: bfloat16 on this CPU
    assert first.returncode == 0, first.stderr
    assert "mixed bfloat16" in first.stderr
    refused = run_cli(*train, "--epochs", "2", "--resume", "--precision", "float32", env=unguarded)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "used --precision bfloat16, not float32" in refused.stderr
    resumed = run_cli(*train, "--epochs", "2", "--resume", env=unguarded)  # keeps bfloat16
    assert resumed.returncode == 0, resumed.stderr
    state = json.loads((run_dir(out) / "state.json").read_text())
    assert state["epochs_done"] == 2 and state["config"]["precision"] == "bfloat16"
    saved = load_keras_model(out)
    assert {layer.dtype_policy.name for layer in saved.layers} == {"float32"}
    faces = banded_faces(3)
    assert EmotionClassifier.load(out).classify(faces).shape == (3, 7)
    guarded = run_cli(
        *[a if a != "fernet" else "mini_xception" for a in train],
        "--epochs", "1", "--overwrite", "--precision", "bfloat16",
        env=unguarded,
    )  # fmt: skip
    assert guarded.returncode == 1 and "Traceback" not in guarded.stderr
    assert "--precision bfloat16: mini_xception trains with oneDNN limited to AVX2" in (
        guarded.stderr
    )
