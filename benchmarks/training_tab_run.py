"""Time a training run started from the window's Training tab, as a user would start it.

    python benchmarks/training_tab_run.py --data fer2013.csv.gz [--arch mini_xception]
        [--epochs 1] [--screenshot tab.png]

Opens the real window (offscreen unless DISPLAY is set and --show is given), fills in
the Training tab, presses Start and waits for the end; prints the seconds from Start to
the first epoch's progress event, and from Start to the finished run (dataset loading
included), with the PublicTest accuracy it reached.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--arch", default="mini_xception")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--screenshot", type=Path)
    parser.add_argument("--show", action="store_true", help="use the real display (e.g. Xvfb)")
    args = parser.parse_args()
    if not args.show:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    from ferapp.gui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        window = MainWindow(settings_dir=str(Path(tmp) / "settings"))
        window.resize(1280, 800)
        window.show()
        tab = window.training
        window.tabs.setCurrentWidget(tab)
        tab.form.data_edit.setText(str(args.data))
        tab.form.arch_combo.setCurrentIndex(tab.form.arch_combo.findData(args.arch))
        tab.form.epochs.setValue(args.epochs)
        tab.form.batch.setValue(args.batch_size)
        tab.form.out_edit.setText(str(Path(tmp) / f"{args.arch}.keras"))
        first_batch = None
        started = time.perf_counter()
        tab.start()
        while tab.running:
            app.processEvents()
            if first_batch is None and tab.progress.value() > 0:
                first_batch = time.perf_counter() - started
            time.sleep(0.02)
        for _ in range(20):
            app.processEvents()
            time.sleep(0.02)
        total = time.perf_counter() - started
        if args.screenshot:
            window.grab().save(str(args.screenshot))
        print(
            f"{args.arch}, {args.epochs} epoch(s) from the Training tab: first batch after "
            f"{first_batch or float('nan'):.0f} s (dataset loading), finished after "
            f"{total:.0f} s"
        )
        print(tab.progress_label.text())
        window.confirm_close_during_training = lambda: True
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
