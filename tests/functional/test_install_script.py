"""packaging/linux/install.sh: the menu entry starts ferapp from any folder name, and
uninstalling removes what it added and, when asked, the user's settings and caches."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ferapp.core.locations import PROJECT_ROOT

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not shutil.which("sh"), reason="Linux installer"
)
LINUX = PROJECT_ROOT / "packaging" / "linux"


def desktop_exec(line: str) -> list[str]:
    """The argv a desktop launcher runs for an Exec= value (Desktop Entry spec, 1.5)."""
    value = line.removeprefix("Exec=")
    # first the file's string escapes, then the quoting rules of the Exec key
    unescaped = value.replace("\\\\", "\x00").replace("\\s", " ").replace("\x00", "\\")
    argv, arg, quoted, chars = [], "", False, iter(unescaped)
    for char in chars:
        if quoted and char == "\\":
            arg += next(chars)  # only \\ \" \` \$ may appear here
        elif char == '"':
            quoted = not quoted
        elif char == " " and not quoted:
            argv, arg = ([*argv, arg] if arg else argv), ""
        else:
            arg += char
    assert not quoted, "unbalanced quotes"
    return [a.replace("%%", "%") for a in [*argv, arg] if a]


HOSTILE = 'my apps & tools $HOME `x` "q" back\\slash'


@pytest.fixture(params=[HOSTILE, HOSTILE + " 100%"])
def bundle(tmp_path: Path, request) -> tuple[Path, dict[str, str]]:
    """An unpacked 'bundle' (the install files and a ferapp that says where it ran) in a
    folder whose name has every character that breaks naive quoting."""
    folder = tmp_path / request.param / "ferapp"
    folder.mkdir(parents=True)
    for name in ("install.sh", "ferapp.desktop"):
        shutil.copy(LINUX / name, folder / name)
    shutil.copy(PROJECT_ROOT / "resources" / "ferapp.svg", folder / "ferapp.svg")
    program = folder / "ferapp"
    program.write_text('#!/bin/sh\necho "ferapp ran from $0"\n')
    program.chmod(0o755)
    home = tmp_path / "home"
    env = {"HOME": str(home), "PATH": os.environ["PATH"], "LANG": "C.UTF-8"}
    return folder, env


def run_install(folder: Path, env: dict[str, str], *args: str, stdin: str = "") -> str:
    done = subprocess.run(
        ["sh", str(folder / "install.sh"), *args], env=env, input=stdin,
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout


def test_menu_entry_runs_ferapp_from_a_folder_with_spaces_and_ampersands(bundle) -> None:
    folder, env = bundle
    run_install(folder, env)
    home = Path(env["HOME"])
    entry = (home / ".local/share/applications/ferapp.desktop").read_text()
    exec_lines = [line for line in entry.splitlines() if line.startswith("Exec=")]
    assert len(exec_lines) == 1
    argv = desktop_exec(exec_lines[0])
    # a % in the path is refused by GLib's launchers: the entry starts the link instead
    link = home / ".local/bin/ferapp"
    assert argv == [str(link if "%" in str(folder) else folder / "ferapp")]
    ran = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    assert "ferapp ran from" in ran
    assert "Name=ferapp" in entry and "Icon=ferapp" in entry
    assert (home / ".local/share/icons/hicolor/scalable/apps/ferapp.svg").is_file()
    command = home / ".local/bin/ferapp"
    assert subprocess.run([str(command)], capture_output=True, text=True).returncode == 0


def test_uninstall_keeps_user_data_unless_asked(bundle) -> None:
    folder, env = bundle
    home = Path(env["HOME"])
    run_install(folder, env)
    settings = home / ".config/ferapp/ferapp.ini"
    logs = home / ".local/share/ferapp/logs/ferapp.log"
    for path in (settings, logs):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    said = run_install(folder, env, "--uninstall")  # no terminal: nothing is deleted
    assert not (home / ".local/share/applications/ferapp.desktop").exists()
    assert not (home / ".local/bin/ferapp").exists()
    assert settings.exists() and logs.exists()
    assert str(settings.parent) in said and "--purge" in said
    assert (folder / "ferapp").exists()  # the bundle itself is the user's to delete

    run_install(folder, env)
    said = run_install(folder, env, "--uninstall", "--purge")
    assert not settings.exists() and not logs.exists()
    assert not (home / ".config/ferapp").exists() and "removed" in said
