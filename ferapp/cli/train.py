"""`ferapp train`: train a model on FER2013 CSV or an image folder, with progress and a summary."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path

from tqdm import tqdm

import trainer
from ferapp.cli.train_options import add_train_options, config_from_args
from ferapp.core.errors import FerappError
from ferapp.core.evaluation.confusion_image import write_confusion_png
from ferapp.core.model.tensorflow_import import import_keras
from trainer.protocol import (
    MESSAGE_KINDS,
    STOP_REQUEST,
    TrainEvent,
    best_model_origin,
    summary_path,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train an emotion model",
        description="Train on a FER2013 CSV (Training rows train, PublicTest rows "
        "select the best epoch) or an image folder ROOT/<split>/<class>/*.png.",
    )
    add_train_options(p)
    p.set_defaults(run=run)


class _ProgressBar:
    """Prints a tqdm bar per epoch and one line per finished epoch."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar: tqdm | None = None

    def __call__(self, event) -> None:
        if event.kind in MESSAGE_KINDS and event.kind != "error":
            print(event.message, file=sys.stderr, flush=True)
        elif event.kind == "batch" and not self.quiet:
            if self.bar is None:
                self.bar = tqdm(
                    total=event.batches,
                    unit="batch",
                    file=sys.stderr,
                    leave=False,
                    desc=f"epoch {event.epoch}/{event.epochs}",
                )
            self.bar.update(1)
            self.bar.set_postfix(
                loss=f"{event.logs.get('loss', 0):.3f}",
                acc=f"{event.logs.get('accuracy', 0):.3f}",
                refresh=False,
            )
        elif event.kind == "epoch":
            if self.bar is not None:
                self.bar.close()
                self.bar = None
            print(event.text(), file=sys.stderr, flush=True)


class StopFlag:
    """Set by Ctrl-C / SIGTERM or a 'stop' line on stdin: the run ends after the current batch."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.signal: int | None = None  # the signal that asked to stop (None: none did)

    def is_set(self) -> bool:
        return self._event.is_set()

    def listen_for_signals(self) -> None:
        def handler(signum, frame) -> None:
            if self._event.is_set():
                raise KeyboardInterrupt
            self.signal = signum
            self._event.set()
            print(
                "stopping after this batch (the best model is kept); press Ctrl-C again to abort",
                file=sys.stderr,
                flush=True,
            )

        signal.signal(signal.SIGINT, handler)
        if hasattr(signal, "SIGTERM"):
            signal.signal(signal.SIGTERM, handler)

    def listen_on_stdin(self) -> None:
        def read() -> None:
            for line in sys.stdin:
                if line.strip() == STOP_REQUEST:
                    break
            self._event.set()  # 'stop', or the parent went away (stdin closed)

        threading.Thread(target=read, daemon=True, name="ferapp-stdin").start()


class EventPrinter:
    """Prints events as protocol lines on stdout (batch events at most 10 per second)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self._last_batch = 0.0

    def __call__(self, event) -> None:
        self.inner(event)
        now = time.monotonic()
        if event.kind == "batch" and now - self._last_batch < 0.1 and event.batch != event.batches:
            return
        self._last_batch = now
        print(event.to_line(), flush=True)


def _saved_config(args: argparse.Namespace) -> dict | None:
    """The settings of the run ``--out`` would continue (None: none, or --overwrite)."""
    from trainer.run_folder import RunFolder

    if args.overwrite:
        return None
    try:
        state = RunFolder(args.out).load_state()
    except (OSError, ValueError):
        return None  # a damaged run folder is said when the run starts
    return None if state is None else (state.get("config") or {})


def _backend(args: argparse.Namespace, saved: dict | None) -> str:
    """--backend; without it, with --resume the backend the run began on, else
    KERAS_BACKEND's (or TensorFlow)."""
    from trainer.backends import default_backend
    from trainer.run_folder import OLD_DEFAULTS

    if args.backend:
        return args.backend
    if args.resume and saved is not None:
        return saved.get("backend") or OLD_DEFAULTS["backend"]
    return default_backend()


def _precision(args: argparse.Namespace, saved: dict | None, resolve) -> str:
    """--precision, with auto resolved: a run to resume keeps the precision it began with."""
    if args.precision == "auto" and saved and saved.get("precision"):
        return saved["precision"]
    return resolve(args.precision, args.arch, args.backend)


SKIPPED_SHOWN = 10  # bad rows listed one by one; the rest are counted


def run(args: argparse.Namespace) -> int:
    from trainer.backends import choose_backend

    try:
        if args.out.suffix.lower() != ".keras":
            args.out = args.out.with_suffix(".keras")
        args.saved = _saved_config(args)  # read once: backend and precision follow it
        args.backend = _backend(args, args.saved)
        choose_backend(args.backend)  # before Keras loads
        if args.backend == "tensorflow":
            trainer.prepare_training([args.arch])  # before TensorFlow loads: the crash guard
        return _train(args)
    except FerappError as exc:
        if args.events:  # the window reads the reason from the protocol, not from stderr
            print(TrainEvent("error", message=str(exc)).to_line(), flush=True)
        raise


def _train(args: argparse.Namespace) -> int:
    try:
        import_keras()  # before the trainer's modules load it: no start-up notices
    except (ImportError, OSError, RuntimeError) as exc:  # a broken install, a missing library
        raise FerappError(f"Keras could not start on {args.backend}: {exc}") from exc
    from trainer.datasets import CrowdLabels, add_training_images, load_dataset
    from trainer.distillation import check_teacher
    from trainer.precision import resolve_precision
    from trainer.run_folder import RunFolder
    from trainer.training import Trainer

    if args.resume and args.overwrite:
        raise FerappError("--resume and --overwrite contradict each other; choose one")
    config = config_from_args(args, _precision(args, args.saved, resolve_precision), args.backend)
    folder = RunFolder(args.out)
    folder.state_to_continue(None if args.overwrite else args.resume, config)  # fail fast
    if config.teacher:
        check_teacher(Path(config.teacher))  # before the dataset loads and a run is replaced
    print(f"loading {args.data} ...", file=sys.stderr)
    crowd = (
        CrowdLabels(config.votes, config.labels, config.classes, config.crowd_weight)
        if config.votes
        else None
    )
    splits = load_dataset(args.data, skip_bad_rows=args.skip_bad_rows, crowd=crowd)
    if config.extra_data:
        added = add_training_images(splits, config.extra_data)
        print(f"added {added:,} training images from {config.extra_data}", file=sys.stderr)
    if splits.skipped:
        shown = "".join(f"\n  {where}: {why}" for where, why in splits.skipped[:SKIPPED_SHOWN])
        more = len(splits.skipped) - SKIPPED_SHOWN
        print(
            f"skipped {len(splits.skipped)} malformed row(s)/file(s):{shown}"
            + (f"\n  ... and {more} more" if more > 0 else ""),
            file=sys.stderr,
        )
    if args.overwrite:
        folder.discard()
    stop = StopFlag()
    stop.listen_for_signals()
    on_event = _ProgressBar(args.quiet)
    if args.events:  # the window shows events only: no second copy of each line
        stop.listen_on_stdin()
        on_event = EventPrinter(lambda event: None)
    trainer_ = Trainer(config, splits, on_event=on_event, should_stop=stop.is_set)
    try:
        result = trainer_.run(resume=None if args.overwrite else args.resume)
    except FerappError as exc:
        if not stop.signal:
            raise
        print(f"ferapp train: {exc}", file=sys.stderr)  # stopped by Ctrl-C or SIGTERM
        return 128 + stop.signal
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise FerappError(
            f"cannot write the model or its run files{where}: {exc.strerror or exc}"
        ) from exc
    state = "cancelled" if result.cancelled else "finished"
    where = best_model_origin(result.best_epoch, result.averaged, result.flipped)
    print(
        f"{state} after {result.epochs_done} epoch(s) in {result.seconds / 60:.1f} min; "
        f"best validation accuracy {result.best_val_accuracy:.2%} ({where})"
    )
    print(f"model: {result.out}\nrun log: {summary_path(args.out)}")
    if result.report is not None:
        if not args.events:  # the window shows the report itself
            print(result.report.text())
        image = args.out.with_name(args.out.stem + "-confusion.png")
        write_confusion_png(result.report, image)
        print(f"confusion matrix image: {image}")
    # stopped by Ctrl-C or SIGTERM: the run is kept, and the exit code says it was cut
    return 128 + stop.signal if stop.signal and result.cancelled else 0
