"""Keras callbacks of a run: progress events and checkpoints per epoch, and the schedule."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

import keras

from trainer.config import TrainConfig
from trainer.protocol import TrainEvent

if TYPE_CHECKING:
    from trainer.training import Trainer


class EpochReporter(keras.callbacks.Callback):
    """Turns Keras callbacks into TrainEvents, hands each finished epoch to the trainer
    (metrics, checkpoints) and honours a stop request after the current batch."""

    def __init__(self, trainer: Trainer) -> None:
        super().__init__()
        self.t = trainer
        self._epoch_start = 0.0
        self._epoch = 0

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
        logs = {k: float(v) for k, v in (logs or {}).items()}
        logs["learning_rate"] = float(
            keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)
        )
        logs["seconds"] = time.perf_counter() - self._epoch_start
        logs["epoch"] = epoch + 1
        self.t.end_epoch(self.model, epoch + 1, logs)


def epochs_since_best(history: list[dict], key: str, higher_is_better: bool) -> tuple[float, int]:
    """The best value of ``key`` in a run's epochs so far, and how many epochs came after it."""
    values = [float(h[key]) for h in history]
    best = max(values) if higher_is_better else min(values)
    last_best = max(i for i, v in enumerate(values) if v == best)
    return best, len(values) - 1 - last_best


class ResumedEarlyStopping(keras.callbacks.EarlyStopping):
    """Early stopping that, on a resumed run, counts the epochs before the interruption."""

    def __init__(self, history: list[dict], **kwargs) -> None:
        super().__init__(**kwargs)
        self.history = history

    def on_train_begin(self, logs=None) -> None:
        super().on_train_begin(logs)
        if self.history:
            self.best, self.wait = epochs_since_best(self.history, "val_accuracy", True)


class ResumedPlateau(keras.callbacks.ReduceLROnPlateau):
    """Halving on a plateau that, on a resumed run, remembers the best loss and the wait
    since then or since the last halving (the rate itself is in the optimizer's state)."""

    def __init__(self, history: list[dict], **kwargs) -> None:
        super().__init__(**kwargs)
        self.history = history

    def on_train_begin(self, logs=None) -> None:
        super().on_train_begin(logs)
        if not self.history:
            return
        self.best, wait = epochs_since_best(self.history, "val_loss", False)
        rates = [float(h["learning_rate"]) for h in self.history]
        halved = [i for i in range(1, len(rates)) if rates[i] < rates[i - 1]]
        self.wait = min(wait, len(rates) - 1 - halved[-1]) if halved else wait


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
