"""The window as a process: headless screenshot, self-test, closing early."""

from __future__ import annotations

from tests.support import run_cli


def test_headless_screenshot_and_self_test(tmp_path, face_video_path, happy_model_path):
    shot = tmp_path / "window.png"
    proc = run_cli(
        "--source",
        str(face_video_path),
        "--screenshot",
        str(shot),
        "--exit-after",
        "3",
        "--settings-dir",
        str(tmp_path / "s"),
        env={"FERAPP_MODEL": str(happy_model_path), "QT_QPA_PLATFORM": "offscreen"},
    )
    assert proc.returncode == 0, proc.stderr
    assert shot.stat().st_size > 5000
    assert "Traceback" not in proc.stderr and "QThread: Destroyed" not in proc.stderr
    test = run_cli(
        "--self-test", env={"FERAPP_MODEL": str(happy_model_path), "QT_QPA_PLATFORM": "offscreen"}
    )
    assert test.returncode == 0, test.stdout + test.stderr
    assert test.stdout.startswith("ferapp self-test OK")
    broken = tmp_path / "broken.keras"
    broken.write_text("not a model")
    bad = run_cli("--self-test", env={"FERAPP_MODEL": str(broken), "QT_QPA_PLATFORM": "offscreen"})
    assert bad.returncode == 1 and "ferapp self-test FAILED" in bad.stdout
    assert "Traceback" not in bad.stderr


def test_closing_while_the_default_model_loads_exits_cleanly(tmp_path, face_video_path):
    proc = run_cli(  # the real model takes seconds to load: the window closes first
        "--source",
        str(face_video_path),
        "--exit-after",
        "0.2",
        "--settings-dir",
        str(tmp_path / "s"),
        env={"QT_QPA_PLATFORM": "offscreen"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
