"""Linux: which shared libraries a bundle needs from the machine it runs on.

The bundle must carry every library its programs and Qt plugins link, except a small
base set that every Linux desktop has (glibc, the graphics driver's GL, the X11 client
libraries, fontconfig/freetype, D-Bus, zlib; Wayland's client libraries, which only
Qt's Wayland plugin loads, on a Wayland session, which has them). Anything else resolved outside the bundle
on the build machine would be missing on a user's desktop: the window would not open.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

# what Qt's X11 plugin needs: one list, kept with the window's own check
from ferapp.gui.system_libraries import QT_X11_PACKAGES, qt_x11_plugin  # noqa: F401
from ferapp.gui.system_libraries import missing_libraries as missing_qt_x11_libraries  # noqa: F401

# sonames the bundle may take from the system (see packaging/README.md)
BASE_LIBRARIES = re.compile(
    r"^(linux-vdso|linux-gate|ld-linux[-.\w]*|libc|libm|libdl|libpthread|librt|libutil"
    r"|libresolv|libgcc_s|libstdc\+\+"  # glibc and the compiler runtime
    r"|libGL|libEGL|libGLX|libGLdispatch|libOpenGL|libgbm|libdrm"  # the graphics driver
    r"|libX11|libX11-xcb|libxcb|libXau|libXdmcp|libXext|libXrender|libXi|libXfixes"
    r"|libfontconfig|libfreetype|libexpat|libz|libdbus-1|libsystemd|libcap|libgcrypt"
    r"|libgpg-error|liblzma|libzstd|liblz4|libbsd|libmd|libglib-2\.0|libgthread-2\.0"
    r"|libpcre2-8|libbz2|libpng16|libbrotlidec|libbrotlicommon|libffi|libuuid"
    r"|libwayland-client|libwayland-cursor|libwayland-egl)\.so[.\d]*$"  # Wayland sessions
)

LDD_LINE = re.compile(r"^\s*(\S+)\s*(?:=>\s*(\S+|not found))?")


def linked(path: Path, search: list[Path] | None = None) -> dict[str, str | None]:
    """ldd's answer for one ELF file: soname -> resolved path (None when not found)."""
    env = dict(os.environ)
    if search:
        env["LD_LIBRARY_PATH"] = os.pathsep.join(str(p) for p in search)
    proc = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env)
    found: dict[str, str | None] = {}
    for line in proc.stdout.splitlines():
        match = LDD_LINE.match(line)
        if not match or ("=>" not in line and not line.strip().startswith("/")):
            continue
        name, where = match.group(1), match.group(2)
        if "=>" not in line:  # the loader itself, given by path
            where = name
        found[Path(name).name] = None if where in (None, "not found") else where
    return found


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            return file.read(4) == b"\x7fELF"
    except OSError:
        return False


def outside_needs(bundle: Path) -> dict[str, set[str]]:
    """For every ELF file of the bundle: needed libraries that are neither inside it nor in
    the base set (soname -> the bundle's files that need it). Empty: the bundle is whole."""
    internal = bundle / "_internal"
    search = [internal if internal.is_dir() else bundle]
    problems: dict[str, set[str]] = {}
    for path in bundle.rglob("*"):
        if path.is_symlink() or not path.is_file() or not is_elf(path):
            continue
        for name, where in linked(path, [*search, path.parent]).items():
            if where is None:  # not found where the loader looks: missing, even if inside
                problems.setdefault(name, set()).add(str(path.relative_to(bundle)))
                continue
            if BASE_LIBRARIES.match(name):
                continue
            if Path(where).resolve().is_relative_to(bundle.resolve()):
                continue
            problems.setdefault(name, set()).add(str(path.relative_to(bundle)))
    return problems
