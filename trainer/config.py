"""What defines a training run and what it gives back (no Keras: the window reads them too)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ferapp.core.datasets.ferplus import LABEL_MODES
from ferapp.core.errors import FerappError
from ferapp.core.evaluation.metrics import ClassificationReport
from trainer.backends import BACKENDS, DEFAULT_BACKEND
from trainer.protocol import ARCHITECTURE_NAMES, PRECISIONS, SCHEDULES, Augmentation

DEFAULT_TEACHER_WEIGHT = 0.5


@dataclass
class TrainConfig:
    """Everything that defines a run; saved with the run so it can be resumed and reported."""

    data: str
    arch: str = "fernet"
    out: str = "model.keras"
    epochs: int = 50
    batch_size: int = 64
    learning_rate: float = 1e-3
    schedule: str = "plateau"
    label_smoothing: float = 0.0
    class_weights: bool = False
    augmentation: Augmentation = field(default_factory=Augmentation)
    early_stopping: int = 12  # patience in epochs, 0 = off
    plateau_patience: int = 5
    seed: int = 1234
    skip_bad_rows: bool = False
    init_from: str | None = None  # start from this model's weights (same architecture)
    average_last: int = 0  # average the weights of the last N epochs (SWA), 0 = off
    flip_average: bool = False  # build test-time flip averaging into the output if it helps
    teacher: str | None = None  # distil: mix this model's answers into the targets
    teacher_weight: float = DEFAULT_TEACHER_WEIGHT  # its share of each target
    precision: str = "auto"  # float32, or bfloat16 (mixed: bfloat16 compute, float32
    # weights); auto is resolved before a run starts (a resumed run keeps its own)
    backend: str = DEFAULT_BACKEND  # the Keras backend: tensorflow, jax or torch
    votes: str | None = None  # FER+ crowd votes for a FER2013 CSV: train on the crowd
    labels: str = "crossentropy"  # how votes become targets: majority|probability|crossentropy
    classes: int = 7  # with votes: 7, or 8 keeping contempt
    crowd_weight: float = 1.0  # with votes: the crowd's share of each target (rest: the label)
    extra_data: str | None = None  # an image folder whose faces join the training split

    def command_line(self) -> list[str]:
        """The `ferapp train` arguments that make this configuration (settings left at
        their defaults are not repeated: `train`'s defaults are these)."""
        args = ["--data", self.data, "--arch", self.arch, "--out", self.out]
        defaults = asdict(TrainConfig(data=""))
        for name, value in asdict(self).items():
            if name in ("data", "arch", "out", "augmentation") or value == defaults[name]:
                continue
            if name == "teacher_weight" and not self.teacher:
                continue  # only with a teacher
            option = "--" + name.replace("_", "-")
            if value is True:
                args.append(option)
            elif value is not None and value is not False:
                args += [option, repr(value) if isinstance(value, float) else str(value)]
        return [*args, "--augment", self.augmentation.names()]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        data = dict(data)
        data["augmentation"] = Augmentation(**data.get("augmentation", {}))
        return cls(**data)

    def validated(self) -> TrainConfig:
        """Return self, or raise FerappError naming the first setting out of range."""
        if self.arch not in ARCHITECTURE_NAMES:
            raise FerappError(
                f"unknown architecture {self.arch!r}; choose {', '.join(ARCHITECTURE_NAMES)}"
            )
        if self.schedule not in SCHEDULES:
            raise FerappError(f"unknown schedule {self.schedule!r}; choose {', '.join(SCHEDULES)}")
        if self.backend not in BACKENDS:
            raise FerappError(f"unknown backend {self.backend!r}; choose {', '.join(BACKENDS)}")
        if self.precision not in PRECISIONS:
            raise FerappError(
                f"unknown precision {self.precision!r}; choose {', '.join(PRECISIONS)}"
            )
        checks = (
            ("--epochs", self.epochs, 1 <= self.epochs <= 100_000, "at least 1"),
            ("--batch-size", self.batch_size, 1 <= self.batch_size <= 65_536, "1..65536"),
            (
                "--learning-rate",
                self.learning_rate,
                math.isfinite(self.learning_rate) and 0 < self.learning_rate <= 10,
                "a positive number up to 10",
            ),
            (
                "--label-smoothing",
                self.label_smoothing,
                0 <= self.label_smoothing < 1,
                "at least 0 and below 1",
            ),
            ("--early-stopping", self.early_stopping, self.early_stopping >= 0, "0 (off) or more"),
            ("--average-last", self.average_last, self.average_last >= 0, "0 (off) or more"),
            (
                "--teacher-weight",
                self.teacher_weight,
                0 < self.teacher_weight <= 1,
                "above 0 and at most 1",
            ),
        )
        for option, value, ok, allowed in checks:
            if not ok:
                raise FerappError(f"{option} must be {allowed}, got {value}")
        if self.votes is not None:
            if self.labels not in LABEL_MODES:
                raise FerappError(
                    f"unknown label mode {self.labels!r}; choose {', '.join(LABEL_MODES)}"
                )
            if self.classes not in (7, 8):
                raise FerappError(f"--classes must be 7 or 8, got {self.classes}")
            if not 0 < self.crowd_weight <= 1:
                raise FerappError(
                    f"--crowd-weight must be above 0 and at most 1, got {self.crowd_weight}"
                )
            if self.crowd_weight < 1 and self.classes != 7:
                raise FerappError(
                    "--crowd-weight below 1 mixes in FER2013's labels: 7 classes only"
                )
        elif self.classes != 7:
            raise FerappError(
                "--classes 8 needs --votes: contempt is a class of the crowd's labels"
            )
        if self.teacher and Path(self.teacher).resolve() == Path(self.out).resolve():
            raise FerappError(
                "--teacher is the --out file: the run would overwrite its own teacher; "
                "copy the teacher elsewhere or choose another --out"
            )
        if self.teacher and self.class_weights:
            # Keras would weigh each image by the top class of its mixed target, which
            # is the teacher's answer wherever it outweighs the label.
            raise FerappError("--class-weights cannot be combined with --teacher; choose one")
        return self


@dataclass
class TrainResult:
    out: Path
    epochs_done: int
    best_epoch: int
    best_val_accuracy: float
    cancelled: bool
    seconds: float
    history: list[dict[str, float]]
    report: ClassificationReport | None
    averaged: dict[str, Any] | None = None  # epochs averaged, their accuracy, kept or not
    flipped: dict[str, Any] | None = None  # accuracy with flip averaging, kept or not
