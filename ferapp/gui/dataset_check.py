"""Counting a dataset's images per split and class on a worker thread, for the Training tab."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from ferapp.core.errors import FerappError
from ferapp.gui.threads import start_job


class _Cancelled(Exception):
    pass


class DatasetCheck(QObject):
    """Counts a dataset's images per split and class (their pixels are not kept).

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
        from trainer.dataset_counts import count_dataset

        try:
            counts, skipped = count_dataset(self.path, progress=self._rows_read)
        except _Cancelled:
            return
        except (FerappError, OSError) as exc:
            self.failed.emit(self.path, str(exc))
            return
        if not self._cancel.is_set():
            self.done.emit(self.path, counts, [list(s) for s in skipped])


def describe_counts(counts: dict, skipped: list) -> str:
    """The sentence under the dataset: images per split, and the first malformed row."""
    total = {split: sum(c.values()) for split, c in counts.items()}
    text = f"{total.get('train', 0):,} training and {total.get('val', 0):,} validation images."
    if skipped:
        where, why = skipped[0]
        text += (
            f" {len(skipped)} malformed row(s)/file(s), first at {where}: {why}. Tick "
            "'Skip malformed rows' to train without them."
        )
    return text


class DatasetChecker(QObject):
    """The Training form's controller for its dataset: checks the newest choice, says so.

    Only the newest check's result is reported; older ones are cancelled. ``status``
    carries the sentence under the dataset and whether it is an error; ``counted`` the
    counts per split and class; ``usable`` whether a run can start with this dataset.
    """

    status = Signal(str, bool)
    counted = Signal(dict)
    usable = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._checks: list[tuple[DatasetCheck, object]] = []
        self.path = ""  # the dataset whose counts are on show (or being counted)
        self.ok = True  # False: the check found the dataset unusable

    def check(self, path: str) -> bool:
        """Start counting ``path`` unless it is the one on show; True if a check started."""
        path = path.strip()
        if not path or path == self.path:
            return False
        self.path = path
        self.ok = True
        self.status.emit("Checking the dataset...", False)
        check = DatasetCheck(path)
        # bound methods of this object (UI thread): Qt delivers the results there
        check.done.connect(self._checked)
        check.failed.connect(self._failed)
        check.progress.connect(self._progress)
        for older, _thread in self._checks:  # their results would be ignored anyway
            older.cancel()
        self._checks = [(c, t) for c, t in self._checks if not t.isFinished()]
        self._checks.append((check, start_job(check, "ferapp-dataset-check", check.ended)))
        self.usable.emit(True)
        return True

    def stop(self) -> None:
        """Cancel every check and wait for its thread."""
        for check, thread in list(self._checks):
            check.cancel()
            thread.quit()
            thread.wait()
        self._checks = []

    def _progress(self, path: str, rows: int) -> None:
        if path == self.path:
            self.status.emit(f"Checking the dataset... {rows:,} rows read", False)

    def _checked(self, path: str, counts: dict, skipped: list) -> None:
        if path != self.path:
            return  # the user has chosen another dataset since
        self.counted.emit(counts)
        self.status.emit(describe_counts(counts, skipped), bool(skipped))
        self.usable.emit(True)

    def _failed(self, path: str, message: str) -> None:
        if path != self.path:
            return
        self.ok = False
        self.status.emit(message, True)
        self.usable.emit(False)
