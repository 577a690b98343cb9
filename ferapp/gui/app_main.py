"""Command-line options of the window, headless diagnostics (--screenshot, --self-test), start-up."""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ferapp import __version__

STARTED = time.perf_counter()  # as early as the window's code is imported


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ferapp",
        description="Open the ferapp window. Sub-commands "
        "analyze, evaluate and train run headless (see ferapp analyze --help).",
    )
    p.add_argument("--source", help="camera number, video file or image folder to start with")
    p.add_argument("--model", help="model file to use (saved in the settings)")
    p.add_argument("--settings-dir", help="keep settings in this folder instead of the usual place")
    p.add_argument("--screenshot", type=Path, help="save a PNG of the whole window before exiting")
    p.add_argument("--exit-after", type=float, help="quit after this many seconds")
    p.add_argument(
        "--self-test",
        action="store_true",
        help="load model and detector, build the window, run one frame, report, exit",
    )
    p.add_argument("--version", action="version", version=f"ferapp {__version__}")
    return p


def self_test() -> int:
    """Check the model, the cascade and the window with one synthetic frame; print one line."""
    import numpy as np

    from ferapp.core.classifier import EmotionClassifier
    from ferapp.core.default_model import NO_MODEL_HELP, find_default_model
    from ferapp.core.detector import FaceDetector
    from ferapp.core.errors import FerappError
    from ferapp.core.pipeline import Pipeline
    from ferapp.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    try:
        model = find_default_model()
        if model is None:
            raise FerappError(NO_MODEL_HELP)
        classifier = EmotionClassifier.load(model)
        pipeline = Pipeline(FaceDetector(), classifier)
        frame = np.full((480, 640, 3), 128, np.uint8)
        pipeline.process(frame)
        # the classifier itself, on one face-sized crop
        probs = classifier.classify(np.full((1, *classifier.input_size), 128, np.uint8))
        window = MainWindow(settings_dir=None)
        window.shutdown()
        window.deleteLater()
        app.processEvents()
    except FerappError as exc:
        print(f"ferapp self-test FAILED: {exc}")
        return 1
    print(
        f"ferapp self-test OK: model {model.name} ({classifier.precision}), "
        f"{probs.shape[1]} classes, cascade loaded, window built"
    )
    return 0


def log_folder() -> Path:
    """Where the window's log file lives (per user; FERAPP_LOG_DIR overrides)."""
    from PySide6.QtCore import QStandardPaths

    custom = os.environ.get("FERAPP_LOG_DIR")
    if custom:
        return Path(custom)
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
    return Path(base or Path.home()) / "ferapp" / "logs"


def setup_logging() -> Path | None:
    """A rotating log file, and unexpected errors logged and shown instead of killing the app."""
    try:
        folder = log_folder()
        folder.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            folder / "ferapp.log", maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)

    def excepthook(kind, value, tb) -> None:
        logging.getLogger("ferapp").error("unexpected error", exc_info=(kind, value, tb))
        from PySide6.QtWidgets import QMessageBox

        if QApplication.instance() is not None:
            QMessageBox.critical(
                None,
                "ferapp: unexpected error",
                f"{kind.__name__}: {value}\n\nDetails are in "
                f"{folder / 'ferapp.log'}. ferapp keeps running.",
            )

    sys.excepthook = excepthook
    return folder / "ferapp.log"


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    setup_logging()
    if args.self_test:
        return self_test()
    from ferapp.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("ferapp")
    window = MainWindow(settings_dir=args.settings_dir)
    if args.model:
        settings = window.settings
        window.apply_settings(type(settings)(**{**settings.__dict__, "model_path": args.model}))
    window.show()
    window.start_source(args.source or window.settings.source)

    def first_frame(_latency_ms: float) -> None:
        window.painted.disconnect(first_frame)
        print(
            f"ferapp: first annotated frame after {time.perf_counter() - STARTED:.1f} s", flush=True
        )

    window.painted.connect(first_frame)
    if args.exit_after is not None:
        started = time.perf_counter()

        def finish() -> None:
            if args.screenshot:
                args.screenshot.parent.mkdir(parents=True, exist_ok=True)
                window.grab().save(str(args.screenshot))
            print(
                f"ferapp: ran {time.perf_counter() - started:.1f} s"
                + (f", screenshot {args.screenshot}" if args.screenshot else "")
            )
            window.close()

        QTimer.singleShot(int(args.exit_after * 1000), finish)
    code = app.exec()
    window.shutdown()
    return code
