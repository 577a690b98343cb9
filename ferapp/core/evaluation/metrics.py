"""Classification metrics: accuracy, confusion matrix, per-class precision and recall."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ClassificationReport:
    """Rows of ``confusion`` are true classes, columns predicted classes."""

    class_names: tuple[str, ...]
    confusion: np.ndarray
    accuracy: float
    precision: np.ndarray
    recall: np.ndarray

    @classmethod
    def from_predictions(
        cls, true: np.ndarray, predicted: np.ndarray, class_names: tuple[str, ...]
    ) -> ClassificationReport:
        n = len(class_names)
        true = np.asarray(true, dtype=np.int64)
        predicted = np.asarray(predicted, dtype=np.int64)
        confusion = np.bincount(true * n + predicted, minlength=n * n).reshape(n, n)
        correct = np.diag(confusion).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            precision = np.where(confusion.sum(0) > 0, correct / confusion.sum(0), np.nan)
            recall = np.where(confusion.sum(1) > 0, correct / confusion.sum(1), np.nan)
        accuracy = float(correct.sum() / max(len(true), 1))
        return cls(tuple(class_names), confusion, accuracy, precision, recall)

    def as_dict(self) -> dict:
        def clean(v: float) -> float | None:
            return None if np.isnan(v) else round(float(v), 4)

        return {
            "samples": int(self.confusion.sum()),
            "accuracy": round(self.accuracy, 4),
            "class_names": list(self.class_names),
            "precision": {
                c: clean(v) for c, v in zip(self.class_names, self.precision, strict=True)
            },
            "recall": {c: clean(v) for c, v in zip(self.class_names, self.recall, strict=True)},
            "confusion_matrix": self.confusion.tolist(),
        }

    def text(self) -> str:
        width = max(len(c) for c in self.class_names) + 1
        lines = [
            f"samples: {int(self.confusion.sum())}   top-1 accuracy: {self.accuracy:.2%}",
            "",
            f"{'class':<{width}} precision  recall  support",
        ]
        for i, name in enumerate(self.class_names):
            p, r = self.precision[i], self.recall[i]
            ps = "   -   " if np.isnan(p) else f"{p:7.1%}"
            rs = "   -   " if np.isnan(r) else f"{r:7.1%}"
            lines.append(f"{name:<{width}} {ps}   {rs}  {int(self.confusion[i].sum()):7d}")
        lines += [
            "",
            "confusion matrix (rows true, columns predicted):",
            " " * width + " ".join(f"{c[:7]:>7}" for c in self.class_names),
        ]
        for i, name in enumerate(self.class_names):
            lines.append(f"{name:<{width}}" + " ".join(f"{v:7d}" for v in self.confusion[i]))
        return "\n".join(lines)
