"""Screenshots of the window for the documentation, at 1280x720, and on small screens.

    python benchmarks/screenshots.py --data fer2013.csv.gz [--out docs/screenshots]
    python benchmarks/screenshots.py --small-screens [--out docs/screenshots]

live.png: the Live tab on the five-person scene; training.png: the Training tab after a
three-epoch thesis2 run on --data (about two minutes); settings.png: the settings
dialog. --small-screens: the window filling a 1024x600 screen (window-1024x600-live.png,
window-1024x600-training.png) and a 1600x1000 screen at scale factor 2, 800x500 logical
pixels (window-scale2-live.png, window-scale2-training.png); the Training tab after a
two-epoch run on a small generated dataset. Offscreen; fonts are the system's.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SIZE = (1280, 720)
SMALL_SCREENS = {"1024x600": (1024, 600, 1), "scale2": (1600, 1000, 2)}  # pixels, scale


def settle(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def small_screens(out: Path) -> None:
    """Each small screen in its own process: the screen's size and scale are fixed at start."""
    with tempfile.TemporaryDirectory() as folder:
        for name, (width, height, scale) in SMALL_SCREENS.items():
            config = Path(folder) / f"{name}.json"
            screen = {"name": name, "x": 0, "y": 0, "width": width, "height": height}
            config.write_text(json.dumps({"screens": [{**screen, "logicalDpi": 96}]}))
            env = {**os.environ, "QT_SCALE_FACTOR": str(scale)}
            env["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
            command = [sys.executable, __file__, "--one-screen", name, "--out", str(out)]
            subprocess.run(command, env=env, check=True)


def one_screen(name: str, out: Path) -> None:
    """The window filling this process's screen: the Live tab, then the Training tab."""
    from PySide6.QtWidgets import QApplication

    from ferapp.gui.main_window import MainWindow
    from tests.support import crowd_video, write_csv

    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as folder, contextlib.chdir(folder):
        tmp = Path(folder)
        window = MainWindow(settings_dir=str(tmp / "settings"))
        window.setGeometry(app.primaryScreen().availableGeometry())
        window.show()
        window.start_source(str(crowd_video(tmp / "scene.avi", n_frames=300)))
        settle(app, 5)
        window.grab().save(str(out / f"window-{name}-live.png"))
        tab = window.training
        window.tabs.setCurrentWidget(tab)
        data = write_csv(Path("faces.csv"), 150, 42)
        tab.form.data_edit.setText(str(data))
        tab.form.arch_combo.setCurrentIndex(tab.form.arch_combo.findData("thesis2"))
        tab.form.epochs.setValue(2)
        tab.form.out_edit.setText(str(Path("models") / "thesis2-example.keras"))
        tab.start()
        while tab.running:
            settle(app, 0.2)
        settle(app, 2)
        window.grab().save(str(out / f"window-{name}-training.png"))
        window.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, help="FER2013 CSV for the run")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--small-screens", action="store_true")
    parser.add_argument("--one-screen", choices=SMALL_SCREENS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.one_screen:
        one_screen(args.one_screen, args.out.resolve())
        return 0
    if args.small_screens:
        small_screens(args.out.resolve())
        print(f"written: window-*.png in {args.out}")
        return 0
    if args.data is None:
        parser.error("--data is needed for the documentation's screenshots")
    from PySide6.QtWidgets import QApplication

    from ferapp.gui.main_window import MainWindow
    from ferapp.gui.settings_dialog import SettingsDialog
    from tests.support import crowd_video

    app = QApplication(sys.argv[:1])
    args.out.mkdir(parents=True, exist_ok=True)
    data = args.data.resolve()
    args.out = args.out.resolve()
    with tempfile.TemporaryDirectory() as folder, contextlib.chdir(folder):
        tmp = Path(folder)  # the working folder: the pictures show short relative paths
        short = Path("fer2013" + "".join(data.suffixes))
        try:
            short.symlink_to(data)
        except OSError:  # no symbolic links here (Windows without the privilege)
            shutil.copyfile(data, short)
        window = MainWindow(settings_dir=str(tmp / "settings"))
        window.resize(*SIZE)
        window.show()
        window.start_source(str(crowd_video(tmp / "scene.avi", n_frames=300)))
        settle(app, 5)
        window.grab().save(str(args.out / "live.png"))
        dialog = SettingsDialog(window.settings, window, camera_lister=lambda: [])
        dialog.show()
        settle(app, 1)
        dialog.grab().save(str(args.out / "settings.png"))
        dialog.close()
        tab = window.training
        window.tabs.setCurrentWidget(tab)
        tab.form.data_edit.setText(str(short))
        tab.check_dataset(str(short))
        tab.form.arch_combo.setCurrentIndex(tab.form.arch_combo.findData("thesis2"))
        tab.form.epochs.setValue(args.epochs)
        tab.form.out_edit.setText(str(Path("models") / "thesis2-example.keras"))
        tab.start()
        while tab.running:
            settle(app, 0.2)
        settle(app, 2)
        window.grab().save(str(args.out / "training.png"))
        window.close()
    print(f"written: {', '.join(p.name for p in sorted(args.out.glob('*.png')))} in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
