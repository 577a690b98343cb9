"""The web page in a real headless Chromium, its camera fed from a real face."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests import support
from tests.support import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium here (Debian/Ubuntu: apt-get install chromium; .ci/run installs it)",
)
BROWSER_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def write_y4m(path: Path, frames: list[np.ndarray], fps: int = 15) -> Path:
    """A raw YUV 4:2:0 video, what Chromium's fake camera plays."""
    height, width = frames[0].shape[:2]
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            out.write(b"FRAME\n" + cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(happy_model_path):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ferapp", "serve", "--port", str(port), "--model",
         str(happy_model_path)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    line = proc.stdout.readline()
    assert "open http://127.0.0.1" in line, line + proc.stdout.read()
    yield f"http://127.0.0.1:{port}/"
    proc.terminate()
    proc.wait(timeout=30)


def launch(playwright, camera: Path | None):
    flags = list(BROWSER_FLAGS)
    if camera is not None:
        flags += [
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={camera}",
        ]
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=flags)


def test_the_camera_page_draws_a_yellow_box_and_the_bars(server, tmp_path):
    from playwright.sync_api import sync_playwright

    camera = write_y4m(tmp_path / "face.y4m", [support.face_frame(1, shift=s) for s in range(0, 8)])
    with sync_playwright() as playwright:
        browser = launch(playwright, camera)
        page = browser.new_page(viewport={"width": 1100, "height": 700})
        page.goto(server)
        page.wait_for_function(
            "document.getElementById('caption').textContent.startsWith('Face 1: happy')",
            timeout=60_000,
        )
        page.wait_for_function("document.getElementById('readout').textContent.includes('fps')")
        yellow = page.evaluate(
            """() => {
                const c = document.getElementById('overlay');
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let n = 0;
                for (let i = 0; i < d.length; i += 4)
                    if (d[i] > 240 && d[i + 1] > 240 && d[i + 2] < 30 && d[i + 3] > 200) n++;
                return n;
            }"""
        )
        assert yellow > 100  # the happy box and its label, in the happy colour
        share = page.evaluate(  # as drawn: the bar's width against its track's
            """() => {
                const bar = document.querySelector('.bar[data-label=happy]');
                return bar.querySelector('.fill').getBoundingClientRect().width
                     / bar.querySelector('.track').getBoundingClientRect().width;
            }"""
        )
        assert share > 0.5
        page.wait_for_function(  # frames keep flowing
            "parseFloat(document.getElementById('readout').textContent) >= 5", timeout=30_000
        )
        assert "round trip" in page.inner_text("#readout")
        page.screenshot(path=str(tmp_path / "page.png"))
        browser.close()


def test_a_refused_camera_is_said_and_a_file_can_be_opened(server, tmp_path):
    from playwright.sync_api import sync_playwright

    photo = tmp_path / "three.png"
    cv2.imwrite(str(photo), support.face_frame(3))
    with sync_playwright() as playwright:
        browser = launch(playwright, camera=None)  # no camera, no permission
        page = browser.new_page()
        page.goto(server)
        page.wait_for_function(
            "/refused|No camera/.test(document.getElementById('message').textContent)",
            timeout=30_000,
        )
        page.set_input_files("#file", str(photo))
        page.wait_for_function(
            "document.getElementById('readout').textContent.includes('3 faces')", timeout=60_000
        )
        assert not page.locator("#picker").is_hidden()  # several faces: a picker
        browser.close()
    time.sleep(0.1)


def test_an_uncertain_face_is_drawn_grey_with_a_question_mark(happy_model_path, tmp_path):
    """The tiny model answers happy at about 77 %: under --min-confidence 0.9 the page
    draws the face grey, with '?' and the reason."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ferapp", "serve", "--port", str(port), "--model",
         str(happy_model_path), "--min-confidence", "0.9"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        line = proc.stdout.readline()
        assert "open http://127.0.0.1" in line, line
        camera = write_y4m(tmp_path / "face.y4m", [support.face_frame(1)] * 4)
        with sync_playwright() as playwright:
            browser = launch(playwright, camera)
            page = browser.new_page(viewport={"width": 1100, "height": 700})
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_function(
                "document.getElementById('caption').textContent.startsWith('Face 1: ? happy')",
                timeout=60_000,
            )
            assert "uncertain: confidence below 90%" in page.inner_text("#caption")
            counts = page.evaluate(
                """() => {
                    const c = document.getElementById('overlay');
                    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                    let grey = 0, yellow = 0;
                    for (let i = 0; i < d.length; i += 4) {
                        if (d[i + 3] < 200) continue;
                        if (d[i] === 150 && d[i + 1] === 150 && d[i + 2] === 150) grey++;
                        if (d[i] > 240 && d[i + 1] > 240 && d[i + 2] < 30) yellow++;
                    }
                    return [grey, yellow];
                }"""
            )
            assert counts[0] > 100 and counts[1] == 0  # the box is grey, not happy's yellow
            page.screenshot(path=str(tmp_path / "uncertain.png"))
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


OVERLAY_INK = """() => {
    const c = document.getElementById('overlay');
    if (!c.width || !c.height) return 0;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
}"""


def test_a_new_source_starts_afresh_and_an_unusable_file_is_said(server, tmp_path):
    """Camera (one face) -> a photo of three: numbered as /api/analyze numbers them, not
    carried over from the camera; then a CSV: a message, and no boxes left behind."""
    import json
    import urllib.request

    from playwright.sync_api import sync_playwright

    photo = tmp_path / "three.png"
    cv2.imwrite(str(photo), support.face_frame(3))
    request = urllib.request.Request(server + "api/analyze", data=photo.read_bytes())
    with urllib.request.urlopen(request, timeout=60) as reply:
        alone = json.load(reply)["faces"]
    expected = [f["face"] for f in sorted(alone, key=lambda f: f["box"][0])]
    table = tmp_path / "results.csv"
    table.write_text("frame,label\n1,happy\n")
    camera = write_y4m(tmp_path / "face.y4m", [support.face_frame(1)] * 8)
    with sync_playwright() as playwright:
        browser = launch(playwright, camera)
        page = browser.new_page(viewport={"width": 1100, "height": 700})
        page.goto(server)
        page.wait_for_function(
            "document.getElementById('caption').textContent.startsWith('Face 1: happy')",
            timeout=60_000,
        )
        page.set_input_files("#file", str(photo))
        page.wait_for_function(
            "document.getElementById('readout').textContent.includes('3 faces')", timeout=60_000
        )
        faces = page.evaluate("() => lastResult.faces")
        assert [f["face"] for f in sorted(faces, key=lambda f: f["box"][0])] == expected
        for a, b in zip(sorted(faces, key=lambda f: f["box"][0]), alone, strict=False):
            assert a["label"] == b["label"]
        assert page.evaluate(OVERLAY_INK) > 100
        page.set_input_files("#file", str(table))
        page.wait_for_function(
            "document.getElementById('message').textContent.includes('cannot be shown')",
            timeout=10_000,
        )
        assert "results.csv" in page.inner_text("#message")
        assert page.evaluate(OVERLAY_INK) == 0  # the photo's boxes are gone
        assert page.inner_text("#caption") == "No face in view"
        time.sleep(1)  # nothing from the photo comes back
        assert page.evaluate(OVERLAY_INK) == 0
        browser.close()


def test_the_page_fits_a_phone(server, tmp_path):
    from playwright.sync_api import sync_playwright

    photo = tmp_path / "three.png"
    cv2.imwrite(str(photo), support.face_frame(3))
    with sync_playwright() as playwright:
        browser = launch(playwright, camera=None)
        page = browser.new_page(viewport={"width": 420, "height": 800})
        page.goto(server)
        page.set_input_files("#file", str(photo))
        page.wait_for_function(
            "document.getElementById('readout').textContent.includes('3 faces')", timeout=60_000
        )
        problems = page.evaluate(
            """() => {
                const found = [];
                const stage = document.getElementById('stage').getBoundingClientRect();
                if (stage.width < 0.9 * innerWidth)  // the faces' labels need the width
                    found.push(`the picture is only ${stage.width} px wide`);
                if (document.documentElement.scrollWidth > innerWidth)
                    found.push(`page ${document.documentElement.scrollWidth} px wide`);
                const boxes = [...document.querySelectorAll('header > *, #stage, #panel')]
                    .map((e) => [e.id || e.tagName, e.getBoundingClientRect()]);
                for (const [name, r] of boxes)
                    if (r.right > innerWidth + 0.5) found.push(`${name} runs off the screen`);
                for (let i = 0; i < boxes.length; i++)
                    for (let j = i + 1; j < boxes.length; j++) {
                        const [a, p] = boxes[i], [b, q] = boxes[j];
                        if (p.left < q.right - 0.5 && q.left < p.right - 0.5 &&
                            p.top < q.bottom - 0.5 && q.top < p.bottom - 0.5)
                            found.push(`${a} overlaps ${b}`);
                    }
                for (const bar of document.querySelectorAll('.bar')) {
                    const [label, track, value] = bar.children;
                    const l = label.getBoundingClientRect(), t = track.getBoundingClientRect();
                    const v = value.getBoundingClientRect();
                    if (l.right > t.left + 0.5 || t.right > v.left + 0.5 || v.right > innerWidth)
                        found.push(`the ${bar.dataset.label} bar's parts overlap`);
                }
                return found;
            }"""
        )
        assert problems == []
        page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
        browser.close()
