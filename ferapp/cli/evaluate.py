"""`ferapp evaluate`: accuracy, per-class precision/recall and the confusion matrix on FER2013 CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from ferapp.cli.options import add_model_options, load_classifier
from ferapp.core.confusion_image import write_confusion_png
from ferapp.core.errors import DataError
from ferapp.core.export import write_json
from ferapp.core.fer2013 import USAGES, load_fer2013_csv
from ferapp.core.metrics import ClassificationReport


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="measure a model on a FER2013-format CSV",
        description="Top-1 accuracy, per-class recall and precision and the "
        "confusion matrix of a model on a FER2013 CSV (.csv or .csv.gz).",
    )
    p.add_argument("--data", type=Path, required=True, help="FER2013 CSV (emotion,pixels,Usage)")
    p.add_argument("--usage", choices=USAGES, help="only rows of this Usage (default: all rows)")
    p.add_argument("--json", type=Path, help="write the numbers as JSON")
    p.add_argument(
        "--confusion-image", type=Path, help="write the confusion matrix as a PNG heatmap"
    )
    p.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="leave out malformed rows (reported) instead of stopping at the first",
    )
    add_model_options(p)
    p.set_defaults(run=run)


def evaluate(classifier, images: np.ndarray, labels: np.ndarray) -> ClassificationReport:
    """Classify 48x48 dataset faces (resized to the model's input if needed) and score them."""
    height, width = classifier.input_size
    if images.shape[1:3] != (height, width):
        images = np.stack(
            [cv2.resize(im, (width, height), interpolation=cv2.INTER_LINEAR) for im in images]
        )
    probs = np.concatenate(
        [
            classifier.classify(images[i : i + 256])
            for i in tqdm(
                range(0, len(images), 256),
                unit="batch",
                file=sys.stderr,
                desc="evaluating",
                leave=False,
            )
        ]
    )
    return ClassificationReport.from_predictions(
        labels, probs.argmax(axis=1), classifier.class_names
    )


def run(args: argparse.Namespace) -> int:
    classifier = load_classifier(args)
    data = load_fer2013_csv(
        args.data, usage=args.usage, on_error="skip" if args.skip_bad_rows else "raise"
    )
    if data.skipped:
        print(
            f"skipped {len(data.skipped)} malformed row(s); first: line {data.skipped[0][0]}: "
            f"{data.skipped[0][1]}",
            file=sys.stderr,
        )
    if len(classifier.class_names) != 7:
        raise DataError(f"FER2013 has 7 classes; the model has {len(classifier.class_names)}")
    report = evaluate(classifier, data.images, data.labels)
    print(
        f"model: {classifier.source} ({classifier.precision})\ndata: {args.data}"
        + (f" (Usage {args.usage})" if args.usage else "")
    )
    print(report.text())
    if args.json:
        write_json(
            args.json,
            {
                "model": classifier.source,
                "runtime": classifier.precision,
                "data": str(args.data),
                "usage": args.usage,
                "skipped_rows": len(data.skipped),
                **report.as_dict(),
            },
        )
    if args.confusion_image:
        write_confusion_png(report, args.confusion_image)
        print(f"confusion matrix image: {args.confusion_image}")
    return 0
