"""Shared fixtures: real media written to temporary folders, tiny real models."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Never touch the user's own settings or logs.
os.environ["FERAPP_SETTINGS_DIR"] = tempfile.mkdtemp(prefix="ferapp-test-settings-")
os.environ["FERAPP_LOG_DIR"] = tempfile.mkdtemp(prefix="ferapp-test-logs-")

import trainer  # noqa: F401  (sets the oneDNN crash guard before TensorFlow is imported)
from tests import media

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def happy_model_path(tmp_path_factory) -> Path:
    """A tiny .keras model with ferapp metadata that always answers 'happy'."""
    from ferapp.core.model_file import ModelInfo, save_model

    path = tmp_path_factory.mktemp("models") / "happy.keras"
    return save_model(media.constant_model(winner=3), path, ModelInfo())


@pytest.fixture(scope="session")
def face_video_path(tmp_path_factory) -> Path:
    return media.face_video(tmp_path_factory.mktemp("video") / "faces.avi", n_frames=12)


def run_module(module: str, *args: str, env: dict[str, str] | None = None, timeout: float = 300):
    """Run `python -m MODULE ...` as a user would; returns the CompletedProcess."""
    import subprocess

    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=ROOT,
    )


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300):
    """Run `python -m ferapp ...` as a user would; returns the CompletedProcess."""
    return run_module("ferapp", *args, env=env, timeout=timeout)
