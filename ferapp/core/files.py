"""Small file helpers shared by model saving and the trainer's logs."""

from __future__ import annotations

import os


def usual_mode() -> int:
    """The mode a plainly created file gets under the current umask.

    ``tempfile.mkstemp`` creates owner-only files; files written to a temporary name and
    renamed into place get this mode instead, like any other file the user saves.
    """
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
