"""Model training for ferapp: datasets, architectures, the training loop. No Qt here.

The oneDNN crash guard. With TensorFlow 2.19-2.21 on AVX-512 CPUs, oneDNN's training
kernels abort the process for a stride-2 convolution after a trainable layer (the
mini-Xception's shortcuts), at the end of every epoch whose last batch is partial.
Limiting oneDNN to AVX2 avoids it, but it halves the speed of the architectures that
have no such convolution (fernet trains 2.3x faster without the limit), and it must be
set before TensorFlow is imported. So a process that trains calls
:func:`prepare_training` with the architectures it will train, before TensorFlow loads:
the limit is set only when one of them needs it (``GUARDED_ARCHITECTURES``), and
:class:`trainer.training.Trainer` refuses to train such an architecture in a process
without it. ``ONEDNN_MAX_CPU_ISA`` set by the user is left as it is.

The catalogue (architectures, schedules, augmentations), the events and the run
summary are in :mod:`trainer.protocol`, which needs no Keras.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

from trainer.protocol import GUARDED_ARCHITECTURES

ONEDNN_ISA_VARIABLE = "ONEDNN_MAX_CPU_ISA"
ONEDNN_GUARD_ISA = "AVX2"

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up notices


def _limited_before_tensorflow() -> bool:
    return "tensorflow" not in sys.modules and os.environ.get(ONEDNN_ISA_VARIABLE) == (
        ONEDNN_GUARD_ISA
    )


# True once oneDNN is known to be limited to AVX2 from before TensorFlow was loaded.
_guarded = _limited_before_tensorflow()


def prepare_training(architectures: Iterable[str]) -> None:
    """Before TensorFlow loads: limit oneDNN to AVX2 if any of ``architectures`` needs it.

    Too late once TensorFlow is loaded (the window's own process, for instance): then
    nothing changes and :func:`can_train` says whether this process may train them.
    """
    global _guarded
    if "tensorflow" in sys.modules:
        return
    if GUARDED_ARCHITECTURES.intersection(architectures):
        os.environ.setdefault(ONEDNN_ISA_VARIABLE, ONEDNN_GUARD_ISA)
    _guarded = _limited_before_tensorflow()


def guard_active() -> bool:
    """Whether oneDNN was limited to AVX2 before TensorFlow loaded in this process."""
    return _guarded


def can_train(arch: str) -> bool:
    """Whether this process may train ``arch`` without risking oneDNN's crash."""
    return arch not in GUARDED_ARCHITECTURES or _guarded
