"""Result files written as frames arrive: a CSV file and a JSON document, each under a
temporary name until closed; and any JSON value written atomically.

A target that is a pipe, a terminal or ``/dev/stdout`` is written through as frames
arrive instead (see :mod:`ferapp.core.files`); a link to a file writes that file."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from ferapp.core.emotions import EMOTIONS
from ferapp.core.faces.results import FrameResult
from ferapp.core.files import PendingTextFile, atomic_open, naming
from ferapp.core.output.rows import csv_columns, frame_record, result_rows


class Recorder(Protocol):
    """Receives every frame's results; ``close`` finishes the output."""

    def write(self, source: str, frame: int, time_ms: float, result: FrameResult) -> None: ...

    def close(self, **extra: Any) -> None: ...


class ResultCsvWriter(PendingTextFile):
    """Streams rows to a CSV file as frames arrive; the file appears at ``path`` on close.

    Each frame's rows are flushed, so even after a crash the temporary file beside the
    target (``.ferapp-tmp-<start of name>-...``) holds what was done.
    """

    def __init__(
        self,
        path: Path,
        class_names: tuple[str, ...] = EMOTIONS,
        landmarks: bool = False,
        detector: str = "",
    ) -> None:
        super().__init__(path, newline="")
        self.class_names = class_names
        self.landmarks = landmarks
        self.detector = detector
        self._writer = csv.DictWriter(self._file, fieldnames=csv_columns(class_names, landmarks))
        self._writer.writeheader()

    def write(self, source: str, frame: int, time_ms: float, result: FrameResult) -> None:
        rows = result_rows(
            source, frame, time_ms, result, self.class_names, self.landmarks, self.detector
        )
        with naming(self.path):
            self._writer.writerows(rows)
            self._file.flush()

    def close(self, **extra: Any) -> None:
        if not self.closed:
            self._finish()


class ResultJsonWriter(PendingTextFile):
    """Streams frame records into one JSON document: ``header`` keys, ``frames``, then the
    keys given to ``close`` (the summary). Valid JSON appears at ``path`` on close."""

    def __init__(self, path: Path, class_names: tuple[str, ...], header: Mapping[str, Any]):
        super().__init__(path)
        self.class_names = class_names
        head = json.dumps({**header, "class_names": list(class_names)}, indent=1)
        self._write(head[:-2] + ',\n "frames": [')
        self._first = True

    def write(self, source: str, frame: int, time_ms: float, result: FrameResult) -> None:
        record = frame_record(source, frame, time_ms, result, self.class_names)
        self._write(("\n  " if self._first else ",\n  ") + json.dumps(record))
        self._first = False

    def close(self, **extra: Any) -> None:
        if self.closed:
            return
        tail = json.dumps(extra, indent=1)[1:]
        self._write("\n ]" + ("," + tail if extra else "\n}") + "\n")
        self._finish()


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path, "w") as handle:
        json.dump(data, handle, indent=1)
