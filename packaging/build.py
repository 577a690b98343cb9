"""Build ferapp's installer for the platform this runs on (run by `python dev.py package`).

    python packaging/build.py [--no-installer]

1. the version: $FERAPP_VERSION, else the newest `v*` git tag, else pyproject's;
2. Linux: the system libraries Qt's X11 plugin needs must be on this machine, so that
   PyInstaller bundles them (installed with apt-get when run as root, else a clear message);
3. icons (.ico, .icns) from resources/ferapp.svg, the Windows version resource, and the
   licence files of every library that goes into the bundle;
4. PyInstaller (packaging/ferapp.spec) into dist/ferapp/ (dist/ferapp.app on macOS);
5. the installer beside it: dist/ferapp-<version>-linux-<arch>.tar.gz,
   dist/ferapp-<version>-macos-arm64.dmg or dist/ferapp-<version>-setup.exe.
"""

from __future__ import annotations

import argparse
import importlib.metadata as metadata
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from linux_libraries import QT_X11_PACKAGES, missing_qt_x11_libraries

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "packaging"
DIST = ROOT / "dist"
LICENCE_NAME = re.compile(r"(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", re.I)


def runtime_distributions(name: str) -> list[metadata.Distribution]:
    """The installed distribution ``name`` and everything it requires (no extras)."""
    from packaging.requirements import Requirement

    seen: dict[str, metadata.Distribution] = {}
    todo = [name]
    while todo:
        wanted = todo.pop()
        try:
            dist = metadata.distribution(wanted)
        except metadata.PackageNotFoundError:
            continue
        key = dist.metadata["Name"].lower().replace("_", "-")
        if key in seen:
            continue
        seen[key] = dist
        for text in dist.requires or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return list(seen.values())


def version() -> str:
    """The release: FERAPP_VERSION, else the nearest v* tag reachable from HEAD
    (v1.2.0 -> 1.2.0), else pyproject's version."""
    if os.environ.get("FERAPP_VERSION"):
        return os.environ["FERAPP_VERSION"]
    try:
        tag = subprocess.run(
            ["git", "describe", "--tags", "--match", "v[0-9]*", "--abbrev=0"],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        if tag:
            return tag.removeprefix("v")
    except (OSError, subprocess.CalledProcessError):
        pass
    found = re.search(r'^version\s*=\s*"([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M)
    return found.group(1) if found else "0.0.0"


def ensure_qt_x11_libraries() -> None:
    """Linux: the X11 libraries Qt's xcb plugin links must be here to be bundled."""
    missing = missing_qt_x11_libraries()
    if not missing:
        return
    packages = sorted({QT_X11_PACKAGES.get(lib, lib) for lib in missing})
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"packaging: installing {' '.join(packages)} (Qt's X11 plugin needs them)")
        subprocess.run(["apt-get", "install", "-y", "-q", *packages], check=False)
        if not missing_qt_x11_libraries():
            return
    sys.exit(
        f"packaging: this machine lacks {', '.join(missing)}, which Qt's X11 plugin needs; "
        "the installer would not open a window on a desktop without them. Install them "
        f"first (Debian/Ubuntu: sudo apt-get install {' '.join(packages)}), then build again."
    )


def make_icons() -> None:
    """ferapp.png/.ico/.icns from the SVG icon (Qt draws it, Pillow writes the formats)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 (kept alive)
    image = QImage(512, 512, QImage.Format.Format_RGBA8888)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(ROOT / "resources" / "ferapp.svg")).render(painter)
    painter.end()
    png = BUILD / "ferapp.png"
    image.save(str(png))
    with Image.open(png) as icon:
        icon.save(BUILD / "ferapp.ico", sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
        icon.save(BUILD / "ferapp.icns")


def numeric_version(release: str) -> tuple[int, int, int, int]:
    """Windows wants four numbers: 1.2.0-rc1 -> (1, 2, 0, 0)."""
    numbers = [int(n) for n in re.findall(r"\d+", release.split("-")[0])[:3]] + [0, 0, 0]
    return (*numbers[:3], 0)


def write_version_files(release: str) -> None:
    (BUILD / "VERSION").write_text(release + "\n", encoding="utf-8")
    four = numeric_version(release)
    (BUILD / "version_info.txt").write_text(
        f"""VSVersionInfo(
  ffi=FixedFileInfo(filevers={four}, prodvers={four}),
  kids=[StringFileInfo([StringTable('040904B0', [
    StringStruct('CompanyName', 'ferapp'),
    StringStruct('FileDescription', 'ferapp: facial emotion recognition'),
    StringStruct('FileVersion', '{release}'),
    StringStruct('ProductName', 'ferapp'),
    StringStruct('ProductVersion', '{release}')])]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])])
""",
        encoding="utf-8",
    )


def collect_licences() -> int:
    """Copy each bundled library's licence files into build/packaging/licenses/<name>/."""
    target = BUILD / "licenses"
    shutil.rmtree(target, ignore_errors=True)
    count = 0
    for dist in runtime_distributions("ferapp"):
        name = dist.metadata["Name"]
        for file in dist.files or []:
            parts = file.parts
            in_info = parts[0].endswith(".dist-info")
            top_level = len(parts) == 2 and LICENCE_NAME.search(parts[1])
            if (in_info and LICENCE_NAME.search(str(file))) or top_level:
                source = Path(dist.locate_file(file))
                if source.is_file():
                    out = target / name / Path(*parts[1:])
                    out.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source, out)
                    count += 1
    return count


def run_pyinstaller(release: str) -> None:
    # TensorFlow, imported by the analysis, keeps its C++ notices to itself
    env = {**os.environ, "FERAPP_VERSION": release, "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(DIST), "--workpath", str(ROOT / "build" / "pyinstaller"),
         str(ROOT / "packaging" / "ferapp.spec")],
        check=True, env=env,
    )  # fmt: skip


def strip_symbol_tables(bundle: Path) -> int:
    """Linux: drop the static symbol tables TensorFlow and LiteRT ship their libraries with
    (170 MB of libtensorflow_cc alone); the dynamic symbols that linking uses stay.
    Returns the bytes saved."""
    if not shutil.which("strip"):
        print("packaging: no strip (binutils); the bundle keeps its symbol tables")
        return 0
    saved = 0
    for folder in ("tensorflow", "ai_edge_litert"):
        for path in (bundle / "_internal" / folder).rglob("*.so*"):
            if path.is_symlink() or not path.is_file():
                continue
            before = path.stat().st_size
            subprocess.run(["strip", "--strip-unneeded", str(path)], check=True)
            saved += before - path.stat().st_size
    return saved


def linux_archive(release: str) -> Path:
    bundle = DIST / "ferapp"
    for name in ("install.sh", "ferapp.desktop"):
        shutil.copy(ROOT / "packaging" / "linux" / name, bundle / name)
    shutil.copy(ROOT / "resources" / "ferapp.svg", bundle / "ferapp.svg")
    out = DIST / f"ferapp-{release}-linux-{platform.machine()}.tar.gz"
    with tarfile.open(out, "w:gz") as archive:
        archive.add(bundle, arcname="ferapp")
    return out


def macos_dmg(release: str) -> Path:
    stage = BUILD / "dmg"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    shutil.copytree(DIST / "ferapp.app", stage / "ferapp.app", symlinks=True)
    (stage / "Applications").symlink_to("/Applications")  # drag the app onto it
    out = DIST / f"ferapp-{release}-macos-{platform.machine()}.dmg"
    out.unlink(missing_ok=True)
    subprocess.run(
        ["hdiutil", "create", "-volname", f"ferapp {release}", "-srcfolder", str(stage),
         "-ov", "-format", "UDZO", str(out)],
        check=True,
    )  # fmt: skip
    return out


def windows_setup(release: str) -> Path | None:
    iscc = shutil.which("iscc") or shutil.which(r"C:\Program Files (x86)\Inno Setup 6\ISCC.exe")
    if not iscc:
        print("packaging: Inno Setup's iscc is not installed; the folder dist\\ferapp is built")
        return None
    subprocess.run(
        [
            iscc,
            f"/DAppVersion={release}",
            f"/DNumericVersion={'.'.join(map(str, numeric_version(release)))}",
            str(ROOT / "packaging" / "windows" / "ferapp.iss"),
        ],
        check=True,
    )
    return DIST / f"ferapp-{release}-setup.exe"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-installer", action="store_true", help="only dist/ferapp/")
    args = parser.parse_args()
    try:
        metadata.distribution("pyinstaller")
    except metadata.PackageNotFoundError:
        sys.exit("packaging: PyInstaller is missing; pip install -e '.[packaging]' (or use dev.py)")
    release = version()
    print(f"packaging: ferapp {release} for {sys.platform} {platform.machine()}")
    BUILD.mkdir(parents=True, exist_ok=True)
    if sys.platform.startswith("linux"):
        ensure_qt_x11_libraries()
    make_icons()
    write_version_files(release)
    print(f"packaging: {collect_licences()} licence files of bundled libraries")
    run_pyinstaller(release)
    if sys.platform.startswith("linux"):
        saved = strip_symbol_tables(DIST / "ferapp")
        print(f"packaging: symbol tables stripped, {saved / 2**20:.0f} MiB saved")
    if args.no_installer:
        return 0
    if sys.platform.startswith("linux"):
        out = linux_archive(release)
    elif sys.platform == "darwin":
        out = macos_dmg(release)
    else:
        out = windows_setup(release)
    if out:
        print(f"packaging: built {out.relative_to(ROOT)} ({out.stat().st_size / 2**20:.0f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
