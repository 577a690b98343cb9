"""Smoke test of a built (frozen) ferapp: self-test, a headless window run, a CLI run.

    python packaging/smoke_test.py dist/ferapp                  # the PyInstaller folder
    python packaging/smoke_test.py dist/ferapp-x86_64.AppImage  # or one executable

Fails on any ImportError, Traceback or missing Qt plugin in the output, or a missing
success line. Prints the bundle's size and file count and the cold start to the first
annotated frame.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

BAD = (
    "Traceback",
    "ImportError",
    "ModuleNotFoundError",
    "could not load the Qt platform plugin",
    "Could not find the Qt platform plugin",
    "QThread: Destroyed",
)


def write_video(path: Path, frames: int = 90) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (640, 480))
    for i in range(frames):
        frame = np.full((480, 640, 3), 90, np.uint8)
        cv2.circle(frame, (320 + i, 240), 80, (200, 200, 200), -1)
        writer.write(frame)
    writer.release()
    return path


def run(cmd: list[str], env: dict[str, str], timeout: float = 300) -> tuple[int, str, float | None]:
    """Run, return (code, output, seconds until the first-frame line, if any)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True, errors="replace"
    )
    lines, first = [], None
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if first is None and "first annotated frame" in line:
            first = time.perf_counter() - started
        if time.perf_counter() - started > timeout:
            proc.kill()
            break
    return proc.wait(), "".join(lines), first


def check(name: str, code: int, output: str, needle: str) -> bool:
    bad = [b for b in BAD if b.lower() in output.lower()]
    ok = code == 0 and needle in output and not bad
    print(f"[{'ok' if ok else 'FAILED'}] {name}" + ("" if ok else f" (exit {code}, {bad})"))
    if not ok:
        print(output[-3000:])
    return ok


def main() -> int:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "dist/ferapp").resolve()
    if target.is_dir():
        exe = target / ("ferapp-cli.exe" if os.name == "nt" else "ferapp-cli")
        files = [p for p in target.rglob("*") if p.is_file()]
    else:  # an AppImage, or an AppDir's AppRun
        exe, files = target, [target]
    if not exe.exists():
        print(f"no {exe}: build first (pyinstaller packaging/ferapp.spec)")
        return 1
    size = sum(p.stat().st_size for p in files)
    print(f"bundle: {size / 2**20:.0f} MiB in {len(files)} files")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    results = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env["FERAPP_SETTINGS_DIR"] = str(tmp / "settings")
        video = write_video(tmp / "smoke.avi")
        code, out, _ = run([str(exe), "--self-test"], env)
        results.append(check("self-test", code, out, "ferapp self-test OK"))
        # the bundle must hold the converter's quantization, else the model runs 6x slower
        results.append(check("8-bit weights", code, out, "8-bit weights"))
        shot = tmp / "window.png"
        code, out, first = run(
            [str(exe), "--source", str(video), "--screenshot", str(shot), "--exit-after", "20"], env
        )
        results.append(check("window with screenshot", code, out, "screenshot") and shot.exists())
        print(
            f"cold start to first annotated frame: {first:.1f} s"
            if first
            else "no annotated frame seen"
        )
        code, out, _ = run(
            [str(exe), "analyze", str(video), "--csv", str(tmp / "r.csv"), "--quiet"], env
        )
        results.append(check("analyze", code, out, "frames: 90"))
    print("smoke test passed" if all(results) else "smoke test FAILED")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
