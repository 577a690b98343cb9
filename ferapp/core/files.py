"""Writing files atomically: a reader, a crash or a full disk never sees a half-written file.

Everything ferapp saves (models, run logs, results, images, videos) is written to a
temporary name in the target's folder and renamed over the target only when complete,
so a failed or interrupted write leaves the previous file (or nothing) in place.

Targets that are not regular files are never replaced. A link to a file is followed: the
file it names is replaced and the link stays. A pipe, a terminal, ``/dev/null`` or a
process's own descriptor (``/dev/stdout``, or a link to one) is written through directly,
as it comes and not atomically (a failed run leaves what was written in the pipe), by the
writers that can stream (:func:`atomic_open`, :class:`PendingTextFile`); writers that need
a file name (:class:`PendingFile`: videos, models) refuse it.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ferapp.core.errors import FerappError

TEMP_PREFIX = ".ferapp-tmp-"
# Bytes of the target's stem and suffix kept in a temporary name: with the prefix, the
# process id and 8 random characters it stays far below NAME_MAX (255 bytes) for any target.
TEMP_STEM_BYTES = 32
TEMP_SUFFIX_BYTES = 16
_DESCRIPTOR_FOLDER = re.compile(r"/proc/[^/]+/fd")  # /dev/fd and /dev/stdout lead here


def usual_mode() -> int:
    """The mode a plainly created file gets under the current umask.

    ``tempfile.mkstemp`` creates owner-only files; files written to a temporary name and
    renamed into place get this mode instead, like any other file the user saves.
    """
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _temporary_affixes(target: Path) -> tuple[str, str]:
    """The start and end of a temporary name for ``target``: its stem cut short, and its
    suffix (dropped if long: a suffix that long names no format)."""
    stem = os.fsencode(target.stem)[:TEMP_STEM_BYTES].decode("utf-8", "ignore")
    suffix = target.suffix if len(os.fsencode(target.suffix)) <= TEMP_SUFFIX_BYTES else ""
    return f"{TEMP_PREFIX}{stem}", suffix


def _through_descriptor(target: Path) -> bool:
    """Whether ``target`` or a link on the way from it is a process's open descriptor
    (``/dev/stdout``, ``/dev/fd/1``, ``/proc/self/fd/1``): its name is no file to replace."""
    current = os.path.abspath(target)
    for _ in range(40):  # as many links as the system follows
        folder = os.path.realpath(os.path.dirname(current))
        if _DESCRIPTOR_FOLDER.fullmatch(folder):
            return True
        current = os.path.join(folder, os.path.basename(current))
        if not os.path.islink(current):
            return False
        current = os.path.normpath(os.path.join(folder, os.readlink(current)))
    return False


def written_in_place(target: Path) -> bool:
    """Whether ``target`` exists as something other than a regular file or a folder (a
    pipe, a terminal, a device, a socket, or a link to one), or is a process's descriptor:
    it must be written through, never replaced by a renamed file."""
    try:
        mode = os.stat(target).st_mode
    except OSError:  # missing, a dangling link, a link loop: creating it will say
        return False
    if stat.S_ISDIR(mode):
        return False
    return not stat.S_ISREG(mode) or _through_descriptor(target)


def real_target(target: Path) -> Path:
    """The file that writing ``target`` replaces: the file a link names (the link stays)."""
    target = Path(target)
    return Path(os.path.realpath(target)) if target.is_symlink() else target


class PendingFile:
    """A temporary file beside ``target`` (same suffix, so writers pick the right format).

    :meth:`commit` renames it over ``target`` (over the file a link names);
    :meth:`discard` deletes it and leaves ``target`` as it was. For writers that live
    longer than one block (a CSV recorder, a video writer). The folder must exist. A
    target that is a pipe or a device is refused (FerappError): it cannot be replaced.
    """

    def __init__(self, target: Path) -> None:
        if written_in_place(Path(target)):
            raise FerappError(
                f"{target} is not a regular file (a pipe, a terminal or a device); this "
                "output can only be written to a file"
            )
        self.target = real_target(target)
        remove_orphans(self.target)
        prefix, suffix = _temporary_affixes(self.target)
        fd, name = tempfile.mkstemp(
            prefix=f"{prefix}-p{os.getpid()}-", suffix=suffix, dir=self.target.parent
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
    OSError) instead of leaving a truncated file behind. A pipe or a device is written
    through directly (see the module's notes).
    """
    if "b" not in mode:
        kwargs.setdefault("encoding", "utf-8")
    if written_in_place(target):
        with naming(target), open(target, mode, **kwargs) as handle:
            yield handle
        return
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
    prefix, suffix = _temporary_affixes(target)
    own = re.compile(rf"{re.escape(prefix)}-p(\d+)-[A-Za-z0-9_]+{re.escape(suffix)}")
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
    drops it and leaves any previous file at ``path`` as it was. A pipe or a device at
    ``path`` is written through directly instead (``discard`` then only closes it)."""

    def __init__(self, path: Path, **open_args: Any) -> None:
        self.path = Path(path)
        self._pending: PendingFile | None = None
        self._done = False
        with naming(self.path):
            if written_in_place(self.path):
                self._file: IO[str] = open(self.path, "w", encoding="utf-8", **open_args)  # noqa: SIM115
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._pending = PendingFile(self.path)
            try:
                self._file = open(  # noqa: SIM115
                    self._pending.path, "w", encoding="utf-8", **open_args
                )
            except OSError:
                self._pending.discard()
                raise

    @property
    def closed(self) -> bool:
        return self._done

    def _finish(self) -> None:
        with naming(self.path):
            try:
                self._file.flush()
                if self._pending is not None:
                    os.fsync(self._file.fileno())
                self._file.close()
            except OSError:
                self.discard()
                raise
            if self._pending is not None:
                self._pending.commit()
            self._done = True

    def _write(self, text: str) -> None:
        with naming(self.path):
            self._file.write(text)

    def discard(self) -> None:
        self._done = True
        if not self._file.closed:
            with contextlib.suppress(OSError):  # a pipe whose reader has gone
                self._file.close()
        if self._pending is not None:
            self._pending.discard()
