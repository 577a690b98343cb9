"""What averaging several models' answers gives on PublicTest: the room a distilled model has.

    python benchmarks/ensemble_accuracy.py --data fer2013.csv.gz MODEL.keras [MODEL.keras ...]

Each model runs as ferapp runs it (8-bit TensorFlow Lite, one core). Prints each model's
PublicTest accuracy and ms per face, then every combination of two or more models with
its accuracy (probabilities averaged) and its summed ms per face (the models timed in
turn). Every row also gives
its difference from the first model, face by face, with a 95 % bootstrap interval: on
3,589 faces a difference under about a point is often noise. An ensemble is the
teacher a knowledge-distillation run would copy into one network: its accuracy is about
the best such a student can hope for.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

import numpy as np  # noqa: E402

from benchmarks.face_timing import classifiers_ms_per_face  # noqa: E402
from ferapp.core.model.classifier import EmotionClassifier  # noqa: E402
from trainer.datasets import load_dataset  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="FER2013 CSV (.csv or .csv.gz)")
    parser.add_argument("models", nargs="+", type=Path)
    args = parser.parse_args()
    names = [path.name for path in args.models]
    if len(set(names)) < len(names):
        sys.exit("two models share a file name; give each model a name of its own")
    val = load_dataset(args.data).val
    answers: dict[str, np.ndarray] = {}
    classifiers = []
    for path in args.models:
        clf = EmotionClassifier.load(path, threads=1)
        if clf.input_size != (48, 48):
            sys.exit(f"{path}: input {clf.input_size}, this benchmark compares 48x48 models")
        answers[path.name] = clf.classify_many(val.images)
        classifiers.append(clf)
    times = classifiers_ms_per_face(classifiers)
    cost = dict(zip(answers, times, strict=True))
    first = answers[args.models[0].name].argmax(1) == val.labels
    print("| model | PublicTest acc. | vs first (95 % interval) | ms per face |")
    print("|---|---:|---:|---:|")
    for name, answer in answers.items():
        right = answer.argmax(1) == val.labels
        print(f"| {name} | {right.mean():.2%} | {versus(right, first)} | {cost[name]:.2f} |")
    print(
        "\n| ensemble (probabilities averaged) | PublicTest acc. | vs first (95 % interval) "
        "| ms per face |\n|---|---:|---:|---:|"
    )
    for size in range(2, len(answers) + 1):
        for names in itertools.combinations(answers, size):
            mean = np.mean([answers[n] for n in names], axis=0)
            right = mean.argmax(1) == val.labels
            ms = sum(cost[n] for n in names)
            print(
                f"| {' + '.join(names)} | {right.mean():.2%} | {versus(right, first)} | {ms:.2f} |"
            )
    return 0


def versus(right: np.ndarray, first: np.ndarray, rounds: int = 2000) -> str:
    """Accuracy minus the first model's on the same faces, and its 95 % bootstrap interval."""
    diff = right.astype(np.int8) - first.astype(np.int8)
    rng = np.random.default_rng(0)
    means = diff[rng.integers(0, len(diff), (rounds, len(diff)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return f"{diff.mean():+.2%} ({low:+.2%} .. {high:+.2%})"


if __name__ == "__main__":
    sys.exit(main())
