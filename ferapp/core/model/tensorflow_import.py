"""Importing TensorFlow without its start-up notices on the terminal.

TensorFlow 2.19+ logs through Abseil before Abseil's logging is set up, so
``TF_CPP_MIN_LOG_LEVEL`` does not silence its start-up lines ("All log messages before
absl::InitializeLog() ...", "oneDNN custom operations are on ...", CUDA probes on a
machine without a GPU). They frighten users of a CPU program and bury ferapp's own
messages, so the first import drops those known lines and passes everything else on.
"""

from __future__ import annotations

import sys
from types import ModuleType

from ferapp.core.quiet_stderr import stderr_filtered

NOTICES = (
    "All log messages before absl::InitializeLog()",
    "oneDNN custom operations are on",
    "Could not find cuda drivers",
    "failed call to cuInit",
    "Unable to register cuDNN factory",
    "Unable to register cuFFT factory",
    "Unable to register cuBLAS factory",
    "computation placer already registered",
    "This TensorFlow binary is optimized to use available CPU instructions",
    "To enable the following instructions",
    "Created TensorFlow Lite XNNPACK delegate",
    "fully_quantize: 0, inference_type:",  # the converter's weight-quantization summary
)


def is_notice(line: str) -> bool:
    return any(notice in line for notice in NOTICES)


def import_keras() -> ModuleType:
    """``import keras``, quietly the first time: on its TensorFlow backend that loads
    TensorFlow; on JAX or PyTorch (``KERAS_BACKEND``, a training run) it does not."""
    if "keras" in sys.modules:
        return sys.modules["keras"]
    with stderr_filtered(is_notice):
        import keras
    return keras


def import_tensorflow() -> ModuleType:
    """``import tensorflow`` (and Keras's TensorFlow backend), quietly the first time."""
    if "tensorflow" in sys.modules and "keras" in sys.modules:
        return sys.modules["tensorflow"]
    with stderr_filtered(is_notice):
        import keras  # noqa: F401 (loads TensorFlow as its backend)
        import tensorflow
    return tensorflow
