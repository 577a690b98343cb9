"""Model training for ferapp: datasets, architectures, the training loop. No Qt here.

Importing this package protects training from a oneDNN crash seen with TensorFlow
2.19-2.21 on AVX-512 CPUs: its training kernels abort the process for a stride-2
convolution after a trainable layer (the mini-Xception's shortcuts), at the end of
every epoch whose last batch is partial. Limiting oneDNN to AVX2 avoids it at no
measured cost for the small models; it must be set before TensorFlow is imported.
"""

from __future__ import annotations

import os
import sys
import warnings

ONEDNN_GUARD = ("ONEDNN_MAX_CPU_ISA", "AVX2")
# Names of trainer.architectures.ARCHITECTURES, here so menus need not import Keras.
SCHEDULES = ("plateau", "cosine")
ARCHITECTURE_NAMES = ("thesis1", "thesis2", "thesis3", "mini_xception", "fernet")


def _apply_onednn_guard() -> bool:
    """Set the guard if TensorFlow is not loaded yet; True when training is protected."""
    name, value = ONEDNN_GUARD
    if "tensorflow" in sys.modules:
        return os.environ.get(name) == value
    os.environ.setdefault(name, value)
    return os.environ.get(name) == value


ONEDNN_GUARD_ACTIVE = _apply_onednn_guard()
if not ONEDNN_GUARD_ACTIVE:
    warnings.warn(
        "TensorFlow was imported before the trainer, so its oneDNN crash guard "
        f"({ONEDNN_GUARD[0]}={ONEDNN_GUARD[1]}) is not active; training runs in a child "
        "process to stay safe",
        RuntimeWarning,
        stacklevel=2,
    )
