"""The Training tab, offscreen, with a tiny generated dataset and a real child process."""

from __future__ import annotations

import csv
import os

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from ferapp.core.emotions import EMOTIONS
from ferapp.core.locations import find_default_model
from ferapp.core.model.classifier import EmotionClassifier
from ferapp.gui.dataset_check import DatasetCheck
from ferapp.gui.main_window import MainWindow
from ferapp.gui.training_runs import resume_mismatch

RUN_MS = 240_000


@pytest.fixture
def window(qtbot, tmp_path):
    win = MainWindow(settings_dir=str(tmp_path / "settings"))
    qtbot.addWidget(win)
    win.show()
    win.tabs.setCurrentWidget(win.training)
    yield win
    win.confirm_close_during_training = lambda: True
    win.training.shutdown()
    win.shutdown()


def configure(tab, data, out, arch="thesis2", epochs=2):
    tab.form.data_edit.setText(str(data))
    tab.form.arch_combo.setCurrentIndex(tab.form.arch_combo.findData(arch))
    tab.form.epochs.setValue(epochs)
    tab.form.batch.setValue(32)
    tab.form.out_edit.setText(str(out))


def test_dataset_is_checked_when_chosen(qtbot, window, tiny_csv):
    tab = window.training
    tab.check_dataset(str(tiny_csv))
    qtbot.waitUntil(lambda: "training and" in tab.form.data_status.text(), timeout=60_000)
    assert "150 training and 42 validation images" in tab.form.data_status.text()
    assert tab.form.counts_table.item(3, 0).text() == "21"  # happy rows in the training split


def test_a_dataset_check_reports_progress_and_can_be_cancelled(qtbot, tmp_path):
    path = tmp_path / "rows.csv"
    row = "3," + " ".join(["128"] * 2304) + ",Training\n"
    path.write_text("emotion,pixels,Usage\n" + row * 4200)  # progress every 2,000 lines

    def run_check(cancel_first: bool) -> list[tuple]:
        seen: list[tuple] = []
        check = DatasetCheck(str(path))
        check.progress.connect(lambda p, n: seen.append(("progress", n)))
        check.done.connect(lambda p, counts, skipped: seen.append(("done", counts["train"])))
        check.failed.connect(lambda p, message: seen.append(("failed", message)))
        if cancel_first:
            check.cancel()
        check.run()  # on this thread: the signals arrive directly
        return seen

    assert run_check(cancel_first=True) == []  # stopped at the first 2,000 rows, silently
    seen = run_check(cancel_first=False)
    assert seen[:2] == [("progress", 2000), ("progress", 4000)]
    assert seen[2][0] == "done" and seen[2][1]["happy"] == 4200 * 9 // 10  # 10 % held out


def test_closing_while_a_dataset_is_checked_stops_the_check(qtbot, window, tmp_path):
    path = tmp_path / "rows.csv"
    row = "3," + " ".join(["128"] * 2304) + ",Training\n"
    path.write_text("emotion,pixels,Usage\n" + row * 6000)
    tab = window.training
    tab.check_dataset(str(path))
    threads = [thread for _check, thread in tab.checker._checks]
    tab.shutdown()  # returns once the check has stopped, long before 6,000 rows are read
    assert threads and all(thread.isFinished() for thread in threads)
    qtbot.wait(300)  # a finished check's result would arrive now; a cancelled one has none
    assert "training and" not in tab.form.data_status.text()


def test_start_from_a_model_fixes_its_architecture(qtbot, window, tiny_csv, happy_model_path):
    tab = window.training
    configure(tab, tiny_csv, "out.keras", arch="thesis2")
    default = str(find_default_model())
    tab.form.start_combo.setCurrentIndex(tab.form.start_combo.findData(default))
    tab.form._start_chosen()  # as when the user picks "The default model"
    assert tab.form.arch_combo.currentData() == "fernet" and not tab.form.arch_combo.isEnabled()
    assert tab.form.learning_rate.value() == pytest.approx(1e-4)  # fine-tuning, not from scratch
    assert "--average-last" not in tab.train_arguments()  # off by default
    tab.form.average_last.setValue(5)
    args = tab.train_arguments()
    assert args[args.index("--init-from") + 1] == default and "fernet" in args
    assert args[args.index("--average-last") + 1] == "5"
    assert "--flip-average" not in args  # off by default, as in `ferapp train`
    tab.form.flip_average.setChecked(True)
    assert "--flip-average" in tab.train_arguments()
    assert args[args.index("--augment") + 1] == "rotation,shift,zoom,flip"  # the thesis's
    tab.form.augment_boxes["erase"].setChecked(True)
    tab.form.augment_boxes["zoom"].setChecked(False)
    tab.form.augment_boxes["mixup"].setChecked(True)
    args = tab.train_arguments()
    assert args[args.index("--augment") + 1] == "rotation,shift,flip,erase,mixup"
    # a model without the trainer's architecture name cannot be continued: said, and reset
    tab.form.set_start_model(str(happy_model_path))
    assert "not made by ferapp's trainer" in tab.message.text()
    assert tab.form.start_combo.currentData() == "" and tab.form.arch_combo.isEnabled()
    assert "--init-from" not in tab.train_arguments()


def test_a_teacher_is_chosen_checked_and_passed_to_the_run(
    qtbot, window, tiny_csv, tmp_path, happy_model_path, monkeypatch
):
    import keras

    tab = window.training
    configure(tab, tiny_csv, tmp_path / "taught.keras", epochs=1)
    assert "--teacher" not in tab.train_arguments() and not tab.form.teacher_weight.isEnabled()
    default = str(find_default_model())
    tab.form.set_teacher(default)
    args = tab.train_arguments()
    assert args[args.index("--teacher") + 1] == default
    assert tab.form.config().teacher_weight == 0.5  # the command's default: not repeated
    assert "--teacher-weight" not in args
    # a Keras file without ferapp's metadata cannot teach: said, and no teacher is kept
    bare = tmp_path / "bare.keras"
    keras.saving.load_model(happy_model_path).save(bare)
    tab.form.set_teacher(str(bare))
    assert "carries no ferapp metadata" in tab.message.text()
    assert "--teacher" not in tab.train_arguments() and not tab.form.teacher_weight.isEnabled()
    # a teacher picked in the file dialog; cancelling the dialog later keeps it
    picked = [str(happy_model_path), ""]
    monkeypatch.setattr(
        "ferapp.gui.training_form.QFileDialog.getOpenFileName",
        lambda *args: (picked.pop(0), "Keras model (*.keras)"),
    )
    for _ in picked[:]:
        tab.form.teacher_combo.setCurrentIndex(tab.form.teacher_combo.findData("<file>"))
        tab.form.teacher_combo.activated.emit(tab.form.teacher_combo.currentIndex())
        assert tab.form.teacher_path() == str(happy_model_path)
        assert tab.form.teacher_combo.currentText() == "happy.keras"
    assert tab.message.text() == ""  # the complaint about the bare file is answered
    # a teacher deleted after it was chosen is said before anything starts
    gone = tmp_path / "gone.keras"
    gone.write_bytes(happy_model_path.read_bytes())
    tab.form.set_teacher(str(gone))
    gone.unlink()
    tab.start()
    assert not tab.running and "gone.keras is gone" in tab.message.text()
    # the run learns from the always-happy teacher alone, which agrees with 21 of 150 labels
    tab.form.set_teacher(str(happy_model_path))
    tab.form.teacher_weight.setValue(1.0)
    assert tab.form.teacher_weight.isEnabled()
    with qtbot.waitSignal(tab.run_finished, timeout=RUN_MS) as finished:
        tab.start()
    log = tab.log_view.toPlainText()
    assert finished.args == [0], log
    assert "taught by happy.keras (weight 1, agrees with 14.0% of the training labels)" in log
    # continuing that run with another teacher is refused in the window's own words
    out = tmp_path / "taught.keras"
    assert resume_mismatch(out, tab.form.config()) == ""
    tab.form.data_edit.setText(os.path.relpath(tiny_csv))  # the same file, written otherwise
    assert resume_mismatch(out, tab.form.config()) == ""
    tab.form.set_teacher("")
    tab.form.augment_boxes["erase"].setChecked(True)
    answer_next_question(window, "Continue it")
    tab.start()
    assert not tab.running
    assert tab.message.text() == (
        "The saved run of taught.keras began with augmentation rotation,shift,zoom,flip "
        "(the form says rotation,shift,zoom,flip,erase); teacher happy.keras (the form says "
        "none). Set the same to continue it, or save the new run to another file."
    )
    # a state file that cannot be read is said, not raised
    (tmp_path / "taught.keras.run" / "state.json").write_text("{not json")
    assert "cannot be read" in resume_mismatch(out, tab.form.config())


def answer_next_question(parent: QWidget, button: str) -> None:
    """Click ``button`` in the next message box, once it shows (its exec() waits for it)."""
    timer = QTimer(parent)

    def click() -> None:
        for box in QApplication.topLevelWidgets():
            if isinstance(box, QMessageBox) and box.isVisible():
                timer.stop()
                wanted = [b for b in box.buttons() if b.text() == button and b.isEnabled()]
                if wanted:
                    wanted[0].click()
                else:  # the box closes, and the test's own checks then fail
                    box.reject()

    timer.timeout.connect(click)
    timer.start(20)


def test_two_epoch_run_curves_report_and_use_in_live(qtbot, window, tiny_csv, tmp_path):
    tab = window.training
    out = tmp_path / "models" / "tab.keras"
    configure(tab, tiny_csv, out)
    tab.form.flip_average.setChecked(True)  # off by default, as in `ferapp train`
    with qtbot.waitSignal(tab.run_finished, timeout=RUN_MS) as finished:
        tab.start()
        assert tab.running and not tab.start_button.isEnabled()
        assert not tab.form.isEnabled()  # a run's settings cannot change under it
    assert finished.args == [0], tab.log_view.toPlainText()
    assert tab.form.isEnabled()
    assert len(tab.history) == 2
    assert "with flip averaging: validation accuracy" in tab.log_view.toPlainText()
    xs, ys = tab.plots.curves["val_accuracy"].getData()
    assert list(xs) == [1, 2] and len(ys) == 2
    assert tab.progress.value() == tab.progress.maximum()
    assert tab.plots.report_table.item(0, 0) is not None  # precision/recall filled in
    assert (
        tab.plots.confusion_image.image is not None
        and tab.plots.confusion_image.image.shape == (7, 7)
    )
    assert "Finished" in tab.progress_label.text()
    assert tab.use_button.isEnabled()
    tab.use_button.click()
    assert window.settings.model_path == str(out)
    assert window.tabs.currentIndex() == 0
    qtbot.waitUntil(lambda: window.live.model_name.startswith("tab.keras"), timeout=60_000)


def test_closing_asks_first_and_stop_ends_the_run_keeping_a_loadable_model(
    qtbot, window, tiny_csv, tmp_path
):
    tab = window.training
    out = tmp_path / "stopped.keras"
    configure(tab, tiny_csv, out, arch="mini_xception", epochs=200)
    tab.start()
    qtbot.waitUntil(lambda: len(tab.history) >= 1, timeout=RUN_MS)
    window.confirm_close_during_training = lambda: False
    window.close()
    assert window.isVisible() and tab.running  # the user said no: the run goes on
    with qtbot.waitSignal(tab.run_finished, timeout=30_000) as finished:
        tab.stop()
    assert finished.args == [0]
    assert "Stopped" in tab.progress_label.text()
    assert len(tab.history) < 200
    assert EmotionClassifier.load(out).class_names[3] == "happy"
    window.confirm_close_during_training = lambda: pytest.fail("nothing runs: no question")
    window.close()
    assert not window.isVisible()


def test_closing_during_a_run_stops_it_and_keeps_the_best_model(qtbot, window, tiny_csv, tmp_path):
    tab = window.training
    out = tmp_path / "closed.keras"
    configure(tab, tiny_csv, out, epochs=200)
    tab.start()
    qtbot.waitUntil(lambda: len(tab.history) >= 1, timeout=RUN_MS)
    window.confirm_close_during_training = lambda: True
    window.close()
    assert not tab.running and not window.isVisible()
    assert EmotionClassifier.load(out).class_names[3] == "happy"


def test_bad_dataset_and_crash_are_reported_and_the_tab_stays_usable(
    qtbot, window, tmp_path, tiny_csv
):
    tab = window.training
    bad = tmp_path / "bad.csv"
    with open(bad, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["emotion", "pixels", "Usage"])
        writer.writerow([3, "1 2 3", "Training"])
        writer.writerow([3, " ".join(["9"] * 2304), "Training"])
    tab.check_dataset(str(bad))
    qtbot.waitUntil(lambda: "malformed" in tab.form.data_status.text(), timeout=60_000)
    assert "line 2" in tab.form.data_status.text()
    configure(tab, bad, tmp_path / "bad.keras")
    with qtbot.waitSignal(tab.run_finished, timeout=RUN_MS) as finished:
        tab.start()
    assert finished.args[0] != 0
    assert "line 2" in tab.message.text()
    assert tab.start_button.isEnabled()

    # an output folder that cannot be written (as with a full disk): the reason is shown
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the model folder should be")
    configure(tab, tiny_csv, blocker / "m.keras")
    with qtbot.waitSignal(tab.run_finished, timeout=RUN_MS) as finished:
        tab.start()
    assert finished.args[0] != 0
    assert "cannot write the model" in tab.message.text()

    configure(tab, tmp_path / "missing.csv", tmp_path / "m.keras")
    tab.start()
    assert "existing dataset" in tab.message.text() and not tab.running

    configure(tab, tiny_csv, tmp_path / "crash.keras", arch="mini_xception", epochs=200)
    tab.start()
    qtbot.waitUntil(lambda: tab.progress.value() > 0, timeout=RUN_MS)
    with qtbot.waitSignal(tab.run_finished, timeout=30_000):
        tab.process.process.kill()
    assert "crashed" in tab.message.text()
    assert tab.start_button.isEnabled()


def test_a_new_dataset_clears_old_results_and_a_bad_one_disables_start(
    qtbot, window, tmp_path, tiny_csv
):
    tab = window.training
    report = {
        "class_names": ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"],
        "confusion_matrix": np.eye(7, dtype=int).tolist(),
        "precision": dict.fromkeys(EMOTIONS, 1.0),
        "recall": dict.fromkeys(EMOTIONS, 1.0),
    }
    tab.plots.show_report(report)
    assert tab.plots.confusion_image.image is not None
    tab.check_dataset(str(tmp_path / "missing.csv"))
    assert tab.plots.confusion_image.image is None and tab.plots.report_table.item(0, 0) is None
    qtbot.waitUntil(lambda: "not found" in tab.form.data_status.text(), timeout=60_000)
    assert not tab.start_button.isEnabled()
    tab.check_dataset(str(tiny_csv))
    qtbot.waitUntil(lambda: "training and" in tab.form.data_status.text(), timeout=60_000)
    assert tab.start_button.isEnabled()


def test_the_form_starts_from_the_commands_defaults(qtbot, tmp_path) -> None:
    """One set of training defaults: the form's, `ferapp train`'s and TrainConfig's."""
    from dataclasses import replace

    from ferapp.cli import build_parser
    from ferapp.cli.train_options import config_from_args
    from ferapp.gui.training_form import TrainingForm
    from trainer.config import TrainConfig

    form = TrainingForm(tmp_path)
    qtbot.addWidget(form)
    form.data_edit.setText("faces.csv")
    shown = form.config()
    assert shown == TrainConfig(data="faces.csv", out=shown.out)
    command = build_parser().parse_args(["train", "--data", "faces.csv", "--out", shown.out])
    assert config_from_args(command) == shown
    # and what the form sends is what it shows
    form.epochs.setValue(7)
    form.augment_boxes["turn"].setChecked(True)
    sent = build_parser().parse_args(["train", *form.train_arguments()])
    assert config_from_args(sent) == replace(form.config(), epochs=7)


def _report(counts: np.ndarray) -> dict:
    return {
        "class_names": list(EMOTIONS),
        "confusion_matrix": counts.tolist(),
        "precision": dict.fromkeys(EMOTIONS, 0.5),
        "recall": dict.fromkeys(EMOTIONS, 0.5),
    }


def test_plots_keep_their_legend_off_the_data_and_series_apart(qtbot, window) -> None:
    from PySide6.QtCore import QPoint, QRect

    plots = window.training.plots
    window.resize(1024, 600)
    qtbot.waitExposed(window)
    for plot in (plots.acc_plot, plots.loss_plot):
        assert plot.getPlotItem().legend is None  # no legend inside the plot area
        top_left = plot.mapTo(plots, QPoint(0, 0))
        assert not QRect(top_left, plot.size()).intersects(plots.legend.geometry())
    assert "train" in plots.legend.text() and "validation" in plots.legend.text()
    train, val = plots.curves["accuracy"].opts, plots.curves["val_accuracy"].opts
    assert train["symbolBrush"] != val["symbolBrush"]  # the points too, not only the lines
    assert train["pen"].color() != val["pen"].color()


def test_a_new_run_resets_the_axes(qtbot, window) -> None:
    plots = window.training.plots
    acc = {"accuracy": 0.5, "val_accuracy": 0.4}
    big = [{"epoch": e, "loss": 900.0 / e, "val_loss": 950.0 / e, **acc} for e in range(1, 31)]
    plots.show_history(big)
    plots.loss_plot.getViewBox().updateAutoRange()
    assert plots.loss_plot.viewRange()[1][1] > 100
    plots.clear()
    assert plots.loss_plot.viewRange()[0] == pytest.approx([0.5, 1.5])
    assert plots.loss_plot.viewRange()[1] == pytest.approx([0, 1])
    plots.show_history([{"epoch": 1, "loss": 1.2, "val_loss": 1.4, **acc}])
    plots.loss_plot.getViewBox().updateAutoRange()
    assert plots.loss_plot.viewRange()[1][1] < 3  # the old run's scale is gone


def test_the_confusion_matrix_says_what_it_draws_and_its_columns_are_named_apart(
    qtbot, window
) -> None:
    import cv2
    from PySide6.QtGui import QFontMetrics

    from ferapp.core.evaluation.confusion_image import caption, render_confusion
    from ferapp.core.evaluation.metrics import ClassificationReport
    from ferapp.gui.training_plots import COLUMN_GAP, CONFUSION_CAPTION

    plots = window.training.plots
    window.resize(1024, 600)
    window.tabs.setCurrentWidget(window.training)
    qtbot.waitExposed(window)
    plots.show_report(_report(np.eye(7, dtype=int) * 40 + 3))
    assert "images" in CONFUSION_CAPTION and "share of the true class" in CONFUSION_CAPTION
    assert plots.confusion_plot.getAxis("left").labelText == "true class"
    names = [text for _x, text in plots.confusion_plot.getAxis("bottom")._tickLevels[0]]
    assert len(set(names)) == len(EMOTIONS)
    column = plots.confusion_plot.getViewBox().width() / len(EMOTIONS)
    metrics = QFontMetrics(plots.confusion_plot.font())
    assert all(metrics.horizontalAdvance(n) + COLUMN_GAP <= column for n in names), names
    # the saved picture's title says the same: counts written, colour the row's share
    first, second = caption(0.5)
    assert "true class (rows)" in first and "numbers: images" in second
    assert "share of the true class" in second
    true = np.repeat(np.arange(7), 5)
    report = ClassificationReport.from_predictions(true, true, tuple(EMOTIONS))
    width = render_confusion(report).shape[1]
    for line in (first, second):  # each title line whole in the picture
        assert 8 + cv2.getTextSize(line, cv2.FONT_HERSHEY_SIMPLEX, 0.55, 1)[0][0] <= width


def test_the_tab_trains_on_the_backend_chosen_and_shows_what_trains(
    qtbot, window, tiny_csv, tmp_path
):
    tab = window.training
    combo = tab.form.backend_combo
    assert [combo.itemData(i) for i in range(combo.count())] == ["tensorflow", "jax", "torch"]
    assert combo.currentData() == "tensorflow"
    out = tmp_path / "models" / "torch.keras"
    configure(tab, tiny_csv, out, epochs=1)
    combo.setCurrentIndex(combo.findData("torch"))
    args = tab.train_arguments()
    assert args[args.index("--backend") + 1] == "torch"
    with qtbot.waitSignal(tab.run_finished, timeout=RUN_MS) as finished:
        tab.start()
        qtbot.waitUntil(lambda: "(torch)" in tab.progress.format(), timeout=RUN_MS)
        assert tab.progress.format().startswith("%p%  (CPU, ")  # in sight while it trains
    assert finished.args == [0], tab.log_view.toPlainText()
    assert "thesis2 on CPU, " in tab.log_view.toPlainText()
    tab.use_button.click()  # the app opens a model PyTorch trained as any other
    qtbot.waitUntil(lambda: window.live.model_name.startswith("torch.keras"), timeout=60_000)
    # a run continued on another backend is refused before it starts, saying what to set
    combo.setCurrentIndex(combo.findData("jax"))
    assert "backend torch (the form says jax)" in resume_mismatch(out, tab.form.config())


def test_a_backend_that_is_not_installed_is_shown_but_cannot_be_chosen(qtbot, monkeypatch):
    from ferapp.gui.training_choices import backend_combo
    from trainer import backends

    monkeypatch.setitem(backends.PACKAGES, "jax", "ferapp_no_such_package")
    combo = backend_combo("jax")  # asked for (KERAS_BACKEND), but not there: TensorFlow
    qtbot.addWidget(combo)
    assert combo.currentData() == "tensorflow"
    item = combo.model().item(combo.findData("jax"))
    assert not item.isEnabled() and item.text() == "JAX (not installed)"
    assert "pip install 'ferapp[jax]'" in item.toolTip()
    assert combo.model().item(combo.findData("torch")).isEnabled()


def test_a_saved_run_on_a_backend_not_installed_says_how_to_go_on(tmp_path, monkeypatch):
    from trainer import backends
    from trainer.config import TrainConfig
    from trainer.run_folder import RunFolder

    out = tmp_path / "m.keras"
    saved = TrainConfig(data="d.csv", out=str(out), backend="jax")
    folder = RunFolder(out)
    folder.create()
    folder.save_state({"config": saved.to_dict(), "epochs_done": 1})
    folder.checkpoint.write_bytes(b"")  # a run to continue: state and checkpoint
    form_says = TrainConfig(data="d.csv", out=str(out))
    assert "backend jax (the form says tensorflow)" in resume_mismatch(out, form_says)
    monkeypatch.setitem(backends.PACKAGES, "jax", "ferapp_no_such_package")
    said = resume_mismatch(out, form_says)
    assert "trains on jax, which is not installed here" in said and "replace the run" in said
