"""Linux: the X11 libraries Qt's window plugin needs, named before Qt would abort without them.

Without them Qt prints a message about its "xcb" plugin and aborts the process (exit
134). ferapp looks first (``ldd`` on the plugin, a few tens of milliseconds) and says which
Debian/Ubuntu packages to install; ``python dev.py run`` installs them itself as root.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# sonames Qt's X11 platform plugin links beyond what every desktop has, and their packages
QT_X11_PACKAGES = {
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
}
NOT_FOUND = re.compile(r"^\s*(\S+)\s*=>\s*not found", re.M)


def uses_x11() -> bool:
    """Whether Qt will open its window through X11 here (Linux, an X display, no other
    platform asked for)."""
    if not sys.platform.startswith("linux"):
        return False
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.startswith("xcb")
    return bool(os.environ.get("DISPLAY")) and not os.environ.get("WAYLAND_DISPLAY")


def qt_x11_plugin() -> Path | None:
    import PySide6

    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return plugin if plugin.is_file() else None


def missing_libraries() -> list[str]:
    """Libraries Qt's X11 plugin (and its Qt library) need that this machine lacks."""
    plugin = qt_x11_plugin()
    if plugin is None:
        return []
    qt_lib = plugin.parents[2] / "lib"
    return not_found([plugin, *qt_lib.glob("libQt6XcbQpa.so*")], qt_lib)


def not_found(files: list[Path], search: Path) -> list[str]:
    """The libraries ``files`` link that the loader finds neither in ``search`` nor in
    the system's usual places ([] where ``ldd`` is missing or fails)."""
    if shutil.which("ldd") is None:
        return []
    env = {**os.environ, "LD_LIBRARY_PATH": str(search)}
    missing: set[str] = set()
    for path in files:
        try:
            out = subprocess.run(
                ["ldd", str(path)], capture_output=True, text=True, env=env, timeout=20
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return []
        missing |= set(NOT_FOUND.findall(out))
    return sorted(missing)


def packages_for(libraries: list[str]) -> list[str]:
    return sorted({QT_X11_PACKAGES.get(lib, lib) for lib in libraries})


def install_line(libraries: list[str]) -> str:
    return f"sudo apt-get install {' '.join(packages_for(libraries))}"


def problem() -> str | None:
    """What keeps the window from opening here, in words with the fix (None: nothing)."""
    if not uses_x11():
        return None
    missing = missing_libraries()
    if not missing:
        return None
    return (
        f"the window needs system libraries this computer lacks: {', '.join(missing)}. "
        f"On Debian or Ubuntu: {install_line(missing)} (other systems: the packages "
        "that provide them), then start ferapp again."
    )
