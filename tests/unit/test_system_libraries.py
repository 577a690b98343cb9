"""The window names the X11 libraries it lacks instead of letting Qt abort."""

from __future__ import annotations

import shutil
import sys

import pytest

from ferapp.gui import system_libraries as libs

linux_ldd = pytest.mark.skipif(
    not sys.platform.startswith("linux") or shutil.which("ldd") is None, reason="Linux ldd"
)


@linux_ldd
def test_libraries_the_loader_cannot_find_are_named(tmp_path):
    plugin = libs.qt_x11_plugin()
    assert plugin is not None
    alone = tmp_path / plugin.name
    shutil.copy(plugin, alone)  # away from Qt's own libraries: those are not found
    missing = libs.not_found([alone], tmp_path)
    assert any(name.startswith("libQt6XcbQpa") for name in missing)
    assert libs.not_found([plugin], plugin.parents[2] / "lib") == libs.missing_libraries()


def test_the_fix_is_said_with_the_packages_to_install(monkeypatch):
    line = libs.install_line(["libxcb-cursor.so.0", "libxkbcommon-x11.so.0"])
    assert line == "sudo apt-get install libxcb-cursor0 libxkbcommon-x11-0"
    monkeypatch.setattr(libs, "uses_x11", lambda: True)
    monkeypatch.setattr(libs, "missing_libraries", lambda: ["libxcb-cursor.so.0"])
    assert "sudo apt-get install libxcb-cursor0" in libs.problem()


def test_only_an_x11_window_is_checked(monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert not libs.uses_x11() and libs.problem() is None
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    assert libs.uses_x11() == sys.platform.startswith("linux")
    monkeypatch.delenv("QT_QPA_PLATFORM")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert not libs.uses_x11()  # Qt opens a Wayland window there
