"""`ferapp evaluate`: accuracy, per-class precision/recall and the confusion matrix on FER2013 CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from ferapp.cli.options import add_model_options, load_classifier
from ferapp.core.datasets.fer2013 import USAGES, load_fer2013_csv
from ferapp.core.datasets.ferplus import load_votes, majority_labels
from ferapp.core.emotions import EMOTIONS
from ferapp.core.errors import DataError, FerappError
from ferapp.core.evaluation.confusion_image import write_confusion_png
from ferapp.core.evaluation.metrics import ClassificationReport
from ferapp.core.locations import SHIPPED_MODELS
from ferapp.core.model.calibration import (
    apply_temperature,
    expected_calibration_error,
    fit_temperature,
    reliability,
)
from ferapp.core.model.metadata import update_metadata
from ferapp.core.output.writers import write_json


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
    p.add_argument(
        "--votes",
        type=Path,
        metavar="FILE",
        help="FER+ crowd votes for the CSV's rows: also report agreement with the crowd's "
        "majority (faces without one, or whose majority is a class the model lacks, left out)",
    )
    p.add_argument(
        "--calibrate",
        action="store_true",
        help="fit the model's temperature on these faces (against the crowd's majority with "
        "--votes, else the CSV's labels) and store it, with the uncertainty threshold, in "
        "the model file (.keras)",
    )
    add_model_options(p)
    p.set_defaults(run=run)


def evaluate(classifier, images: np.ndarray, labels: np.ndarray) -> ClassificationReport:
    """Classify 48x48 dataset faces (resized to the model's input if needed) and score them."""
    probs = classify_all(classifier, images)
    return score(probs, labels, classifier.class_names)


def score(probs: np.ndarray, labels: np.ndarray, names: tuple[str, ...]) -> ClassificationReport:
    return ClassificationReport.from_predictions(labels, probs.argmax(axis=1), names)


def classify_all(classifier, images: np.ndarray) -> np.ndarray:
    """Probabilities for every 48x48 dataset face, resized to the model's input if needed."""
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
    return probs


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
    names = classifier.class_names
    if len(names) not in (7, 8) or tuple(names[:7]) != EMOTIONS:
        raise DataError(
            f"FER2013 has the 7 classes {', '.join(EMOTIONS)} (FER+ adds contempt); the model "
            f"answers {', '.join(names)}"
        )
    crowd = load_votes(args.votes).for_rows(data.rows) if args.votes else None
    probs = classify_all(classifier, data.images)
    fer_probs, fer_labels = probs, data.labels
    if len(names) == 8:  # FER2013's labels know no contempt: score the 7 classes alone
        fer_probs = probs[:, :7] / np.maximum(probs[:, :7].sum(axis=1, keepdims=True), 1e-12)
    report = score(fer_probs, fer_labels, EMOTIONS)
    print(
        f"model: {classifier.source} ({classifier.precision})\ndata: {args.data}"
        + (f" (Usage {args.usage})" if args.usage else "")
    )
    print("against FER2013's labels:\n" + report.text())
    out: dict = {
        "model": classifier.source,
        "runtime": classifier.precision,
        "data": str(args.data),
        "usage": args.usage,
        "skipped_rows": len(data.skipped),
        **report.as_dict(),
        "ece": expected_calibration_error(fer_probs, fer_labels),
    }
    target_probs, target_labels = fer_probs, fer_labels
    if crowd is not None:
        majority = majority_labels(crowd, len(names))
        keep = majority >= 0
        crowd_report = score(probs[keep], majority[keep], names)
        print(
            f"\nagainst the FER+ crowd's majority ({int(keep.sum())} of {len(keep)} faces "
            "have one):\n" + crowd_report.text()
        )
        target_probs, target_labels = probs[keep], majority[keep]
        out["crowd"] = {
            "faces": int(keep.sum()),
            **crowd_report.as_dict(),
            "ece": expected_calibration_error(target_probs, target_labels),
        }
    print(
        f"expected calibration error: {expected_calibration_error(target_probs, target_labels):.2%}"
    )
    if args.calibrate:
        out["calibration"] = calibrate(args.model, classifier, target_probs, target_labels)
    if args.json:
        write_json(args.json, out)
    if args.confusion_image:
        write_confusion_png(report if crowd is None else crowd_report, args.confusion_image)
        print(f"confusion matrix image: {args.confusion_image}")
    return 0


def calibrate(model: Path | None, classifier, probs: np.ndarray, labels: np.ndarray) -> dict:
    """Fit a temperature to ``probs`` (as the model answers now) and store it in the file."""
    if model is None or str(model) in SHIPPED_MODELS or model.suffix.lower() != ".keras":
        raise FerappError("--calibrate writes into the model file: name a .keras file with --model")
    fitted = fit_temperature(probs, labels)
    calibrated = apply_temperature(probs, fitted)
    temperature = round(classifier.temperature * fitted, 3)
    result = {
        "temperature": temperature,
        "ece_before": expected_calibration_error(probs, labels),
        "ece_after": expected_calibration_error(calibrated, labels),
        "bands": reliability(calibrated, labels),
        "min_confidence": CALIBRATED_MIN_CONFIDENCE,
    }
    update_metadata(
        model, {"temperature": temperature, "min_confidence": CALIBRATED_MIN_CONFIDENCE}
    )
    print(
        f"calibrated: temperature {temperature:g}; expected calibration error "
        f"{result['ece_before']:.2%} -> {result['ece_after']:.2%}; written into {model}"
    )
    for low, high, n, acc, conf in result["bands"]:
        if n:
            print(
                f"  confidence {low:.0%}-{high:.0%}: {n} faces, {acc:.1%} right (mean {conf:.1%})"
            )
    return result


# A calibrated "50 %" is right half the time: below it a label is more likely wrong.
CALIBRATED_MIN_CONFIDENCE = 0.5
