"""Calibrated confidence: temperature scaling and the expected calibration error.

A network trained with cross-entropy is usually over-confident: of the faces it calls
"90 %", fewer than nine in ten are right. One number, the temperature ``T``, fixes most
of it (Guo et al., ICML 2017): the probabilities become ``softmax(log(p) / T)``, which
keeps every face's ranking and label. ``T`` is fitted on held-out faces by minimising
their negative log-likelihood; the expected calibration error (ECE) says how far
confidence and accuracy are apart, weighted by how many faces fall in each bin.
"""

from __future__ import annotations

import itertools

import numpy as np

ECE_BINS = 15


def apply_temperature(probs: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities (N, C) softened (T > 1) or sharpened (T < 1)."""
    logits = np.log(np.maximum(np.asarray(probs, dtype=np.float64), 1e-12)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    out = np.exp(logits)
    return out / out.sum(axis=1, keepdims=True)


def negative_log_likelihood(probs: np.ndarray, labels: np.ndarray) -> float:
    picked = np.asarray(probs)[np.arange(len(labels)), labels]
    return float(-np.mean(np.log(np.maximum(picked, 1e-12))))


def fit_temperature(probs: np.ndarray, labels: np.ndarray) -> float:
    """The temperature in [0.25, 4] that minimises the NLL of ``labels`` (a fine grid
    around a coarse one: the NLL is smooth and has one minimum in T)."""

    def nll(t: float) -> float:
        return negative_log_likelihood(apply_temperature(probs, t), labels)

    coarse = np.exp(np.linspace(np.log(0.25), np.log(4.0), 41))
    best = float(coarse[int(np.argmin([nll(t) for t in coarse]))])
    fine = np.linspace(best / 1.08, best * 1.08, 33)
    return round(float(fine[int(np.argmin([nll(t) for t in fine]))]), 3)


def expected_calibration_error(
    probs: np.ndarray, labels: np.ndarray, bins: int = ECE_BINS
) -> float:
    """Sum over equal-width confidence bins of |accuracy - confidence| x share of faces."""
    probs = np.asarray(probs)
    confidence = probs.max(axis=1)
    right = probs.argmax(axis=1) == np.asarray(labels)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            error += inside.mean() * abs(right[inside].mean() - confidence[inside].mean())
    return float(error)


def reliability(probs: np.ndarray, labels: np.ndarray, edges=(0.0, 0.5, 0.7, 0.9, 1.0)):
    """[(low, high, faces, accuracy, mean confidence)] per confidence band, for cards."""
    probs = np.asarray(probs)
    confidence = probs.max(axis=1)
    right = probs.argmax(axis=1) == np.asarray(labels)
    rows = []
    for low, high in itertools.pairwise(edges):
        inside = (confidence >= low) & ((confidence < high) | (high >= 1.0))
        n = int(inside.sum())
        rows.append(
            (low, high, n, float(right[inside].mean()) if n else float("nan"),
             float(confidence[inside].mean()) if n else float("nan"))
        )  # fmt: skip
    return rows
