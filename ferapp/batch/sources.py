"""What a batch analyses: sources from paths, folders, globs and list files, and what a
source's result depends on.

A folder gives each of its videos as a source and its images together as one more source
(named after the folder). What batches write (files named like a result under ``--out``
or in an earlier batch's output folder, and any ``*.annotated.mp4``) is never a source,
so a batch whose output folder lies in a source folder does not grow on every run.

A source's content stamp is a hash over its member files (the video or image, or the
folder's images by name): each file's size and bytes (the first and last MiB, the size
and the modification time for files over 16 MiB), so a file rewritten in place is redone.
"""

from __future__ import annotations

import glob
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from ferapp.core.errors import SourceError
from ferapp.core.sources.images import IMAGE_SUFFIXES
from ferapp.core.sources.opening import VIDEO_SUFFIXES

ANNOTATED_SUFFIX = ".annotated.mp4"
TIMELINE_SUFFIX = ".timeline.png"
BATCH_FILES = ("summary.csv", "summary.json", "report.html")
DONE_FOLDER = ".ferapp-done"  # in --out: one marker per finished source, written last
# Names under --out that are the batch's own (results, temporaries, markers).
OWN_SUFFIXES = (ANNOTATED_SUFFIX, TIMELINE_SUFFIX, ".json", ".csv", ".html")
MIB = 1024 * 1024
WHOLE_FILE_LIMIT = 16 * MIB  # larger files are stamped by their first and last MiB
MAX_LIST_NESTING = 20
MAX_LIST_BYTES = 16 * MIB


@dataclass(frozen=True)
class Source:
    path: str  # a video, an image, or a folder of images
    members: tuple[str, ...]  # the files its result depends on
    folder: bool = False


@dataclass
class Expansion:
    sources: list[Source] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # outputs of a batch, not sources


def is_own_output(path: Path, out: Path | None) -> bool:
    """Whether ``path`` is something a batch wrote: ``*.annotated.mp4`` anywhere; a result,
    timeline, summary or temporary file under ``out``, or in an earlier batch's output
    folder (one that holds its done-markers)."""
    name = path.name.lower()
    if name.endswith(ANNOTATED_SUFFIX):
        return True
    if _own_name(name) and _is_dir(path.parent / DONE_FOLDER):
        return True
    if out is None:
        return False
    try:
        parts = Path(os.path.realpath(path)).relative_to(os.path.realpath(out)).parts
    except (OSError, ValueError):
        return False
    return any(_own_name(part.lower()) for part in parts)


def _own_name(name: str) -> bool:
    return name.startswith(".ferapp-") or name.endswith(OWN_SUFFIXES)


def expand_sources(specs: list[str], out: Path | None = None) -> Expansion:
    """Paths, folders, globs and list files (``@list.txt``, or a ``.txt`` of paths) to
    sources, leaving out the batch's own outputs (see the module's description)."""
    found = Expansion()
    _expand(specs, out, found, ())
    unique: dict[str, Source] = {}
    for source in found.sources:
        unique.setdefault(os.path.realpath(source.path), source)
    found.sources = list(unique.values())
    if not found.sources:
        why = f" (left out {len(found.left_out)} output(s) of ferapp)" if found.left_out else ""
        raise SourceError(f"no sources to analyse{why}")
    return found


def _expand(specs: list[str], out: Path | None, found: Expansion, lists: tuple[str, ...]) -> None:
    for spec in specs:
        if spec.startswith("@") or spec.lower().endswith(".txt"):
            listing = Path(spec.removeprefix("@"))
            entries = read_list(listing, lists)
            _expand(entries, out, found, (*lists, os.path.realpath(listing)))
        elif any(ch in spec for ch in "*?["):
            matches = sorted(glob.glob(spec, recursive=True))
            if not matches:
                raise SourceError(f"no file matches {spec}")
            for match in matches:
                _add_path(match, out, found)
        else:
            _add_path(spec, out, found)


def read_list(listing: Path, lists: tuple[str, ...] = ()) -> list[str]:
    """The entries of a list file (one a line; blank lines and ``#`` comments skipped);
    ``lists``: the real paths of the lists that led here."""
    if os.path.realpath(listing) in lists:
        raise SourceError(f"the list {listing} names itself (directly or through another list)")
    if len(lists) >= MAX_LIST_NESTING:
        raise SourceError(f"lists name lists more than {MAX_LIST_NESTING} deep at {listing}")
    try:
        with open(listing, "rb") as handle:
            data = handle.read(MAX_LIST_BYTES + 1)
    except OSError as exc:
        raise SourceError(f"cannot read the list {listing}: {exc.strerror or exc}") from exc
    if len(data) > MAX_LIST_BYTES:
        raise SourceError(f"{listing} is too large to be a list of sources")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = "\0"
    if "\0" in text:  # an image, a video, ...
        raise SourceError(
            f"{listing} is not a list of sources: it is not text (a list names one "
            "video, image or folder a line)"
        )
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False  # a name too long or a link loop: the job says why it cannot be opened


def _add_path(spec: str, out: Path | None, found: Expansion) -> None:
    path = Path(spec)
    if is_own_output(path, out):
        found.left_out.append(spec)
        return
    if not _is_dir(path):
        found.sources.append(Source(spec, (spec,)))
        return
    try:
        entries = sorted(path.iterdir())
    except OSError as exc:
        raise SourceError(f"cannot list folder {path}: {exc.strerror or exc}") from exc
    videos, images, left_out = [], [], []
    for entry in entries:
        suffix = entry.suffix.lower()
        if (suffix not in VIDEO_SUFFIXES and suffix not in IMAGE_SUFFIXES) or _is_dir(entry):
            continue
        if is_own_output(entry, out):
            left_out.append(str(entry))
        elif suffix in VIDEO_SUFFIXES:
            videos.append(str(entry))
        else:
            images.append(str(entry))
    found.left_out += left_out
    found.sources += [Source(video, (video,)) for video in videos]
    if images or not (videos or left_out):  # an empty folder: its job says so
        found.sources.append(Source(spec, tuple(images), folder=True))


def file_stamp(path: str | Path) -> str:
    """A hash of a file's size and content (of its ends and mtime beyond 16 MiB)."""
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as handle:
        stat = os.fstat(handle.fileno())
        digest.update(f"{stat.st_size}\n".encode())
        if stat.st_size <= WHOLE_FILE_LIMIT:
            while chunk := handle.read(MIB):
                digest.update(chunk)
        else:
            digest.update(handle.read(MIB))
            handle.seek(-MIB, os.SEEK_END)
            digest.update(handle.read(MIB))
            digest.update(f"{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def content_stamp(members: tuple[str, ...]) -> str:
    """One hash over the member files: their names (in order) and their stamps."""
    digest = hashlib.blake2b(digest_size=16)
    for member in members:
        digest.update(f"{Path(member).name}\0{file_stamp(member)}\n".encode())
    return digest.hexdigest()
