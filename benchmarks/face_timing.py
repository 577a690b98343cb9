"""Milliseconds per face, timed the same way by every benchmark that reports it."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence

import numpy as np


def per_face_ms(fn: Callable[[np.ndarray], object], batch: np.ndarray, repeats: int = 300) -> float:
    """Median time of ``fn(batch)`` after a warm-up, divided by the faces in the batch."""
    for _ in range(10):
        fn(batch)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(batch)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3 / len(batch)


def interleaved_per_face_ms(
    fns: Sequence[Callable[[np.ndarray], object]],
    batch: np.ndarray,
    repeats: int = 300,
    block: int = 20,
) -> list[float]:
    """``per_face_ms`` of several functions timed in turn, a block of calls at a time.

    Each round calls every function ``block`` times in a row (in an order that
    rotates), until each has been called ``repeats`` times. A slow spell of a shared
    machine then slows them all alike, so their ratios hold where timing one after
    the other would not; within a block the function's weights are back in the CPU's
    caches after its first call, as they are when the app classifies frame after
    frame, and the median leaves that first call out.
    """
    for fn in fns:
        for _ in range(10):
            fn(batch)
    times: list[list[float]] = [[] for _ in fns]
    for r in range(max(1, -(-repeats // block))):
        for k in range(len(fns)):
            i = (k + r) % len(fns)
            for _ in range(block):
                t0 = time.perf_counter()
                fns[i](batch)
                times[i].append(time.perf_counter() - t0)
    return [statistics.median(t) * 1e3 / len(batch) for t in times]


def classifiers_ms_per_face(classifiers: Sequence, repeats: int = 300) -> list[float]:
    """Loaded EmotionClassifiers, each on one face of its input size, as the app calls
    them, timed in turn (``interleaved_per_face_ms``) so that their ratios hold."""
    rng = np.random.default_rng(0)
    calls = []
    for clf in classifiers:
        face = rng.integers(0, 256, (1, *clf.input_size), dtype=np.uint8)
        calls.append(lambda _batch, clf=clf, face=face: clf.classify(face))
    return interleaved_per_face_ms(calls, np.zeros((1,)), repeats)
