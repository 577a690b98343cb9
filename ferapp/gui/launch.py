"""Start the desktop window (the Qt layer is imported only here, never by the core)."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str]) -> int:
    from ferapp.gui.system_libraries import problem

    why = problem()  # Qt itself would abort with a message about its "xcb" plugin
    if why:
        print(f"ferapp: {why}", file=sys.stderr)
        return 1
    from ferapp.gui.app_main import run

    return run(list(argv))
