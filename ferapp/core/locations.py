"""Where ferapp's own files live: the shipped default model and the resources folder.

Searched in a frozen bundle first (PyInstaller's ``sys._MEIPASS``), then in the project
folder this package sits in. ``FERAPP_MODEL`` names another default model.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

from ferapp.core.errors import FerappError, ModelError

DEFAULT_MODEL_NAME = "ferapp-default.keras"
#: Models shipped in models/, chosen by name (``--model ferapp-fer2013``, Settings):
#: what people see (the FER+ crowd's labels), and FER2013's own labels (the benchmark).
SHIPPED_MODELS = {
    "ferapp-default": "what people see: trained on the FER+ crowd's labels (the default)",
    "ferapp-fer2013": "FER2013's own labels: the thesis's and the literature's benchmark",
}
NO_MODEL_HELP = (
    "no emotion model is available. Pick a model file (.keras or .h5) with --model or in "
    "Settings, or train one: ferapp train --data fer2013.csv --arch fernet --out my.keras"
)
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def search_paths(folder: str, name: str) -> list[Path]:
    """Candidates for ``folder/name`` in the bundle and the project, in search order."""
    bundle = getattr(sys, "_MEIPASS", None)
    roots = ([Path(bundle)] if bundle else []) + [PROJECT_ROOT]
    return [root / folder / name for root in roots]


def resource_path(name: str) -> Path:
    """A file of ``resources/``; FerappError listing where it was looked for."""
    candidates = search_paths("resources", name)
    for path in candidates:
        if path.is_file():
            return path
    looked = ", ".join(str(p.parent) for p in candidates)
    raise FerappError(f"ferapp's file {name} is missing (looked in {looked}); reinstall ferapp")


def default_model_candidates() -> list[Path]:
    """Places searched for the default model, in order (FERAPP_MODEL overrides all)."""
    override = os.environ.get("FERAPP_MODEL")
    if override:
        return [Path(override)]
    return search_paths("models", DEFAULT_MODEL_NAME)


def shipped_model(name: str) -> Path | None:
    """The shipped model called ``name`` (see SHIPPED_MODELS), or None when missing."""
    return next((p for p in search_paths("models", f"{name}.keras") if p.is_file()), None)


def find_default_model() -> Path | None:
    """The first default model that exists, or None."""
    return next((p for p in default_model_candidates() if p.is_file()), None)


def resolve_model_path(path: str | Path | None) -> Path:
    """The model to load: ``path`` when given (a shipped model by its name, see
    :data:`SHIPPED_MODELS`), else the default; ModelError when none exists.

    ``FERAPP_MODEL`` naming a file that does not exist is an error, not a silent fallback
    to the shipped model.
    """
    if path and str(path) in SHIPPED_MODELS:
        shipped = shipped_model(str(path))
        if shipped is None:
            raise ModelError(f"the shipped model {path} is missing; reinstall ferapp")
        return shipped
    if path:
        return Path(path).expanduser()
    found = find_default_model()
    if found is not None:
        return found
    override = os.environ.get("FERAPP_MODEL")
    if override:
        raise ModelError(f"FERAPP_MODEL names {override}, which does not exist")
    raise ModelError(NO_MODEL_HELP)


def user_data_folder() -> Path:
    """ferapp's per-user data folder (logs, Keras's folder in an installed ferapp): where
    the platform keeps an application's data (platformdirs)."""
    return platformdirs.user_data_path("ferapp", appauthor=False)


def log_folder() -> Path:
    """Where the window's log file lives (FERAPP_LOG_DIR overrides)."""
    custom = os.environ.get("FERAPP_LOG_DIR")
    return Path(custom) if custom else user_data_folder() / "logs"


def ferapp_command() -> list[str]:
    """How to start ferapp's command line from this process (source checkout or frozen app)."""
    if getattr(sys, "frozen", False):
        # the console twin of the windowed binary (see packaging/ferapp.spec)
        here = Path(sys.executable)
        cli = here.with_name("ferapp-cli" + here.suffix)
        return [str(cli if cli.exists() else here)]
    return [sys.executable, "-m", "ferapp"]
