"""Soak: the window and the analysis run for a long time; memory and UI stalls sampled.

    python benchmarks/soak.py [--minutes 30] [--what window|analyze|both] [--video PATH]

* window: the real main window (offscreen) plays a looped video with several faces
  through a camera source, as a webcam left on would; a 1 ms timer on the UI thread
  measures how long it was kept waiting.
* analyze: the analysis of `ferapp analyze` (CSV, JSON, annotated video and smoothing)
  runs again and again on the same video in one process, as a batch worker does.

Memory (resident set) is sampled once a second. Reported after a warm-up minute: start,
peak and end memory and the slope of a straight line through the samples (MB per hour),
and for the window the longest UI stall and how many exceeded 100 ms.
Goal: under 50 MB per hour, no stall over 100 ms after warm-up. Linux (reads /proc).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

WARM_UP_S = 60.0


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


class MemorySampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[tuple[float, float]] = []
        self.started = time.monotonic()
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(1.0):
            self.samples.append((time.monotonic() - self.started, rss_mb()))

    def report(self, name: str) -> None:
        after = [(t, m) for t, m in self.samples if t >= WARM_UP_S] or self.samples
        t, m = np.array(after).T
        slope = np.polyfit(t / 3600.0, m, 1)[0] if len(t) > 2 else float("nan")
        print(
            f"{name}: {len(self.samples)} s sampled; after warm-up: start {m[0]:.0f} MB, "
            f"peak {m.max():.0f} MB, end {m[-1]:.0f} MB, slope {slope:+.1f} MB/hour"
        )
        # the shape matters as much as the slope: growth that levels off is no leak
        minutes = [m for t, m in self.samples if int(t) % 60 == 0]
        print(f"{name}: memory each minute (MB): " + " ".join(f"{m:.0f}" for m in minutes))
        last = [m for t, m in self.samples if t >= self.samples[-1][0] / 2]
        if len(last) > 2:
            half = np.polyfit(np.arange(len(last)) / 3600.0, last, 1)[0]
            print(f"{name}: slope over the second half: {half:+.1f} MB/hour")


class LoopingCapture:
    """A video file that starts again at its end, 30 frames a second: a camera left on."""

    def __init__(self, path: Path, fps: float = 30.0) -> None:
        self.path = path
        self.capture = cv2.VideoCapture(str(path))
        self.period = 1.0 / fps
        self.due = time.monotonic()

    def read(self):
        self.due = max(self.due + self.period, time.monotonic() - self.period)
        time.sleep(max(0.0, self.due - time.monotonic()))
        ok, frame = self.capture.read()
        if not ok:
            self.capture.release()
            self.capture = cv2.VideoCapture(str(self.path))
            ok, frame = self.capture.read()
        return ok, frame

    def isOpened(self) -> bool:
        return self.capture.isOpened()

    def release(self) -> None:
        self.capture.release()

    def set(self, *args) -> bool:
        return True

    def get(self, prop: int) -> float:
        return 30.0 if prop == cv2.CAP_PROP_FPS else 0.0


def soak_window(video: Path, seconds: float, tmp: Path) -> None:
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from ferapp.core.sources.captures import CameraSource
    from ferapp.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow(settings_dir=str(tmp / "settings"))
    window.live.open_source = lambda spec: CameraSource(0, capture=LoopingCapture(video))
    window.show()
    window.start_source("0")
    clock = QElapsedTimer()
    clock.start()
    last = [0.0]
    # gaps between ticks in 0.1 ms bins (the last one: 2 s and more), so that measuring
    # the stalls takes no memory of its own as the hours go by
    gaps = np.zeros(20_001, np.int64)
    longest = [0.0]

    def tick() -> None:
        now = clock.nsecsElapsed() / 1e6
        if now / 1000 > WARM_UP_S:
            gap = now - last[0]
            gaps[min(int(gap * 10), len(gaps) - 1)] += 1
            longest[0] = max(longest[0], gap)
        last[0] = now

    ticker = QTimer()
    ticker.setInterval(1)
    ticker.timeout.connect(tick)
    ticker.start()
    sampler = MemorySampler()
    sampler.start()
    QTimer.singleShot(int(seconds * 1000), window.close)
    app.exec()
    sampler.stop.set()
    painted = window.live.frames_painted
    window.shutdown()
    sampler.report("window")
    cumulative = np.cumsum(gaps)
    p999 = np.searchsorted(cumulative, 0.999 * max(cumulative[-1], 1)) / 10
    print(
        f"window: {painted} frames painted ({painted / seconds:.1f} fps); UI stalls after "
        f"warm-up: longest {longest[0]:.0f} ms, {int(gaps[1001:].sum())} over 100 ms, "
        f"99.9th percentile {p999:.1f} ms"
    )


def soak_analyze(video: Path, seconds: float, tmp: Path) -> None:
    from ferapp.core.locations import resolve_model_path
    from ferapp.core.model.classifier import EmotionClassifier
    from ferapp.core.recognition.analysis import Outputs, analyze_source
    from ferapp.core.recognition.recognizer import Recognizer
    from ferapp.core.recognition.settings import RecognitionSettings
    from ferapp.core.sources.captures import VideoSource

    classifier = EmotionClassifier.load(resolve_model_path(None))
    outputs = Outputs(tmp / "r.csv", tmp / "r.json", tmp / "r.avi", landmarks=True)
    sampler = MemorySampler()
    sampler.start()
    runs = frames = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        recognizer = Recognizer.from_settings(RecognitionSettings(), classifier)
        with VideoSource(video) as source:
            frames += analyze_source(source, recognizer, outputs).summary.frames
        runs += 1
    sampler.stop.set()
    sampler.report("analyze")
    print(f"analyze: {runs} runs, {frames} frames ({frames / seconds:.1f} frames/s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--what", choices=("window", "analyze", "both"), default="both")
    parser.add_argument("--video", type=Path, help="footage to loop (default: a generated scene)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        video = args.video
        if video is None:
            from tests.support import crowd_video

            video = crowd_video(tmp / "crowd.avi", n_frames=300)
        if args.what in ("window", "both"):
            soak_window(video, args.minutes * 60, tmp)
        if args.what in ("analyze", "both"):
            soak_analyze(video, args.minutes * 60, tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
