"""Fixtures for every level of tests (unit, widget, functional): real media, tiny models.

Run one level with `python dev.py test tests/unit` (or widget, functional).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Never touch the user's own settings or logs.
os.environ["FERAPP_SETTINGS_DIR"] = tempfile.mkdtemp(prefix="ferapp-test-settings-")
os.environ["FERAPP_LOG_DIR"] = tempfile.mkdtemp(prefix="ferapp-test-logs-")
os.environ["FERAPP_CACHE_DIR"] = tempfile.mkdtemp(prefix="ferapp-test-cache-")

import trainer  # noqa: F401  (sets the oneDNN crash guard before TensorFlow is imported)
from tests import support


@pytest.fixture(scope="session")
def happy_model_path(tmp_path_factory) -> Path:
    """A tiny .keras model with ferapp metadata that always answers 'happy'."""
    from ferapp.core.model_file import ModelInfo, save_model

    path = tmp_path_factory.mktemp("models") / "happy.keras"
    return save_model(support.constant_model(winner=3), path, ModelInfo())


@pytest.fixture(scope="session")
def face_video_path(tmp_path_factory) -> Path:
    return support.face_video(tmp_path_factory.mktemp("video") / "faces.avi", n_frames=12)
