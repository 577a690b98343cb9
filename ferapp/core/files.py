"""Writing files atomically: a reader, a crash or a full disk never sees a half-written file.

Everything ferapp saves (models, run logs, results, images, videos) is written to a
temporary name in the target's folder and renamed over the target only when complete,
so a failed or interrupted write leaves the previous file (or nothing) in place.
"""

from __future__ import annotations

import contextlib
import os
import re
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
        remove_orphans(self.target)
        fd, name = tempfile.mkstemp(
            prefix=f"{TEMP_PREFIX}{self.target.stem}-p{os.getpid()}-",
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
def naming(target: Path) -> Iterator[None]:
    """OSErrors inside the block name ``target`` (not a temporary file), so a full disk
    or a missing permission is reported for the file the user asked for."""
    try:
        yield
    except OSError as exc:
        if exc.filename == str(target):
            raise
        raise OSError(exc.errno, exc.strerror or str(exc), str(target)) from exc


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` that replaces it when the block ends without error.

    For writers that want a file name (Keras, OpenCV). If the block raises, the temporary
    file is removed and ``target`` is untouched.
    """
    with naming(target):
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


def _process_alive(pid: int) -> bool:
    if os.name != "posix":  # os.kill would end the process on Windows: assume it lives
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def remove_orphans(target: Path) -> None:
    """Delete temporary files for ``target`` left by processes that no longer run (a
    run killed while writing); files of a process still writing are left alone."""
    own = re.compile(
        rf"{re.escape(TEMP_PREFIX + target.stem)}-p(\d+)-[A-Za-z0-9_]+{re.escape(target.suffix)}"
    )
    with contextlib.suppress(OSError):
        for path in target.parent.glob(f"{TEMP_PREFIX}*"):
            match = own.fullmatch(path.name)
            if match and not _process_alive(int(match.group(1))):
                with contextlib.suppress(OSError):
                    path.unlink()


def remove_stale_temporaries(folder: Path) -> int:
    """Delete temporary files that a killed process left in ``folder``; returns how many."""
    removed = 0
    with contextlib.suppress(OSError):
        for path in folder.glob(f"{TEMP_PREFIX}*"):
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
    return removed


class PendingTextFile:
    """A text file written under a temporary name; ``close`` puts it at ``path``, ``discard``
    drops it and leaves any previous file at ``path`` as it was."""

    def __init__(self, path: Path, **open_args: Any) -> None:
        self.path = Path(path)
        with naming(self.path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._pending = PendingFile(self.path)
            try:
                self._file: IO[str] = open(  # noqa: SIM115
                    self._pending.path, "w", encoding="utf-8", **open_args
                )
            except OSError:
                self._pending.discard()
                raise

    @property
    def closed(self) -> bool:
        return self._pending.done

    def _finish(self) -> None:
        with naming(self.path):
            try:
                self._file.flush()
                os.fsync(self._file.fileno())
                self._file.close()
            except OSError:
                self.discard()
                raise
            self._pending.commit()

    def _write(self, text: str) -> None:
        with naming(self.path):
            self._file.write(text)

    def discard(self) -> None:
        if not self._file.closed:
            self._file.close()
        self._pending.discard()
