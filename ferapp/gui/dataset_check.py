"""Counting a dataset's images per split and class on a worker thread, for the Training tab."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from ferapp.core.errors import FerappError


class _Cancelled(Exception):
    pass


class DatasetCheck(QObject):
    """Loads a dataset to count rows per split and class.

    :meth:`cancel` (any thread) ends a CSV check within a few thousand rows, so closing
    the window never waits for a large file to be read to its end.
    """

    done = Signal(str, dict, list)  # path, counts {split: {class: n}}, skipped [(where, why)]
    failed = Signal(str, str)  # path, message
    progress = Signal(str, int)  # path, rows read so far
    ended = Signal()  # after done, failed or a cancel: the thread may stop

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def _rows_read(self, rows: int) -> None:
        if self._cancel.is_set():
            raise _Cancelled
        self.progress.emit(self.path, rows)

    def run(self) -> None:
        try:
            self._count()
        finally:
            self.ended.emit()

    def _count(self) -> None:
        from trainer.datasets import load_dataset

        try:
            splits = load_dataset(self.path, skip_bad_rows=True, progress=self._rows_read)
        except _Cancelled:
            return
        except (FerappError, OSError) as exc:
            self.failed.emit(self.path, str(exc))
            return
        if not self._cancel.is_set():
            self.done.emit(self.path, splits.counts(), [list(s) for s in splits.skipped])
