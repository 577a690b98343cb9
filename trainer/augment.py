"""The `tf.data` input pipeline with the thesis's augmentation applied on the fly, in graph."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf


@dataclass(frozen=True)
class Augmentation:
    """Thesis defaults: rotation +-10 degrees, shifts 0.1, zoom 0.1, horizontal flip."""

    rotation_deg: float = 10.0
    shift: float = 0.1
    zoom: float = 0.1
    flip: bool = True

    @property
    def enabled(self) -> bool:
        return bool(self.rotation_deg or self.shift or self.zoom or self.flip)

    def layers(self, seed: int) -> keras.Sequential:
        """Keras preprocessing layers implementing these transforms (nearest fill, as Keras's old generator)."""
        steps: list[keras.layers.Layer] = []
        if self.flip:
            steps.append(keras.layers.RandomFlip("horizontal", seed=seed))
        if self.rotation_deg:
            steps.append(
                keras.layers.RandomRotation(
                    self.rotation_deg / 360.0, fill_mode="nearest", seed=seed + 1
                )
            )
        if self.shift:
            steps.append(
                keras.layers.RandomTranslation(
                    self.shift, self.shift, fill_mode="nearest", seed=seed + 2
                )
            )
        if self.zoom:
            steps.append(keras.layers.RandomZoom(self.zoom, fill_mode="nearest", seed=seed + 3))
        return keras.Sequential(steps, name="augmentation")


def make_dataset(
    images: np.ndarray,
    labels: np.ndarray,
    num_classes: int,
    batch_size: int,
    augmentation: Augmentation | None = None,
    shuffle: bool = False,
    seed: int = 0,
) -> tf.data.Dataset:
    """Batches of (float32 raw 0..255 images (N,H,W,1), one-hot labels), augmented in the graph.

    The partial last batch is kept (it is what triggers the oneDNN crash that the
    trainer guards against, and dropping it would hide data).
    """
    x = images[..., np.newaxis] if images.ndim == 3 else images
    ds = tf.data.Dataset.from_tensor_slices((x, labels.astype(np.int32)))
    if shuffle:
        ds = ds.shuffle(len(labels), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)
    one_hot = num_classes

    def to_float(img, lab):
        return tf.cast(img, tf.float32), tf.one_hot(lab, one_hot)

    ds = ds.map(to_float, num_parallel_calls=tf.data.AUTOTUNE)
    if augmentation is not None and augmentation.enabled:
        augment = augmentation.layers(seed)

        def apply(img, lab):
            return augment(img, training=True), lab

        ds = ds.map(apply, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)
