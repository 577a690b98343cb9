"""Weight averaging across epochs (stochastic weight averaging, Izmailov et al. 2018).

The weights after each of several epochs, averaged, generalise better than any one of
them: on FER2013 the average of twelve mid-run fernet epochs (62-66 % each on
PublicTest) scored 68 %. Batch-normalisation statistics do not average meaningfully, so
they are measured again on the training images afterwards.

The trainer uses this for ``--average-last N``; ``python -m trainer.averaging`` applies it
to saved checkpoints.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from ferapp.core.errors import FerappError
from ferapp.core.model.tensorflow_import import import_keras

keras = import_keras()  # quietly: this module is also a command (python -m)


class WeightAverage:
    """A running mean of a model's weights (trainable and not), one ``add`` per epoch."""

    def __init__(self, mean: list[np.ndarray] | None = None, count: int = 0) -> None:
        self.mean = mean
        self.count = count

    def add(self, weights: Sequence[np.ndarray]) -> None:
        weights = [np.asarray(w, dtype=np.float64) for w in weights]
        if self.mean is None:
            self.mean, self.count = weights, 1
            return
        if [w.shape for w in weights] != [m.shape for m in self.mean]:
            raise FerappError("cannot average models of different architectures")
        self.count += 1
        for m, w in zip(self.mean, weights, strict=True):
            m += (w - m) / self.count

    def weights(self, like: Sequence[np.ndarray]) -> list[np.ndarray]:
        """The mean, in the dtypes of ``like`` (the model's own weights)."""
        if self.mean is None:
            raise FerappError("no weights have been averaged")
        return [m.astype(w.dtype) for m, w in zip(self.mean, like, strict=True)]

    def save(self, path: Path) -> None:
        """Store the mean and count (``.npz``), written to a temporary name and renamed."""
        if self.mean is None:
            return
        tmp = path.with_name(f".{path.name}.tmp.npz")
        np.savez(tmp, *self.mean, count=np.int64(self.count))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> WeightAverage:
        if not path.is_file():
            return cls()
        with np.load(path, allow_pickle=False) as data:
            count = int(data["count"])
            mean = [data[f"arr_{i}"].astype(np.float64) for i in range(len(data.files) - 1)]
        return cls(mean, count)


def refresh_batch_norm(model: keras.Model, images: np.ndarray, batch_size: int = 128) -> None:
    """Re-estimate every BatchNormalization layer's moving statistics on ``images``.

    One pass in training mode over the images (raw 0..255 pixels, as the model takes
    them) in a fixed shuffled order; the weights themselves do not change.
    """
    if not any(isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers):
        return
    x = images[..., np.newaxis] if images.ndim == 3 else images
    order = np.random.default_rng(0).permutation(len(x))
    for start in range(0, len(order), batch_size):
        batch = keras.ops.convert_to_tensor(x[order[start : start + batch_size]], "float32")
        model(batch, training=True)  # on every backend: updates the moving statistics


def accuracy(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> float:
    x = images[..., np.newaxis] if images.ndim == 3 else images
    probs = model.predict(x.astype(np.float32), batch_size=256, verbose=0)
    return float((probs.argmax(axis=1) == labels).mean())


def averaged_model(
    template: keras.Model, average: WeightAverage, train_images: np.ndarray
) -> keras.Model:
    """A copy of ``template``'s architecture with the averaged weights and fresh BN statistics."""
    model = keras.Model.from_config(template.get_config())
    model.set_weights(average.weights(template.get_weights()))
    refresh_batch_norm(model, train_images)
    return model


def main(argv: list[str] | None = None) -> int:
    """Average saved checkpoints of one run: python -m trainer.averaging --data D --out M C..."""
    from ferapp.core.model.metadata import load_keras_model, read_metadata, save_model
    from trainer.datasets import load_dataset
    from trainer.flip_average import INFO_KEY as FLIP_INFO_KEY
    from trainer.flip_average import inner_model

    parser = argparse.ArgumentParser(
        prog="python -m trainer.averaging",
        description="Average the weights of checkpoints of one architecture, re-estimate "
        "batch-norm statistics on the Training rows, report validation accuracy, save.",
    )
    parser.add_argument("--data", type=Path, required=True, help="the dataset the run used")
    parser.add_argument("--out", type=Path, required=True, help="the averaged model (.keras)")
    parser.add_argument("checkpoints", type=Path, nargs="+")
    args = parser.parse_args(argv)
    try:
        splits = load_dataset(args.data)
        average, template = WeightAverage(), None
        for path in args.checkpoints:
            model = inner_model(load_keras_model(path))  # a flip-averaged file: its network
            average.add(model.get_weights())
            template = template or model
        info = read_metadata(args.checkpoints[0])
        if template is None or info is None:
            raise FerappError(f"{args.checkpoints[0]} carries no ferapp metadata")
        model = averaged_model(template, average, splits.train.images)
        score = accuracy(model, splits.val.images, splits.val.labels)
        extra = {k: v for k, v in info.extra.items() if k != FLIP_INFO_KEY}
        save_model(model, args.out, replace(info, extra=extra))
    except FerappError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"averaged {average.count} checkpoints: validation accuracy {score:.2%}; saved {args.out}"
    )
    return 0


if __name__ == "__main__":  # `python -m` has imported trainer/__init__ (the guard) first
    sys.exit(main())
