"""The window's CPU on a 30 fps video with five faces: the whole process and its UI thread.

    python benchmarks/window_cpu.py [--seconds 20] [--video PATH]

Runs the real MainWindow offscreen on a looped 30 fps video (five moving faces, or your
own footage) read as a camera, and reports, after a warm-up, the share of one core the
process used, the share its UI thread used, and the frames painted per second. The
baseline, run in the same process, is the window doing everything on every frame: faces
looked for and classified, bars and status text refreshed. The window as shipped paints
every frame but refreshes the bars and text five times a second, classifies each face
about three times a second and looks for faces on every other frame (see
ferapp/core/recognition/reuse.py; the quality this costs is measured by
benchmarks/live_reuse.py). The two alternate, ``--rounds`` times each.
FERAPP_BENCH_DEBUG=1 also prints each thread's share.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from soak import LoopingCapture  # noqa: E402

WARM_UP_S = 5.0


def thread_cpu_s(tid: int) -> float:
    """User + system CPU seconds of one thread of this process (Linux)."""
    fields = Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _threads() -> dict[str, float]:
    """CPU seconds per thread, keyed by thread id and name."""
    out = {}
    for tid in os.listdir("/proc/self/task"):
        name = Path(f"/proc/self/task/{tid}/comm").read_text().strip()
        out[f"{tid} {name}"] = thread_cpu_s(int(tid))
    return out


def run_window(video: Path, seconds: float, every_frame: bool, tmp: Path) -> dict[str, float]:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ferapp.core.sources.captures import CameraSource
    from ferapp.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow(settings_dir=str(tmp / ("every" if every_frame else "shipped")))
    if every_frame:
        window.live.display_interval_s = 0.0
        every = replace(window.settings.recognition(), classify_every_ms=0, detect_every_ms=0)
        window.live.inference.request_settings(every)
    window.live.open_source = lambda spec: CameraSource(0, capture=LoopingCapture(video))
    window.resize(1100, 700)
    window.show()
    window.start_source("0")
    marks: dict[str, float] = {}

    threads: dict[str, float] = {}

    def start_measuring() -> None:
        threads.update(_threads())
        marks.update(
            wall=time.monotonic(),
            cpu=time.process_time(),
            ui=thread_cpu_s(os.getpid()),
            painted=window.live.frames_painted,
        )

    QTimer.singleShot(int(WARM_UP_S * 1000), start_measuring)
    QTimer.singleShot(int((WARM_UP_S + seconds) * 1000), app.quit)
    app.exec()
    wall = time.monotonic() - marks["wall"]
    if os.environ.get("FERAPP_BENCH_DEBUG"):
        for name, seconds in sorted(_threads().items(), key=lambda kv: -kv[1]):
            used = (seconds - threads.get(name, 0.0)) / wall
            if used > 0.005:
                print(f"  thread {name}: {used:.0%}")
    result = {
        "process": (time.process_time() - marks["cpu"]) / wall,
        "ui": (thread_cpu_s(os.getpid()) - marks["ui"]) / wall,
        "fps": (window.live.frames_painted - marks["painted"]) / wall,
        "faces": len(window.live.last.result.faces) if window.live.last else 0,
    }
    window.shutdown()
    window.deleteLater()
    app.processEvents()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--video", type=Path, help="footage to loop (default: five faces)")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each, alternating")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        video = args.video
        if video is None:
            from tests.support import crowd_video

            video = crowd_video(tmp / "crowd.avi")
        runs: dict[str, list[dict[str, float]]] = {"every frame (baseline)": [], "as shipped": []}
        for _ in range(args.rounds):
            runs["every frame (baseline)"].append(run_window(video, args.seconds, True, tmp))
            runs["as shipped"].append(run_window(video, args.seconds, False, tmp))
        rows = {
            name: {key: statistics.median(r[key] for r in results) for key in results[0]}
            for name, results in runs.items()
        }
    print(f"{'window':24s} {'process':>8s} {'UI thread':>10s} {'painted':>9s} {'faces':>6s}")
    for name, r in rows.items():
        print(f"{name:24s} {r['process']:8.0%} {r['ui']:10.0%} {r['fps']:7.1f}/s {r['faces']:6.0f}")
    base, new = rows["every frame (baseline)"], rows["as shipped"]
    print(f"process CPU: {new['process'] / base['process']:.2f}x the baseline's")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
