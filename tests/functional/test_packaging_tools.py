"""The installer build's own tools: the licence collection and the ldd check that keeps
a bundle from needing libraries a user's desktop may not have."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

from ferapp.core.locations import PROJECT_ROOT

PACKAGING = PROJECT_ROOT / "packaging"
sys.path.insert(0, str(PACKAGING))  # build.py imports linux_libraries as the script does


def load(name: str):
    """A packaging script as a module, under a name no installed package has."""
    spec = importlib.util.spec_from_file_location(
        f"ferapp_packaging_{name}", PACKAGING / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = load("build")
linux_libraries = load("linux_libraries")


def test_licences_come_from_every_runtime_library_and_no_test_tool() -> None:
    names = {d.metadata["Name"].lower() for d in build.runtime_distributions("ferapp")}
    assert {"numpy", "keras", "opencv-python-headless", "pyqtgraph", "aiohttp"} <= names
    assert any(n.startswith("pyside6") for n in names)
    assert not names & {"pytest", "ruff", "playwright", "dask"}


def test_the_version_is_the_given_one_or_a_tag_or_pyproject(monkeypatch) -> None:
    monkeypatch.setenv("FERAPP_VERSION", "9.8.7")
    assert build.version() == "9.8.7"
    monkeypatch.delenv("FERAPP_VERSION")
    assert build.version()[0].isdigit()
    assert build.numeric_version("1.2.0-rc1") == (1, 2, 0, 0)  # what Windows accepts
    assert build.numeric_version("3") == (3, 0, 0, 0)


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or not shutil.which("ldd"), reason="Linux ldd"
)
def test_a_bundle_missing_a_library_beyond_the_base_set_is_caught(tmp_path: Path) -> None:
    plugin = linux_libraries.qt_x11_plugin()
    if plugin is None:
        pytest.skip("this PySide6 has no X11 plugin")
    qt_lib = plugin.parents[2] / "lib"
    bundle = tmp_path / "bundle"
    (bundle / "_internal" / "platforms").mkdir(parents=True)
    shutil.copy(plugin, bundle / "_internal" / "platforms" / plugin.name)
    problems = linux_libraries.outside_needs(bundle)
    assert "libQt6XcbQpa.so.6" in problems  # Qt's own libraries are not in the base set
    assert not any(linux_libraries.BASE_LIBRARIES.match(name) for name in problems)

    for library in ("libQt6XcbQpa.so.6", "libQt6Gui.so.6", "libQt6Core.so.6", "libQt6DBus.so.6"):
        shutil.copy(qt_lib / library, bundle / "_internal" / library)
    problems = linux_libraries.outside_needs(bundle)
    assert "libQt6XcbQpa.so.6" not in problems and "libQt6Gui.so.6" not in problems
