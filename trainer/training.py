"""The training loop: reproducible, resumable, cancellable, reporting progress as events.

A run keeps its state in a folder beside the output model (``<out>.run/``):
``last.keras`` (model and optimizer after the latest epoch), ``state.json`` (epochs
done, best score, history), ``metrics.csv`` and ``metrics.jsonl``. The best model on
validation accuracy is written to ``out`` after every improvement. Every file is
written atomically, so a crash never leaves a truncated file where a good one was.
"""

from __future__ import annotations

import csv
import json
import math
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import keras
import numpy as np

from ferapp.core.errors import FerappError
from ferapp.core.files import usual_mode
from ferapp.core.metrics import ClassificationReport
from ferapp.core.model_file import (
    ModelInfo,
    check_architecture_is_safe,
    load_keras_model,
    read_architecture,
    save_model,
)
from trainer import ONEDNN_GUARD_ACTIVE, SCHEDULES
from trainer.architectures import build
from trainer.augment import Augmentation, make_dataset
from trainer.averaging import WeightAverage, accuracy, averaged_model
from trainer.datasets import Splits
from trainer.flip_average import INFO_KEY as FLIP_INFO_KEY
from trainer.flip_average import inner_model, is_flip_averaged, with_flip_average


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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        data = dict(data)
        data["augmentation"] = Augmentation(**data.get("augmentation", {}))
        return cls(**data)


@dataclass
class TrainEvent:
    """A progress report. Kinds: start, batch, epoch, averaging (begun), average
    (scored), flip, end."""

    kind: str
    epoch: int = 0  # 1-based epoch the event belongs to
    epochs: int = 0
    batch: int = 0
    batches: int = 0
    logs: dict[str, float] = field(default_factory=dict)
    elapsed_s: float = 0.0
    eta_s: float | None = None
    message: str = ""


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


def run_dir(out: Path) -> Path:
    return out.with_name(out.name + ".run")


def _atomic_write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, usual_mode())
    os.replace(tmp, path)


class _Progress(keras.callbacks.Callback):
    """Turns Keras callbacks into TrainEvents, writes metrics and checkpoints, honours cancel."""

    def __init__(self, trainer: Trainer) -> None:
        super().__init__()
        self.t = trainer
        self._epoch_start = 0.0
        self._batches = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()
        self._epoch = epoch + 1

    def on_train_batch_end(self, batch, logs=None):
        t = self.t
        if t.should_stop():
            self.model.stop_training = True
            t.cancelled = True
        elapsed = time.perf_counter() - self._epoch_start
        per_batch = elapsed / (batch + 1)
        remaining_batches = (t.batches - batch - 1) + (t.config.epochs - self._epoch) * t.batches
        t.emit(
            TrainEvent(
                "batch",
                self._epoch,
                t.config.epochs,
                batch + 1,
                t.batches,
                {k: float(v) for k, v in (logs or {}).items()},
                time.perf_counter() - t.started,
                per_batch * remaining_batches,
            )
        )

    def on_epoch_end(self, epoch, logs=None):
        t = self.t
        logs = {k: float(v) for k, v in (logs or {}).items()}
        logs["learning_rate"] = float(
            keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)
        )
        logs["seconds"] = time.perf_counter() - self._epoch_start
        logs["epoch"] = epoch + 1
        t.end_epoch(self.model, epoch + 1, logs)


class Trainer:
    """Runs one training configuration; use :meth:`run`. ``on_event`` receives TrainEvents."""

    def __init__(
        self,
        config: TrainConfig,
        splits: Splits,
        on_event: Callable[[TrainEvent], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        if config.schedule not in SCHEDULES:
            raise FerappError(
                f"unknown schedule {config.schedule!r}; choose {', '.join(SCHEDULES)}"
            )
        if config.epochs < 1 or config.batch_size < 1:
            raise FerappError("epochs and batch size must be at least 1")
        if config.average_last < 0:
            raise FerappError("--average-last must be 0 (off) or a number of epochs")
        self.config = config
        self.splits = splits
        self.on_event = on_event or (lambda event: None)
        self.should_stop = should_stop or (lambda: False)
        self.out = Path(config.out)
        self.dir = run_dir(self.out)
        self.cancelled = False
        self.started = time.perf_counter()
        self.history: list[dict[str, float]] = []
        self.best_val = -1.0
        self.best_epoch = 0
        self.average = WeightAverage()
        self.average_file: str | None = None  # in the run folder; named by the run state
        self.averaged: dict[str, Any] | None = None
        self.flipped: dict[str, Any] | None = None
        n = len(splits.train.labels)
        self.batches = math.ceil(n / config.batch_size)
        h, w = splits.train.images.shape[1:3]
        self.info = ModelInfo(
            class_names=splits.class_names,
            input_size=(h, w),
            channels=1,
            pixel_scaling="raw",
            extra={"architecture": config.arch},
        )

    def emit(self, event: TrainEvent) -> None:
        self.on_event(event)

    # ------------------------------------------------------------------ state
    def _state_path(self) -> Path:
        return self.dir / "state.json"

    def _load_state(self) -> dict[str, Any] | None:
        path = self._state_path()
        if not path.is_file() or not (self.dir / "last.keras").is_file():
            return None
        return json.loads(path.read_text(encoding="utf-8"))

    def _save_state(self, epochs_done: int) -> None:
        state = {
            "config": self.config.to_dict(),
            "epochs_done": epochs_done,
            "average_file": self.average_file,
            "best_val_accuracy": self.best_val,
            "best_epoch": self.best_epoch,
            "history": self.history,
        }
        _atomic_write_text(self._state_path(), json.dumps(state, indent=1))

    def _write_metrics(self) -> None:
        keys = sorted({k for row in self.history for k in row}, key=lambda k: (k != "epoch", k))
        fd, tmp = tempfile.mkstemp(prefix=".metrics-", dir=self.dir)
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=keys)
            writer.writeheader()
            writer.writerows(self.history)
        os.chmod(tmp, usual_mode())
        os.replace(tmp, self.dir / "metrics.csv")
        _atomic_write_text(
            self.dir / "metrics.jsonl", "".join(json.dumps(row) + "\n" for row in self.history)
        )

    def end_epoch(self, model: keras.Model, epoch: int, logs: dict[str, float]) -> None:
        """Record an epoch, save the best and the last checkpoint, and report it."""
        self.history.append(logs)
        val = logs.get("val_accuracy", -1.0)
        if val > self.best_val:
            self.best_val, self.best_epoch = val, epoch
            save_model(_without_optimizer(model), self.out, self.info)
        if self.config.average_last and epoch > self.config.epochs - self.config.average_last:
            self.average.add(model.get_weights())
            # A new file per epoch, named in the state written after it: a run killed in
            # between resumes with the average that matches its state.
            self.average_file = f"average-{epoch}.npz"
            self.average.save(self.dir / self.average_file)
        save_model(model, self.dir / "last.keras", self.info)
        self._write_metrics()
        self._save_state(epoch)
        for old in self.dir.glob("average*.npz"):
            if old.name != self.average_file:
                old.unlink(missing_ok=True)
        self.emit(
            TrainEvent(
                "epoch",
                epoch,
                self.config.epochs,
                self.batches,
                self.batches,
                logs,
                time.perf_counter() - self.started,
            )
        )

    # ------------------------------------------------------------------ run
    def _compile(self, model: keras.Model) -> None:
        c = self.config
        model.compile(
            optimizer=keras.optimizers.Adam(c.learning_rate),
            loss=keras.losses.CategoricalCrossentropy(label_smoothing=c.label_smoothing),
            metrics=["accuracy"],
        )

    def _callbacks(self) -> list[keras.callbacks.Callback]:
        c = self.config
        callbacks: list[keras.callbacks.Callback] = [_Progress(self)]
        if c.schedule == "plateau":
            callbacks.append(
                keras.callbacks.ReduceLROnPlateau(
                    monitor="val_loss", factor=0.5, patience=c.plateau_patience, min_lr=1e-6
                )
            )
        else:
            warmup = min(3, max(c.epochs // 10, 0))

            def cosine(epoch: int, lr: float) -> float:
                if epoch < warmup:
                    return c.learning_rate * (epoch + 1) / (warmup + 1)
                progress = (epoch - warmup) / max(c.epochs - warmup, 1)
                return 1e-6 + 0.5 * (c.learning_rate - 1e-6) * (1 + math.cos(math.pi * progress))

            callbacks.append(keras.callbacks.LearningRateScheduler(cosine))
        if c.early_stopping:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_accuracy", patience=c.early_stopping, mode="max"
                )
            )
        return callbacks

    def run(self, resume: bool = False) -> TrainResult:
        """Train (or continue a previous run of the same output with ``resume``)."""
        if not ONEDNN_GUARD_ACTIVE:
            raise FerappError(
                "training must run in a process where the trainer was imported "
                "before TensorFlow (see trainer/__init__.py)"
            )
        c = self.config
        keras.utils.set_random_seed(c.seed)
        self.dir.mkdir(parents=True, exist_ok=True)
        state = self._load_state() if resume else None
        initial_epoch = 0
        if state is not None:
            check_architecture_is_safe(read_architecture(self.dir / "last.keras"), "checkpoint")
            model = keras.saving.load_model(self.dir / "last.keras", compile=True, safe_mode=True)
            initial_epoch = int(state["epochs_done"])
            self.history = list(state["history"])
            self.best_val = float(state["best_val_accuracy"])
            self.best_epoch = int(state["best_epoch"])
            # runs saved before the average was named in the state used "average.npz"
            self.average_file = state.get("average_file", "average.npz")
            if self.average_file:
                self.average = WeightAverage.load(self.dir / self.average_file)
            # Start the seeds where an uninterrupted run would be, more or less.
            keras.utils.set_random_seed(c.seed + initial_epoch)
        else:
            model = build(
                c.arch,
                input_shape=(*self.info.input_size, 1),
                num_classes=len(self.splits.class_names),
            )
            if c.init_from:
                _load_initial_weights(model, Path(c.init_from))
            self._compile(model)
        train_ds = make_dataset(
            self.splits.train.images,
            self.splits.train.labels,
            len(self.splits.class_names),
            c.batch_size,
            c.augmentation,
            shuffle=True,
            seed=c.seed,
        )
        val_ds = make_dataset(
            self.splits.val.images, self.splits.val.labels, len(self.splits.class_names), 256
        )
        self.emit(
            TrainEvent(
                "start",
                initial_epoch,
                c.epochs,
                0,
                self.batches,
                message=f"{c.arch}: {model.count_params():,} parameters, "
                f"{len(self.splits.train.labels):,} training and "
                f"{len(self.splits.val.labels):,} validation images",
            )
        )
        if initial_epoch < c.epochs:
            warnings.filterwarnings("ignore", message=".*shuffle=True.*", category=UserWarning)
            model.fit(
                train_ds,
                validation_data=val_ds,
                epochs=c.epochs,
                initial_epoch=initial_epoch,
                callbacks=self._callbacks(),
                verbose=0,
                class_weight=self._class_weights(),
            )
        if self.average.count >= 2:
            self._finish_average(model)
        if c.flip_average and self.out.is_file():
            self._finish_flip_average()
        report = None
        if self.out.is_file():
            best = keras.saving.load_model(self.out, compile=False, safe_mode=True)
            probs = best.predict(val_ds, verbose=0)
            report = ClassificationReport.from_predictions(
                self.splits.val.labels, probs.argmax(axis=1), self.splits.class_names
            )
        result = TrainResult(
            self.out,
            len(self.history),
            self.best_epoch,
            self.best_val,
            self.cancelled,
            time.perf_counter() - self.started,
            self.history,
            report,
            self.averaged,
            self.flipped,
        )
        self._write_summary(result, model)
        self.emit(
            TrainEvent(
                "end",
                len(self.history),
                c.epochs,
                logs={"best_val_accuracy": self.best_val},
                elapsed_s=result.seconds,
                message="cancelled" if self.cancelled else "finished",
            )
        )
        return result

    def _finish_average(self, model: keras.Model) -> None:
        """Score the averaged weights; they become the output model when they beat every epoch."""
        self.emit(
            TrainEvent(
                "averaging",
                len(self.history),
                self.config.epochs,
                elapsed_s=time.perf_counter() - self.started,
                message=f"averaging the last {self.average.count} epochs: measuring "
                "batch-normalisation statistics on the training images ...",
            )
        )
        averaged = averaged_model(model, self.average, self.splits.train.images)
        score = accuracy(averaged, self.splits.val.images, self.splits.val.labels)
        kept = score > self.best_val
        self.averaged = {"epochs": self.average.count, "val_accuracy": score, "kept": kept}
        if kept:
            self.best_val = score
            save_model(averaged, self.out, self.info)
        self.emit(
            TrainEvent(
                "average",
                len(self.history),
                self.config.epochs,
                logs={"val_accuracy": score},
                elapsed_s=time.perf_counter() - self.started,
                message=f"average of the last {self.average.count} epochs: validation "
                f"accuracy {score:.2%} ({'kept' if kept else 'the best single epoch is better'})",
            )
        )

    def _finish_flip_average(self) -> None:
        """Build flip averaging into the output model when it scores higher on validation."""
        best = load_keras_model(self.out)
        if is_flip_averaged(best):  # a finished run resumed: done before
            return
        wrapped = with_flip_average(best)
        score = accuracy(wrapped, self.splits.val.images, self.splits.val.labels)
        kept = score > self.best_val
        self.flipped = {"val_accuracy": score, "without": self.best_val, "kept": kept}
        if kept:
            self.best_val = score
            extra = {**self.info.extra, FLIP_INFO_KEY: True}
            save_model(wrapped, self.out, replace(self.info, extra=extra))
        self.emit(
            TrainEvent(
                "flip",
                len(self.history),
                self.config.epochs,
                logs={"val_accuracy": score},
                elapsed_s=time.perf_counter() - self.started,
                message=f"with flip averaging: validation accuracy {score:.2%} "
                f"({'kept' if kept else 'not better, left out'})",
            )
        )

    def _class_weights(self) -> dict[int, float] | None:
        if not self.config.class_weights:
            return None
        counts = np.bincount(self.splits.train.labels, minlength=len(self.splits.class_names))
        weights = len(self.splits.train.labels) / (len(counts) * np.maximum(counts, 1))
        return {i: float(w) for i, w in enumerate(weights)}

    def _write_summary(self, result: TrainResult, model: keras.Model) -> None:
        """The run's settings and metrics, beside the model as <out>.json."""
        summary = {
            "model": str(self.out),
            "config": self.config.to_dict(),
            "parameters": int(model.count_params()),
            "epochs_done": result.epochs_done,
            "best_epoch": result.best_epoch,
            "best_val_accuracy": result.best_val_accuracy,
            "cancelled": result.cancelled,
            "seconds": round(result.seconds, 1),
            "counts": self.splits.counts(),
            "skipped_rows": len(self.splits.skipped),
            "history": self.history,
            "validation": result.report.as_dict() if result.report else None,
            "average": result.averaged,
            "flip_average": result.flipped,
        }
        if self.out.parent.exists():
            _atomic_write_text(self.out.with_suffix(".json"), json.dumps(summary, indent=1))


def _load_initial_weights(model: keras.Model, source: Path) -> None:
    """Copy the weights of the model file ``source`` into ``model`` (a warm start).

    The file is checked like any user model before Keras reads it; its layers must have
    the same shapes as ``model``'s, otherwise the run stops with a clear message.
    """
    try:
        donor = inner_model(load_keras_model(source))
    except FerappError as exc:
        raise FerappError(f"--init-from: {exc}") from exc
    ours = [w.shape for w in model.get_weights()]
    theirs = [w.shape for w in donor.get_weights()]
    if ours != theirs:
        raise FerappError(
            f"--init-from: {source} has a different architecture "
            f"({donor.count_params():,} parameters in {len(theirs)} arrays; this run's "
            f"model has {model.count_params():,} in {len(ours)})"
        )
    model.set_weights(donor.get_weights())


def _without_optimizer(model: keras.Model) -> keras.Model:
    """A copy with the same weights and no optimizer state, for the small exported model."""
    # from_config, not clone_model: a clone of a compiled model comes back compiled, and
    # its optimizer state would triple the file's size.
    copy = keras.Model.from_config(model.get_config())
    copy.set_weights(model.get_weights())
    return copy
