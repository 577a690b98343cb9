"""Training data: FER2013 CSV files and image folders, as uint8 arrays split for training.

Both layouts give a :class:`Splits`: ``train`` is used for fitting and ``val`` for model
selection (FER2013's ``Training`` and ``PublicTest``). ``PrivateTest`` is never used
to choose anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ferapp.core.datasets.fer2013 import Fer2013, load_fer2013_csv
from ferapp.core.datasets.ferplus import class_names, crowd_targets, load_votes, majority_labels
from ferapp.core.emotions import EMOTIONS
from ferapp.core.errors import DataError
from ferapp.core.sources.images import IMAGE_SUFFIXES
from trainer.dataset_counts import TRAIN_NAMES, VAL_NAMES, held_out


@dataclass
class Split:
    images: np.ndarray  # (N, H, W) uint8 grayscale
    labels: np.ndarray  # (N,) int: the label, or the crowd's top class
    targets: np.ndarray | None = None  # (N, classes) float32: the crowd's (soft) targets


@dataclass
class Splits:
    train: Split
    val: Split
    class_names: tuple[str, ...]
    skipped: list[tuple[str, str]]  # (where, why)

    def class_weights(self) -> dict[int, float]:
        """Weights by inverse class frequency in the training split (rare classes count more)."""
        counts = np.bincount(self.train.labels, minlength=len(self.class_names))
        weights = len(self.train.labels) / (len(counts) * np.maximum(counts, 1))
        return {i: float(w) for i, w in enumerate(weights)}

    def counts(self) -> dict[str, dict[str, int]]:
        return {
            split: {name: int((part.labels == i).sum()) for i, name in enumerate(self.class_names)}
            for split, part in (("train", self.train), ("val", self.val))
        }


def load_dataset(
    path: str | Path,
    image_size: tuple[int, int] = (48, 48),
    skip_bad_rows: bool = False,
    val_fraction: float = 0.1,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
    crowd: CrowdLabels | None = None,
) -> Splits:
    """Load a FER2013 CSV (.csv/.csv.gz) or an image folder ROOT/<split>/<class>/*.png.

    For a CSV, ``Training`` rows train and ``PublicTest`` rows validate; a file with no
    PublicTest rows gets a stratified ``val_fraction`` hold-out of Training instead.
    With ``crowd``, the FER+ votes replace or join the CSV's labels (:func:`apply_crowd`).
    """
    path = Path(path)
    if path.is_dir():
        if crowd is not None:
            raise DataError("crowd votes belong to a FER2013 CSV, not to an image folder")
        return _load_folder(path, image_size, val_fraction, seed)
    if not path.exists():
        raise DataError(f"dataset not found: {path}")
    data = load_fer2013_csv(path, on_error="skip" if skip_bad_rows else "raise", progress=progress)
    if crowd is not None:
        return apply_crowd(data, crowd, image_size)
    skipped = [(f"line {line}", why) for line, why in data.skipped]
    train = data.select("Training")
    val = data.select("PublicTest")
    images_t, labels_t = train.images, train.labels
    if len(train.labels) == 0:
        raise DataError(f"{path} has no Training rows")
    if len(val.labels) == 0:
        idx_t, idx_v = _stratified_split(labels_t, val_fraction, seed)
        val_split = Split(images_t[idx_v], labels_t[idx_v])
        images_t, labels_t = images_t[idx_t], labels_t[idx_t]
    else:
        val_split = Split(val.images, val.labels)
    splits = Splits(Split(images_t, labels_t), val_split, EMOTIONS, skipped)
    if image_size != (48, 48):
        splits.train.images = _resize_all(splits.train.images, image_size)
        splits.val.images = _resize_all(splits.val.images, image_size)
    return splits


@dataclass(frozen=True)
class CrowdLabels:
    """How FER+ votes label the faces: the file, the official rule, 7 or 8 classes, and
    the crowd's share of each training target (1: the crowd alone, validated on its
    majority; below 1: mixed with the CSV's own label, validated on that label)."""

    votes: str
    mode: str = "crossentropy"
    classes: int = 7
    weight: float = 1.0


def apply_crowd(data: Fer2013, crowd: CrowdLabels, image_size: tuple[int, int]) -> Splits:
    """Splits of a FER2013 CSV labelled by the crowd's votes, joined by data row."""
    votes = load_votes(crowd.votes)
    names = class_names(crowd.classes)
    if crowd.weight < 1 and crowd.classes != 7:
        raise DataError("mixing the crowd with FER2013's labels needs 7 classes")
    parts = []
    for usage in ("Training", "PublicTest"):
        part = data.select(usage)
        if len(part.labels) == 0:
            raise DataError(f"{crowd.votes}: crowd labels need the CSV's {usage} rows")
        counts = votes.for_rows(part.rows)
        images = part.images
        if image_size != (48, 48):
            images = _resize_all(images, image_size)
        if crowd.weight < 1:
            keep, targets = crowd_targets(counts, crowd.mode, 7)
            one_hot = np.eye(7, dtype=np.float32)[part.labels]
            mixed = np.where(
                keep[:, None], crowd.weight * targets + (1 - crowd.weight) * one_hot, one_hot
            )
            parts.append(
                Split(
                    images, part.labels, mixed.astype(np.float32) if usage == "Training" else None
                )
            )
        elif usage == "Training":
            keep, targets = crowd_targets(counts, crowd.mode, crowd.classes)
            parts.append(Split(images[keep], targets[keep].argmax(axis=1), targets[keep]))
        else:
            majority = majority_labels(counts, crowd.classes)
            keep = majority >= 0
            parts.append(Split(images[keep], majority[keep]))
    return Splits(parts[0], parts[1], names, [(f"line {ln}", why) for ln, why in data.skipped])


def add_training_images(splits: Splits, folder: str | Path) -> int:
    """Append the faces of an image folder FOLDER/<class>/*.png to the training split
    (labels as one-hot targets beside crowd targets); returns how many were added.

    For faces of another kind than the main data (turned heads from web photos, say)
    that should shape the model without changing how it is validated.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"extra training images: no folder {folder}")
    size = tuple(splits.train.images.shape[1:3])
    extra = _read_split(folder, size, splits.skipped, splits.class_names)
    train = splits.train
    targets = train.targets
    if targets is not None:
        one_hot = np.eye(len(splits.class_names), dtype=np.float32)[extra.labels]
        targets = np.concatenate([targets, one_hot])
    splits.train = Split(
        np.concatenate([train.images, extra.images]),
        np.concatenate([train.labels, extra.labels]),
        targets,
    )
    return len(extra.labels)


def _resize_all(images: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    h, w = size
    return np.stack([cv2.resize(im, (w, h), interpolation=cv2.INTER_AREA) for im in images])


def _stratified_split(labels: np.ndarray, fraction: float, seed: int):
    rng = np.random.default_rng(seed)
    val_idx = []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        rng.shuffle(idx)
        val_idx.extend(idx[: held_out(len(idx), fraction)])
    val_mask = np.zeros(len(labels), bool)
    val_mask[val_idx] = True
    return np.flatnonzero(~val_mask), np.flatnonzero(val_mask)


def _read_gray(path: Path, size: tuple[int, int]) -> np.ndarray | None:
    """The image at ``path`` as gray ``size``; None when it is not a readable image (a
    folder named x.png, a broken link or a link loop, a damaged file)."""
    try:
        data = np.fromfile(str(path), dtype=np.uint8)
    except OSError:
        return None
    image = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE) if data.size else None
    if image is None:
        return None
    h, w = size
    interp = cv2.INTER_AREA if image.shape[0] >= h else cv2.INTER_LINEAR
    return cv2.resize(image, (w, h), interpolation=interp)


def _load_folder(root: Path, size: tuple[int, int], val_fraction: float, seed: int) -> Splits:
    """ROOT/<split>/<class>/*.png|jpg; class folders named after the FER2013 emotions."""
    subdirs = {p.name.lower(): p for p in root.iterdir() if p.is_dir()}
    train_dir = next((subdirs[n] for n in TRAIN_NAMES if n in subdirs), None)
    val_dir = next((subdirs[n] for n in VAL_NAMES if n in subdirs), None)
    if train_dir is None:
        if any(n in EMOTIONS for n in subdirs):  # ROOT/<class>/*: hold out part for validation
            train_dir = root
        else:
            raise DataError(
                f"{root}: expected ROOT/train/<class>/*.png (and ROOT/test or ROOT/val), "
                f"with class folders named {', '.join(EMOTIONS)}"
            )
    skipped: list[tuple[str, str]] = []
    train = _read_split(train_dir, size, skipped)
    if val_dir is not None:
        val = _read_split(val_dir, size, skipped)
    else:
        idx_t, idx_v = _stratified_split(train.labels, val_fraction, seed)
        val = Split(train.images[idx_v], train.labels[idx_v])
        train = Split(train.images[idx_t], train.labels[idx_t])
    return Splits(train, val, EMOTIONS, skipped)


def _read_split(
    folder: Path,
    size: tuple[int, int],
    skipped: list[tuple[str, str]],
    names: tuple[str, ...] = EMOTIONS,
) -> Split:
    images, labels = [], []
    for class_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        name = class_dir.name.lower()
        if name not in names:
            skipped.append((str(class_dir), f"folder name is not one of {', '.join(names)}"))
            continue
        for path in sorted(class_dir.iterdir()):
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                continue
            image = _read_gray(path, size)
            if image is None:
                skipped.append((str(path), "not a readable image"))
                continue
            images.append(image)
            labels.append(names.index(name))
    if not images:
        raise DataError(f"{folder}: no readable images in class folders")
    return Split(np.stack(images), np.asarray(labels, dtype=np.int64))
