"""The window's persistent settings: a typed record saved with QSettings, location injectable.

Tests and portable installs set ``FERAPP_SETTINGS_DIR`` (or pass a folder) so the
user's own settings are never touched. ``SCHEMA_VERSION`` lets a later release
migrate older files instead of misreading them.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from PySide6.QtCore import QSettings

from ferapp.core.crop import CropSettings
from ferapp.core.detector import DetectorSettings

SCHEMA_VERSION = 1


@dataclass
class AppSettings:
    """Everything the settings dialog edits."""

    model_path: str = ""  # empty: the shipped default model
    source: str = "0"  # camera number, video file or image folder
    detector: DetectorSettings = field(default_factory=DetectorSettings)
    crop: CropSettings = field(default_factory=CropSettings)
    colors: dict[str, str] = field(default_factory=dict)  # emotion -> "#rrggbb" overrides
    mirror: bool = True
    smoothing: float = 0.6  # per-face averaging across frames, 0 = off


def open_store(folder: str | Path | None = None) -> QSettings:
    """The QSettings file: ``folder`` or $FERAPP_SETTINGS_DIR, else the platform's usual place."""
    folder = folder or os.environ.get("FERAPP_SETTINGS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return QSettings(str(Path(folder) / "ferapp.ini"), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "ferapp", "ferapp")


def _read_dataclass(store: QSettings, prefix: str, cls):
    defaults = cls()
    values = {}
    for f in fields(cls):
        raw = store.value(f"{prefix}/{f.name}", getattr(defaults, f.name))
        try:
            values[f.name] = type(getattr(defaults, f.name))(raw)
        except (TypeError, ValueError):
            values[f.name] = getattr(defaults, f.name)
    try:
        obj = cls(**values)
        return obj.validated() if hasattr(obj, "validated") else obj
    except Exception:  # a hand-edited or damaged file: fall back to defaults, never crash
        return defaults


def load_settings(store: QSettings) -> AppSettings:
    """Read settings; unknown, damaged or missing values fall back to the defaults."""
    defaults = AppSettings()
    mirror = store.value("view/mirror", defaults.mirror)
    try:
        smoothing = min(max(float(store.value("view/smoothing", defaults.smoothing)), 0.0), 0.95)
    except (TypeError, ValueError):
        smoothing = defaults.smoothing
    store.beginGroup("colors")
    colors = {key: str(store.value(key)) for key in store.childKeys()}
    store.endGroup()
    return AppSettings(
        model_path=str(store.value("model/path", defaults.model_path)),
        source=str(store.value("source/spec", defaults.source)),
        detector=_read_dataclass(store, "detector", DetectorSettings),
        crop=_read_dataclass(store, "crop", CropSettings),
        colors=colors,
        mirror=str(mirror).lower() in ("true", "1"),
        smoothing=smoothing,
    )


def save_settings(store: QSettings, settings: AppSettings) -> None:
    store.setValue("schema_version", SCHEMA_VERSION)
    store.setValue("model/path", settings.model_path)
    store.setValue("source/spec", settings.source)
    for prefix, obj in (("detector", settings.detector), ("crop", settings.crop)):
        for key, value in asdict(obj).items():
            store.setValue(f"{prefix}/{key}", value)
    store.remove("colors")
    for key, value in settings.colors.items():
        store.setValue(f"colors/{key}", value)
    store.setValue("view/mirror", settings.mirror)
    store.setValue("view/smoothing", settings.smoothing)
    store.sync()
