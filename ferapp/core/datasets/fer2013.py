"""Reading FER2013 in the Kaggle CSV layout (`emotion,pixels,Usage`), plain or gzip-compressed."""

from __future__ import annotations

import csv
import gzip
import io
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ferapp.core.emotions import EMOTIONS
from ferapp.core.errors import DataError

IMAGE_SIDE = 48
USAGES = ("Training", "PublicTest", "PrivateTest")


@dataclass
class Fer2013:
    """Images (N, 48, 48) uint8, labels (N,) int in EMOTIONS order, usage (N,) str."""

    images: np.ndarray
    labels: np.ndarray
    usage: np.ndarray
    skipped: list[tuple[int, str]] = field(default_factory=list)
    rows: np.ndarray | None = None  # (N,) data row of each image in the file (joins FER+)

    def select(self, usage: str | None) -> Fer2013:
        """Only the rows of one Usage (all rows for None)."""
        if usage is None:
            return self
        keep = self.usage == usage
        rows = None if self.rows is None else self.rows[keep]
        return Fer2013(self.images[keep], self.labels[keep], self.usage[keep], self.skipped, rows)

    def counts(self) -> dict[str, dict[str, int]]:
        """Rows per usage and class: {usage: {class: count}}."""
        out: dict[str, dict[str, int]] = {}
        for u in np.unique(self.usage):
            labels = self.labels[self.usage == u]
            out[str(u)] = {name: int((labels == i).sum()) for i, name in enumerate(EMOTIONS)}
        return out


def _open_text(path: Path) -> io.TextIOBase:
    if not path.is_file():
        raise DataError(f"dataset not found: {path}")
    if path.suffix.lower() == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")  # spreadsheets add a BOM


def _parse_pixels(text: str) -> np.ndarray | None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            values = np.fromstring(text, dtype=np.int32, sep=" ")
        except (ValueError, DeprecationWarning):
            return None
    return values


def _split(text: str) -> list[str]:
    """One CSV line's fields ([] for a blank line); quotes are honoured within the line."""
    text = text.rstrip("\r\n")
    if not text.strip():
        return []
    if '"' not in text:
        return text.split(",")
    return next(csv.reader([text]), [])


def _rows(
    path: Path,
    on_error: str,
    skipped: list[tuple[int, str]],
    progress: Callable[[int], None] | None,
) -> Iterator[tuple[int, np.ndarray, str]]:
    """(label, pixels, usage) of every usable row; malformed rows raise DataError naming
    their line (``on_error="raise"``) or are listed in ``skipped`` and left out."""
    n_pixels = IMAGE_SIDE * IMAGE_SIDE
    try:
        with _open_text(path) as handle:
            header = _split(handle.readline())
            if not header:
                raise DataError(f"{path} is empty")
            columns = [h.strip().lower() for h in header]
            if "emotion" not in columns or "pixels" not in columns:
                raise DataError(
                    f"{path}: header must name the columns emotion,pixels[,Usage]; found {header}"
                )
            i_emotion, i_pixels = columns.index("emotion"), columns.index("pixels")
            i_usage = columns.index("usage") if "usage" in columns else None
            # One row per line, as FER2013 is written: a stray quote spoils its own line
            # only, and every problem is reported at the line where it is.
            for line, text in enumerate(handle, start=2):
                if progress and line % 2000 == 0:
                    progress(line)
                row = _split(text)
                if not row:
                    continue
                problem, label, pixels = _check_row(row, i_emotion, i_pixels, n_pixels)
                row_usage = (
                    row[i_usage].strip()
                    if i_usage is not None and len(row) > i_usage
                    else "Training"
                )
                if problem is None and row_usage not in USAGES:
                    problem = f"unknown Usage {row_usage!r} (expected {', '.join(USAGES)})"
                if problem is not None:
                    if on_error == "raise":
                        raise DataError(f"{path}, line {line}: {problem}")
                    skipped.append((line, problem))
                    continue
                yield label, pixels, row_usage
    except (OSError, EOFError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc


def load_fer2013_csv(
    path: str | Path,
    usage: str | None = None,
    on_error: str = "raise",
    progress: Callable[[int], None] | None = None,
) -> Fer2013:
    """Load a FER2013 CSV.

    A malformed row (wrong pixel count, non-numeric or out-of-range value, unknown
    label) raises :class:`DataError` naming its line when ``on_error="raise"``; with
    ``on_error="skip"`` it is left out and listed in ``skipped`` as (line, reason).
    ``usage`` keeps only rows of that Usage. ``progress`` is called with rows read.
    """
    path = Path(path)
    if on_error not in ("raise", "skip"):
        raise ValueError("on_error must be 'raise' or 'skip'")
    images: list[np.ndarray] = []
    labels: list[int] = []
    usages: list[str] = []
    data_rows: list[int] = []
    skipped: list[tuple[int, str]] = []
    n_other = 0  # rows of another Usage, counted for the data row numbers
    for label, pixels, row_usage in _rows(path, on_error, skipped, progress):
        data_row = len(data_rows) + len(skipped) + n_other
        if usage is not None and row_usage != usage:
            n_other += 1
            continue
        data_rows.append(data_row)
        images.append(pixels.astype(np.uint8).reshape(IMAGE_SIDE, IMAGE_SIDE))
        labels.append(label)
        usages.append(row_usage)
    if not images:
        raise DataError(f"{path}: no usable rows{_why_none(skipped, n_other, usage)}")
    return Fer2013(
        np.stack(images),
        np.asarray(labels, dtype=np.int64),
        np.asarray(usages),
        skipped,
        np.asarray(data_rows, dtype=np.int64),
    )


def count_fer2013_csv(
    path: str | Path, progress: Callable[[int], None] | None = None
) -> tuple[dict[str, dict[str, int]], list[tuple[int, str]]]:
    """Usable rows per usage and class ({usage: {class: n}}) and the malformed rows, as
    :func:`load_fer2013_csv` with ``on_error="skip"`` finds them, without keeping pixels."""
    skipped: list[tuple[int, str]] = []
    counts: dict[str, dict[str, int]] = {}
    for label, _pixels, usage in _rows(Path(path), "skip", skipped, progress):
        per_class = counts.setdefault(usage, dict.fromkeys(EMOTIONS, 0))
        per_class[EMOTIONS[label]] += 1
    if not counts:
        raise DataError(f"{path}: no usable rows{_why_none(skipped, 0, None)}")
    return counts, skipped


def _why_none(skipped: list[tuple[int, str]], n_other: int, usage: str | None) -> str:
    """Why a file gave no usable rows, as the end of the sentence that says so."""
    if usage and n_other:
        return f" with Usage {usage} (its {n_other:,} rows have other usages)"
    if skipped:
        line, why = skipped[0]
        return f": all {len(skipped):,} rows are malformed, the first at line {line}: {why}"
    return ": it holds its header and no rows"


def _check_row(row: list[str], i_emotion: int, i_pixels: int, n_pixels: int):
    if len(row) <= max(i_emotion, i_pixels):
        return (
            f"expected at least {max(i_emotion, i_pixels) + 1} columns, found {len(row)}",
            0,
            None,
        )
    try:
        label = int(row[i_emotion])
    except ValueError:
        return f"emotion {row[i_emotion]!r} is not a number", 0, None
    if not 0 <= label < len(EMOTIONS):
        return f"unknown emotion label {label} (expected 0..{len(EMOTIONS) - 1})", 0, None
    pixels = _parse_pixels(row[i_pixels])
    if pixels is None:
        return "pixels contain a value that is not an integer", 0, None
    if pixels.size != n_pixels:
        return f"expected {n_pixels} pixel values, found {pixels.size}", 0, None
    if pixels.min() < 0 or pixels.max() > 255:
        return "pixel values must lie in 0..255", 0, None
    return None, label, pixels
