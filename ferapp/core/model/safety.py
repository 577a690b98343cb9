"""What a model file may ask of ferapp before Keras builds it: no code, a sane size.

The one way a model file's descriptions are read: a ``.keras`` archive is opened with
:func:`open_model_archive` (no encrypted member, none packed in a way Python cannot
unpack, a bounded size when unpacked), its JSON read with :func:`read_archive_text` and
parsed with :func:`parse_description` (bounded length and depth, finite numbers only).

The architecture config is then refused if it names a ``Lambda`` layer, a serialized
function or any class that is not a built-in Keras class (code stored in the file would
run when Keras builds it), or an input image so large that building it could take all
the memory there is.
"""

from __future__ import annotations

import json
import lzma
import re
import zipfile
import zlib
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from ferapp.core.errors import ModelError
from ferapp.core.model.tensorflow_import import import_keras

MAX_INPUT_SIDE = 1024  # face crops are 48..224 pixels; larger inputs are refused
MAX_DESCRIPTION_BYTES = 20_000_000  # config.json / ferapp.json inside a .keras archive
MAX_JSON_DEPTH = 200  # a Keras config nests about 10 deep; json.loads recurses per level
MAX_ARCHIVE_BYTES = 2_000_000_000  # all members of a .keras archive, unpacked
MAX_ARCHIVE_MEMBERS = 10_000
READ_PIECE = 1 << 16  # bytes unpacked at a time from an archive member
# What Python's zipfile unpacks (Keras itself writes stored members).
UNPACKABLE = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)
# A JSON string, or one left open at the end; left out when brackets are counted.
_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\Z)', re.DOTALL)
_BRACKET_STEPS = np.zeros(256, np.int8)  # byte -> +1 opens, -1 closes, 0 neither
_BRACKET_STEPS[[ord("["), ord("{")]], _BRACKET_STEPS[[ord("]"), ord("}")]] = 1, -1


def open_model_archive(path: Path) -> zipfile.ZipFile:
    """A ``.keras`` archive whose members can all be read: none encrypted, none packed
    with a method Python cannot unpack, at most MAX_ARCHIVE_BYTES unpacked; else ModelError."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ModelError(f"{path} is not a Keras model file (.keras): {exc}") from exc
    try:
        members = archive.infolist()
        if len(members) > MAX_ARCHIVE_MEMBERS:
            raise ModelError(f"{path} holds {len(members)} files; a model holds a few")
        for info in members:
            if info.flag_bits & 0x1:
                raise ModelError(
                    f"{path}: {info.filename} inside the archive is encrypted; a model file "
                    "must be readable without a password"
                )
            if info.compress_type not in UNPACKABLE:
                raise ModelError(
                    f"{path}: {info.filename} inside the archive is packed with compression "
                    f"method {info.compress_type}, which cannot be unpacked here; save the "
                    "model again with Keras"
                )
        unpacked = sum(info.file_size for info in members)
        if unpacked > MAX_ARCHIVE_BYTES:
            raise ModelError(
                f"{path} would unpack to {unpacked / 1e9:.1f} GB, more than a model of faces "
                f"needs (at most {MAX_ARCHIVE_BYTES / 1e9:.0f} GB); the file is refused"
            )
    except BaseException:
        archive.close()
        raise
    return archive


def read_archive_text(archive: zipfile.ZipFile, name: str, path: Path) -> str:
    """A small text member of a model archive; a member that would unpack to more than
    MAX_DESCRIPTION_BYTES (a zip bomb) is refused before it is read."""
    info = archive.getinfo(name)
    if info.file_size > MAX_DESCRIPTION_BYTES:
        raise ModelError(
            f"{path}: its {name} would unpack to {info.file_size / 1e6:.0f} MB; a model "
            f"description is far smaller, so the file is refused"
        )
    try:
        data = _read_at_most(archive, name, info.file_size)
        return data.decode("utf-8")
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
        raise ModelError(f"{path}: {name} inside the archive is damaged ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise ModelError(f"{path}: {name} inside the archive is not text ({exc})") from exc


def _read_at_most(archive: zipfile.ZipFile, name: str, declared: int) -> bytes:
    """A member's bytes, unpacked in small pieces: a member that unpacks to more than it
    declares (a lying zip bomb) is refused after little more than that, not after GBs."""
    pieces, total = [], 0
    with archive.open(name) as member:
        while piece := member.read(READ_PIECE):
            total += len(piece)
            if total > declared:
                raise zipfile.BadZipFile(
                    f"it unpacks to more than the {declared:,} bytes it declares"
                )
            pieces.append(piece)
    return b"".join(pieces)


def json_depth(text: str) -> int:
    """How deep a JSON text's brackets nest, those inside strings left out: a cheap scan
    (in C and NumPy), so that depth is known before ``json.loads`` recurses that deep."""
    data = _STRINGS.sub("", text).encode("utf-8", "surrogatepass")
    steps = _BRACKET_STEPS[np.frombuffer(data, np.uint8)]
    return int(np.cumsum(steps, dtype=np.int64).max(initial=0))


class _NotFinite(ValueError):
    """A number in a description that is NaN or infinite."""


def _not_finite(text: str) -> NoReturn:
    raise _NotFinite(text)


def _finite(text: str) -> float:
    value = float(text)
    if not np.isfinite(value):
        _not_finite(text)
    return value


def parse_description(text: str, where: str, what: str) -> Any:
    """Parse ``what`` (a model's architecture or metadata) from JSON ``text``; ModelError
    naming ``where`` if it is too long, nested deeper than MAX_JSON_DEPTH, damaged, or
    holds a number that is not finite (NaN, Infinity, 1e999)."""
    if len(text) > MAX_DESCRIPTION_BYTES:
        raise ModelError(f"{where}: its {what} is {len(text) / 1e6:.0f} MB long; refused")
    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise ModelError(
            f"{where}: its {what} is nested {depth} deep (at most {MAX_JSON_DEPTH}); the "
            "file is damaged or made to crash readers"
        )
    try:
        return json.loads(text, parse_constant=_not_finite, parse_float=_finite)
    except _NotFinite as exc:
        raise ModelError(f"{where}: its {what} holds {exc}, not a finite number") from exc
    except (ValueError, RecursionError) as exc:
        raise ModelError(f"{where}: its {what} is damaged ({exc})") from exc


def _allowed_class_names() -> frozenset[str]:
    keras = import_keras()

    names: set[str] = {
        "Functional",
        "Sequential",
        "Model",
        "__keras_tensor__",
        "__tensor__",
        "__numpy__",
        "__bytes__",
        "__ellipsis__",
        "__slice__",
        "TensorShape",
        "DTypePolicy",
        "FloatDTypePolicy",
        "Policy",
    }
    for namespace in (
        keras.layers,
        keras.initializers,
        keras.regularizers,
        keras.constraints,
        keras.dtype_policies,
        keras.optimizers,
        keras.losses,
        keras.metrics,
        keras.optimizers.schedules,
    ):
        names.update(n for n in dir(namespace) if not n.startswith("_"))
    names.discard("Lambda")
    names.discard("TorchModuleWrapper")
    names.discard("JaxLayer")
    names.discard("FlaxLayer")
    names.discard("TFSMLayer")
    return frozenset(names)


def check_architecture_is_safe(config: Any, where: str) -> None:
    """Refuse configs that would run code: Lambda layers, functions, custom classes."""
    allowed = _allowed_class_names()
    stack = [config]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        name = node.get("class_name")
        if isinstance(name, str):
            module = node.get("module")
            if name in ("Lambda", "TFOpLambda", "SlicingOpLambda", "__lambda__", "function"):
                raise ModelError(
                    f"{where} contains a {name} (code stored in the model file); ferapp "
                    "refuses to run it. Rebuild the model from built-in Keras layers."
                )
            if module is not None and not str(module).startswith("keras"):
                raise ModelError(
                    f"{where} refers to {module}.{name}, outside Keras; ferapp loads only "
                    "built-in Keras layers (no custom objects)"
                )
            if name not in allowed:
                raise ModelError(
                    f"{where} uses the custom or unknown class {name!r}; ferapp loads only "
                    "built-in Keras layers (no custom objects)"
                )
        stack.extend(node.values())


def declared_input_sizes(config: Any) -> list[tuple[int, ...]]:
    """The image sizes a model's architecture declares for its inputs (read, not built)."""
    found, stack = [], [config]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            for key in ("batch_shape", "batch_input_shape"):
                shape = node.get(key)
                if isinstance(shape, list) and len(shape) == 4:
                    found.append(tuple(int(v) for v in shape[1:3] if isinstance(v, int)))
            stack.extend(node.values())
    return found


def check_input_size(config: Any, where: str) -> None:
    """Refuse an architecture whose input image is far larger than a face crop: building
    it could take all the memory there is."""
    for size in declared_input_sizes(config):
        if any(side > MAX_INPUT_SIDE for side in size):
            raise ModelError(
                f"{where} takes {size[0]}x{size[1]} images; ferapp's models take face crops "
                f"of at most {MAX_INPUT_SIDE} pixels a side"
            )
