"""FER+ crowd votes for FER2013 faces (Barsoum et al. 2016): reading them and the official rules.

Ten people voted on every FER2013 image among eight emotions (FER2013's seven plus
contempt), "unknown" and "not a face". The rules that turn votes into training targets
follow FER+'s own ``ferplus.py``: single votes are dropped as outliers; ``majority``
keeps a face whose top emotion has more than half the votes; ``probability`` and
``crossentropy`` keep the top classes until they hold 75 % of the votes (at most three);
a face whose top entry is unknown or not a face is dropped.

With seven classes (the default) contempt is folded out by the same rule: a face whose
top entry is contempt is dropped, and contempt's votes are cut from the others.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ferapp.core.emotions import EMOTIONS
from ferapp.core.errors import DataError

#: The vote columns in FER+'s order: eight emotions, then unknown and not-a-face.
VOTE_COLUMNS = (
    "neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt",
    "unknown", "NF",
)  # fmt: skip
#: ferapp's name for each FER+ emotion column.
FERPLUS_TO_FERAPP = {
    "neutral": "neutral", "happiness": "happy", "surprise": "surprise", "sadness": "sad",
    "anger": "angry", "disgust": "disgust", "fear": "fear", "contempt": "contempt",
}  # fmt: skip
EMOTIONS_8: tuple[str, ...] = (*EMOTIONS, "contempt")
LABEL_MODES = ("majority", "probability", "crossentropy")
EMOTION_COUNT = 8  # columns before unknown and NF


def class_names(classes: int) -> tuple[str, ...]:
    """FER2013's seven emotions, or those and contempt."""
    if classes not in (7, 8):
        raise DataError(f"FER+ has 7 or 8 classes (8 keeps contempt), not {classes}")
    return EMOTIONS if classes == 7 else EMOTIONS_8


@dataclass
class Votes:
    """Vote counts (N, 10) in :data:`VOTE_COLUMNS` order, keyed by FER2013 data row."""

    rows: np.ndarray  # (N,) int: the data row of the FER2013 CSV each line belongs to
    usage: np.ndarray  # (N,) str
    counts: np.ndarray  # (N, 10) float32

    def for_rows(self, rows: np.ndarray) -> np.ndarray:
        """The counts of the given data rows (N, 10); DataError if any row has no votes."""
        lookup = {int(r): i for i, r in enumerate(self.rows)}
        missing = [int(r) for r in rows if int(r) not in lookup]
        if missing:
            raise DataError(
                f"the votes file has no votes for {len(missing)} of the dataset's rows "
                f"(first: data row {missing[0]}); it must belong to this FER2013 file"
            )
        return self.counts[[lookup[int(r)] for r in rows]]


def load_votes(path: str | Path) -> Votes:
    """Read a FER+ votes CSV with a ``row`` column (``row,Usage,Image name,neutral,...,NF``).

    A file without ``row`` (FER+'s own ``fer2013new.csv``) is read in order: line i is
    data row i of FER2013.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"votes file not found: {path}")
    rows, usage, counts = [], [], []
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = [h.strip() for h in next(reader, [])]
            missing = [c for c in VOTE_COLUMNS if c not in header]
            if missing:
                raise DataError(
                    f"{path} is not a FER+ votes file: no column {', '.join(missing)} "
                    f"(expected {','.join(VOTE_COLUMNS)})"
                )
            columns = [header.index(c) for c in VOTE_COLUMNS]
            i_row = header.index("row") if "row" in header else None
            i_usage = header.index("Usage") if "Usage" in header else None
            for n, line in enumerate(reader):
                if not line:
                    continue
                try:
                    rows.append(int(line[i_row]) if i_row is not None else n)
                    counts.append([float(line[i]) for i in columns])
                except (ValueError, IndexError) as exc:
                    raise DataError(f"{path}, line {reader.line_num}: {exc}") from exc
                usage.append(line[i_usage] if i_usage is not None else "")
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc
    if not rows:
        raise DataError(f"{path} holds no votes")
    values = np.asarray(counts, dtype=np.float32)
    if not np.isfinite(values).all() or (values < 0).any():
        raise DataError(f"{path}: vote counts must be numbers of 0 or more")
    return Votes(np.asarray(rows, dtype=np.int64), np.asarray(usage), values)


def _official_target(raw: np.ndarray, mode: str) -> np.ndarray:
    """FER+'s ``_process_data`` for one row: a distribution over the 10 vote columns."""
    votes = np.where(raw < 1.0 + 1e-6, 0.0, raw)  # a single vote is an outlier
    total = votes.sum()
    unknown = np.zeros(len(votes))
    unknown[EMOTION_COUNT] = 1.0
    target = np.zeros(len(votes))
    if total <= 0:
        return unknown
    if mode == "majority":
        top = int(np.argmax(votes))
        if votes[top] > 0.5 * total:
            target[top] = 1.0
            return target
        return unknown
    left = votes.copy()
    taken, count, valid = 0.0, 0, True
    while taken < 0.75 * total and count < 3 and valid:
        top_value = left.max()
        for i in range(len(left)):
            if left[i] == top_value:
                target[i] = top_value
                left[i] = 0
                taken += top_value
                count += 1
                if i >= EMOTION_COUNT:  # unknown or not a face among the top
                    valid = False
                    if target.sum() > top_value:  # emotions came first: keep them
                        target[i] = 0
                        count -= 1
                    break
    if target.sum() <= 0.5 * total or count > 3:
        return unknown
    return target / target.sum()


def crowd_targets(
    counts: np.ndarray, mode: str = "crossentropy", classes: int = 7
) -> tuple[np.ndarray, np.ndarray]:
    """(keep (N,) bool, targets (N, classes) float32 in ferapp's class order).

    ``majority`` gives one-hot targets. Rows whose top entry is unknown, not a face or
    (with seven classes) contempt are not kept; their target rows are zeros.
    """
    if mode not in LABEL_MODES:
        raise DataError(f"unknown label mode {mode!r}; choose {', '.join(LABEL_MODES)}")
    names = class_names(classes)
    order = [VOTE_COLUMNS.index(_ferplus_name(n)) for n in names]
    keep = np.zeros(len(counts), dtype=bool)
    targets = np.zeros((len(counts), len(names)), dtype=np.float32)
    for i, raw in enumerate(np.asarray(counts, dtype=np.float64)):
        dist = _official_target(raw, mode)
        if int(np.argmax(dist)) not in order:  # unknown, NF or (7 classes) contempt on top
            continue
        emotions = dist[order]
        keep[i] = True
        targets[i] = emotions / emotions.sum()
    return keep, targets


def majority_labels(counts: np.ndarray, classes: int = 7) -> np.ndarray:
    """The crowd's majority class per row in ferapp's order, or -1 where there is none."""
    keep, targets = crowd_targets(counts, "majority", classes)
    return np.where(keep, targets.argmax(axis=1), -1)


def _ferplus_name(ferapp_name: str) -> str:
    return next(k for k, v in FERPLUS_TO_FERAPP.items() if v == ferapp_name)
