"""Counting a dataset's images per split and class without loading them (for the window).

The counts follow :func:`trainer.datasets.load_dataset`'s rules: a CSV's Training rows
train and its PublicTest rows validate (else a stratified hold-out of Training); an image
folder's train/ and test/ (or val/) folders, or its class folders with a hold-out.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ferapp.core.datasets.fer2013 import count_fer2013_csv
from ferapp.core.emotions import EMOTIONS
from ferapp.core.errors import DataError
from ferapp.core.sources.images import IMAGE_SUFFIXES

TRAIN_NAMES = ("train", "training")
VAL_NAMES = ("val", "valid", "validation", "publictest", "test")
VAL_FRACTION = 0.1

Counts = dict[str, dict[str, int]]  # {"train" | "val": {class: images}}


def held_out(n: int, fraction: float = VAL_FRACTION) -> int:
    """How many of a class's ``n`` images a stratified hold-out keeps for validation."""
    return max(1, round(n * fraction)) if n > 1 else 0


def count_dataset(
    path: str | Path, progress: Callable[[int], None] | None = None
) -> tuple[Counts, list[tuple[str, str]]]:
    """Images per split and class, and what would be skipped as (where, why)."""
    path = Path(path)
    if path.is_dir():
        return _count_folder(path)
    if not path.exists():
        raise DataError(f"dataset not found: {path}")
    per_usage, bad_rows = count_fer2013_csv(path, progress)
    skipped = [(f"line {line}", why) for line, why in bad_rows]
    train = per_usage.get("Training")
    if train is None:
        raise DataError(f"{path} has no Training rows")
    val = per_usage.get("PublicTest")
    return _with_hold_out(train, val), skipped


def _with_hold_out(train: dict[str, int], val: dict[str, int] | None) -> Counts:
    if val is None:
        val = {name: held_out(n) for name, n in train.items()}
        train = {name: n - val[name] for name, n in train.items()}
    return {"train": train, "val": val}


def _count_folder(root: Path) -> tuple[Counts, list[tuple[str, str]]]:
    subdirs = {p.name.lower(): p for p in root.iterdir() if p.is_dir()}
    train_dir = next((subdirs[n] for n in TRAIN_NAMES if n in subdirs), None)
    val_dir = next((subdirs[n] for n in VAL_NAMES if n in subdirs), None)
    if train_dir is None:
        if not any(n in EMOTIONS for n in subdirs):
            raise DataError(
                f"{root}: expected ROOT/train/<class>/*.png (and ROOT/test or ROOT/val), "
                f"with class folders named {', '.join(EMOTIONS)}"
            )
        train_dir = root
    skipped: list[tuple[str, str]] = []
    train = _count_split(train_dir, skipped)
    val = _count_split(val_dir, skipped) if val_dir is not None else None
    return _with_hold_out(train, val), skipped


def _count_split(folder: Path, skipped: list[tuple[str, str]]) -> dict[str, int]:
    counts = dict.fromkeys(EMOTIONS, 0)
    for class_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        name = class_dir.name.lower()
        if name not in EMOTIONS:
            skipped.append((str(class_dir), f"folder name is not one of {', '.join(EMOTIONS)}"))
            continue
        counts[name] += sum(
            1 for p in class_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
        )
    if not any(counts.values()):
        raise DataError(f"{folder}: no images in class folders")
    return counts
