"""An 8-class (FER+, contempt) model in the window, the web API, the CSV and the batch
report; uncertain faces drawn grey with a '?' in the window and answered so by the API."""

from __future__ import annotations

import csv
from dataclasses import replace

import cv2
import pytest

from ferapp.cli import main as cli_main
from ferapp.core.datasets.ferplus import EMOTIONS_8
from ferapp.core.model.metadata import ModelInfo, save_model
from ferapp.core.output.colors import UNCERTAIN_RGB, color_bgr
from ferapp.core.recognition.settings import RecognitionSettings
from ferapp.gui.main_window import MainWindow
from ferapp.gui.settings import load_settings, open_store, save_settings
from ferapp.server.app import make_app
from ferapp.server.config import ServerConfig
from tests import support

WAIT_MS = 60_000


@pytest.fixture(scope="module")
def contempt_model(tmp_path_factory):
    """A tiny real 8-class model that always answers contempt (about 73 %)."""
    path = tmp_path_factory.mktemp("m8") / "contempt.keras"
    model = support.constant_model(winner=7, classes=8)
    return save_model(model, path, ModelInfo(class_names=EMOTIONS_8))


def open_window(qtbot, tmp_path, **settings) -> MainWindow:
    store = open_store(tmp_path / "settings")
    save_settings(store, replace(load_settings(store), **settings))
    win = MainWindow(settings_dir=str(tmp_path / "settings"))
    qtbot.addWidget(win)
    win.show()
    return win


def first_face(qtbot, win):
    qtbot.waitUntil(
        lambda: win.live.last is not None and len(win.live.last.result.faces) == 1,
        timeout=WAIT_MS,
    )
    return win.live.last


def test_an_8_class_model_in_the_window_shows_contempt_in_its_colour_and_8_bars(
    qtbot, tmp_path, contempt_model, face_video_path
):
    win = open_window(qtbot, tmp_path, model_path=str(contempt_model), min_confidence=0.1)
    try:
        win.start_source(str(face_video_path))
        shown = first_face(qtbot, win)
        face = shown.result.faces[0]
        assert face.label == "contempt" and not face.uncertain
        x, y, _w, h = face.box
        assert tuple(shown.annotated[y + h // 2, x]) == color_bgr("contempt")
        assert win.live.bars.class_names == EMOTIONS_8 and len(win.live.bars.heights) == 8
        assert "contempt" in win.live.bars.caption.text()
    finally:
        win.shutdown()


def test_an_uncertain_face_is_grey_with_a_question_mark_in_the_window(
    qtbot, tmp_path, happy_model_path, face_video_path
):
    # the tiny model answers happy at about 77 %: uncertain under a threshold of 0.9
    win = open_window(qtbot, tmp_path, model_path=str(happy_model_path), min_confidence=0.9)
    try:
        win.start_source(str(face_video_path))
        shown = first_face(qtbot, win)
        face = shown.result.faces[0]
        assert face.label == "happy" and face.uncertain == "confidence below 90%"
        x, y, _w, h = face.box
        grey = tuple(reversed(UNCERTAIN_RGB))
        assert tuple(shown.annotated[y + h // 2, x]) == grey
        assert "? happy" in win.live.bars.caption.text()
        assert "uncertain" in win.live.bars.caption.text()
    finally:
        win.shutdown()


def test_an_8_class_model_in_the_csv_and_the_batch_report(tmp_path, contempt_model):
    photos = tmp_path / "photos"
    photos.mkdir()
    cv2.imwrite(str(photos / "one.png"), support.face_frame(1))
    video = support.face_video(photos / "clip.avi", n_frames=6)
    out_csv = tmp_path / "faces.csv"
    assert (
        cli_main(
            [
                "analyze",
                str(video),
                "--model",
                str(contempt_model),
                "--csv",
                str(out_csv),
                "--quiet",
            ]
        )
        == 0
    )
    with open(out_csv, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {"contempt", "yaw", "roll", "uncertain"} <= set(rows[0])
    assert {r["label"] for r in rows} == {"contempt"} and rows[0]["yaw"] != ""
    out = tmp_path / "batch"
    code = cli_main(
        ["analyze", str(photos), "--out", str(out), "--model", str(contempt_model),
         "--workers", "1", "--no-timeline", "--quiet"]
    )  # fmt: skip
    assert code == 0
    with open(out / "summary.csv", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert "contempt" in table[0] and all(float(r["contempt"]) == 1.0 for r in table)
    assert "<th>contempt</th>" in (out / "report.html").read_text()


async def test_an_8_class_model_and_an_uncertain_face_through_the_web_api(
    aiohttp_client, contempt_model
):
    client = await aiohttp_client(
        make_app(
            ServerConfig(
                model=str(contempt_model),
                workers=1,
                recognition=RecognitionSettings(min_confidence=0.9),
            )
        )
    )
    health = await (await client.get("/api/health")).json()
    assert "contempt" in health["colors"]
    _, data = cv2.imencode(".jpg", support.face_frame(1))
    reply = await client.post("/api/analyze", data=data.tobytes())
    assert reply.status == 200
    face = (await reply.json())["faces"][0]
    assert face["label"] == "contempt" and set(face["probabilities"]) == set(EMOTIONS_8)
    assert face["uncertain"] == "confidence below 90%" and isinstance(face["yaw"], float)


def test_the_training_form_offers_the_crowds_labels_and_passes_them_to_train(qtbot, tmp_path):
    from ferapp.core.datasets.ferplus import LABEL_MODES
    from ferapp.gui.training_choices import LABEL_MODE_TITLES
    from ferapp.gui.training_form import TrainingForm

    form = TrainingForm(tmp_path)
    qtbot.addWidget(form)
    assert sorted(LABEL_MODE_TITLES) == sorted(LABEL_MODES)
    form.data_edit.setText("fer2013.csv.gz")
    assert "--votes" not in form.train_arguments()
    form.votes_edit.setText("votes.csv")
    form.labels_combo.setCurrentIndex(form.labels_combo.findData("majority"))
    form.classes_combo.setCurrentIndex(1)
    args = form.train_arguments()
    at = args.index("--votes")
    assert args[at : at + 6] == ["--votes", "votes.csv", "--labels", "majority", "--classes", "8"]
    form.augment_boxes["turn"].setChecked(True)
    assert "turn" in form.augment_text().split(",")
