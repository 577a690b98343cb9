"""Writing files atomically: a reader, a crash or a full disk never sees a half-written file.

Everything ferapp saves (models, run logs, results, images, videos) is written to a
temporary name in the target's folder and renamed over the target only when complete,
so a failed or interrupted write leaves the previous file (or nothing) in place.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

TEMP_PREFIX = ".ferapp-tmp-"


def usual_mode() -> int:
    """The mode a plainly created file gets under the current umask.

    ``tempfile.mkstemp`` creates owner-only files; files written to a temporary name and
    renamed into place get this mode instead, like any other file the user saves.
    """
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


class PendingFile:
    """A temporary file beside ``target`` (same suffix, so writers pick the right format).

    :meth:`commit` renames it over ``target``; :meth:`discard` deletes it and leaves
    ``target`` as it was. For writers that live longer than one block (a CSV recorder, a
    video writer). The folder must exist.
    """

    def __init__(self, target: Path) -> None:
        self.target = Path(target)
        fd, name = tempfile.mkstemp(
            prefix=f"{TEMP_PREFIX}{self.target.stem}-",
            suffix=self.target.suffix,
            dir=self.target.parent,
        )
        os.close(fd)
        self.path = Path(name)
        self.done = False

    def commit(self) -> None:
        if not self.done:
            os.chmod(self.path, usual_mode())
            os.replace(self.path, self.target)
            self.done = True

    def discard(self) -> None:
        if not self.done:
            self.done = True
            self.path.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` that replaces it when the block ends without error.

    For writers that want a file name (Keras, OpenCV). If the block raises, the temporary
    file is removed and ``target`` is untouched.
    """
    pending = PendingFile(target)
    try:
        yield pending.path
        pending.commit()
    finally:
        pending.discard()


@contextlib.contextmanager
def atomic_open(target: Path, mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """``open`` for writing, atomically: the file appears at ``target`` only when complete.

    The data is flushed to disk before the rename, so a full disk is reported here (as an
    OSError) instead of leaving a truncated file behind.
    """
    if "b" not in mode:
        kwargs.setdefault("encoding", "utf-8")
    with atomic_path(target) as tmp, open(tmp, mode, **kwargs) as handle:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())


def write_text_atomic(target: Path, text: str) -> None:
    """Replace ``target`` with ``text`` (UTF-8) atomically."""
    with atomic_open(target, "w") as handle:
        handle.write(text)


def write_bytes_atomic(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data`` atomically."""
    with atomic_open(target, "wb") as handle:
        handle.write(data)


def remove_stale_temporaries(folder: Path) -> int:
    """Delete temporary files that a killed process left in ``folder``; returns how many."""
    removed = 0
    with contextlib.suppress(OSError):
        for path in folder.glob(f"{TEMP_PREFIX}*"):
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
    return removed
