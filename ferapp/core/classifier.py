"""Emotion classification of face crops with a Keras model, all faces of a frame in one call."""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np

from ferapp.core.errors import ModelError
from ferapp.core.model_file import (
    PIXEL_SCALINGS,
    ModelInfo,
    check_class_names,
    load_keras_model,
    read_metadata,
)
from ferapp.core.quiet_stderr import stderr_filtered
from ferapp.core.tensorflow_import import import_tensorflow, is_notice


def scale_pixels(faces: np.ndarray, scaling: str) -> np.ndarray:
    """uint8 pixels to the float32 range a model expects."""
    x = faces.astype(np.float32)
    if scaling == "unit":
        x /= 255.0
    elif scaling == "symmetric":
        x = x / 127.5 - 1.0
    elif scaling != "raw":
        raise ModelError(
            f"unknown pixel scaling {scaling!r}; use one of {', '.join(PIXEL_SCALINGS)}"
        )
    return x


class EmotionClassifier:
    """A loaded model plus what it needs: class names, input size, pixel scaling.

    ``classify`` takes uint8 grayscale crops of shape (N, H, W) and returns
    probabilities of shape (N, classes), all faces in one call. By default the
    network is converted in memory to TensorFlow Lite, which costs far less per call
    on a CPU than a compiled TensorFlow graph or ``model.predict``, with its weights
    quantized to 8 bits (dynamic-range quantization: activations stay float, no
    calibration data needed), which is several times faster again on a CPU core at
    the same accuracy for the default model (see ``benchmarks/classify_speed.py``);
    ``quantize=False`` keeps float32 weights. If a model cannot be converted, a
    ``tf.function`` with a variable batch size runs it instead. One instance must be
    used by one thread at a time.
    """

    def __init__(
        self,
        model,
        info: ModelInfo,
        source: str = "",
        backend: str = "auto",
        threads: int | None = None,
        quantize: bool = True,
    ) -> None:
        self.model = model
        self.source = source
        self.info = _check_model_fits(model, info, source)
        self.backend = ""
        self.quantized = False
        self._run = None
        if backend in ("auto", "tflite"):
            for quantized in (True, False) if quantize else (False,):
                try:
                    self._run = _tflite_runner(model, threads, quantized)
                except Exception:
                    if backend == "tflite" and not quantized:
                        raise
                    continue
                self.backend, self.quantized = "tflite", quantized
                break
        if self._run is None:
            self._run = _tf_function_runner(model, self.info)
            self.backend = "tensorflow"

    @classmethod
    def load(
        cls,
        path: str | Path,
        *,
        pixel_scaling: str | None = None,
        class_names: tuple[str, ...] | None = None,
        backend: str = "auto",
        threads: int | None = None,
        quantize: bool = True,
    ) -> EmotionClassifier:
        """Load a model file safely; options fill in (or override) the file's metadata.

        Files without ferapp metadata (for example a 64x64 mini-Xception ``.hdf5`` that
        expects pixels in [-1, 1]) need ``pixel_scaling``; class names then default to
        the FER2013 order and the input size is read from the network.
        """
        path = Path(path)
        model = load_keras_model(path)
        info = read_metadata(path)
        if info is None:
            if pixel_scaling is None:
                raise ModelError(
                    f"{path} carries no ferapp metadata, so its pixel range is unknown; pass "
                    "the pixel scaling the model was trained with (raw 0..255, unit 0..1 or "
                    "symmetric -1..1), e.g. --pixel-scaling symmetric"
                )
            info = ModelInfo(
                input_size=_input_size(model, str(path)),
                pixel_scaling=pixel_scaling,
                channels=_input_channels(model, str(path)),
            )
        if pixel_scaling is not None:
            info = replace(info, pixel_scaling=pixel_scaling)
        if class_names is not None:
            info = replace(info, class_names=check_class_names(tuple(class_names), str(path)))
        return cls(model, info, str(path), backend=backend, threads=threads, quantize=quantize)

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.info.class_names

    @property
    def precision(self) -> str:
        """How the network runs, in words: backend and weight precision."""
        if self.backend == "tflite":
            return (
                "TensorFlow Lite, 8-bit weights" if self.quantized else "TensorFlow Lite, float32"
            )
        return "TensorFlow, float32"

    @property
    def input_size(self) -> tuple[int, int]:
        """(height, width) of the crops the model takes."""
        return self.info.input_size

    def classify(self, faces: np.ndarray) -> np.ndarray:
        """Probabilities for a batch of uint8 crops (N, H, W); an empty batch gives (0, classes)."""
        n_classes = len(self.info.class_names)
        if len(faces) == 0:
            return np.zeros((0, n_classes), dtype=np.float32)
        x = scale_pixels(np.asarray(faces), self.info.pixel_scaling)[..., np.newaxis]
        if self.info.channels == 3:
            x = np.repeat(x, 3, axis=-1)
        out = np.asarray(self._run(x), dtype=np.float32)
        sums = out.sum(axis=1)
        if np.any(out < 0) or not np.allclose(sums, 1.0, atol=1e-3):
            out = _softmax(out)  # the model ends in logits
        return out

    def classify_many(self, faces: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """Classify a large array of crops in chunks (evaluation of a dataset)."""
        parts = [self.classify(faces[i : i + batch_size]) for i in range(0, len(faces), batch_size)]
        if not parts:
            return np.zeros((0, len(self.info.class_names)), dtype=np.float32)
        return np.concatenate(parts)


def _model_spec(info: ModelInfo):
    tf = import_tensorflow()

    height, width = info.input_size
    return tf.TensorSpec([None, height, width, info.channels], tf.float32)


def _tf_function_runner(model, info: ModelInfo):
    tf = import_tensorflow()

    call = tf.function(model.__call__, input_signature=[_model_spec(info)], autograph=False)
    return lambda x: call(x).numpy()


def _tflite_runner(model, threads: int | None, quantize: bool):
    """Convert the network to TensorFlow Lite in memory; returns a batch -> probabilities function.

    ``quantize``: 8-bit weights, float activations (``Optimize.DEFAULT`` without a
    representative dataset), which XNNPACK runs with integer kernels.
    """
    tf = import_tensorflow()

    # from_keras_model, not from_concrete_functions: the latter leaves the weights
    # uninitialised (NaN outputs) with Keras 3. Keras prints its export summary: hide it.
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stdout(io.StringIO()),
        stderr_filtered(is_notice),
    ):
        warnings.simplefilter("ignore")
        converter = tf.lite.TFLiteConverter.from_keras_model(model)
        if quantize:
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        flatbuffer = converter.convert()
        interpreter = tf.lite.Interpreter(model_content=flatbuffer, num_threads=threads)
        # The first invoke applies the XNNPACK delegate (which announces itself on stderr)
        # and pays one-off costs: here, rather than on the first live frame.
        details = interpreter.get_input_details()[0]
        interpreter.allocate_tensors()
        interpreter.set_tensor(details["index"], np.zeros(details["shape"], np.float32))
        interpreter.invoke()
    input_index = details["index"]
    output_index = interpreter.get_output_details()[0]["index"]
    allocated = [int(details["shape"][0])]

    def run(x: np.ndarray) -> np.ndarray:
        if allocated[0] != len(x):
            interpreter.resize_tensor_input(input_index, list(x.shape))
            interpreter.allocate_tensors()
            allocated[0] = len(x)
        interpreter.set_tensor(input_index, np.ascontiguousarray(x, dtype=np.float32))
        interpreter.invoke()
        return interpreter.get_tensor(output_index).copy()

    return run


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _input_shape(model, where: str) -> tuple:
    inputs = model.inputs
    if len(inputs) != 1:
        raise ModelError(
            f"{where}: the model has {len(inputs)} inputs; ferapp needs exactly one image input"
        )
    shape = tuple(inputs[0].shape)
    if len(shape) != 4 or None in shape[1:]:
        raise ModelError(f"{where}: input shape {shape} is not (batch, height, width, channels)")
    return shape


def _input_size(model, where: str) -> tuple[int, int]:
    shape = _input_shape(model, where)
    return int(shape[1]), int(shape[2])


def _input_channels(model, where: str) -> int:
    return int(_input_shape(model, where)[3])


def _check_model_fits(model, info: ModelInfo, where: str) -> ModelInfo:
    shape = _input_shape(model, where)
    if (int(shape[1]), int(shape[2])) != tuple(info.input_size):
        raise ModelError(
            f"{where}: the metadata says input {info.input_size}, the network takes {shape[1:3]}"
        )
    if int(shape[3]) not in (1, 3) or int(shape[3]) != info.channels:
        raise ModelError(
            f"{where}: the network takes {shape[3]} channels, expected {info.channels} (1 or 3)"
        )
    outputs = model.outputs
    out_shape = tuple(outputs[0].shape) if len(outputs) == 1 else ()
    if len(out_shape) != 2 or out_shape[1] != len(info.class_names):
        raise ModelError(
            f"{where}: the network outputs {out_shape[1:] if out_shape else len(outputs)} values "
            f"but {len(info.class_names)} classes ({', '.join(info.class_names)}) are expected"
        )
    if info.pixel_scaling not in PIXEL_SCALINGS:
        raise ModelError(f"{where}: unknown pixel scaling {info.pixel_scaling!r}")
    return info
