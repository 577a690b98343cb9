"""The trainer's former `tf.data` input pipeline (augmentation in the TensorFlow graph).

Kept as the baseline that benchmarks/training_speed.py times the backend-free pipeline
(trainer/batches.py) against, in the same run. TensorFlow only.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import tensorflow as tf

from trainer.protocol import Augmentation


def augment_batch(augmentation: Augmentation, images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """Augment a batch (N, H, W, 1) with stateless random draws from ``seed`` (shape [2]).

    Rotation, shift and zoom are composed into one affine transform per image and
    applied in a single resampling pass (nearest-edge fill, as Keras's old
    ImageDataGenerator), instead of one interpolation per transform.
    """
    n = tf.shape(images)[0]
    height = tf.cast(tf.shape(images)[1], tf.float32)
    width = tf.cast(tf.shape(images)[2], tf.float32)
    seeds = tf.random.experimental.stateless_split(seed, 5)

    def uniform(i: int, limit: float) -> tf.Tensor:
        return tf.random.stateless_uniform([n], seeds[i], -limit, limit)

    angle = uniform(0, augmentation.rotation_deg * math.pi / 180.0)
    scale = 1.0 + uniform(1, augmentation.zoom)
    tx = uniform(2, augmentation.shift) * width
    ty = uniform(3, augmentation.shift) * height
    cos, sin = tf.cos(angle) / scale, tf.sin(angle) / scale
    cos_x, sin_x = cos, sin  # the output's x axis, squeezed for a turned head
    if augmentation.turn:  # own seeds: the other draws stay as they were without it
        turn_seeds = tf.random.experimental.stateless_split(
            tf.random.experimental.stateless_fold_in(seed, 11), 2
        )
        squeeze = 1.0 - augmentation.turn * tf.random.stateless_uniform([n], turn_seeds[0])
        cos_x, sin_x = cos / squeeze, sin / squeeze
        limit = augmentation.turn / 2.0
        tx = tx + tf.random.stateless_uniform([n], turn_seeds[1], -limit, limit) * width
    cx, cy = (width - 1.0) / 2.0, (height - 1.0) / 2.0
    # maps each output pixel to the input pixel it samples
    transforms = tf.stack(
        [
            cos_x,
            -sin,
            cx - cos_x * cx + sin * cy - tx,
            sin_x,
            cos,
            cy - sin_x * cx - cos * cy - ty,
            tf.zeros([n]),
            tf.zeros([n]),
        ],
        axis=1,
    )
    out = tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=transforms,
        output_shape=tf.shape(images)[1:3],
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="NEAREST",
    )
    if augmentation.flip:
        flip = tf.random.stateless_uniform([n], seeds[4]) < 0.5
        out = tf.where(flip[:, None, None, None], tf.reverse(out, axis=[2]), out)
    if augmentation.erase:
        out = random_erase(
            out, augmentation.erase, tf.random.experimental.stateless_fold_in(seed, 7)
        )
    return out


def random_erase(images: tf.Tensor, probability: float, seed: tf.Tensor) -> tf.Tensor:
    """Random erasing (Zhong et al. 2020) on a batch of raw 0..255 images (N, H, W, C).

    Each image, with ``probability``, gets one rectangle of 2-40 % of its area and an
    aspect ratio between 0.3 and 3.3 (drawn on a log scale) filled with uniform noise;
    the network then cannot lean on any one part of the face.
    """
    n = tf.shape(images)[0]
    height, width = tf.shape(images)[1], tf.shape(images)[2]
    h_f, w_f = tf.cast(height, tf.float32), tf.cast(width, tf.float32)
    seeds = tf.random.experimental.stateless_split(seed, 6)
    area = tf.random.stateless_uniform([n], seeds[0], 0.02, 0.4) * h_f * w_f
    log_aspect = tf.random.stateless_uniform([n], seeds[1], math.log(0.3), math.log(1 / 0.3))
    aspect = tf.exp(log_aspect)
    box_h = tf.minimum(tf.round(tf.sqrt(area * aspect)), h_f)
    box_w = tf.minimum(tf.round(tf.sqrt(area / aspect)), w_f)
    top = tf.floor(tf.random.stateless_uniform([n], seeds[2]) * (h_f - box_h + 1.0))
    left = tf.floor(tf.random.stateless_uniform([n], seeds[3]) * (w_f - box_w + 1.0))
    rows = tf.range(h_f)[None, :]
    cols = tf.range(w_f)[None, :]
    in_rows = (rows >= top[:, None]) & (rows < (top + box_h)[:, None])  # (N, H)
    in_cols = (cols >= left[:, None]) & (cols < (left + box_w)[:, None])  # (N, W)
    chosen = tf.random.stateless_uniform([n], seeds[4]) < probability
    mask = in_rows[:, :, None] & in_cols[:, None, :] & chosen[:, None, None]
    noise = tf.random.stateless_uniform(tf.shape(images), seeds[5], 0.0, 255.0)
    return tf.where(mask[..., None], noise, images)


def mix_up(
    images: tf.Tensor, targets: tf.Tensor, alpha: float, seed: tf.Tensor
) -> tuple[tf.Tensor, tf.Tensor]:
    """Mixup (Zhang et al. 2018) within a batch: images (N, H, W, C), targets (N, classes).

    Image i is blended with image N-1-i of the same (shuffled) batch, and its target
    alike, keeping a share ``lam`` of its own, drawn from Beta(alpha, alpha) and folded
    to at least one half, so each image stays the larger part of its blend.
    """
    n = tf.shape(images)[0]
    seeds = tf.random.experimental.stateless_split(seed, 2)
    a = tf.random.stateless_gamma([n], seeds[0], alpha)
    b = tf.random.stateless_gamma([n], seeds[1], alpha)
    total = a + b
    lam = tf.where(total > 0, a / tf.where(total > 0, total, 1.0), 1.0)
    lam = tf.maximum(lam, 1.0 - lam)
    mixed = lam[:, None, None, None] * images + (1.0 - lam[:, None, None, None]) * tf.reverse(
        images, axis=[0]
    )
    mixed_targets = lam[:, None] * targets + (1.0 - lam[:, None]) * tf.reverse(targets, axis=[0])
    return mixed, mixed_targets


def make_dataset(
    images: np.ndarray,
    labels: np.ndarray,
    num_classes: int,
    batch_size: int,
    augmentation: Augmentation | None = None,
    shuffle: bool = False,
    seed: int = 0,
    sample_targets: bool = False,
) -> tf.data.Dataset:
    """Batches of (float32 raw 0..255 images (N,H,W,1), targets), augmented in the graph.

    ``labels`` are class numbers (N,), made one-hot, or ready targets (N, classes) such
    as a teacher's answers mixed with the labels (trainer.distillation), used as they are,
    or with ``sample_targets`` one class drawn from each per image and epoch (FER+'s
    ``probability`` rule).

    The partial last batch is kept (it is what triggers the oneDNN crash that the
    trainer guards against, and dropping it would hide data).
    """
    x = images[..., np.newaxis] if images.ndim == 3 else images
    soft = labels.ndim == 2
    targets = labels.astype(np.float32 if soft else np.int32)
    ds = tf.data.Dataset.from_tensor_slices((x, targets))
    if shuffle:
        ds = ds.shuffle(len(labels), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)
    one_hot = num_classes

    # Plain TensorFlow ops without Python control flow: AutoGraph has nothing to convert
    # (and cannot read the source in a frozen build), so it is skipped.
    @tf.autograph.experimental.do_not_convert
    def to_float(img, lab):
        return tf.cast(img, tf.float32), lab if soft else tf.one_hot(lab, one_hot)

    ds = ds.map(to_float, num_parallel_calls=tf.data.AUTOTUNE)
    if soft and sample_targets:

        @tf.autograph.experimental.do_not_convert
        def draw(img, lab):
            logits = tf.math.log(lab + 1e-9)
            drawn = tf.random.categorical(logits, 1, seed=seed)[:, 0]
            return img, tf.one_hot(drawn, tf.shape(lab)[1])

        ds = ds.map(draw, num_parallel_calls=tf.data.AUTOTUNE)
    if augmentation is not None and augmentation.enabled:
        # One seed pair per batch, new every epoch, repeatable for a given ``seed``.
        seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)

        per_image = replace(augmentation, mixup=0.0)  # all but mixup, which pairs images

        @tf.autograph.experimental.do_not_convert
        def apply(batch, batch_seed):
            img, lab = batch
            if per_image.enabled:
                img = augment_batch(per_image, img, batch_seed)
            if augmentation.mixup:
                img, lab = mix_up(
                    img,
                    lab,
                    augmentation.mixup,
                    tf.random.experimental.stateless_fold_in(batch_seed, 11),
                )
            return img, lab

        ds = tf.data.Dataset.zip((ds, seeds)).map(apply, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)
