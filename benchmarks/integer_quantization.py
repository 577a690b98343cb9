"""8-bit weights (what ferapp runs) against fully integer models calibrated on training faces.

    python benchmarks/integer_quantization.py --data fer2013.csv.gz [--model PATH]

ferapp converts a model with dynamic-range quantization: 8-bit weights, activations
quantized on the fly, no calibration data. Full integer quantization also fixes the
activations' ranges in advance from a few hundred training faces, which on many CPUs
buys speed. This converts the model (and, for a flip-averaged model, the network inside
it) both ways, times them in turn on one core, and gives each one's
PublicTest accuracy.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

# isort: off
import numpy as np  # noqa: E402
from ferapp.core.model.tensorflow_import import import_tensorflow  # noqa: E402
# isort: on

tf = import_tensorflow()

from benchmarks.face_timing import interleaved_per_face_ms  # noqa: E402
from ferapp.core.locations import find_default_model  # noqa: E402
from ferapp.core.model.classifier import scale_pixels  # noqa: E402
from ferapp.core.model.metadata import load_keras_model, read_metadata  # noqa: E402
from ferapp.core.model.tflite_runtime import TfliteRunner  # noqa: E402
from trainer.datasets import load_dataset  # noqa: E402
from trainer.flip_average import inner_model, is_flip_averaged  # noqa: E402


def convert(model, calibration: np.ndarray | None) -> bytes:
    """TensorFlow Lite with 8-bit weights; with ``calibration``, fully integer."""
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if calibration is not None:
        converter.representative_dataset = lambda: ([face[None]] for face in calibration)
        # integer kernels only (conversion fails rather than keeping an op in float);
        # the input and output stay float32, as the app passes and reads them
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    return converter.convert()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="FER2013 CSV (.csv or .csv.gz)")
    parser.add_argument("--model", type=Path)
    parser.add_argument("--calibration-faces", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=1000)
    args = parser.parse_args()
    path = args.model or find_default_model()
    if path is None:
        print("no model: pass --model")
        return 1
    info = read_metadata(path)
    if info is None or info.input_size != (48, 48):
        print(f"{path}: this benchmark takes ferapp models of 48x48 faces")
        return 1
    splits = load_dataset(args.data)
    if tuple(info.class_names) != tuple(splits.class_names):
        print(f"{path}: its classes differ from the dataset's")
        return 1
    rng = np.random.default_rng(0)
    pick = rng.choice(len(splits.train.images), args.calibration_faces, replace=False)
    calibration = scale_pixels(splits.train.images[pick][..., None], info.pixel_scaling)
    model = load_keras_model(path)
    models = {path.name: model}
    if is_flip_averaged(model):
        models["the network inside it"] = inner_model(model)
    runners = {}
    for name, keras_model in models.items():
        for kind, faces in (("8-bit weights", None), ("fully integer", calibration)):
            runners[(name, kind)] = TfliteRunner(convert(keras_model, faces), threads=1)
    images = scale_pixels(splits.val.images[..., None], info.pixel_scaling)
    face = images[:1]
    times = interleaved_per_face_ms([r.run for r in runners.values()], face, args.repeats)
    print("| model | conversion | PublicTest acc. | ms per face |\n|---|---|---:|---:|")
    for (name, kind), runner, ms in zip(runners, runners.values(), times, strict=True):
        answers = np.concatenate(
            [runner.run(images[i : i + 256]) for i in range(0, len(images), 256)]
        )
        accuracy = (answers.argmax(1) == splits.val.labels).mean()
        print(f"| {name} | {kind} | {accuracy:.2%} | {ms:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
