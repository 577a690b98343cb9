"""How fast the window starts, against importing TensorFlow alone; and how long its UI
thread is ever kept waiting.

    python benchmarks/window_start.py [--runs 3] [--play 30]

1. ``import tensorflow`` alone, in a fresh process (what every start used to pay).
2. The window, from the command to its first annotated frame (``ferapp --source VIDEO``,
   timed from process launch to the line it prints), cold and warm: cold, the model
   has no converted form yet (a copy of the default model with one metadata byte changed
   and an empty cache), so it is converted in a child process; warm, the cache holds it.
3. In this process: the longest gap between 1 ms timer ticks on the UI thread while the
   window loads its model (cold) and during --play seconds of playback.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def seconds_to_import_tensorflow() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import tensorflow"], check=True, capture_output=True)
    return time.perf_counter() - started


def seconds_to_first_frame(video: Path, model: Path, env: dict[str, str], tmp: Path) -> float:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ferapp", "--source", str(video), "--model", str(model),
         "--exit-after", "60", "--settings-dir", str(tmp / "settings")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        for line in proc.stdout:
            if "first annotated frame" in line:
                return time.perf_counter() - started
        raise RuntimeError("the window showed no frame")
    finally:
        proc.kill()
        proc.wait()


def changed_copy(model: Path, out: Path) -> Path:
    """The same network with one metadata byte changed: a file never converted before."""
    with zipfile.ZipFile(model) as source, zipfile.ZipFile(out, "w") as copy:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "ferapp.json":
                data = data.replace(b'"extra": {', b'"extra": {"copy": 1, ', 1)
            copy.writestr(item, data)
    return out


def stalls(video: Path, model: Path, play_s: float, tmp: Path) -> tuple[float, float, float]:
    """(longest UI stall while the model loads, longest during playback, seconds to load)."""
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from ferapp.gui.main_window import MainWindow
    from ferapp.gui.settings import AppSettings, open_store, save_settings

    app = QApplication.instance() or QApplication([])
    save_settings(open_store(tmp / "s"), AppSettings(model_path=str(model), source=str(video)))
    clock = QElapsedTimer()
    clock.start()
    gaps: dict[str, list[float]] = {"load": [], "play": []}
    last, phase = [0.0], ["load"]
    window = MainWindow(settings_dir=str(tmp / "s"))
    window.resize(1280, 720)
    window.show()

    def tick() -> None:
        now = clock.nsecsElapsed() / 1e6
        gaps[phase[0]].append(now - last[0])
        last[0] = now

    loaded = []

    def first_frame(_latency: float) -> None:
        if phase[0] == "load":
            loaded.append(clock.nsecsElapsed() / 1e9)
            phase[0] = "play"
            QTimer.singleShot(int(play_s * 1000), window.close)

    window.painted.connect(first_frame)
    ticker = QTimer()
    ticker.setInterval(1)
    ticker.timeout.connect(tick)
    ticker.start()
    last[0] = clock.nsecsElapsed() / 1e6
    window.start_source(str(video))
    app.exec()
    window.shutdown()
    return max(gaps["load"], default=0), max(gaps["play"][5:], default=0), loaded[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--play", type=float, default=30.0)
    args = parser.parse_args()
    from ferapp.core.locations import find_default_model
    from tests.support import crowd_video

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        video = crowd_video(tmp / "scene.avi", n_frames=1200)  # 40 s
        tf = [seconds_to_import_tensorflow() for _ in range(args.runs)]
        cold, warm = [], []
        for run in range(args.runs):
            cache = tmp / f"cache-{run}"
            env = {**os.environ, "FERAPP_CACHE_DIR": str(cache), "QT_QPA_PLATFORM": "offscreen"}
            model = changed_copy(find_default_model(), tmp / f"model-{run}.keras")
            cold.append(seconds_to_first_frame(video, model, env, tmp))
            warm.append(seconds_to_first_frame(video, model, env, tmp))
        print("| measure | runs (s) | median (s) |")
        print("|---|---|---:|")
        for name, values in (
            ("`import tensorflow` alone", tf),
            ("window to first annotated frame, cold (model converted first)", cold),
            ("window to first annotated frame, warm (converted form cached)", warm),
        ):
            runs = ", ".join(f"{v:.2f}" for v in values)
            print(f"| {name} | {runs} | {statistics.median(values):.2f} |")
        print(
            f"\nwarm start / import tensorflow: {statistics.median(warm) / statistics.median(tf):.2f}"
        )
        os.environ["FERAPP_CACHE_DIR"] = str(tmp / "cache-stalls")
        model = changed_copy(find_default_model(), tmp / "model-stalls.keras")
        load_stall, play_stall, load_s = stalls(video, model, args.play, tmp)
        print(
            f"UI thread, longest stall: {load_stall:.1f} ms while the model loaded cold "
            f"({load_s:.1f} s), {play_stall:.1f} ms during {args.play:.0f} s of playback"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
