"""The training loop: reproducible, resumable, cancellable, reporting progress as events.

A run keeps its state in a folder beside the output model (:mod:`trainer.run_folder`).
The best model on validation accuracy is written to ``out`` after every improvement,
atomically. The passes that may replace it at the end are in :mod:`trainer.finishing`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import keras

from ferapp.core.errors import FerappError
from ferapp.core.model.metadata import ModelInfo, read_architecture, save_model
from ferapp.core.model.safety import check_architecture_is_safe
from trainer import guard_active
from trainer.architectures import build, has_strided_convolution, with_dtype_policy
from trainer.averaging import WeightAverage
from trainer.batches import EpochOfBatches, FaceBatches
from trainer.callbacks import EpochReporter, schedule_callbacks
from trainer.config import TrainConfig, TrainResult
from trainer.datasets import Splits
from trainer.devices import device_description
from trainer.distillation import training_targets
from trainer.finishing import (
    Candidate,
    finish_average,
    finish_flip,
    run_summary,
    validation_report,
    write_summary,
)
from trainer.precision import resolve_precision
from trainer.protocol import TrainEvent
from trainer.run_folder import RunFolder
from trainer.starting import (
    check_process,
    check_splits,
    label_source,
    load_initial_weights,
    unguarded,
)


class Trainer:
    """Runs one training configuration; use :meth:`run`. ``on_event`` receives TrainEvents."""

    def __init__(
        self,
        config: TrainConfig,
        splits: Splits,
        on_event: Callable[[TrainEvent], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        if config.precision == "auto":  # as `ferapp train` resolves it for a new run
            config = replace(
                config, precision=resolve_precision("auto", config.arch, config.backend)
            )
        self.config = config.validated()
        self.splits = splits
        self.on_event = on_event or (lambda event: None)
        self.should_stop = should_stop or (lambda: False)
        self.out = Path(config.out)
        self.folder = RunFolder(self.out)
        self.cancelled = False
        self.started = time.perf_counter()
        self.history: list[dict[str, float]] = []
        self.best_val = -1.0
        self.best_epoch = 0
        self.average = WeightAverage()
        self.average_file: str | None = None  # in the run folder; named by the run state
        self.averaged: dict[str, Any] | None = None
        self.flipped: dict[str, Any] | None = None
        self.device = ""  # what trains, in words (once the run starts)
        n = len(splits.train.labels)
        self.batches = math.ceil(n / config.batch_size)
        h, w = splits.train.images.shape[1:3]
        self.info = ModelInfo(
            class_names=splits.class_names,
            input_size=(h, w),
            channels=1,
            pixel_scaling="raw",
            extra={"architecture": config.arch, **label_source(config)},
        )

    def emit(self, event: TrainEvent) -> None:
        self.on_event(event)

    def _save_state(self, epochs_done: int) -> None:
        self.folder.save_state(
            {
                "config": self.config.to_dict(),
                "epochs_done": epochs_done,
                "average_file": self.average_file,
                "best_val_accuracy": self.best_val,
                "best_epoch": self.best_epoch,
                "history": self.history,
            }
        )

    def end_epoch(self, model: keras.Model, epoch: int, logs: dict[str, float]) -> None:
        """Record an epoch, save the best and the last checkpoint, and report it."""
        self.history.append(logs)
        val = logs.get("val_accuracy", -1.0)
        if val > self.best_val:
            self.best_val, self.best_epoch = val, epoch
            float32 = with_dtype_policy(model, "float32")  # and no optimizer state
            save_model(float32, self.out, self.info)
        if self.config.average_last and epoch > self.config.epochs - self.config.average_last:
            self.average.add(model.get_weights())
            # A new file per epoch, named in the state written after it: a run killed in
            # between resumes with the average that matches its state.
            self.average_file = f"average-{epoch}.npz"
            self.average.save(self.folder.path / self.average_file)
        save_model(model, self.folder.checkpoint, self.info)
        self.folder.write_metrics(self.history)
        self._save_state(epoch)
        self.folder.remove_averages_except(self.average_file)
        elapsed = time.perf_counter() - self.started
        c = self.config
        self.emit(TrainEvent("epoch", epoch, c.epochs, self.batches, self.batches, logs, elapsed))

    def _compile(self, model: keras.Model) -> None:
        c = self.config
        model.compile(
            optimizer=keras.optimizers.Adam(c.learning_rate),
            loss=keras.losses.CategoricalCrossentropy(label_smoothing=c.label_smoothing),
            metrics=["accuracy"],
        )

    def _callbacks(self, batches: FaceBatches) -> list[keras.callbacks.Callback]:
        # the schedule first: a halving is then in the optimizer state the checkpoint saves
        c, stop = self.config, self.should_stop
        self.reporter = EpochReporter(
            c.epochs, self.batches, self.started, self.emit, self.end_epoch, stop, self._cancel
        )
        schedule = schedule_callbacks(self.config, list(self.history))
        return [EpochOfBatches(batches), *schedule, self.reporter]

    def _cancel(self) -> None:
        self.cancelled = True

    def run(self, resume: bool | None = False) -> TrainResult:
        """Train, or with ``resume`` continue the interrupted run of the same output.

        ``resume=None`` continues a run when there is one and starts one otherwise (the
        benchmarks); ``False`` refuses to start over a run already there, and ``True``
        refuses when there is nothing to continue, or when the saved run is of another
        architecture or data.
        """
        c = self.config
        check_process(c)
        check_splits(self.splits)
        if c.precision == "bfloat16":  # FerappError where bfloat16 cannot run
            resolve_precision(c.precision, c.arch, c.backend)
        state = self.folder.state_to_continue(resume, self.config)
        targets, taught = training_targets(c, self.splits)
        keras.utils.set_random_seed(c.seed)
        self.folder.create()
        try:
            model, initial_epoch = self._start_model(state)
            if c.backend == "tensorflow" and has_strided_convolution(model) and not guard_active():
                raise unguarded(c.arch)
        except BaseException:
            if state is None:
                self.folder.remove_if_empty()
            raise
        train_ds = FaceBatches(
            self.splits.train.images,
            targets,
            len(self.splits.class_names),
            c.batch_size,
            c.augmentation,
            shuffle=True,
            seed=c.seed,
            sample_targets=c.votes is not None and c.labels == "probability",
            epoch=initial_epoch,
            workers=1 if c.backend == "tensorflow" else 2,  # TensorFlow prefetches itself
        )
        val_ds = FaceBatches(
            self.splits.val.images, self.splits.val.labels, len(self.splits.class_names), 256
        )
        self.device = device_description()
        self.say(
            "start",
            f"{c.arch} on {self.device}: {model.count_params():,} parameters, "
            f"{len(self.splits.train.labels):,} training and "
            f"{len(self.splits.val.labels):,} validation images"
            + taught
            + ("; mixed bfloat16" if c.precision == "bfloat16" else "")
            + (f"; continuing after epoch {initial_epoch}" if initial_epoch else ""),
        )
        if initial_epoch < c.epochs:
            model.fit(  # in the batches' own order: repeatable, and resumable mid-run
                train_ds,
                validation_data=val_ds,
                epochs=c.epochs,
                initial_epoch=initial_epoch,
                callbacks=self._callbacks(train_ds),
                verbose=0,
                shuffle=False,
                class_weight=self.splits.class_weights() if c.class_weights else None,
            )
        cut = self.reporter.cut_epoch if initial_epoch < c.epochs else 0
        if cut:
            self.say("stopped", f"stopped during epoch {cut}: it is not kept, and --resume "
                     "runs it again from its start")  # fmt: skip
        if not self.history:
            if state is None:
                self.folder.remove_if_empty()
            raise FerappError(
                f"stopped during epoch {cut or 1}, before any epoch finished: no model was "
                "saved; start the run again"
            )
        candidate = Candidate(self.out, self.info, self.splits, self.best_val)
        if self.average.count >= 2:
            self.averaged = finish_average(
                candidate, with_dtype_policy(model, "float32"), self.average, self.say
            )
        if c.flip_average and self.out.is_file():
            self.flipped = finish_flip(candidate, self.say) or (state or {}).get("flip_average")
        self.best_val = candidate.best_val
        report = validation_report(self.out, self.splits, val_ds)
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
        write_summary(self.out, run_summary(self.config, model, result, self.splits, self.device))
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

    def say(self, kind: str, message: str, score: float | None = None) -> None:
        """A message event (start, averaging, average, flip) for the log."""
        self.emit(
            TrainEvent(
                kind,
                len(self.history),
                self.config.epochs,
                0,
                self.batches,
                logs={} if score is None else {"val_accuracy": score},
                elapsed_s=time.perf_counter() - self.started,
                message=message,
                device=self.device if kind == "start" else "",
            )
        )

    def _start_model(self, state: dict[str, Any] | None) -> tuple[keras.Model, int]:
        """The model to train and the epoch it has done: from the saved run, or new."""
        c = self.config
        if state is None:
            model = build(
                c.arch,
                input_shape=(*self.info.input_size, 1),
                num_classes=len(self.splits.class_names),
                precision=c.precision,
            )
            if c.init_from:
                load_initial_weights(model, Path(c.init_from))
            self._compile(model)
            return model, 0
        checkpoint = self.folder.checkpoint
        check_architecture_is_safe(read_architecture(checkpoint), "checkpoint")
        model = keras.saving.load_model(checkpoint, compile=True, safe_mode=True)
        initial_epoch = int(state["epochs_done"])
        self.history = list(state["history"])
        self.best_val = float(state["best_val_accuracy"])
        self.best_epoch = int(state["best_epoch"])
        # runs saved before the average was named in the state used "average.npz"
        self.average_file = state.get("average_file", "average.npz")
        if self.average_file:
            self.average = WeightAverage.load(self.folder.path / self.average_file)
        # Start the seeds where an uninterrupted run would be, more or less.
        keras.utils.set_random_seed(c.seed + initial_epoch)
        return model, initial_epoch
