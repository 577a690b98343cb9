"""Where the shipped default model lives: in a frozen bundle, or in the project's models/ folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

DEFAULT_MODEL_NAME = "ferapp-default.keras"
NO_MODEL_HELP = (
    "no emotion model is available. Pick a model file (.keras or .h5) with --model or in "
    "Settings, or train one: ferapp train --data fer2013.csv --arch fernet --out my.keras"
)


def default_model_candidates() -> list[Path]:
    """Places searched for the default model, in order (FERAPP_MODEL overrides all)."""
    paths: list[Path] = []
    if os.environ.get("FERAPP_MODEL"):
        paths.append(Path(os.environ["FERAPP_MODEL"]))
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        paths.append(Path(bundle) / "models" / DEFAULT_MODEL_NAME)
    paths.append(Path(__file__).resolve().parents[2] / "models" / DEFAULT_MODEL_NAME)
    return paths


def find_default_model() -> Path | None:
    """The first default model that exists, or None."""
    return next((p for p in default_model_candidates() if p.is_file()), None)
