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

import trainer
from trainer.protocol import ARCHITECTURE_NAMES

# The tests train every architecture in this process: the oneDNN crash guard for all of
# them, before TensorFlow is imported (tests/functional trains unguarded ones without it).
trainer.prepare_training(ARCHITECTURE_NAMES)

from tests import support  # noqa: E402


@pytest.fixture(scope="session")
def happy_model_path(tmp_path_factory) -> Path:
    """A tiny .keras model with ferapp metadata that always answers 'happy'."""
    from ferapp.core.model.metadata import ModelInfo, save_model

    path = tmp_path_factory.mktemp("models") / "happy.keras"
    return save_model(support.constant_model(winner=3), path, ModelInfo())


@pytest.fixture(scope="session")
def face_video_path(tmp_path_factory) -> Path:
    return support.face_video(tmp_path_factory.mktemp("video") / "faces.avi", n_frames=12)


@pytest.fixture(scope="session")
def tiny_csv(tmp_path_factory) -> Path:
    """A learnable FER2013-layout CSV: 150 training rows (batches of 32 leave a partial
    last batch of 22) and 42 validation rows."""
    return support.write_csv(tmp_path_factory.mktemp("data") / "tiny.csv", 150, 42)


@pytest.fixture(scope="session")
def learned(tmp_path_factory, tiny_csv):
    """A thesis2 model trained on the learnable task (shared: it takes a few seconds)."""
    from trainer.config import TrainConfig
    from trainer.datasets import load_dataset
    from trainer.protocol import Augmentation
    from trainer.training import Trainer

    config = TrainConfig(
        data=str(tiny_csv),
        arch="thesis2",
        out=str(tmp_path_factory.mktemp("learned") / "m.keras"),
        epochs=8,
        batch_size=16,
        learning_rate=3e-3,
        early_stopping=0,
        augmentation=Augmentation(0, 0, 0, False),
    )
    return Trainer(config, load_dataset(tiny_csv)).run()
