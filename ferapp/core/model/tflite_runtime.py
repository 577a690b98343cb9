"""Running a TensorFlow Lite flatbuffer: LiteRT's small interpreter when installed, else
TensorFlow's own (same kernels, but importing TensorFlow takes seconds)."""

from __future__ import annotations

import numpy as np

from ferapp.core.model.tensorflow_import import is_notice
from ferapp.core.quiet_stderr import stderr_filtered


def interpreter_class():
    """``ai_edge_litert``'s Interpreter, or ``tf.lite.Interpreter`` where LiteRT has no wheel."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        from ferapp.core.model.tensorflow_import import import_tensorflow

        return import_tensorflow().lite.Interpreter
    return Interpreter


def runtime_name() -> str:
    return (
        "LiteRT"
        if interpreter_class().__module__.startswith("ai_edge_litert")
        else "TensorFlow Lite"
    )


class TfliteRunner:
    """One interpreter over a flatbuffer; ``run`` takes a float32 batch (N, H, W, C).

    The first invoke applies the XNNPACK delegate (which announces itself on stderr) and
    pays one-off costs here, rather than on the first live frame. One thread at a time.
    """

    def __init__(self, flatbuffer: bytes, threads: int | None = None) -> None:
        with stderr_filtered(is_notice):
            self._interpreter = interpreter_class()(model_content=flatbuffer, num_threads=threads)
            details = self._interpreter.get_input_details()[0]
            self._interpreter.allocate_tensors()
            self.input_shape = tuple(int(v) for v in details["shape"])
            self._input = details["index"]
            out = self._interpreter.get_output_details()[0]
            self._output = out["index"]
            self.output_shape = tuple(int(v) for v in out["shape"])
            self._interpreter.set_tensor(self._input, np.zeros(self.input_shape, np.float32))
            self._interpreter.invoke()
        self._batch = self.input_shape[0]

    def run(self, x: np.ndarray) -> np.ndarray:
        if self._batch != len(x):
            self._interpreter.resize_tensor_input(self._input, list(x.shape))
            self._interpreter.allocate_tensors()
            self._batch = len(x)
        self._interpreter.set_tensor(self._input, np.ascontiguousarray(x, dtype=np.float32))
        self._interpreter.invoke()
        return self._interpreter.get_tensor(self._output).copy()
