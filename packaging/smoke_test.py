"""Smoke test of a built (frozen) ferapp, as a user's desktop would run it.

    python packaging/smoke_test.py [dist/ferapp] [--starts 3] [--offscreen]

Checks, failing on any of them:
- Linux: every library the bundle's programs and Qt plugins link is inside the bundle
  or in the documented base set (packaging/linux_libraries.py), by ldd;
- `--self-test`, then the window on a real X server (Linux: Xvfb, the xcb platform as on
  a desktop, required unless --offscreen; elsewhere the platform's own) with a screenshot,
  then `analyze` to a CSV;
- no traceback, import error, missing Qt plugin or warning of any kind (AutoGraph,
  TensorFlow, Qt) in the output or in the window's log file.
Prints the bundle's real size (symlinks and hard links counted once), and the start to
the first annotated frame, warm and with the bundle's files dropped from the page cache.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

BAD = (
    "traceback",
    "importerror",
    "modulenotfounderror",
    "could not load the qt platform plugin",
    "could not find the qt platform plugin",
    "qthread: destroyed",
    "autograph",
    "warning",
    "deprecat",
    "error:",
)


def write_video(path: Path, frames: int = 90) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (640, 480))
    for i in range(frames):
        frame = np.full((480, 640, 3), 90, np.uint8)
        cv2.circle(frame, (320 + i, 240), 80, (200, 200, 200), -1)
        writer.write(frame)
    writer.release()
    return path


def write_training_csv(path: Path, rows: int = 96) -> Path:
    """A FER2013-format CSV of random 48x48 faces (enough for one epoch of a tiny run)."""
    rng = np.random.default_rng(0)
    lines = ["emotion,pixels,Usage"]
    for i in range(rows):
        usage = "Training" if i < rows * 2 // 3 else "PublicTest"
        pixels = " ".join(map(str, rng.integers(0, 256, 48 * 48)))
        lines.append(f"{i % 7},{pixels},{usage}")
    path.write_text("\n".join(lines) + "\n")
    return path


def run(
    cmd: list[str], env: dict[str, str], timeout: float = 300, stop_at_first: bool = False
) -> tuple[int, str, float | None]:
    """Run, return (code, output, seconds until the first-frame line, if any); with
    ``stop_at_first`` the program is ended once that line has come."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True, errors="replace"
    )
    watchdog = threading.Timer(timeout, proc.kill)  # also when it hangs without a word
    watchdog.start()
    lines, first = [], None
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            lines.append(line)
            if first is None and "first annotated frame" in line:
                first = time.perf_counter() - started
                if stop_at_first:
                    proc.kill()
                    break
    finally:
        watchdog.cancel()
    return proc.wait(), "".join(lines), first


def check(name: str, code: int, output: str, needle: str) -> bool:
    bad = [b for b in BAD if b in output.lower()]
    ok = code == 0 and needle in output and not bad
    print(f"[{'ok' if ok else 'FAILED'}] {name}" + ("" if ok else f" (exit {code}, {bad})"))
    if not ok:
        print(output[-3000:])
    return ok


def real_size(root: Path) -> tuple[int, int]:
    """Bytes and files on disk, each file once (symlinks skipped, hard links once)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for path in root.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        stat = path.stat()
        if (stat.st_dev, stat.st_ino) not in seen:
            seen.add((stat.st_dev, stat.st_ino))
            total += stat.st_size
    return total, len(seen)


def drop_from_page_cache(root: Path) -> None:
    """Empty the page cache, as after a reboot: all of it when run as root on Linux, else
    the bundle's own files."""
    try:
        if hasattr(os, "sync"):  # not on Windows
            os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return
    except OSError:
        pass
    if not hasattr(os, "posix_fadvise"):
        return
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def start_xvfb(env: dict[str, str]) -> subprocess.Popen | None:
    """A virtual X server on a free display; sets DISPLAY and the xcb platform in env."""
    if not sys.platform.startswith("linux") or not shutil.which("Xvfb"):
        return None
    display = next(n for n in range(90, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    server = subprocess.Popen(
        ["Xvfb", f":{display}", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        if Path(f"/tmp/.X11-unix/X{display}").exists():
            break
        time.sleep(0.05)
    env["DISPLAY"] = f":{display}"
    env["QT_QPA_PLATFORM"] = "xcb"
    return server


def check_libraries(bundle: Path) -> bool:
    if not sys.platform.startswith("linux") or not bundle.is_dir():
        return True
    from linux_libraries import outside_needs

    problems = outside_needs(bundle)
    for name, users in sorted(problems.items()):
        print(f"    {name} (needed by {', '.join(sorted(users)[:3])})")
    ok = not problems
    print(f"[{'ok' if ok else 'FAILED'}] ldd: libraries outside the bundle and the base set")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("target", nargs="?", default="dist/ferapp")
    parser.add_argument("--starts", type=int, default=3, help="timed starts, warm and cold")
    parser.add_argument(
        "--offscreen", action="store_true", help="Linux: no Xvfb, Qt's offscreen platform"
    )
    args = parser.parse_args()
    target = Path(args.target).resolve()
    if target.is_dir():
        exe = target / ("ferapp-cli.exe" if os.name == "nt" else "ferapp")
        gui = target / ("ferapp.exe" if os.name == "nt" else "ferapp")
    else:  # an AppImage, or an AppDir's AppRun
        exe = gui = target
    if not exe.exists():
        print(f"no {exe}: build first (python dev.py package)")
        return 1
    size, count = real_size(target) if target.is_dir() else (target.stat().st_size, 1)
    print(f"bundle: {size / 2**20:.0f} MiB in {count} files")
    results = [check_libraries(target)]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        home = tmp / "home"
        env = {
            **os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".local/share"),
            "XDG_CACHE_HOME": str(home / ".cache"), "APPDATA": str(home), "LOCALAPPDATA": str(home),
        }  # fmt: skip
        env.pop("FERAPP_MODEL", None)
        # Qt asks Windows and macOS for their folders, not the variables above: the log
        # and the settings go where the test can read them back on every platform
        env["FERAPP_LOG_DIR"] = str(home / "logs")
        env["FERAPP_SETTINGS_DIR"] = str(home / "settings")
        server = None if args.offscreen else start_xvfb(env)
        if server is None and sys.platform.startswith("linux") and not args.offscreen:
            print("[FAILED] no Xvfb to open the window on a real X display: install it "
                  "(Debian/Ubuntu: apt-get install xvfb), or pass --offscreen")  # fmt: skip
            return 1
        if server is None and not sys.platform.startswith("linux"):
            env.pop("QT_QPA_PLATFORM")  # the platform's own window system
        try:
            video = write_video(tmp / "smoke.avi")
            code, out, _ = run([str(exe), "--self-test"], env)
            results.append(check("self-test", code, out, "ferapp self-test OK"))
            # the bundle must hold the converted 8-bit model, else the model runs 6x slower
            results.append(check("8-bit weights", code, out, "8-bit weights"))
            shot = tmp / "window.png"
            window = [str(gui), "--source", str(video), "--screenshot", str(shot)]
            code, out, first = run([*window, "--exit-after", "20"], env)
            where = "X11 (Xvfb)" if server else "offscreen"
            ok = check(f"window on {where} with screenshot", code, out, "screenshot")
            results.append(ok and shot.exists())
            logs = list(home.rglob("ferapp.log"))
            log = "".join(p.read_text(errors="replace") for p in logs)
            results.append(check("window's log file", 0 if logs else 1, log, ""))
            code, out, _ = run([str(exe), "analyze", str(video), "--csv", str(tmp / "r.csv")], env)
            results.append(check("analyze", code, out, "frames: 90"))
            # what the Training tab runs, then a new model through conversion and evaluation
            data, model = write_training_csv(tmp / "fer.csv"), tmp / "mine.keras"
            train = ["train", "--data", str(data), "--arch", "fernet", "--epochs", "1"]
            code, out, _ = run([str(exe), *train, "--out", str(model), "--quiet"], env)
            results.append(check("train", code, out, "") and model.is_file())
            code, out, _ = run(
                [str(exe), "evaluate", "--data", str(data), "--model", str(model)], env
            )
            results.append(check("evaluate the new model", code, out, "accuracy"))
            again = [
                str(exe),
                "analyze",
                str(video),
                "--model",
                str(model),
                "--out",
                str(tmp / "b"),
            ]
            code, out, _ = run(again, env)
            results.append(check("batch analysis with the new model", code, out, "1 analysed"))
            labels = ("warm", "cold: page cache emptied, a new user's empty cache folder")
            for label, cold in zip(labels, (False, True), strict=True):
                times = []
                for i in range(args.starts):
                    start_env = dict(env)
                    if cold:
                        start_env["XDG_CACHE_HOME"] = str(tmp / f"new-user-cache-{i}")
                        start_env["LOCALAPPDATA"] = str(tmp / f"new-user-cache-{i}")
                        drop_from_page_cache(target)
                    _, _, first = run([*window, "--exit-after", "60"], start_env, 90, True)
                    times.append(first)
                shown = ", ".join(f"{t:.2f}" if t else "-" for t in times)
                print(f"start to the first annotated frame, {label}: {shown} s")
        finally:
            if server:
                server.terminate()
    print("smoke test passed" if all(results) else "smoke test FAILED")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
