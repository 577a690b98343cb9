"""Test-time flip averaging built into a model file, and 8-bit weights in the classifier."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from ferapp.core.classifier import EmotionClassifier
from ferapp.core.model_file import ModelInfo, load_keras_model, read_metadata, save_model
from tests.conftest import run_module
from trainer.architectures import build
from trainer.flip_average import INFO_KEY, inner_model, is_flip_averaged, with_flip_average


@pytest.fixture(scope="module")
def network():
    """An untrained fernet with a sharpened last layer: confident, and it answers a face
    and its mirror image differently (random weights know no symmetry)."""
    keras.utils.set_random_seed(11)
    model = build("fernet")
    last = model.layers[-1] if model.layers[-1].weights else model.layers[-2]
    last.set_weights([w * 50 for w in last.get_weights()])
    return model


def faces(n: int = 4) -> np.ndarray:
    """Noise with a bright band on the left: the mirror image is clearly another image."""
    images = np.random.default_rng(5).integers(0, 120, (n, 48, 48), dtype=np.uint8)
    images[:, :, :12] = 240
    return images


def predict(model, images: np.ndarray) -> np.ndarray:
    return model.predict(images[..., np.newaxis].astype(np.float32), verbose=0)


def test_wrapped_model_averages_over_the_face_and_its_mirror(network):
    wrapped = with_flip_average(network)
    x = faces()
    plain, mirrored = predict(network, x), predict(network, x[:, :, ::-1])
    assert np.abs(plain - mirrored).max() > 1e-3  # else the test could not fail
    assert np.allclose(predict(wrapped, x), (plain + mirrored) / 2, atol=1e-6)
    assert np.allclose(predict(wrapped, x), predict(wrapped, x[:, :, ::-1]), atol=1e-6)
    assert wrapped.count_params() == network.count_params() + 48 * 48
    assert is_flip_averaged(wrapped) and not is_flip_averaged(network)
    assert inner_model(wrapped) is network and inner_model(network) is network
    assert with_flip_average(wrapped) is wrapped


def test_command_line_saves_a_safe_self_describing_flip_model(tmp_path, network):
    source = save_model(network, tmp_path / "net.keras", ModelInfo(extra={"architecture": "x"}))
    out = tmp_path / "flip.keras"
    proc = run_module("trainer.flip_average", str(source), str(out))
    assert proc.returncode == 0, proc.stderr
    assert "flip averaging built in" in proc.stdout
    assert read_metadata(out).extra == {"architecture": "x", INFO_KEY: True}
    loaded = load_keras_model(out)  # built-in layers only: the safe loader accepts it
    x = faces(3)
    expected = (predict(network, x) + predict(network, x[:, :, ::-1])) / 2
    clf = EmotionClassifier.load(out, quantize=False)
    assert np.allclose(clf.classify(x), expected, atol=1e-5)
    assert np.allclose(predict(loaded, x), expected, atol=1e-6)


def test_missing_metadata_is_refused_in_one_line(tmp_path, network):
    bare = tmp_path / "bare.keras"
    network.save(bare)
    proc = run_module("trainer.flip_average", str(bare), str(tmp_path / "o.keras"))
    assert proc.returncode == 1
    assert "no ferapp metadata" in proc.stderr and "Traceback" not in proc.stderr


def test_eight_bit_weights_follow_the_float_model(network):
    quantized = EmotionClassifier(network, ModelInfo())
    exact = EmotionClassifier(network, ModelInfo(), quantize=False)
    assert (quantized.backend, quantized.quantized) == ("tflite", True)
    assert (exact.backend, exact.quantized) == ("tflite", False)
    x = faces(8)
    q, f = quantized.classify(x), exact.classify(x)
    assert np.allclose(q.sum(axis=1), 1.0, atol=1e-4)
    assert 0 < np.abs(q - f).max() < 0.05  # quantized (not the same numbers), yet close
