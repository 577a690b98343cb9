"""Training images per second per architecture, and tf.data augmentation vs a Python generator.

    python benchmarks/training_speed.py [--data fer2013.csv.gz] [--steps 40] [--batch-size 64]

For every architecture: images per second of ``model.fit`` with the trainer's
``tf.data`` pipeline (thesis augmentation in the graph). Then, for the mini-Xception,
the same training fed by a naive Python generator that augments image by image with
SciPy (the way Keras's old ImageDataGenerator worked), measured in the same run,
and the ratio between the two; last, the pipeline alone with random erasing added.
Float32 with oneDNN unlimited throughout (no partial batch here, so the mini-Xception's
crash cannot happen); ``training_precision.py`` compares the guard and bfloat16.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from trainer.architectures import ARCHITECTURES, build  # noqa: E402
from trainer.augment import make_dataset  # noqa: E402
from trainer.protocol import Augmentation  # noqa: E402


def load_images(data: Path | None, n: int) -> tuple[np.ndarray, np.ndarray]:
    if data is not None:
        from ferapp.core.datasets.fer2013 import load_fer2013_csv

        fer = load_fer2013_csv(data, usage="Training")
        return fer.images[:n], fer.labels[:n]
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (n, 48, 48), dtype=np.uint8), rng.integers(0, 7, n)


def python_generator(images: np.ndarray, labels: np.ndarray, batch: int, seed: int = 0):
    """Per-image augmentation in a Python loop, as Keras's old ImageDataGenerator did it.

    Each image gets its own rotation/shift/zoom matrix applied with
    ``scipy.ndimage.affine_transform`` (bilinear, nearest-edge fill) and a random flip,
    in the training thread, one image after another.
    """
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    n = len(labels)
    centre = np.array([23.5, 23.5])
    while True:
        order = rng.permutation(n)
        for start in range(0, n, batch):
            idx = order[start : start + batch]
            out = np.empty((len(idx), 48, 48, 1), np.float32)
            for k, i in enumerate(idx):
                theta = np.deg2rad(rng.uniform(-10, 10))
                zoom = 1.0 + rng.uniform(-0.1, 0.1)
                shift = rng.uniform(-0.1, 0.1, 2) * 48
                matrix = (
                    np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
                    / zoom
                )
                offset = centre - matrix @ centre - shift
                image = ndimage.affine_transform(
                    images[i].astype(np.float32), matrix, offset, order=1, mode="nearest"
                )
                if rng.random() < 0.5:
                    image = image[:, ::-1]
                out[k, :, :, 0] = image
            yield out, keras.utils.to_categorical(labels[idx], 7)


def fit_speed(model: keras.Model, data, steps: int, batch: int) -> float:
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(data, steps_per_epoch=3, epochs=1, verbose=0)  # build and warm up
    started = time.perf_counter()
    model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)
    return steps * batch / (time.perf_counter() - started)


def pipeline_speed(batches, steps: int, batch: int) -> float:
    next(batches)
    started = time.perf_counter()
    for _ in range(steps):
        next(batches)
    return steps * batch / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    batch = args.batch_size
    n = batch * (args.steps + 4)
    images, labels = load_images(args.data, n)
    print(
        f"{'synthetic' if args.data is None else args.data.name} images, batch {batch}, "
        f"{args.steps} timed steps"
    )

    def tf_data(augmentation: Augmentation | None = None):
        augmentation = augmentation or Augmentation()
        return make_dataset(images, labels, 7, batch, augmentation, shuffle=True).repeat()

    print(f"{'architecture':14s} {'parameters':>10s} {'images/s':>9s} {'s/FER epoch':>11s}")
    for name in ARCHITECTURES:
        keras.utils.set_random_seed(0)
        model = build(name)
        speed = fit_speed(model, tf_data(), args.steps, batch)
        print(f"{name:14s} {model.count_params():10,d} {speed:9.0f} {28709 / speed:11.0f}")

    keras.utils.set_random_seed(0)
    fast = fit_speed(build("mini_xception"), tf_data(), args.steps, batch)
    keras.utils.set_random_seed(0)
    slow = fit_speed(
        build("mini_xception"), python_generator(images, labels, batch), args.steps, batch
    )
    print(
        f"training mini_xception: tf.data {fast:.0f} images/s, Python generator "
        f"{slow:.0f} images/s: ratio {fast / slow:.2f}x"
    )
    pipe_fast = pipeline_speed(iter(tf_data()), args.steps, batch)
    pipe_slow = pipeline_speed(python_generator(images, labels, batch), args.steps, batch)
    print(
        f"augmentation alone: tf.data {pipe_fast:.0f} images/s, Python generator "
        f"{pipe_slow:.0f} images/s: ratio {pipe_fast / pipe_slow:.2f}x"
    )
    erasing = Augmentation.parse("rotation,shift,zoom,flip,erase")
    pipe_erase = pipeline_speed(iter(tf_data(erasing)), args.steps, batch)
    print(
        f"augmentation alone with random erasing: {pipe_erase:.0f} images/s, "
        f"{pipe_erase / pipe_fast:.2f}x the thesis's four alone"
    )
    return 0 if math.isfinite(fast / slow) else 1


if __name__ == "__main__":
    sys.exit(main())
