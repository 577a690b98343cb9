"""Converted models, kept: a model file's TensorFlow Lite form, made once and reused.

Converting a Keras model to TensorFlow Lite needs TensorFlow (seconds to import) and
the conversion itself takes seconds more. The result depends only on the model file's
bytes, so it is kept in the user's cache folder under the file's SHA-256 and reused at
every later start, when ferapp runs it without importing TensorFlow at all. A cached
file that is damaged is noticed when it is loaded, deleted and made again. Converted
forms shipped with ferapp (the default model's, in ``models/runtime/``) are looked up
the same way.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import subprocess
import warnings
from pathlib import Path

import platformdirs

from ferapp.core.files import write_bytes_atomic
from ferapp.core.locations import search_paths

CACHE_VERSION = "v1"  # bump when the conversion changes
FLATBUFFER_ID = b"TFL3"
SHIPPED_FOLDER = "models/runtime"


def cache_folder() -> Path:
    """The per-user cache folder (FERAPP_CACHE_DIR overrides)."""
    custom = os.environ.get("FERAPP_CACHE_DIR")
    if custom:
        return Path(custom)
    return platformdirs.user_cache_path("ferapp", appauthor=False)


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_name(digest: str, quantized: bool) -> str:
    return f"{digest}-{'int8' if quantized else 'float32'}-{CACHE_VERSION}.tflite"


def candidates(digest: str, quantized: bool) -> list[Path]:
    """Where a converted form may be: the user's cache first, then the shipped ones."""
    name = cache_name(digest, quantized)
    return [cache_folder() / "models" / name, *search_paths(SHIPPED_FOLDER, name)]


def read_cached(digest: str, quantized: bool) -> tuple[bytes, Path] | None:
    """The first cached flatbuffer that looks whole, and where it is; damaged ones are removed."""
    for path in candidates(digest, quantized):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if data[4:8] == FLATBUFFER_ID:
            return data, path
        forget(path)
    return None


def forget(path: Path) -> None:
    """Delete a damaged cached file (shipped files are left alone if read-only)."""
    with contextlib.suppress(OSError):
        path.unlink()


def store(digest: str, quantized: bool, flatbuffer: bytes) -> Path | None:
    """Keep a converted model in the user's cache; None when the cache cannot be written."""
    path = cache_folder() / "models" / cache_name(digest, quantized)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, flatbuffer)
    except OSError:
        return None
    return path


def convert(model, quantize: bool) -> bytes:
    """A Keras model as a TensorFlow Lite flatbuffer (8-bit weights when ``quantize``).

    Dynamic-range quantization: the weights become 8-bit, activations stay float, no
    calibration data is needed; XNNPACK runs it with integer kernels.
    """
    from ferapp.core.model.tensorflow_import import import_tensorflow, is_notice
    from ferapp.core.quiet_stderr import stderr_filtered

    tf = import_tensorflow()
    # AutoGraph cannot read the source of Keras's export functions in an installed
    # (frozen) ferapp and says so through TensorFlow's logger; they run as they are.
    tf_logger = tf.get_logger()
    level = tf_logger.level
    tf_logger.setLevel(logging.ERROR)
    # from_keras_model, not from_concrete_functions: the latter leaves the weights
    # uninitialised (NaN outputs) with Keras 3. Keras prints its export summary: hide it.
    try:
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(io.StringIO()),
            stderr_filtered(is_notice),
        ):
            warnings.simplefilter("ignore")
            tf.autograph.set_verbosity(0)
            converter = tf.lite.TFLiteConverter.from_keras_model(model)
            if quantize:
                converter.optimizations = [tf.lite.Optimize.DEFAULT]
            return converter.convert()
    finally:
        tf_logger.setLevel(level)


def convert_in_child_process(path: Path, command: list[str]) -> bool:
    """Convert ``path`` into the cache with ``command`` (ferapp's own command line) in a
    child process, so that TensorFlow never loads into the calling (window) process.
    True when the child succeeded."""
    try:
        done = subprocess.run(
            [*command, "convert-model", str(path)],
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0
