"""Model training for ferapp: datasets, architectures, the training loop. No Qt here.

Importing this package protects training from a oneDNN crash seen with TensorFlow
2.19-2.21 on AVX-512 CPUs: its training kernels abort the process for a stride-2
convolution after a trainable layer (the mini-Xception's shortcuts), at the end of
every epoch whose last batch is partial. Limiting oneDNN to AVX2 avoids it at no
measured cost for the small models; it must be set before TensorFlow is imported.

The catalogue (architectures, schedules, augmentations), the events and the run
summary are in :mod:`trainer.protocol`, which needs no Keras.
"""

from __future__ import annotations

import os
import sys

ONEDNN_GUARD = ("ONEDNN_MAX_CPU_ISA", "AVX2")

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up notices


def _apply_onednn_guard() -> bool:
    """Set the guard if TensorFlow is not loaded yet; True when training is protected."""
    name, value = ONEDNN_GUARD
    if "tensorflow" in sys.modules:
        return os.environ.get(name) == value
    os.environ.setdefault(name, value)
    return os.environ.get(name) == value


# False when TensorFlow was loaded first (for example inside the window's process):
# Trainer.run then refuses to train there; the window trains in a child process.
ONEDNN_GUARD_ACTIVE = _apply_onednn_guard()
