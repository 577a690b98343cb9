"""Rendering a confusion matrix as a PNG heatmap with OpenCV (no plotting library needed)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ferapp.core.evaluation.metrics import ClassificationReport
from ferapp.core.sources.images import write_image

FONT = cv2.FONT_HERSHEY_SIMPLEX


def render_confusion(report: ClassificationReport, cell: int = 72) -> np.ndarray:
    """A BGR image: rows true class, columns predicted, colour = row-normalised share, text = counts."""
    names = report.class_names
    n = len(names)
    margin_left, margin_top = 110, 120
    size = (margin_top + n * cell + 40, margin_left + n * cell + 20)
    image = np.full((*size, 3), 255, np.uint8)
    rows = report.confusion.sum(axis=1, keepdims=True)
    share = np.divide(report.confusion, rows, out=np.zeros(report.confusion.shape), where=rows > 0)
    heat = cv2.applyColorMap((share * 255).astype(np.uint8), cv2.COLORMAP_VIRIDIS)
    for i in range(n):
        for j in range(n):
            y, x = margin_top + i * cell, margin_left + j * cell
            color = tuple(int(c) for c in heat[i, j])
            cv2.rectangle(image, (x, y), (x + cell - 1, y + cell - 1), color, cv2.FILLED)
            text = str(int(report.confusion[i, j]))
            (tw, th), _ = cv2.getTextSize(text, FONT, 0.45, 1)
            ink = (0, 0, 0) if share[i, j] > 0.5 else (255, 255, 255)
            cv2.putText(
                image,
                text,
                (x + (cell - tw) // 2, y + (cell + th) // 2),
                FONT,
                0.45,
                ink,
                1,
                cv2.LINE_AA,
            )
        cv2.putText(
            image,
            names[i][:10],
            (8, margin_top + i * cell + cell // 2 + 5),
            FONT,
            0.5,
            (0, 0, 0),
            1,
            cv2.LINE_AA,
        )
    for j in range(n):
        x = margin_left + j * cell + 6
        cv2.putText(
            image, names[j][:9], (x, margin_top - 10), FONT, 0.45, (0, 0, 0), 1, cv2.LINE_AA
        )
    for y, line in zip((30, 55), caption(report.accuracy), strict=True):
        cv2.putText(image, line, (8, y), FONT, 0.55, (0, 0, 0), 1, cv2.LINE_AA)
    return image


def caption(accuracy: float) -> tuple[str, str]:
    """The picture's two title lines: what the numbers and the colours are."""
    return (
        f"true class (rows) vs predicted (columns), accuracy {accuracy:.1%}",
        "numbers: images; colour: share of the true class",
    )


def write_confusion_png(report: ClassificationReport, path: Path) -> None:
    write_image(path, render_confusion(report))
