"""Entry script for the frozen application (PyInstaller): the same entry point as `ferapp`."""

import multiprocessing
import os
import sys
from pathlib import Path


def keras_home() -> str:
    """Keras keeps a config folder; in an installed ferapp it lives with ferapp's own data
    (removed by the uninstaller with the rest) instead of a shared ~/.keras."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return str(base / "ferapp" / "keras")


if __name__ == "__main__":
    multiprocessing.freeze_support()  # child processes of a frozen app must not re-run main
    os.environ.setdefault("KERAS_HOME", keras_home())
    from ferapp.app import main

    sys.exit(main())
