"""The input pipeline: batches of augmented faces made with NumPy and OpenCV, on any backend.

A :class:`FaceBatches` is a ``keras.utils.PyDataset``, so TensorFlow, JAX and PyTorch
train from it alike and no TensorFlow is needed where the backend is another. Each
image gets one affine resampling (rotation, zoom, shift and the turned-head squeeze
composed, bilinear, edges repeated as Keras's old ImageDataGenerator did), then the
mirror image, camera blur, random erasing and mixup, as the ``--augment`` names ask.

Every random draw of a batch comes from a generator seeded by (run seed, epoch, batch
number), so a run is repeatable, batches can be made in any order or in parallel
threads, and a resumed run sees the batches an uninterrupted one would have seen.
"""

from __future__ import annotations

import math
from dataclasses import replace

import cv2
import keras
import numpy as np

from trainer.protocol import BLUR_SIGMA, Augmentation

ERASE_AREA = (0.02, 0.4)  # share of the image a random-erasing rectangle covers
ERASE_ASPECT = (0.3, 1 / 0.3)  # its height / width, drawn on a log scale


def affine_matrices(
    augmentation: Augmentation, n: int, height: int, width: int, rng: np.random.Generator
) -> np.ndarray:
    """(n, 2, 3) maps from each output pixel to the input pixel it samples.

    Rotation by up to ``rotation_deg``, scale 1 +- ``zoom``, shifts up to ``shift`` of
    the size, and with ``turn`` the output's x axis squeezed by up to that share and
    moved sideways by up to half of it (a head turned away from the camera).
    """
    angle = rng.uniform(-1, 1, n) * math.radians(augmentation.rotation_deg)
    scale = 1.0 + rng.uniform(-1, 1, n) * augmentation.zoom
    tx = rng.uniform(-1, 1, n) * augmentation.shift * width
    ty = rng.uniform(-1, 1, n) * augmentation.shift * height
    cos, sin = np.cos(angle) / scale, np.sin(angle) / scale
    cos_x, sin_x = cos, sin
    if augmentation.turn:
        squeeze = 1.0 - augmentation.turn * rng.uniform(0, 1, n)
        cos_x, sin_x = cos / squeeze, sin / squeeze
        tx = tx + rng.uniform(-1, 1, n) * augmentation.turn / 2.0 * width
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    matrices = np.empty((n, 2, 3), np.float64)
    matrices[:, 0, 0], matrices[:, 0, 1] = cos_x, -sin
    matrices[:, 0, 2] = cx - cos_x * cx + sin * cy - tx
    matrices[:, 1, 0], matrices[:, 1, 1] = sin_x, cos
    matrices[:, 1, 2] = cy - sin_x * cx - cos * cy - ty
    return matrices


def augment_images(
    augmentation: Augmentation, images: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Augmented float32 copies of a batch of raw 0..255 images (N, H, W) (all but mixup)."""
    n, height, width = images.shape
    out = images.astype(np.float32)
    if augmentation.rotation_deg or augmentation.zoom or augmentation.shift or augmentation.turn:
        matrices = affine_matrices(augmentation, n, height, width, rng)
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        for i in range(n):
            out[i] = cv2.warpAffine(
                out[i], matrices[i], (width, height), flags=flags, borderMode=cv2.BORDER_REPLICATE
            )
    if augmentation.flip:
        flipped = rng.uniform(0, 1, n) < 0.5
        out[flipped] = out[flipped, :, ::-1]
    if augmentation.blur:
        camera_blur(out, augmentation.blur, rng)
    if augmentation.erase:
        random_erase(out, augmentation.erase, rng)
    return out


def camera_blur(images: np.ndarray, probability: float, rng: np.random.Generator) -> None:
    """In place: each image, with ``probability``, blurred by a Gaussian of a sigma drawn
    from ``BLUR_SIGMA``, as faces cut out of real photos are (``trainer.protocol``)."""
    sigmas = rng.uniform(*BLUR_SIGMA, len(images))
    chosen = rng.uniform(0, 1, len(images)) < probability
    for i in np.flatnonzero(chosen):
        images[i] = cv2.GaussianBlur(images[i], (0, 0), sigmas[i])


def random_erase(images: np.ndarray, probability: float, rng: np.random.Generator) -> None:
    """Random erasing (Zhong et al. 2020), in place, on raw 0..255 images (N, H, W).

    Each image, with ``probability``, gets one rectangle of 2-40 % of its area and an
    aspect ratio between 0.3 and 3.3 (drawn on a log scale) filled with uniform noise;
    the network then cannot lean on any one part of the face.
    """
    n, height, width = images.shape
    area = rng.uniform(*ERASE_AREA, n) * height * width
    aspect = np.exp(rng.uniform(math.log(ERASE_ASPECT[0]), math.log(ERASE_ASPECT[1]), n))
    box_h = np.minimum(np.round(np.sqrt(area * aspect)), height).astype(int)
    box_w = np.minimum(np.round(np.sqrt(area / aspect)), width).astype(int)
    top = np.floor(rng.uniform(0, 1, n) * (height - box_h + 1)).astype(int)
    left = np.floor(rng.uniform(0, 1, n) * (width - box_w + 1)).astype(int)
    chosen = rng.uniform(0, 1, n) < probability
    for i in np.flatnonzero(chosen):
        h, w = box_h[i], box_w[i]
        images[i, top[i] : top[i] + h, left[i] : left[i] + w] = rng.uniform(0, 255, (h, w))


def mix_up(
    images: np.ndarray, targets: np.ndarray, alpha: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Mixup (Zhang et al. 2018) within a batch: images (N, H, W), targets (N, classes).

    Image i is blended with image N-1-i of the same (shuffled) batch, and its target
    alike, keeping a share ``lam`` of its own, drawn from Beta(alpha, alpha) and folded
    to at least one half, so each image stays the larger part of its blend.
    """
    lam = rng.beta(alpha, alpha, len(images)).astype(np.float32)
    lam = np.maximum(lam, 1.0 - lam)
    mixed = lam[:, None, None] * images + (1.0 - lam[:, None, None]) * images[::-1]
    mixed_targets = lam[:, None] * targets + (1.0 - lam[:, None]) * targets[::-1]
    return mixed.astype(np.float32), mixed_targets.astype(np.float32)


def draw_targets(targets: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One-hot targets, one class drawn from each row of ``targets`` (FER+'s probability rule)."""
    rows = np.where(targets.sum(axis=1, keepdims=True) > 0, targets, 1.0)  # none: uniform
    cumulative = np.cumsum(rows, axis=1)
    cumulative /= cumulative[:, -1:]
    drawn = (rng.uniform(0, 1, (len(targets), 1)) > cumulative).sum(axis=1)
    drawn = np.minimum(drawn, targets.shape[1] - 1)
    return np.eye(targets.shape[1], dtype=np.float32)[drawn]


class FaceBatches(keras.utils.PyDataset):
    """Batches of (float32 raw 0..255 images (N, H, W, 1), float32 targets (N, classes)).

    ``labels`` are class numbers (N,), made one-hot, or ready targets (N, classes) such
    as a teacher's answers mixed with the labels (trainer.distillation), used as they are,
    or with ``sample_targets`` one class drawn from each per image and epoch (FER+'s
    ``probability`` rule). With ``shuffle`` the order is new every epoch: ``epoch`` is
    the first (0-based), and :class:`EpochOfBatches` moves it on during ``fit``. The
    partial last batch is kept. ``workers`` above 1 makes batches ahead in threads.
    """

    def __init__(
        self,
        images: np.ndarray,
        labels: np.ndarray,
        num_classes: int,
        batch_size: int,
        augmentation: Augmentation | None = None,
        shuffle: bool = False,
        seed: int = 0,
        sample_targets: bool = False,
        epoch: int = 0,
        workers: int = 1,
    ) -> None:
        super().__init__(workers=workers, max_queue_size=8)
        self.images = images[..., 0] if images.ndim == 4 else images
        soft = labels.ndim == 2
        self.targets = (
            labels.astype(np.float32) if soft else np.eye(num_classes, dtype=np.float32)[labels]
        )
        self.sample_targets = soft and sample_targets
        self.batch_size = batch_size
        augmentation = augmentation if augmentation is not None and augmentation.enabled else None
        self.mixup = augmentation.mixup if augmentation else 0.0
        per_image = replace(augmentation, mixup=0.0) if augmentation else None
        self.per_image = per_image if per_image is not None and per_image.enabled else None
        self.shuffle, self.seed = shuffle, seed
        self.epoch = epoch
        self.order = self._order()

    def _order(self) -> np.ndarray:
        n = len(self.images)
        if not self.shuffle:
            return np.arange(n)
        return np.random.default_rng([self.seed, self.epoch]).permutation(n)

    def __len__(self) -> int:
        return math.ceil(len(self.images) / self.batch_size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} of {len(self)}")
        chosen = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        rng = np.random.default_rng([self.seed, self.epoch, index])
        targets = self.targets[chosen]
        if self.sample_targets:
            targets = draw_targets(targets, rng)
        if self.per_image is not None:
            images = augment_images(self.per_image, self.images[chosen], rng)
        else:
            images = self.images[chosen].astype(np.float32)
        if self.mixup:
            images, targets = mix_up(images, targets, self.mixup, rng)
        return images[..., np.newaxis], targets

    def start_epoch(self, epoch: int) -> None:
        """Make the batches of ``epoch`` (0-based, counting from the run's start)."""
        if epoch != self.epoch:
            self.epoch = epoch
            self.order = self._order()


class EpochOfBatches(keras.callbacks.Callback):
    """Tells ``batches`` which epoch ``fit`` begins, before any of its batches is made
    (Keras starts its loaders after the callbacks' ``on_epoch_begin``); the epoch
    number is Keras's own, which counts on from ``initial_epoch`` in a resumed run."""

    def __init__(self, batches: FaceBatches) -> None:
        super().__init__()
        self.batches = batches

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        self.batches.start_epoch(epoch)
