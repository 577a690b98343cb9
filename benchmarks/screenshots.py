"""Screenshots of the window for the documentation, at 1280x720.

    python benchmarks/screenshots.py --data fer2013.csv.gz [--out docs/screenshots]

live.png: the Live tab on the five-person scene; training.png: the Training tab after a
three-epoch thesis2 run on --data (about two minutes); settings.png: the settings
dialog. Offscreen; fonts are the system's.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SIZE = (1280, 720)


def settle(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="FER2013 CSV for the run")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
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
