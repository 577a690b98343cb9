#!/usr/bin/env python3
"""One command to set up and run ferapp or its tests, on Linux, macOS and Windows.

    python dev.py run [ferapp arguments]   # set up .venv if needed, start the app
    python dev.py test [pytest arguments]  # set up .venv if needed, lint, run all tests
    python dev.py package                  # build this platform's installer, smoke-test it

The virtual environment lives in ``.venv`` beside this file. It is (re)installed when
pyproject.toml changes, so the command stays fast after the first time. Only the
standard library is used here, so any Python 3.10+ can run it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".ferapp-installed"
TWO_WORKERS = ["-n", "2", "--dist", "loadfile"]


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_environment() -> Path:
    """Create .venv and install ferapp with its test extras when missing or out of date."""
    if sys.version_info < (3, 10):  # noqa: UP036 (this script must explain itself on old Pythons)
        sys.exit(f"ferapp needs Python 3.10 or newer; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    python = venv_python()
    if python.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        return python
    if not python.exists():
        print("ferapp: creating the virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("ferapp: installing dependencies (the first time takes a few minutes) ...", flush=True)
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    remove_cuda_tensorflow(python)
    subprocess.run([*pip, "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(wanted)
    return python


def remove_cuda_tensorflow(python: Path) -> None:
    """On Linux x86_64 ferapp uses ``tensorflow-cpu``; an older .venv may hold ``tensorflow``.

    Both wheels own the same files, so the old one is removed before the new one goes in
    (installing over it would leave files that a later uninstall of either deletes).
    """
    import platform

    if sys.platform != "linux" or platform.machine() != "x86_64":
        return
    probe = "import importlib.metadata as m; m.distribution('tensorflow')"
    if subprocess.call([str(python), "-c", probe], stderr=subprocess.DEVNULL) == 0:
        print("ferapp: replacing tensorflow with the smaller tensorflow-cpu ...", flush=True)
        subprocess.run(
            [str(python), "-m", "pip", "uninstall", "--yes", "--quiet", "tensorflow"], check=True
        )


def ensure_window_libraries(python: str) -> None:
    """Linux: install the X11 libraries the window lacks when this runs as root with apt;
    otherwise the window itself names them and the command to install them."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or not shutil.which("apt-get"):
        return
    probe = (
        "from ferapp.gui import system_libraries as s; "
        "print(' '.join(s.packages_for(s.missing_libraries())) if s.uses_x11() else '')"
    )
    packages = subprocess.run([python, "-c", probe], capture_output=True, text=True).stdout.split()
    if packages:
        print(f"ferapp: installing {' '.join(packages)} (the window needs them) ...", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-q", *packages], check=False)


def package(python: str, args: list[str]) -> int:
    """Build dist/ferapp and the installer (packaging/build.py), then smoke-test the build."""
    if subprocess.call([python, "-c", "import PyInstaller"], stderr=subprocess.DEVNULL):
        print("ferapp: installing the packaging tools (PyInstaller) ...", flush=True)
        subprocess.run(
            [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "-e", f"{ROOT}[test,packaging]"],
            check=True,
        )  # fmt: skip
    code = subprocess.call([python, str(ROOT / "packaging" / "build.py"), *args], cwd=ROOT)
    if code:
        return code
    bundle = ROOT / "dist" / ("ferapp.app/Contents/MacOS" if sys.platform == "darwin" else "ferapp")
    return subprocess.call(
        [python, str(ROOT / "packaging" / "smoke_test.py"), str(bundle)], cwd=ROOT
    )


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test", "setup", "package"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    python = str(ensure_environment())
    if command == "setup":
        return 0
    if command == "run":
        ensure_window_libraries(python)
        return subprocess.call([python, "-m", "ferapp", *rest], cwd=ROOT)
    if command == "package":
        return package(python, rest)
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    for check in (
        ["-m", "ruff", "check", "."],
        ["-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"],
    ):
        code = subprocess.call([python, *check], cwd=ROOT, env=env)
        if code:
            print(f"ferapp: {' '.join(check[1:])} failed", file=sys.stderr)
            return code
    # two processes, each test file in one of them (its fixtures made once): while one
    # waits for a child process or a window, the other works; `-n 0` runs in one
    parallel = [] if any(a.startswith(("-n", "--numprocesses")) for a in rest) else TWO_WORKERS
    return subprocess.call([python, "-m", "pytest", *parallel, *rest], cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
