"""Batch reports: photos as photos, videos as timelines of their faces, nothing overlapping."""

from __future__ import annotations

import json
import shutil

import cv2
import pytest

from ferapp.batch.timeline import MAX_FACES_DRAWN, read_timeline, timeline_figure
from ferapp.cli import main as cli_main
from tests import support

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def photo_batch(tmp_path_factory, happy_model_path):
    folder = tmp_path_factory.mktemp("photos")
    for i, image in enumerate(
        [support.face_frame(1), support.face_frame(3), support.blank_frame()]
    ):
        cv2.imwrite(str(folder / f"photo-{i}-with-a-rather-long-name-to-wrap.png"), image)
    out = tmp_path_factory.mktemp("out")
    code = cli_main(["analyze", str(folder), "--out", str(out), "--model", str(happy_model_path),
                     "--quiet", "--workers", "1"])  # fmt: skip
    assert code == 0
    return folder, out


def crowd_result(path, faces: int = 11, frames: int = 40):
    """A video's result JSON with ``faces`` tracked faces, face k seen for frames - 3k."""
    names = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
    records = []
    for n in range(frames):
        seen = [k for k in range(1, faces + 1) if n < frames - 3 * k]
        records.append({
            "source": "crowd.mp4", "frame": n, "time_ms": n * 33.3,
            "faces": [{"face": k, "label": "happy", "confidence": 0.8, "uncertain": "",
                       "probabilities": {e: 0.8 if e == "happy" else 0.2 / 6 for e in names}}
                      for k in seen],
        })  # fmt: skip
    path.write_text(json.dumps({"source": "crowd.mp4", "class_names": names, "frames": records}))
    return path


def test_a_photo_folder_is_reported_photo_by_photo(photo_batch):
    folder, out = photo_batch
    timeline = read_timeline(out / f"{folder.name}.json")
    assert timeline.photos is not None and timeline.faces == []  # no timeline of "face 1"
    assert [len(p.faces) for p in timeline.photos] == [1, 3, 0]
    report = (out / "report.html").read_text()
    assert 'class="photos"' in report and "no face found" in report
    assert "photo-1-with-a-rather-long-name-to-wrap.png" in report
    assert report.count("1: happy") == 2 and "3: happy" in report
    picture = cv2.imread(str(out / f"{folder.name}.timeline.png"))  # the labels counted
    assert picture is not None and picture.shape[1] > 600


def test_a_crowded_video_draws_the_longest_faces_and_says_how_many_are_left(tmp_path):
    timeline = read_timeline(crowd_result(tmp_path / "crowd.json"))
    assert timeline.photos is None and len(timeline.faces) == 11
    assert timeline.not_drawn() == 11 - MAX_FACES_DRAWN
    figure = timeline_figure(timeline)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    title = figure.texts[0]
    assert f"{11 - MAX_FACES_DRAWN} more not shown" in title.get_text()
    assert len(figure.axes) == MAX_FACES_DRAWN
    boxes = [title.get_window_extent(renderer), figure.legends[0].get_window_extent(renderer)]
    boxes += [ax.get_tightbbox(renderer) for ax in figure.axes]
    for i, a in enumerate(boxes):  # title, legend and plots: none overlaps another
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)
    assert all(b.x0 >= 0 and b.x1 <= figure.bbox.width for b in boxes[:2])


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium here (apt-get install chromium)")
def test_the_report_is_at_most_1280_px_wide(photo_batch):
    from playwright.sync_api import sync_playwright

    _, out = photo_batch
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        for width in (1600, 800):
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto((out / "report.html").as_uri())
            sizes = page.evaluate(
                """() => ({
                    page: document.documentElement.scrollWidth,
                    tables: [...document.querySelectorAll('table')]
                        .map((t) => t.getBoundingClientRect().width),
                })"""
            )
            assert sizes["page"] <= width
            assert sizes["tables"] and max(sizes["tables"]) <= min(1280, width)
        browser.close()


def test_open_results_on_a_batch_summary_lists_its_sources(qtbot, photo_batch):
    from ferapp.gui.results_dialog import ResultsDialog

    folder, out = photo_batch
    dialog = ResultsDialog(out / "summary.json", {})
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.sources.count() == 1, timeout=10_000)
    assert "A batch of 1 source" in dialog.caption.text()
    assert dialog.sources.item(0).text().startswith(f"{folder.name}: done, 4 face(s)")
    dialog.sources.itemActivated.emit(dialog.sources.item(0))  # opens the folder's result
    qtbot.waitUntil(lambda: dialog.sources.count() == 3, timeout=10_000)
    assert "3 photo(s)" in dialog.caption.text()
    assert dialog.sources.item(2).text().endswith("no face found")
