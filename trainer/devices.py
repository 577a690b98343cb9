"""What trains, in words, as the backend's own library sees it: a GPU's name or the CPU's
threads, and the backend ("NVIDIA H100 (jax)", "CPU, 2 threads (tensorflow)")."""

from __future__ import annotations

import os

from trainer.backends import default_backend, loaded_backend


def _threads() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def device_description() -> str:
    """What trains, as :func:`_describe` finds it; the backend's name alone where its
    library cannot say (a GPU driver that fails to answer, say)."""
    try:
        return _describe()
    except Exception as exc:  # the library's own errors: RuntimeError, XlaRuntimeError, ...
        return f"{loaded_backend() or default_backend()}, device unknown ({exc})"


def _describe() -> str:
    """What trains in this process, in words: "NVIDIA H100 (jax)", "CPU, 2 threads (torch)".

    Call it once Keras is loaded (it asks the backend's own library).
    """
    backend = loaded_backend() or default_backend()
    gpu: str | None = None
    threads = _threads()
    if backend == "jax":
        import jax

        devices = jax.devices()
        if devices and devices[0].platform == "gpu":
            gpu = f"{devices[0].device_kind}" + (f" x{len(devices)}" if len(devices) > 1 else "")
    elif backend == "torch":
        import torch

        if torch.cuda.is_available():
            gpu = torch.cuda.get_device_name(0)
        threads = torch.get_num_threads()
    else:
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            details = tf.config.experimental.get_device_details(gpus[0])
            gpu = str(details.get("device_name", gpus[0].name))
        configured = tf.config.threading.get_intra_op_parallelism_threads()
        threads = configured or threads
    if gpu:
        return f"{gpu} ({backend})"
    return f"CPU, {threads} thread{'s' if threads != 1 else ''} ({backend})"
