"""The recognition core, the command line and the trainer work with Qt absent."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.support import ROOT

LINT_IMPORTS = "from importlinter.cli import lint_imports_command; lint_imports_command()"

BLOCK_QT = textwrap.dedent(
    """
    import importlib.abc, sys

    class NoQt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph"):
                raise ImportError(f"{name} is blocked: the core must not need Qt")
            return None

    sys.meta_path.insert(0, NoQt())
    """
)


def test_core_cli_and_trainer_import_and_run_without_qt(tmp_path):
    import cv2

    from tests import support

    image = tmp_path / "face.png"
    cv2.imwrite(str(image), support.face_frame(1))
    script = BLOCK_QT + textwrap.dedent(
        f"""
        import pkgutil, importlib
        import ferapp.core, ferapp.cli, trainer
        for package in (ferapp.core, ferapp.cli, trainer):
            for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
                importlib.import_module(info.name)
        from ferapp.core.detect.base import DetectorSettings
        from ferapp.core.detect.factory import create_detector
        from ferapp.core.sources.opening import open_source
        frame = next(iter(open_source({str(image)!r})))
        for name in ("yunet", "haar"):
            assert len(create_detector(DetectorSettings(detector=name)).detect(frame.image)) == 1
        assert not any(m.startswith(("PySide6", "pyqtgraph")) for m in sys.modules)
        print("core ok without Qt")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert "core ok without Qt" in proc.stdout


def test_import_contract_holds():
    """import-linter checks every import, including ones inside functions."""
    proc = subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    contracts = (
        (ROOT / "pyproject.toml")
        .read_text(encoding="utf-8")
        .count("[[tool.importlinter.contracts]]")
    )
    assert contracts >= 4
    assert f"{contracts} kept, 0 broken" in proc.stdout


def test_a_converted_model_runs_without_importing_tensorflow(tmp_path, happy_model_path):
    """The shipped model's converted form (and any model's, once cached) loads with the
    small LiteRT interpreter: the window and the commands start without TensorFlow."""
    script = textwrap.dedent(
        f"""
        import sys
        import numpy as np
        from ferapp.core.model.classifier import EmotionClassifier
        from ferapp.core.locations import find_default_model
        for path in (find_default_model(), {str(happy_model_path)!r}):
            clf = EmotionClassifier.load(path)
            assert clf.classify(np.full((1, 48, 48), 128, np.uint8)).shape == (1, 7)
        assert "tensorflow" not in sys.modules and "keras" not in sys.modules, "TF imported"
        print("no tensorflow:", clf.runtime, clf.precision)
        """
    )
    warm = subprocess.run(  # the tiny model converted once (and cached) in another process
        [sys.executable, "-m", "ferapp", "convert-model", str(happy_model_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert warm.returncode == 0, warm.stderr
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert "no tensorflow: LiteRT TensorFlow Lite, 8-bit weights" in proc.stdout
