"""The window's persistent settings: a typed record saved with QSettings, location injectable.

Tests and portable installs set ``FERAPP_SETTINGS_DIR`` (or pass a folder) so the
user's own settings are never touched. ``SCHEMA_VERSION`` lets a release migrate older
files instead of misreading them: version 1 had no detector choice (Haar only); such a
file keeps its Haar parameters and gets YuNet, the new default detector.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from PySide6.QtCore import QSettings

from ferapp.core.detect.base import DetectorSettings
from ferapp.core.faces.certainty import DEFAULT_MAX_YAW
from ferapp.core.faces.crop import CropSettings
from ferapp.core.faces.tracking import MAX_SMOOTHING
from ferapp.core.locations import SHIPPED_MODELS
from ferapp.core.output.colors import resolve_palette
from ferapp.core.recognition.settings import DEFAULT_SMOOTHING, RecognitionSettings

SCHEMA_VERSION = 2
# The live view classifies each face about three times a second and looks for faces on
# every other frame of a 30 fps camera: every frame is still tracked, smoothed and drawn
# (ferapp.core.recognition.reuse; benchmarks/live_reuse.py measures what it costs).
LIVE_CLASSIFY_EVERY_MS = 300.0
LIVE_DETECT_EVERY_MS = 60.0


@dataclass
class AppSettings:
    """Everything the settings dialog and the View menu edit."""

    model_path: str = ""  # empty: the shipped default model
    source: str = "0"  # camera number, video file or image folder
    detector: DetectorSettings = field(default_factory=DetectorSettings)
    crop: CropSettings = field(default_factory=CropSettings)
    colors: dict[str, str] = field(default_factory=dict)  # emotion -> "#rrggbb" overrides
    mirror: bool = True
    smoothing: float = DEFAULT_SMOOTHING  # per-face averaging across frames, 0 = off
    landmarks: bool = False  # draw the detector's landmarks
    min_confidence: float | None = None  # uncertain below this; None: the model's own
    max_yaw: float = DEFAULT_MAX_YAW  # uncertain when the head is turned further
    blur_faces: bool = False  # hide who each face is under its box (snapshots, the view)

    def recognition(self) -> RecognitionSettings:
        """What the recogniser needs of these settings."""
        return RecognitionSettings(
            detector=self.detector,
            crop=self.crop,
            palette=resolve_palette(self.colors),
            smoothing=self.smoothing,
            landmarks=self.landmarks,
            min_confidence=self.min_confidence,
            max_yaw=self.max_yaw,
            blur_faces=self.blur_faces,
            classify_every_ms=LIVE_CLASSIFY_EVERY_MS,
            detect_every_ms=LIVE_DETECT_EVERY_MS,
        )


def open_store(folder: str | Path | None = None) -> QSettings:
    """The QSettings file: ``folder`` or $FERAPP_SETTINGS_DIR, else the platform's usual place."""
    folder = folder or os.environ.get("FERAPP_SETTINGS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return QSettings(str(Path(folder) / "ferapp.ini"), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "ferapp", "ferapp")


def _as_bool(raw: object) -> bool:
    return str(raw).strip().lower() in ("true", "1", "yes")


def _convert(raw: object, default: object) -> object:
    if isinstance(default, bool):
        return _as_bool(raw)
    return type(default)(raw)


def _read_dataclass(store: QSettings, prefix: str, cls):
    defaults = cls()
    values = {}
    for f in fields(cls):
        default = getattr(defaults, f.name)
        try:
            values[f.name] = _convert(store.value(f"{prefix}/{f.name}", default), default)
        except (TypeError, ValueError):
            values[f.name] = default
    try:
        obj = cls(**values)
        return obj.validated() if hasattr(obj, "validated") else obj
    except Exception:  # a hand-edited or damaged file: fall back to defaults, never crash
        return defaults


def _read_number(
    store: QSettings, key: str, default: float | None, low: float, high: float
) -> float | None:
    """A number within [low, high] from the store; ``default`` when missing, empty or bad."""
    raw = store.value(key, "")
    try:
        value = float(raw) if str(raw).strip() else default
    except (TypeError, ValueError):
        return default
    return value if value is None or low <= value <= high else default


def load_settings(store: QSettings) -> AppSettings:
    """Read settings; unknown, damaged or missing values fall back to the defaults."""
    defaults = AppSettings()
    try:
        smoothing = float(store.value("view/smoothing", defaults.smoothing))
        if not 0.0 <= smoothing <= MAX_SMOOTHING:
            smoothing = defaults.smoothing
    except (TypeError, ValueError):
        smoothing = defaults.smoothing
    store.beginGroup("colors")
    colors = {key: str(store.value(key)) for key in store.childKeys()}
    store.endGroup()
    min_confidence = _read_number(store, "view/min_confidence", None, 0.0, 1.0)
    max_yaw = _read_number(store, "view/max_yaw", defaults.max_yaw, 0.0, 180.0)
    return AppSettings(
        min_confidence=min_confidence,
        max_yaw=DEFAULT_MAX_YAW if max_yaw is None else max_yaw,
        model_path=str(store.value("model/path", defaults.model_path)),
        source=str(store.value("source/spec", defaults.source)),
        detector=_read_dataclass(store, "detector", DetectorSettings),
        crop=_read_dataclass(store, "crop", CropSettings),
        colors=colors,
        mirror=_as_bool(store.value("view/mirror", defaults.mirror)),
        smoothing=smoothing,
        landmarks=_as_bool(store.value("view/landmarks", defaults.landmarks)),
        blur_faces=_as_bool(store.value("view/blur_faces", defaults.blur_faces)),
    )


def saved_path(spec: str) -> str:
    """A file or folder as it is kept in the settings: absolute, so that it names the same
    thing from any working folder; camera numbers and shipped model names as they are."""
    text = spec.strip()
    if not text or text in SHIPPED_MODELS or (text.isascii() and text.isdigit()):
        return text
    return os.path.abspath(os.path.expanduser(text))


def settings_problem(store: QSettings) -> str | None:
    """Why the settings file cannot be read or kept, in words for the status bar (or None)."""
    path = Path(store.fileName())
    if path.exists() and not path.is_file():
        return f"Settings are not kept: {path} is not a file (move it away to keep them)"
    if store.status() != QSettings.Status.NoError:
        return f"Settings could not be read or saved ({path})"
    return None


def save_settings(store: QSettings, settings: AppSettings) -> None:
    store.setValue("schema_version", SCHEMA_VERSION)
    store.setValue("model/path", saved_path(settings.model_path))
    store.setValue("source/spec", saved_path(settings.source))
    for prefix, obj in (("detector", settings.detector), ("crop", settings.crop)):
        for key, value in asdict(obj).items():
            store.setValue(f"{prefix}/{key}", value)
    store.remove("colors")
    for key, value in settings.colors.items():
        store.setValue(f"colors/{key}", value)
    store.setValue("view/mirror", settings.mirror)
    store.setValue("view/smoothing", settings.smoothing)
    store.setValue("view/landmarks", settings.landmarks)
    store.setValue("view/blur_faces", settings.blur_faces)
    store.setValue(
        "view/min_confidence", "" if settings.min_confidence is None else settings.min_confidence
    )
    store.setValue("view/max_yaw", settings.max_yaw)
    store.sync()
