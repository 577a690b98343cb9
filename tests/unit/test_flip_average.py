"""Test-time flip averaging built into a model file, and 8-bit weights in the classifier."""

from __future__ import annotations

import numpy as np
import pytest

from ferapp.core.model.classifier import EmotionClassifier
from ferapp.core.model.metadata import ModelInfo
from tests.support import asymmetric_network, banded_faces, predict
from trainer.flip_average import inner_model, is_flip_averaged, with_flip_average


@pytest.fixture(scope="module")
def network():
    return asymmetric_network()


def test_wrapped_model_averages_over_the_face_and_its_mirror(network):
    wrapped = with_flip_average(network)
    x = banded_faces()
    plain, mirrored = predict(network, x), predict(network, x[:, :, ::-1])
    assert np.abs(plain - mirrored).max() > 1e-3  # else the test could not fail
    assert np.allclose(predict(wrapped, x), (plain + mirrored) / 2, atol=1e-6)
    assert np.allclose(predict(wrapped, x), predict(wrapped, x[:, :, ::-1]), atol=1e-6)
    assert wrapped.count_params() == network.count_params() + 48 * 48
    assert is_flip_averaged(wrapped) and not is_flip_averaged(network)
    assert inner_model(wrapped) is network and inner_model(network) is network
    assert with_flip_average(wrapped) is wrapped


def test_eight_bit_weights_follow_the_float_model(network):
    quantized = EmotionClassifier(network, ModelInfo())
    exact = EmotionClassifier(network, ModelInfo(), quantize=False)
    assert (quantized.backend, quantized.quantized) == ("tflite", True)
    assert (exact.backend, exact.quantized) == ("tflite", False)
    x = banded_faces(8)
    q, f = quantized.classify(x), exact.classify(x)
    assert np.allclose(q.sum(axis=1), 1.0, atol=1e-4)
    assert 0 < np.abs(q - f).max() < 0.05  # quantized (not the same numbers), yet close
