"""Keras callbacks of a run: progress events and checkpoints per epoch, and the schedule."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import keras

from trainer.config import TrainConfig
from trainer.protocol import TrainEvent


class EpochReporter(keras.callbacks.Callback):
    """Turns Keras callbacks into TrainEvents for ``emit``, hands each finished epoch to
    ``end_epoch`` (metrics, checkpoints) and, when ``should_stop`` says so, stops after the
    current batch and calls ``on_cancel``. An epoch cut short is not handed on: it is not
    done, and a resumed run starts it again. ``started``: the run's start (perf_counter)."""

    def __init__(
        self,
        epochs: int,
        batches: int,
        started: float,
        emit: Callable[[TrainEvent], None],
        end_epoch: Callable[[keras.Model, int, dict[str, float]], None],
        should_stop: Callable[[], bool],
        on_cancel: Callable[[], None],
    ) -> None:
        super().__init__()
        self.epochs, self.batches, self.started = epochs, batches, started
        self.emit, self.end_epoch = emit, end_epoch
        self.should_stop, self.on_cancel = should_stop, on_cancel
        self._epoch_start = 0.0
        self._epoch = 0
        self.cut_epoch = 0  # the epoch a stop cut short (0: none)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()
        self._epoch = epoch + 1

    def on_train_batch_end(self, batch, logs=None):
        if self.should_stop() and not self.model.stop_training:
            self.model.stop_training = True
            if batch + 1 < self.batches:
                self.cut_epoch = self._epoch
            self.on_cancel()
        elapsed = time.perf_counter() - self._epoch_start
        per_batch = elapsed / (batch + 1)
        remaining_batches = (self.batches - batch - 1) + (self.epochs - self._epoch) * self.batches
        self.emit(
            TrainEvent(
                "batch",
                self._epoch,
                self.epochs,
                batch + 1,
                self.batches,
                {k: float(v) for k, v in (logs or {}).items()},
                time.perf_counter() - self.started,
                per_batch * remaining_batches,
            )
        )

    def on_epoch_end(self, epoch, logs=None):
        if self.cut_epoch == epoch + 1:
            return
        logs = {k: float(v) for k, v in (logs or {}).items()}
        logs["learning_rate"] = float(
            keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)
        )
        logs["seconds"] = time.perf_counter() - self._epoch_start
        logs["epoch"] = epoch + 1
        self.end_epoch(self.model, epoch + 1, logs)


class ResumedFromHistory:
    """For a Keras monitor callback: on a resumed run, replay the epochs before the
    interruption through the callback's own rule (``replay``), so its patience counts them."""

    def __init__(self, history: list[dict], **kwargs) -> None:
        super().__init__(**kwargs)
        self.history = history

    def on_train_begin(self, logs=None) -> None:
        super().on_train_begin(logs)
        if self.history and self.monitor_op is None:
            self._set_monitor_op()
        for epoch in self.history:
            self.replay(float(epoch[self.monitor]))

    def replay(self, current: float) -> None:
        raise NotImplementedError


class ResumedEarlyStopping(ResumedFromHistory, keras.callbacks.EarlyStopping):
    """Early stopping's rule: only a strict improvement resets the wait."""

    def replay(self, current: float) -> None:
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best, self.wait = current, 0


class ResumedPlateau(ResumedFromHistory, keras.callbacks.ReduceLROnPlateau):
    """The plateau's rule (best loss, wait, cooldown, halvings); the rate itself is in the
    optimizer's state, saved after this callback has run (it comes before checkpointing)."""

    def replay(self, current: float) -> None:
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best, self.wait = current, 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                self.cooldown_counter, self.wait = self.cooldown, 0


def schedule_callbacks(
    c: TrainConfig, history: list[dict] | None = None
) -> list[keras.callbacks.Callback]:
    """Learning rate (halved on a validation-loss plateau, or cosine decay after a short
    warm-up) and early stopping on validation accuracy. ``history``: the epochs a
    resumed run already has, so that its patience counts them."""
    history = history or []
    callbacks: list[keras.callbacks.Callback] = []
    if c.schedule == "plateau":
        callbacks.append(
            ResumedPlateau(
                history, monitor="val_loss", factor=0.5, patience=c.plateau_patience, min_lr=1e-6
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
            ResumedEarlyStopping(
                history, monitor="val_accuracy", patience=c.early_stopping, mode="max"
            )
        )
    return callbacks
