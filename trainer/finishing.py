"""The end of a run: each "keep it if it scores higher" pass, the report and the summary.

After the last epoch the saved model is the best single epoch. Two passes may replace
it, each only when it scores higher on the validation rows: the average of the last
epochs' weights (``--average-last``) and test-time flip averaging (``--flip-average``).
Then the saved model's confusion matrix is measured and the run summary written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import keras
import numpy as np

from ferapp.core.evaluation.metrics import ClassificationReport
from ferapp.core.files import write_text_atomic
from ferapp.core.model.metadata import ModelInfo, load_keras_model, save_model
from trainer.averaging import WeightAverage, accuracy, averaged_model
from trainer.config import TrainConfig, TrainResult
from trainer.datasets import Splits
from trainer.flip_average import INFO_KEY as FLIP_INFO_KEY
from trainer.flip_average import is_flip_averaged, with_flip_average
from trainer.protocol import RunSummary, summary_path


class Candidate:
    """Offers a model that replaces the saved one only when it scores higher."""

    def __init__(self, out: Path, info: ModelInfo, splits: Splits, best_val: float) -> None:
        self.out, self.info, self.splits = out, info, splits
        self.best_val = best_val

    def offer(self, model: keras.Model, info: ModelInfo | None = None) -> tuple[float, bool]:
        """Score ``model`` on validation; save it over the output if better. (score, kept)."""
        score = accuracy(model, self.splits.val.images, self.splits.val.labels)
        kept = score > self.best_val
        if kept:
            self.best_val = score
            save_model(model, self.out, info or self.info)
        return score, kept


def finish_average(
    candidate: Candidate,
    model: keras.Model,
    average: WeightAverage,
    say: Callable[[str, str, float | None], None],
) -> dict[str, Any]:
    """The averaged weights (batch-norm statistics measured again) as a candidate."""
    say(
        "averaging",
        f"averaging the last {average.count} epochs: measuring batch-normalisation "
        "statistics on the training images ...",
        None,
    )
    averaged = averaged_model(model, average, candidate.splits.train.images)
    score, kept = candidate.offer(averaged)
    say(
        "average",
        f"average of the last {average.count} epochs: validation accuracy {score:.2%} "
        f"({'kept' if kept else 'the best single epoch is better'})",
        score,
    )
    return {"epochs": average.count, "val_accuracy": score, "kept": kept}


def finish_flip(
    candidate: Candidate, say: Callable[[str, str, float | None], None]
) -> dict[str, Any] | None:
    """The saved model with flip averaging built in as a candidate (None: done before)."""
    best = load_keras_model(candidate.out)
    if is_flip_averaged(best):  # a finished run resumed: done before
        return None
    without = candidate.best_val
    extra = {**candidate.info.extra, FLIP_INFO_KEY: True}
    score, kept = candidate.offer(with_flip_average(best), replace(candidate.info, extra=extra))
    say(
        "flip",
        f"with flip averaging: validation accuracy {score:.2%} "
        f"({'kept' if kept else 'not better, left out'})",
        score,
    )
    return {"val_accuracy": score, "without": without, "kept": kept}


def validation_report(out: Path, splits: Splits, val_ds) -> ClassificationReport | None:
    """The saved model's confusion matrix and per-class scores on the validation rows."""
    if not out.is_file():
        return None
    best = keras.saving.load_model(out, compile=False, safe_mode=True)
    probs = best.predict(val_ds, verbose=0)
    return ClassificationReport.from_predictions(
        splits.val.labels, np.asarray(probs).argmax(axis=1), splits.class_names
    )


def run_summary(
    config: TrainConfig, model: keras.Model, result: TrainResult, splits: Splits, device: str = ""
) -> RunSummary:
    """The summary of a finished (or stopped) run (``device``: what trained it)."""
    return RunSummary(
        model=str(result.out),
        config=config.to_dict(),
        parameters=int(model.count_params()),
        epochs_done=result.epochs_done,
        best_epoch=result.best_epoch,
        best_val_accuracy=result.best_val_accuracy,
        cancelled=result.cancelled,
        seconds=round(result.seconds, 1),
        counts=splits.counts(),
        skipped_rows=len(splits.skipped),
        history=result.history,
        validation=result.report.as_dict() if result.report else None,
        average=result.averaged,
        flip_average=result.flipped,
        device=device or None,
    )


def write_summary(out: Path, summary: RunSummary) -> None:
    """The run's settings and metrics, beside the model as <out>.json."""
    if out.parent.exists():
        write_text_atomic(summary_path(out), summary.to_json())
