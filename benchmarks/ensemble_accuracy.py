"""What averaging several models' answers gives on PublicTest: the room a distilled model has.

    python benchmarks/ensemble_accuracy.py --data fer2013.csv.gz MODEL.keras [MODEL.keras ...]

Each model runs as ferapp runs it (8-bit TensorFlow Lite, one core). Prints each model's
PublicTest accuracy and ms per face, then every combination of two or more models with
its accuracy (probabilities averaged) and its summed ms per face. An ensemble is the
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

from benchmarks.face_timing import classifier_ms_per_face  # noqa: E402
from ferapp.core.classifier import EmotionClassifier  # noqa: E402
from trainer.datasets import load_dataset  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="FER2013 CSV (.csv or .csv.gz)")
    parser.add_argument("models", nargs="+", type=Path)
    args = parser.parse_args()
    val = load_dataset(args.data).val
    answers: dict[str, np.ndarray] = {}
    cost: dict[str, float] = {}
    print("| model | PublicTest acc. | ms per face |\n|---|---:|---:|")
    for path in args.models:
        clf = EmotionClassifier.load(path, threads=1)
        if clf.input_size != (48, 48):
            sys.exit(f"{path}: input {clf.input_size}, this benchmark compares 48x48 models")
        answers[path.name] = clf.classify_many(val.images)
        cost[path.name] = classifier_ms_per_face(clf)
        accuracy = (answers[path.name].argmax(1) == val.labels).mean()
        print(f"| {path.name} | {accuracy:.2%} | {cost[path.name]:.2f} |")
    print(
        "\n| ensemble (probabilities averaged) | PublicTest acc. | ms per face |\n|---|---:|---:|"
    )
    for size in range(2, len(answers) + 1):
        for names in itertools.combinations(answers, size):
            mean = np.mean([answers[n] for n in names], axis=0)
            accuracy = (mean.argmax(1) == val.labels).mean()
            print(f"| {' + '.join(names)} | {accuracy:.2%} | {sum(cost[n] for n in names):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
