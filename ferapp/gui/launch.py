"""Start the desktop window (the Qt layer is imported only here, never by the core)."""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str]) -> int:
    from ferapp.gui.app_main import run

    return run(list(argv))
