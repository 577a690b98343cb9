"""The shipped default model: found, safe, self-describing, and right on a smiling face."""

from __future__ import annotations

import io
import zipfile

import h5py
import pytest

from ferapp.core.detect.base import DetectorSettings
from ferapp.core.detect.factory import create_detector
from ferapp.core.emotions import EMOTIONS
from ferapp.core.locations import DEFAULT_MODEL_NAME, find_default_model
from ferapp.core.model.classifier import EmotionClassifier
from ferapp.core.recognition.pipeline import Pipeline
from tests import support
from tests.support import ROOT


def test_default_model_is_shipped_small_and_loads_without_options(monkeypatch):
    monkeypatch.delenv("FERAPP_MODEL", raising=False)
    path = find_default_model()
    assert path == ROOT / "models" / DEFAULT_MODEL_NAME
    assert path.stat().st_size < 8_000_000
    assert (ROOT / "models" / "ferapp-default.md").is_file()
    with zipfile.ZipFile(path) as archive:
        weights = h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r")
        assert "optimizer" not in weights  # no training state in the shipped file
    clf = EmotionClassifier.load(path)
    assert clf.class_names == EMOTIONS
    assert clf.input_size == (48, 48) and clf.info.pixel_scaling == "raw"


@pytest.mark.parametrize("detector", ["yunet", "haar"])
def test_default_model_sees_the_astronaut_smile(detector):
    detector = create_detector(DetectorSettings(detector=detector))
    pipeline = Pipeline(detector, EmotionClassifier.load(find_default_model()))
    faces = pipeline.process(support.face_frame(3)).faces
    assert [f.label for f in faces] == ["happy"] * 3


def test_the_default_model_ships_its_converted_form():
    """So the first start needs no conversion (regenerate with `ferapp convert-model
    models/ferapp-default.keras --into models/runtime` when the model changes)."""
    from ferapp.core.locations import SHIPPED_MODELS, resolve_model_path
    from ferapp.core.model import cache as model_cache

    wanted = []
    for name in SHIPPED_MODELS:  # each shipped model: ferapp-default, ferapp-fer2013
        digest = model_cache.file_digest(resolve_model_path(name))
        shipped = ROOT / model_cache.SHIPPED_FOLDER / model_cache.cache_name(digest, True)
        assert shipped.is_file(), f"models/runtime holds no converted form of {name}"
        wanted.append(shipped.name)
    folder = ROOT / model_cache.SHIPPED_FOLDER
    assert sorted(p.name for p in folder.iterdir()) == sorted(wanted)  # no stale ones


def test_both_shipped_models_are_calibrated_and_chosen_by_name():
    from ferapp.core.locations import resolve_model_path

    default = EmotionClassifier.load(resolve_model_path("ferapp-default"))
    fer2013 = EmotionClassifier.load(resolve_model_path("ferapp-fer2013"))
    assert resolve_model_path("ferapp-default") == find_default_model()
    assert "FER+ crowd" in default.info.extra["labels"] and "labels" not in fer2013.info.extra
    for clf in (default, fer2013):
        assert clf.temperature != 1.0 and clf.min_confidence == 0.5
        assert (ROOT / "models" / (clf.source.rsplit("/", 1)[-1][:-6] + ".md")).is_file()
