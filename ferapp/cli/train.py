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
from ferapp.core.datasets.ferplus import LABEL_MODES
from ferapp.core.errors import FerappError
from ferapp.core.evaluation.confusion_image import write_confusion_png
from ferapp.core.model.tensorflow_import import import_tensorflow
from trainer.protocol import (
    ARCHITECTURE_NAMES,
    AUGMENTATIONS,
    MESSAGE_KINDS,
    PRECISIONS,
    SCHEDULES,
    STOP_REQUEST,
    THESIS_AUGMENTATIONS,
    Augmentation,
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
    p.add_argument("--data", type=Path, required=True, help="FER2013 .csv/.csv.gz or image folder")
    p.add_argument("--arch", choices=ARCHITECTURE_NAMES, default="fernet")
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--learning-rate", type=float, default=1e-3)
    p.add_argument(
        "--schedule",
        choices=SCHEDULES,
        default="plateau",
        help="learning rate: halve on a val-loss plateau, or cosine decay over the epochs",
    )
    p.add_argument("--label-smoothing", type=float, default=0.0)
    p.add_argument(
        "--class-weights", action="store_true", help="weight classes by inverse frequency"
    )
    p.add_argument(
        "--augment",
        default=",".join(THESIS_AUGMENTATIONS),
        help=f"comma-separated augmentations from {','.join(AUGMENTATIONS)}, or 'none' "
        f"(default: {','.join(THESIS_AUGMENTATIONS)}, as in the thesis; erase: random "
        "erasing, a rectangle of noise on half the images; mixup: each image blended with "
        "another, and their labels alike)",
    )
    p.add_argument("--no-augment", action="store_true", help="same as --augment none")
    p.add_argument("--early-stopping", type=int, default=12, help="patience in epochs, 0 = off")
    p.add_argument(
        "--average-last",
        type=int,
        default=0,
        metavar="N",
        help="average the weights of the last N epochs (stochastic weight averaging); "
        "the average is kept when it beats the best single epoch on validation",
    )
    p.add_argument(
        "--flip-average",
        action="store_true",
        help="at the end, build test-time flip averaging into the model (the mean of its "
        "answers for a face and its mirror image), kept when it scores higher on validation",
    )
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="auto",
        help="training arithmetic: float32, or mixed bfloat16 (float32 weights; about 1.3x "
        "faster, on CPUs with AMX only); auto (default): bfloat16 where the CPU has AMX and "
        "the architecture allows it, else float32; a resumed run keeps its own. The saved "
        "model is float32 either way",
    )
    p.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="leave out malformed CSV rows (counted) instead of stopping at the first",
    )
    p.add_argument(
        "--init-from",
        type=Path,
        metavar="MODEL",
        help="start from the weights of this model (same --arch), e.g. to train a "
        "finished model further with a new schedule",
    )
    p.add_argument(
        "--teacher",
        type=Path,
        metavar="MODEL",
        help="knowledge distillation: learn from this finished model's answers on each "
        "training image as well as from the labels",
    )
    p.add_argument(
        "--teacher-weight",
        type=float,
        metavar="W",
        help="the teacher's share of each training target, above 0 and at most 1 (default 0.5)",
    )
    p.add_argument(
        "--votes",
        type=Path,
        metavar="FILE",
        help="FER+ crowd votes for the FER2013 CSV (10 people per face): train on what the "
        "crowd saw instead of one annotator's label, and choose epochs by the crowd's majority",
    )
    p.add_argument(
        "--labels",
        choices=LABEL_MODES,
        default="crossentropy",
        help="with --votes, FER+'s rule for turning votes into targets: the majority's class, "
        "a class drawn from the vote distribution each epoch, or the distribution itself "
        "(default)",
    )
    p.add_argument(
        "--classes",
        type=int,
        choices=(7, 8),
        default=7,
        help="with --votes: FER2013's 7 emotions (default), or 8 with contempt",
    )
    p.add_argument(
        "--crowd-weight",
        type=float,
        default=1.0,
        metavar="W",
        help="with --votes: the crowd's share of each target, the rest FER2013's own label; "
        "below 1 the run is validated on FER2013's labels (default 1: the crowd alone)",
    )
    p.add_argument(
        "--extra-data",
        type=Path,
        metavar="FOLDER",
        help="an image folder FOLDER/<class>/*.png whose faces join the training images "
        "(validation stays the --data set's), e.g. turned faces from web photos",
    )
    p.add_argument("--out", type=Path, required=True, help="where the best model goes (.keras)")
    p.add_argument("--resume", action="store_true", help="continue the interrupted run of --out")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="start afresh even if --out already holds a model or an interrupted run",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--events",
        action="store_true",
        help="for the window: print progress as JSON lines on stdout and stop "
        "cleanly when 'stop' arrives on stdin",
    )
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
            lg = event.logs
            print(
                f"epoch {event.epoch}/{event.epochs}: loss {lg.get('loss', 0):.4f} "
                f"acc {lg.get('accuracy', 0):.4f} val_loss {lg.get('val_loss', 0):.4f} "
                f"val_acc {lg.get('val_accuracy', 0):.4f} lr {lg.get('learning_rate', 0):.2e} "
                f"({lg.get('seconds', 0):.0f} s)",
                file=sys.stderr,
                flush=True,
            )


def parse_augmentation(text: str) -> Augmentation:
    try:
        return Augmentation.parse(text)
    except ValueError as exc:
        raise FerappError(str(exc)) from exc


class StopFlag:
    """Set by Ctrl-C / SIGTERM or a 'stop' line on stdin: the run ends after the current batch."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def is_set(self) -> bool:
        return self._event.is_set()

    def listen_for_signals(self) -> None:
        def handler(signum, frame) -> None:
            if self._event.is_set():
                raise KeyboardInterrupt
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


def _precision(args: argparse.Namespace, folder, resolve) -> str:
    """--precision, with auto resolved: a run to resume keeps the precision it began with."""
    if args.precision == "auto" and not args.overwrite:
        saved = (folder.load_state() or {}).get("config", {}).get("precision")
        if saved:
            return saved
    return resolve(args.precision, args.arch)


SKIPPED_SHOWN = 10  # bad rows listed one by one; the rest are counted


def run(args: argparse.Namespace) -> int:
    trainer.prepare_training([args.arch])  # before TensorFlow loads: the oneDNN crash guard
    try:
        return _train(args)
    except FerappError as exc:
        if args.events:  # the window reads the reason from the protocol, not from stderr
            print(TrainEvent("error", message=str(exc)).to_line(), flush=True)
        raise


def _train(args: argparse.Namespace) -> int:
    import_tensorflow()  # before the trainer's modules load Keras: no start-up notices
    from trainer.config import DEFAULT_TEACHER_WEIGHT, TrainConfig
    from trainer.datasets import CrowdLabels, add_training_images, load_dataset
    from trainer.distillation import check_teacher
    from trainer.precision import resolve_precision
    from trainer.run_folder import RunFolder
    from trainer.training import Trainer

    if args.out.suffix.lower() != ".keras":
        args.out = args.out.with_suffix(".keras")
    if args.resume and args.overwrite:
        raise FerappError("--resume and --overwrite contradict each other; choose one")
    if args.teacher_weight is not None and args.teacher is None:
        raise FerappError("--teacher-weight needs --teacher MODEL, the model to learn from")
    config = TrainConfig(
        data=str(args.data),
        arch=args.arch,
        out=str(args.out),
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        schedule=args.schedule,
        label_smoothing=args.label_smoothing,
        class_weights=args.class_weights,
        augmentation=parse_augmentation("none" if args.no_augment else args.augment),
        early_stopping=args.early_stopping,
        seed=args.seed,
        skip_bad_rows=args.skip_bad_rows,
        init_from=str(args.init_from) if args.init_from else None,
        average_last=args.average_last,
        flip_average=args.flip_average,
        teacher=str(args.teacher) if args.teacher else None,
        teacher_weight=(
            DEFAULT_TEACHER_WEIGHT if args.teacher_weight is None else args.teacher_weight
        ),
        precision=_precision(args, RunFolder(args.out), resolve_precision),
        votes=str(args.votes) if args.votes else None,
        labels=args.labels,
        classes=args.classes,
        crowd_weight=args.crowd_weight,
        extra_data=str(args.extra_data) if args.extra_data else None,
    ).validated()
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
    return 0
