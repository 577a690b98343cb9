"""The model-file contract: metadata stored inside `.keras` / `.h5` files, and safe loading.

A ferapp model file carries its class names, input size and pixel scaling:

* ``.keras`` (a zip archive): an extra member ``ferapp.json`` beside Keras's own files;
* ``.h5``: a JSON string in the root attribute ``ferapp_metadata``.

Loading never executes code from the file: the architecture config is read first and
checked (:mod:`ferapp.core.model.safety`); only then does Keras build the model, with
``safe_mode`` on.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ferapp.core.emotions import EMOTIONS
from ferapp.core.errors import ModelError
from ferapp.core.files import atomic_path
from ferapp.core.locations import SHIPPED_MODELS, shipped_model
from ferapp.core.model.safety import (
    MAX_INPUT_SIDE,
    check_architecture_is_safe,
    check_input_size,
    open_model_archive,
    parse_description,
    read_archive_text,
)
from ferapp.core.model.tensorflow_import import import_keras

METADATA_MEMBER = "ferapp.json"
METADATA_ATTR = "ferapp_metadata"
FORMAT_VERSION = 1

# How a model expects its pixels: "raw" 0..255 (scaling is a layer inside the graph),
# "unit" 0..1, "symmetric" -1..1 (as the widely used 64x64 mini-Xception).
PIXEL_SCALINGS = ("raw", "unit", "symmetric")
MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")
# Class names become CSV columns and labels on screen: these would clash with the others.
RESERVED_NAMES = frozenset(
    {"source", "frame", "time_ms", "face", "x", "y", "w", "h", "label", "confidence", "track"}
)
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9 _-]{0,31}$")


def check_class_names(names: tuple[str, ...], where: str) -> tuple[str, ...]:
    """``names`` if they can label faces and name CSV columns, else ModelError saying why."""
    if len(names) < 2:
        raise ModelError(f"{where}: at least two class names are needed, got {len(names)}")
    for name in names:
        if not _NAME.match(name):
            raise ModelError(
                f"{where}: class name {name!r} must start with a letter and hold only letters, "
                "digits, spaces, '_' or '-' (at most 32 characters)"
            )
        if name.lower() in RESERVED_NAMES:
            raise ModelError(f"{where}: {name!r} cannot be a class name (it names a CSV column)")
    seen = [n.lower() for n in names]
    duplicates = sorted({n for n in seen if seen.count(n) > 1})
    if duplicates:
        raise ModelError(f"{where}: class names repeat: {', '.join(duplicates)}")
    return names


def parse_class_names(text: str) -> tuple[str, ...]:
    """Comma-separated class names from the command line, checked."""
    return check_class_names(tuple(n.strip() for n in text.split(",")), "--class-names")


@dataclass(frozen=True)
class ModelInfo:
    """What the application needs to know to feed a model and read its output."""

    class_names: tuple[str, ...] = EMOTIONS
    input_size: tuple[int, int] = (48, 48)  # (height, width)
    channels: int = 1
    pixel_scaling: str = "raw"
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        data = asdict(self)
        data["format_version"] = FORMAT_VERSION
        return json.dumps(data, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, where: str) -> ModelInfo:
        """Metadata from its JSON text, checked; ModelError naming ``where`` if unusable."""
        data = parse_description(text, where, "model metadata")
        try:
            height, width = data["input_size"]
            info = cls(
                class_names=tuple(str(n) for n in data["class_names"]),
                input_size=(_whole(height), _whole(width)),
                channels=_whole(data.get("channels", 1)),
                pixel_scaling=str(data.get("pixel_scaling", "raw")),
                extra=dict(data.get("extra", {})),
            )
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise ModelError(f"{where}: model metadata is unreadable ({exc})") from exc
        check_class_names(info.class_names, where)
        if not all(1 <= side <= MAX_INPUT_SIDE for side in info.input_size):
            raise ModelError(f"{where}: input size {info.input_size} in its metadata is not usable")
        if info.channels not in (1, 3):
            raise ModelError(f"{where}: {info.channels} input channels in its metadata (1 or 3)")
        if info.pixel_scaling not in PIXEL_SCALINGS:
            raise ModelError(f"{where}: unknown pixel scaling {info.pixel_scaling!r}")
        return info


def _whole(value: Any) -> int:
    """A whole number from metadata (48 or 48.0); ValueError for 48.5, true or "48"."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError(f"{value!r} is not a whole number")


# --------------------------------------------------------------------------- reading


def read_metadata(path: Path) -> ModelInfo | None:
    """The ferapp metadata stored in a model file, or None when it has none."""
    if path.suffix.lower() == ".keras":
        with open_model_archive(path) as archive:
            if METADATA_MEMBER not in archive.namelist():
                return None
            text = read_archive_text(archive, METADATA_MEMBER, path)
            return ModelInfo.from_json(text, str(path))
    with _open_h5(path) as h5:
        raw = h5.attrs.get(METADATA_ATTR)
    if raw is None:
        return None
    return ModelInfo.from_json(_attribute_text(raw, path), str(path))


def read_architecture(path: Path) -> dict[str, Any]:
    """The model's architecture config as stored in the file, without building anything."""
    if path.suffix.lower() == ".keras":
        with open_model_archive(path) as archive:
            if "config.json" not in archive.namelist():
                raise ModelError(f"{path} is a zip archive but not a Keras model (no config.json)")
            text = read_archive_text(archive, "config.json", path)
    else:
        with _open_h5(path) as h5:
            raw = h5.attrs.get("model_config")
            if raw is None:
                raise ModelError(
                    f"{path} holds weights only, no architecture; save the whole model "
                    "(model.save) and try again"
                )
            text = _attribute_text(raw, path)
    return parse_description(text, str(path), "architecture description")


def _attribute_text(raw: Any, path: Path) -> str:
    """An HDF5 text attribute as a string."""
    try:
        return raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
    except UnicodeDecodeError as exc:
        raise ModelError(f"{path}: a description inside the file is not text ({exc})") from exc


def _open_h5(path: Path):  # -> h5py.File
    import h5py

    try:
        return h5py.File(path, "r")
    except OSError as exc:
        raise ModelError(
            f"{path} is not an HDF5 model file (.h5): the file is damaged or of another type"
        ) from exc


def load_keras_model(path: Path):  # -> keras.Model
    """Check a model file for code, then load it with Keras (not compiled, safe mode on)."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    if path.suffix.lower() not in MODEL_SUFFIXES:
        raise ModelError(f"{path}: unsupported model file type; use {', '.join(MODEL_SUFFIXES)}")
    config = read_architecture(path)
    check_architecture_is_safe(config, str(path))
    check_input_size(config, str(path))
    keras = import_keras()

    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as exc:  # Keras raises many types for broken files
        raise ModelError(f"{path} could not be loaded as a Keras model: {exc}") from exc


def model_file_problem(
    path: str,
    without_metadata: str = "use it from the command line with --pixel-scaling.",
) -> str | None:
    """Why a model file cannot be used, from what can be read without Keras (None if it
    looks usable): missing, of another type, unreadable, or without ferapp metadata
    (said with the advice ``without_metadata``).

    Quick enough for a dialog's OK button; the full check (no code in the file, shapes
    that fit) runs when the model is loaded.
    """
    if not path:
        return None
    if path in SHIPPED_MODELS:
        found = shipped_model(path)
        return None if found is not None else f"The shipped model {path} is missing."
    p = Path(path)
    if not p.is_file():
        return f"Model file {p} does not exist."
    if p.suffix.lower() not in MODEL_SUFFIXES:
        return f"{p.name} is not a model file ({', '.join(MODEL_SUFFIXES)})."
    try:
        read_architecture(p)
        if read_metadata(p) is None:
            return (
                f"{p.name} carries no ferapp metadata (class names, input size, pixel "
                f"scaling); {without_metadata}"
            )
    except ModelError as exc:
        return str(exc)
    except OSError as exc:
        return f"{p.name}: {exc.strerror or exc}"
    return None


# --------------------------------------------------------------------------- writing


def save_model(model: Any, path: Path, info: ModelInfo) -> Path:
    """Save a Keras model with its metadata, atomically: the target is replaced only when complete."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in MODEL_SUFFIXES:
        raise ModelError(f"{path}: model files must end in {', '.join(MODEL_SUFFIXES)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        model.save(tmp)
        if suffix == ".keras":
            with zipfile.ZipFile(tmp, "a") as archive:
                archive.writestr(METADATA_MEMBER, info.to_json())
        else:
            import h5py

            with h5py.File(tmp, "a") as h5:
                h5.attrs[METADATA_ATTR] = info.to_json()
    return path


def update_metadata(path: Path, extra: dict[str, Any]) -> ModelInfo:
    """Add ``extra`` to the metadata of a ``.keras`` file (calibration, say), atomically.

    The weights are copied unchanged; the file's digest changes, so its converted form is
    made again on first use.
    """
    path = Path(path)
    info = read_metadata(path)
    if info is None or path.suffix.lower() != ".keras":
        raise ModelError(f"{path}: only ferapp's own .keras files can take more metadata")
    info = replace(info, extra={**info.extra, **extra})
    with (
        atomic_path(path) as tmp,
        open_model_archive(path) as source,
        zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            if item.filename != METADATA_MEMBER:
                target.writestr(item, source.read(item.filename))
        target.writestr(METADATA_MEMBER, info.to_json())
    return info
