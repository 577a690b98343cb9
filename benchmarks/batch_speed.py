"""Batch analysis speed: one worker, two workers, and a Dask cluster of two.

    python benchmarks/batch_speed.py [--videos 8] [--frames 1500]

Writes a folder of videos with real faces (the tests' media: 1 or 3 faces, 50 s each
at 30 fps by default, nearly seven minutes in all), then times `ferapp analyze FOLDER --out DIR`
(smoothing on, timelines drawn) with --workers 1, --workers 2, and --scheduler pointing
at a Dask LocalCluster of two single-threaded worker processes started here on
loopback (its scheduler, nannies and workers share the same two cores, so its
housekeeping is slowed down as README's cluster section suggests: DASK_CONFIG below).
Prints frames per second and the ratio to one worker.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


# Dask's per-worker housekeeping, less often: on a small machine it competes with the work.
DASK_CONFIG = {
    "distributed.admin.tick.interval": "500ms",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.profile.enabled": False,
}


def timed(folder: Path, out: Path, *extra: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "ferapp", "analyze", str(folder), "--out", str(out),
         "--smooth", "0.6", "--quiet", *extra],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--videos", type=int, default=8)
    parser.add_argument("--frames", type=int, default=1500)
    args = parser.parse_args()
    import dask
    from distributed import LocalCluster

    from tests.support import face_video

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        videos = tmp / "videos"
        videos.mkdir()
        for i in range(args.videos):
            face_video(videos / f"clip{i}.avi", n_frames=args.frames, faces=1 + 2 * (i % 2))
        frames = args.videos * args.frames
        runs = {"--workers 1": timed(videos, tmp / "w1", "--workers", "1")}
        runs["--workers 2"] = timed(videos, tmp / "w2", "--workers", "2")
        with dask.config.set(DASK_CONFIG), LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
            host="127.0.0.1",
        ) as cluster:  # fmt: skip
            runs["Dask LocalCluster, 2 workers"] = timed(
                videos, tmp / "dask", "--scheduler", cluster.scheduler_address
            )
        print(f"{args.videos} videos, {frames} frames ({frames / 30 / 60:.1f} min at 30 fps)")
        print("| runner | seconds | frames/s | vs 1 worker |")
        print("|---|---:|---:|---:|")
        base = runs["--workers 1"]
        for name, seconds in runs.items():
            print(f"| {name} | {seconds:.1f} | {frames / seconds:.0f} | {base / seconds:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
