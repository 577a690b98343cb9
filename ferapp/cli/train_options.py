"""`ferapp train`'s options and the run settings they make: the defaults are TrainConfig's."""

from __future__ import annotations

import argparse
from pathlib import Path

from ferapp.core.datasets.ferplus import LABEL_MODES
from ferapp.core.errors import FerappError
from trainer.backends import BACKENDS
from trainer.config import TrainConfig
from trainer.protocol import (
    ARCHITECTURE_NAMES,
    AUGMENTATIONS,
    PRECISIONS,
    SCHEDULES,
    THESIS_AUGMENTATIONS,
    Augmentation,
)

D = TrainConfig(data="")  # the defaults, written once


def add_train_options(p: argparse.ArgumentParser) -> None:
    """Every option of `ferapp train`."""
    p.add_argument("--data", type=Path, required=True, help="FER2013 .csv/.csv.gz or image folder")
    p.add_argument("--arch", choices=ARCHITECTURE_NAMES, default=D.arch)
    p.add_argument("--epochs", type=int, default=D.epochs)
    p.add_argument("--batch-size", type=int, default=D.batch_size)
    p.add_argument("--learning-rate", type=float, default=D.learning_rate)
    p.add_argument(
        "--schedule",
        choices=SCHEDULES,
        default=D.schedule,
        help="learning rate: halve on a val-loss plateau, or cosine decay over the epochs",
    )
    p.add_argument("--label-smoothing", type=float, default=D.label_smoothing)
    p.add_argument(
        "--class-weights", action="store_true", help="weight classes by inverse frequency"
    )
    p.add_argument(
        "--augment",
        default=D.augmentation.names(),
        help=f"comma-separated augmentations from {','.join(AUGMENTATIONS)}, or 'none' "
        f"(default: {','.join(THESIS_AUGMENTATIONS)}, as in the thesis; erase: random "
        "erasing, a rectangle of noise on half the images; mixup: each image blended with "
        "another, and their labels alike; turn: faces squeezed sideways as turned heads "
        "look; blur: most faces slightly blurred, as ferapp's crops of real photos are)",
    )
    p.add_argument("--no-augment", action="store_true", help="same as --augment none")
    p.add_argument(
        "--early-stopping", type=int, default=D.early_stopping, help="patience in epochs, 0 = off"
    )
    p.add_argument(
        "--plateau-patience",
        type=int,
        default=D.plateau_patience,
        help="with the plateau schedule: epochs without a better validation loss before "
        "the learning rate is halved",
    )
    p.add_argument(
        "--average-last",
        type=int,
        default=D.average_last,
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
    p.add_argument("--seed", type=int, default=D.seed)
    p.add_argument(
        "--precision",
        choices=PRECISIONS,
        default=D.precision,
        help="training arithmetic: float32, or mixed bfloat16 (float32 weights; about 1.3x "
        "faster, on CPUs with AMX only); auto (default): bfloat16 where the CPU has AMX and "
        "the architecture allows it, else float32; a resumed run keeps its own. The saved "
        "model is float32 either way",
    )
    p.add_argument(
        "--backend",
        choices=BACKENDS,
        help="the Keras backend that trains: tensorflow, jax or torch (JAX and PyTorch "
        "use an NVIDIA GPU when they see one); default: KERAS_BACKEND when set, else "
        f"{D.backend}; a resumed run keeps its own. The saved model is the same either way",
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
        help="the teacher's share of each training target, above 0 and at most 1 "
        f"(default {D.teacher_weight})",
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
        default=D.labels,
        help="with --votes, FER+'s rule for turning votes into targets: the majority's class, "
        "a class drawn from the vote distribution each epoch, or the distribution itself "
        "(default)",
    )
    p.add_argument(
        "--classes",
        type=int,
        choices=(7, 8),
        default=D.classes,
        help="with --votes: FER2013's 7 emotions (default), or 8 with contempt",
    )
    p.add_argument(
        "--crowd-weight",
        type=float,
        default=D.crowd_weight,
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


def parse_augmentation(text: str) -> Augmentation:
    try:
        return Augmentation.parse(text)
    except ValueError as exc:
        raise FerappError(str(exc)) from exc


def config_from_args(
    args: argparse.Namespace, precision: str | None = None, backend: str | None = None
) -> TrainConfig:
    """The run settings the options name (``precision``, ``backend``: resolved, else the
    option's)."""
    if args.teacher_weight is not None and args.teacher is None:
        raise FerappError("--teacher-weight needs --teacher MODEL, the model to learn from")

    def path(value: Path | None) -> str | None:
        return str(value) if value else None

    return TrainConfig(
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
        plateau_patience=args.plateau_patience,
        seed=args.seed,
        skip_bad_rows=args.skip_bad_rows,
        init_from=path(args.init_from),
        average_last=args.average_last,
        flip_average=args.flip_average,
        teacher=path(args.teacher),
        teacher_weight=D.teacher_weight if args.teacher_weight is None else args.teacher_weight,
        precision=precision or args.precision,
        backend=backend or args.backend or D.backend,
        votes=path(args.votes),
        labels=args.labels,
        classes=args.classes,
        crowd_weight=args.crowd_weight,
        extra_data=path(args.extra_data),
    ).validated()
