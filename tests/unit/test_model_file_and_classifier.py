"""The model-file contract: metadata round trips, refusal of code, batched classification."""

from __future__ import annotations

import json
import re

import h5py
import keras
import numpy as np
import pytest

from ferapp.core.emotions import EMOTIONS
from ferapp.core.errors import ModelError
from ferapp.core.model.classifier import EmotionClassifier
from ferapp.core.model.metadata import ModelInfo, read_metadata, save_model
from tests import support


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_metadata_round_trip_and_batched_classification(tmp_path, suffix):
    info = ModelInfo(
        class_names=EMOTIONS,
        input_size=(48, 48),
        pixel_scaling="raw",
        extra={"architecture": "test"},
    )
    path = save_model(support.constant_model(winner=5), tmp_path / f"m{suffix}", info)
    assert read_metadata(path) == info
    assert not list(tmp_path.glob(".m-*"))  # no temporary file left behind

    clf = EmotionClassifier.load(path)
    assert clf.class_names == EMOTIONS and clf.input_size == (48, 48)
    faces = np.random.default_rng(0).integers(0, 255, (4, 48, 48), dtype=np.uint8)
    probs = clf.classify(faces)
    assert probs.shape == (4, 7)
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert (probs.argmax(axis=1) == 5).all()
    expected = clf.model(faces[..., None].astype(np.float32), training=False).numpy()
    assert np.allclose(probs, expected, atol=1e-6)
    assert clf.classify(np.zeros((0, 48, 48), np.uint8)).shape == (0, 7)


def test_model_without_metadata_needs_explicit_options(tmp_path):
    """Like the widely used 64x64 mini-Xception .hdf5 that expects pixels in [-1, 1]."""
    path = tmp_path / "foreign.hdf5"
    support.constant_model(winner=0, input_size=(64, 64)).save(path)
    with pytest.raises(ModelError, match="pixel scaling"):
        EmotionClassifier.load(path)
    clf = EmotionClassifier.load(path, pixel_scaling="symmetric")
    assert clf.input_size == (64, 64) and clf.info.pixel_scaling == "symmetric"
    assert clf.classify(np.zeros((2, 64, 64), np.uint8)).argmax(axis=1).tolist() == [0, 0]


def _lambda_model():
    inputs = keras.Input((48, 48, 1))
    x = keras.layers.Lambda(lambda t: t * 2.0)(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(7, activation="softmax")(x))


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_lambda_layers_are_refused_before_any_code_runs(tmp_path, suffix):
    path = tmp_path / f"lambda{suffix}"
    _lambda_model().save(path)
    with pytest.raises(ModelError, match="Lambda"):
        EmotionClassifier.load(path, pixel_scaling="raw")


def test_custom_classes_are_refused(tmp_path):
    path = save_model(support.constant_model(), tmp_path / "custom.h5", ModelInfo())
    with h5py.File(path, "a") as h5:
        config = json.loads(h5.attrs["model_config"])
        config["config"]["layers"][1]["class_name"] = "EvilLayer"
        h5.attrs["model_config"] = json.dumps(config)
    with pytest.raises(ModelError, match="EvilLayer"):
        EmotionClassifier.load(path)


def test_broken_and_unfit_model_files_are_explained(tmp_path):
    text = tmp_path / "notes.h5"
    text.write_text("this is a text file")
    with pytest.raises(ModelError, match="not an HDF5 model file"):
        EmotionClassifier.load(text)
    with pytest.raises(ModelError, match="not found"):
        EmotionClassifier.load(tmp_path / "missing.keras")
    wrong = save_model(
        support.constant_model(classes=5), tmp_path / "five.keras", ModelInfo(class_names=EMOTIONS)
    )
    with pytest.raises(ModelError, match="outputs"):
        EmotionClassifier.load(wrong)
    weights_only = tmp_path / "w.weights.h5"
    support.constant_model().save_weights(weights_only)
    with pytest.raises(ModelError, match="weights only"):
        EmotionClassifier.load(weights_only, pixel_scaling="raw")


def test_fast_backend_matches_tensorflow_on_a_real_architecture():
    from trainer.architectures import mini_xception

    model = mini_xception()
    fast = EmotionClassifier(model, ModelInfo(), quantize=False)
    reference = EmotionClassifier(model, ModelInfo(), backend="tensorflow")
    assert fast.backend == "tflite" and reference.backend == "tensorflow"
    faces = np.random.default_rng(2).integers(0, 255, (5, 48, 48), dtype=np.uint8)
    for batch in (faces, faces[:1], faces[:3]):  # the batch size changes between calls
        assert np.allclose(fast.classify(batch), reference.classify(batch), atol=1e-5)


def test_converted_model_is_cached_and_rebuilt_when_damaged(tmp_path, monkeypatch):
    from ferapp.core.model import cache as model_cache

    monkeypatch.setenv("FERAPP_CACHE_DIR", str(tmp_path / "cache"))
    path = save_model(support.constant_model(winner=4), tmp_path / "sad.keras", ModelInfo())
    first = EmotionClassifier.load(path)
    digest = model_cache.file_digest(path)
    cached = model_cache.cache_folder() / "models" / model_cache.cache_name(digest, True)
    assert first.backend == "tflite" and cached.is_file()
    faces = np.full((2, 48, 48), 90, np.uint8)
    expected = first.classify(faces)

    seen = []
    real_convert = model_cache.convert
    monkeypatch.setattr(model_cache, "convert", lambda *a: seen.append(1) or real_convert(*a))
    second = EmotionClassifier.load(path)  # from the cache: nothing converted
    assert seen == [] and second.precision.endswith("8-bit weights")
    assert np.allclose(second.classify(faces), expected)

    cached.write_bytes(b"TFL3" + b"\0" * 100)  # damaged, though it looks like a flatbuffer
    third = EmotionClassifier.load(path)
    assert seen == [1] and np.allclose(third.classify(faces), expected)
    assert cached.stat().st_size > 1000  # made again

    cached.write_bytes(b"garbage")
    assert np.allclose(EmotionClassifier.load(path).classify(faces), expected)
    assert cached.read_bytes()[4:8] == b"TFL3"


def test_a_model_with_nan_weights_is_refused(tmp_path):
    model = support.constant_model(winner=1)
    dense = model.layers[-1]
    kernel, bias = dense.get_weights()
    dense.set_weights([kernel, np.full_like(bias, np.nan)])
    path = save_model(model, tmp_path / "nan.keras", ModelInfo())
    with pytest.raises(ModelError, match="not numbers"):
        EmotionClassifier.load(path)


def test_descriptions_are_parsed_within_bounds():
    """Nesting, non-finite numbers and length are refused before or while parsing."""
    from ferapp.core.model.safety import json_depth, parse_description

    assert json_depth('{"a": [[1], {"b": "[[[[[["}]}') == 3  # brackets in strings don't count
    assert parse_description('{"a": [1.5, 2]}', "m.keras", "architecture") == {"a": [1.5, 2]}
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(ModelError, match=r"m\.keras: its architecture is nested 100000 deep"):
        parse_description(deep, "m.keras", "architecture")
    assert parse_description("[" * 200 + "]" * 200, "m", "x") is not None  # the limit itself
    for number in ("NaN", "Infinity", "-Infinity", "1e999"):
        with pytest.raises(ModelError, match=f"holds {re.escape(number)}, not a finite number"):
            parse_description(f'{{"input_size": [{number}, 48]}}', "m.keras", "metadata")


@pytest.mark.parametrize(
    ("size", "accepted"),
    [("[48, 48]", True), ("[48.0, 64]", True), ("[48.5, 48]", False), ("[true, 48]", False),
     ('["48", 48]', False), ("[48]", False), ("[1e300, 48]", False), ("[0, 48]", False)],
)  # fmt: skip
def test_metadata_sizes_are_whole_numbers_in_range(size, accepted):
    text = json.dumps({"class_names": list(EMOTIONS)})[:-1] + f', "input_size": {size}}}'
    if accepted:
        assert ModelInfo.from_json(text, "m.keras").input_size[0] == 48
    else:
        with pytest.raises(ModelError, match=r"m\.keras"):
            ModelInfo.from_json(text, "m.keras")


def test_an_archive_member_that_lies_about_its_size_is_refused_without_unpacking_it(tmp_path):
    """A member declaring 10 bytes that unpacks to 200 MB: refused after about 10 bytes."""
    import io
    import resource
    import struct
    import zipfile

    from ferapp.core.model.safety import read_archive_text

    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("config.json", "w", force_zip64=True) as member,
    ):
        for _ in range(200):  # written a MB at a time: this process's peak stays low
            member.write(b"0" * 1_000_000)
    data = bytearray(buffer.getvalue())
    struct.pack_into("<I", data, data.rfind(b"PK\x01\x02") + 24, 10)  # central directory
    struct.pack_into("<I", data, data.find(b"PK\x03\x04") + 22, 10)  # local header
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ModelError, match="damaged"):
        read_archive_text(archive, "config.json", tmp_path / "lying.keras")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 100_000  # KiB: < 100 MB
