"""Command-line options of the window, headless diagnostics (--screenshot, --self-test), start-up."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import time
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from ferapp.core.locations import log_folder
from ferapp.window_options import build_window_parser

STARTED = time.perf_counter()  # as early as the window's code is imported


def self_test(settings_dir: str | None = None) -> int:
    """Check the settings' model, both detectors and the window with one synthetic frame;
    print one line (FAILED with the reason when the window would not start as set)."""
    import numpy as np

    from ferapp.core.detect.base import DETECTOR_NAMES, DetectorSettings
    from ferapp.core.errors import FerappError
    from ferapp.core.locations import resolve_model_path
    from ferapp.core.model.classifier import EmotionClassifier
    from ferapp.core.recognition.recognizer import Recognizer
    from ferapp.core.recognition.settings import RecognitionSettings
    from ferapp.gui.main_window import MainWindow
    from ferapp.gui.settings import load_settings, open_store, settings_problem

    app = QApplication.instance() or QApplication(sys.argv[:1])
    try:
        store = open_store(settings_dir)
        problem = settings_problem(store)
        if problem:
            raise FerappError(problem)
        chosen = load_settings(store).model_path
        model = resolve_model_path(chosen or None)
        if chosen and not model.is_file():
            raise FerappError(
                f"the model in the settings, {chosen}, is missing (the window would use "
                "the default model instead)"
            )
        classifier = EmotionClassifier.load(model)
        frame = np.full((480, 640, 3), 128, np.uint8)
        for name in DETECTOR_NAMES:
            settings = RecognitionSettings(detector=DetectorSettings(detector=name))
            Recognizer.from_settings(settings, classifier).process(frame)
        # the classifier itself, on one face-sized crop
        probs = classifier.classify(np.full((1, *classifier.input_size), 128, np.uint8))
        window = MainWindow(settings_dir=settings_dir)
        window.shutdown()
        window.deleteLater()
        app.processEvents()
    except FerappError as exc:
        print(f"ferapp self-test FAILED: {exc}")
        return 1
    print(
        f"ferapp self-test OK: model {model.name} ({classifier.precision}), "
        f"{probs.shape[1]} classes, face detectors {' and '.join(DETECTOR_NAMES)} loaded, "
        "window built"
    )
    return 0


class ErrorBox(QObject):
    """Shows an unexpected error in a message box on the UI thread, whichever thread had it
    (a widget made on a worker thread would crash the process)."""

    report = Signal(str)

    def __init__(self, log_file: Path) -> None:
        super().__init__()
        self.log_file = log_file
        self.report.connect(self._show)  # the object lives on the UI thread: queued there

    def _show(self, text: str) -> None:
        from PySide6.QtWidgets import QMessageBox

        if QApplication.instance() is not None:
            QMessageBox.critical(
                None,
                "ferapp: unexpected error",
                f"{text}\n\nDetails are in {self.log_file}. ferapp keeps running.",
            )


def setup_logging() -> Path | None:
    """A rotating log file, and unexpected errors logged and shown instead of killing the app."""
    try:
        folder = log_folder()  # per user (platformdirs), FERAPP_LOG_DIR overrides
        folder.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            folder / "ferapp.log", maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)

    box = ErrorBox(folder / "ferapp.log")

    def excepthook(kind, value, tb) -> None:
        logging.getLogger("ferapp").error("unexpected error", exc_info=(kind, value, tb))
        box.report.emit(f"{kind.__name__}: {value}")  # shown on the UI thread, from any thread

    sys.excepthook = excepthook
    return folder / "ferapp.log"


def run(argv: list[str]) -> int:
    parser = build_window_parser()
    args = parser.parse_args(argv)
    if args.exit_after is not None and not 0 <= args.exit_after < 1e7:  # also refuses NaN
        parser.error(f"--exit-after must be a number of seconds, 0 or more; got {args.exit_after}")
    setup_logging()
    if args.self_test:
        return self_test(args.settings_dir)
    from ferapp.gui.main_window import MainWindow, app_icon

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("ferapp")
    app.setWindowIcon(app_icon())
    window = MainWindow(settings_dir=args.settings_dir)
    if args.model:
        window.apply_settings(replace(window.settings, model_path=args.model))
    window.show()
    window.start_source(args.source or window.settings.source)

    def first_frame(_latency_ms: float) -> None:
        window.painted.disconnect(first_frame)
        print(
            f"ferapp: first annotated frame after {time.perf_counter() - STARTED:.1f} s", flush=True
        )

    window.painted.connect(first_frame)
    outcome = {"code": 0}
    if args.exit_after is not None:
        started = time.perf_counter()

        def finish() -> None:
            note = ""
            if args.screenshot:
                if save_screenshot(window, args.screenshot):
                    note = f", screenshot {args.screenshot}"
                else:
                    outcome["code"] = 1
                    print(
                        f"ferapp: error: cannot write the screenshot {args.screenshot}",
                        file=sys.stderr,
                    )
            print(f"ferapp: ran {time.perf_counter() - started:.1f} s{note}")
            window.close()

        QTimer.singleShot(int(args.exit_after * 1000), finish)
    code = app.exec()
    window.shutdown()
    return code or outcome["code"]


def save_screenshot(window, path: Path) -> bool:
    """A PNG of the whole window, written atomically; False when it cannot be written."""
    from PySide6.QtCore import QBuffer, QIODevice

    from ferapp.core.files import write_bytes_atomic

    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not window.grab().save(buffer, "PNG"):
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, bytes(buffer.data()))
    except OSError:
        return False
    return True
