"""Emotion classification of face crops with a model file, all faces of a frame in one call.

A model is run as TensorFlow Lite with 8-bit weights (dynamic-range quantization:
activations stay float, no calibration data), which costs far less per call on a CPU
than TensorFlow or ``model.predict`` at the same accuracy for the default model (see
``benchmarks/classify_speed.py``). The converted form is kept per model file
(:mod:`ferapp.core.model.cache`), so after the first start a model loads without
importing TensorFlow. A model that cannot be converted runs as a ``tf.function``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ferapp.core.errors import ModelError, UnknownScalingError
from ferapp.core.model import cache as model_cache
from ferapp.core.model.metadata import (
    MODEL_SUFFIXES,
    PIXEL_SCALINGS,
    ModelInfo,
    check_class_names,
    load_keras_model,
    read_metadata,
)
from ferapp.core.model.shapes import check_model_fits, fill_in, network_shapes
from ferapp.core.model.tensorflow_import import import_tensorflow
from ferapp.core.model.tflite_runtime import TfliteRunner, runtime_name


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
    """A runnable model plus what it needs: class names, input size, pixel scaling.

    ``classify`` takes uint8 grayscale crops of shape (N, H, W) and returns
    probabilities of shape (N, classes), all faces in one call. Build one from a file
    with :meth:`load`, or from a Keras model in memory with the constructor. One
    instance must be used by one thread at a time.
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
        self._model = model
        self.source = source
        self.info = check_model_fits(network_shapes(model, source), info, source)
        self.backend, self.quantized, self._run = "", False, None
        self.flatbuffer: bytes | None = None  # the converted form, when there is one
        if backend in ("auto", "tflite"):
            for quantized in (True, False) if quantize else (False,):
                try:
                    flatbuffer = model_cache.convert(model, quantized)
                    runner = TfliteRunner(flatbuffer, threads)
                except Exception:
                    if backend == "tflite" and not quantized:
                        raise
                    continue
                self._run, self.backend, self.quantized = runner.run, "tflite", quantized
                self.flatbuffer = flatbuffer
                break
        if self._run is None and backend == "keras":
            self._run, self.backend = _keras_runner(model), "keras"
        if self._run is None:
            self._run = _tf_function_runner(model, self.info)
            self.backend = "tensorflow"
        _check_answers(self, source)

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
        convert_command: list[str] | None = None,
    ) -> EmotionClassifier:
        """Load a model file safely; options fill in (or override) the file's metadata.

        Files without ferapp metadata (for example a 64x64 mini-Xception ``.hdf5`` that
        expects pixels in [-1, 1]) need ``pixel_scaling``; class names then default to
        the FER2013 order and the input size is read from the network. The converted
        form is taken from the cache when there; otherwise it is made (in a child process
        running ``convert_command`` when given, so TensorFlow stays out of this one) and
        kept for the next time.
        """
        path = Path(path)
        if not path.is_file():
            raise ModelError(f"model file not found: {path}")
        if path.suffix.lower() not in MODEL_SUFFIXES:
            raise ModelError(
                f"{path}: unsupported model file type; use {', '.join(MODEL_SUFFIXES)}"
            )
        metadata = read_metadata(path)
        if metadata is None and pixel_scaling is None:
            raise UnknownScalingError(
                f"{path} carries no ferapp metadata, so its pixel range is unknown; pass "
                "the pixel scaling the model was trained with (raw 0..255, unit 0..1 or "
                "symmetric -1..1)"
            )
        if class_names is not None:
            class_names = check_class_names(tuple(class_names), str(path))
        if backend in ("auto", "tflite"):
            digest = model_cache.file_digest(path)
            for quantized in (True, False) if quantize else (False,):
                found = model_cache.read_cached(digest, quantized)
                if found is None and convert_command is not None:
                    model_cache.convert_in_child_process(path, convert_command)
                    found = model_cache.read_cached(digest, quantized)
                if found is not None:
                    clf = cls._from_flatbuffer(
                        found, path, metadata, pixel_scaling, class_names, threads, quantized
                    )
                    if clf is not None:
                        return clf
        model = load_keras_model(path)
        info = fill_in(metadata, network_shapes(model, str(path)), pixel_scaling, class_names)
        clf = cls(model, info, str(path), backend=backend, threads=threads, quantize=quantize)
        if clf.flatbuffer is not None:
            model_cache.store(model_cache.file_digest(path), clf.quantized, clf.flatbuffer)
        return clf

    @classmethod
    def _from_flatbuffer(
        cls,
        found: tuple[bytes, Path],
        path: Path,
        metadata: ModelInfo | None,
        pixel_scaling: str | None,
        class_names: tuple[str, ...] | None,
        threads: int | None,
        quantized: bool,
    ) -> EmotionClassifier | None:
        """A classifier over a cached converted model; None (and the file forgotten) if the
        cached file does not load."""
        data, where = found
        try:
            runner = TfliteRunner(data, threads)
        except Exception:
            model_cache.forget(where)
            return None
        shapes = (runner.input_shape, runner.output_shape)
        info = fill_in(metadata, shapes, pixel_scaling, class_names)
        clf = cls.__new__(cls)
        clf._model = None
        clf.source = str(path)
        clf.info = check_model_fits(shapes, info, str(path))
        clf.backend, clf.quantized, clf._run = "tflite", quantized, runner.run
        clf.flatbuffer = data
        _check_answers(clf, str(path))
        return clf

    @property
    def model(self):
        """The Keras model (loaded from the file on first use when the classifier came
        from the cache; imports TensorFlow)."""
        if self._model is None:
            self._model = load_keras_model(Path(self.source))
        return self._model

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.info.class_names

    @property
    def precision(self) -> str:
        """How the network runs, in words: backend and weight precision."""
        if self.backend == "tflite":
            return f"TensorFlow Lite, {'8-bit weights' if self.quantized else 'float32'}"
        return f"{self.runtime}, float32"

    @property
    def runtime(self) -> str:
        """The interpreter that runs it: LiteRT, TensorFlow Lite (inside TensorFlow) or TensorFlow."""
        if self.backend == "keras":
            import keras

            return f"Keras ({keras.config.backend()})"
        return runtime_name() if self.backend == "tflite" else "TensorFlow"

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
        if self.temperature != 1.0:
            out = _softmax(np.log(np.maximum(out, 1e-12)) / self.temperature)
        return out

    @property
    def temperature(self) -> float:
        """The calibration temperature in the model file (1: none): probabilities are
        softened (above 1) or sharpened so that a 70 % answer is right 70 % of the time."""
        value = self.info.extra.get("temperature", 1.0)
        return float(value) if isinstance(value, int | float) and 0.05 <= value <= 20 else 1.0

    @property
    def min_confidence(self) -> float | None:
        """The model's own threshold for an uncertain face (from its calibration), if any."""
        value = self.info.extra.get("min_confidence")
        return float(value) if isinstance(value, int | float) and 0 <= value <= 1 else None

    def classify_many(self, faces: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """Classify a large array of crops in chunks (evaluation of a dataset)."""
        parts = [self.classify(faces[i : i + batch_size]) for i in range(0, len(faces), batch_size)]
        if not parts:
            return np.zeros((0, len(self.info.class_names)), dtype=np.float32)
        return np.concatenate(parts)


def _check_answers(clf: EmotionClassifier, where: str) -> None:
    """Refuse a model whose answers are not numbers (NaN weights, a broken file)."""
    probe = np.full((1, *clf.input_size), 128, np.uint8)
    if not np.all(np.isfinite(clf.classify(probe))):
        raise ModelError(
            f"{where}: the model's answers are not numbers (NaN or infinite); its weights "
            "are damaged. Train or choose another model."
        )


def _keras_runner(model):
    """The network run by Keras on its own backend (a training run on JAX or PyTorch)."""
    import keras

    return lambda x: keras.ops.convert_to_numpy(
        model(keras.ops.convert_to_tensor(x), training=False)
    )


def _tf_function_runner(model, info: ModelInfo):
    tf = import_tensorflow()
    height, width = info.input_size
    spec = tf.TensorSpec([None, height, width, info.channels], tf.float32)
    call = tf.function(model.__call__, input_signature=[spec], autograph=False)
    return lambda x: call(x).numpy()


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
