"""Which Keras backend trains: TensorFlow, JAX or PyTorch, chosen before Keras loads.

Keras 3 runs the same model code on each; the trainer's input pipeline
(:mod:`trainer.batches`) needs none of them in particular, and a ``.keras`` file is the
same whichever trained it. Keras reads its backend once, when it is first imported,
from ``KERAS_BACKEND``: :func:`choose_backend` sets it for a process that will train,
and refuses when Keras is already loaded with another. Keras-free (the window lists
the installed backends without loading any).
"""

from __future__ import annotations

import importlib.util
import os
import sys

from ferapp.core.errors import FerappError

BACKENDS = ("tensorflow", "jax", "torch")
DEFAULT_BACKEND = "tensorflow"
BACKEND_VARIABLE = "KERAS_BACKEND"
# where the user's KERAS_BACKEND is kept while the rest of ferapp runs on TensorFlow
TRAIN_BACKEND_VARIABLE = "FERAPP_TRAIN_BACKEND"
# the package each backend needs, and how a user gets it
PACKAGES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
INSTALL_HINTS = {
    "tensorflow": "pip install tensorflow",
    "jax": "pip install 'ferapp[jax]' (on Linux with an NVIDIA GPU: pip install 'jax[cuda12]')",
    "torch": "pip install 'ferapp[torch]' (with an NVIDIA GPU: PyTorch's CUDA build, see "
    "pytorch.org)",
}


def install_hint(backend: str) -> str:
    """How a user gets ``backend`` (an installed ferapp carries TensorFlow only)."""
    if getattr(sys, "frozen", False):
        return "a source install of ferapp (README: Training on a GPU)"
    return INSTALL_HINTS[backend]


def is_installed(backend: str) -> bool:
    """Whether ``backend``'s package can be imported here (nothing is imported)."""
    try:
        return importlib.util.find_spec(PACKAGES[backend]) is not None
    except (ImportError, ValueError):
        return False


def installed_backends() -> tuple[str, ...]:
    """The backends this installation can train with, in BACKENDS order."""
    return tuple(name for name in BACKENDS if is_installed(name))


def default_backend() -> str:
    """The user's ``KERAS_BACKEND`` when it names a backend ferapp trains with, else
    TensorFlow."""
    wanted = os.environ.get(TRAIN_BACKEND_VARIABLE) or os.environ.get(BACKEND_VARIABLE, "")
    wanted = wanted.strip().lower()
    return wanted if wanted in BACKENDS else DEFAULT_BACKEND


def run_on_tensorflow() -> None:
    """For every process but a training run: Keras on TensorFlow, which converts models
    for the runtime; a ``KERAS_BACKEND`` of the user's is kept as the training default
    (:func:`default_backend`, also in the training runs this process starts)."""
    if "keras" in sys.modules:
        return
    wanted = os.environ.get(BACKEND_VARIABLE)
    if wanted and wanted != DEFAULT_BACKEND:
        os.environ.setdefault(TRAIN_BACKEND_VARIABLE, wanted)
    # set even when unset: Keras would otherwise read a backend from its keras.json
    os.environ[BACKEND_VARIABLE] = DEFAULT_BACKEND


def loaded_backend() -> str | None:
    """The backend of the Keras already loaded in this process (None: Keras is not loaded)."""
    keras = sys.modules.get("keras")
    if keras is None:
        return None
    return str(keras.config.backend())


def choose_backend(backend: str) -> None:
    """Make ``backend`` the one Keras loads with in this process; FerappError if it cannot."""
    if backend not in BACKENDS:
        raise FerappError(f"unknown backend {backend!r}; choose {', '.join(BACKENDS)}")
    if not is_installed(backend):
        raise FerappError(
            f"the {backend} backend is not installed here; install it with "
            f"{install_hint(backend)}, or train with --backend "
            f"{' or '.join(b for b in installed_backends() if b != backend) or DEFAULT_BACKEND}"
        )
    loaded = loaded_backend()
    if loaded is not None and loaded != backend:
        raise FerappError(
            f"Keras is already running on {loaded} in this process, so it cannot train on "
            f"{backend}; start a new process (ferapp train --backend {backend})"
        )
    os.environ[BACKEND_VARIABLE] = backend
