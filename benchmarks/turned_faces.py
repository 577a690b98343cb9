"""Accuracy by head pose on real photos: ExpW's in-the-wild faces through ferapp's pipeline.

    python benchmarks/turned_faces.py --expw ../shared/data/expw \\
        --models models/ferapp-default.keras --crops aligned,box,turned,auto --json out.json
    python benchmarks/turned_faces.py --expw ../shared/data/expw --split train \
        --export-crops runs/expw-train   # training faces for ferapp train --extra-data

Each labelled face is found in its photo by YuNet (as ``ferapp analyze`` finds it: the
detection overlapping ExpW's box most, IoU at least 0.3), its yaw estimated from the
landmarks (:mod:`ferapp.core.faces.pose`), cut out with each crop rule and classified by each
model. Accuracy is reported per pose bucket (frontal, turned, profile), per class, and
overall. The split is fixed by source image, duplicate groups kept together
(``expw/README.md``): ``val`` (1,131 faces, the development set) or ``train``.

ExpW is for non-commercial research only; its labels are single and noisy.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from ferapp.core.detect.base import Detections, DetectorSettings  # noqa: E402
from ferapp.core.detect.factory import create_detector  # noqa: E402
from ferapp.core.emotions import EMOTIONS  # noqa: E402
from ferapp.core.faces.crop import CROP_RULES, CropSettings, crop_faces  # noqa: E402
from ferapp.core.faces.pose import POSE_BUCKETS, head_pose, pose_bucket  # noqa: E402
from ferapp.core.model.classifier import EmotionClassifier  # noqa: E402


def expw_split(root: Path, part: str) -> list[dict[str, str]]:
    """The rows of labels.csv in ``part`` ('val', 'train' or 'all'), split by source image."""
    groups = {}
    with open(root / "duplicates.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            groups[row["source_image"]] = row["group"]
    rows = []
    with open(root / "labels.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            key = groups.get(row["source_image"], row["source_image"])
            is_val = int(hashlib.sha1(key.encode()).hexdigest(), 16) % 5 == 0
            if part == "all" or (part == "val") == is_val:
                rows.append(row)
    return rows


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    ax0, ay0, aw, ah = a
    bx0, by0, bw, bh = b
    ix = max(0.0, min(ax0 + aw, bx0 + bw) - max(ax0, bx0))
    iy = max(0.0, min(ay0 + ah, by0 + bh) - max(ay0, by0))
    inter = ix * iy
    return inter / max(aw * ah + bw * bh - inter, 1e-9)


def find_faces(root: Path, rows: list[dict[str, str]]):
    """Per labelled face: (image, Detections of that face, label index, yaw) or None."""
    detector = create_detector(DetectorSettings(detect_width=0))
    found = []
    for row in rows:
        image = cv2.imread(str(root / "images" / row["file"]))
        if image is None:
            found.append(None)
            continue
        dets = detector.detect(image)
        truth = np.array([float(row[k]) for k in ("x", "y", "w", "h")])
        scores = [_iou(np.asarray(b, float), truth) for b in dets.boxes]
        if not scores or max(scores) < 0.3:
            found.append(None)
            continue
        i = int(np.argmax(scores))
        one = Detections(dets.boxes[i : i + 1], dets.landmarks[i : i + 1], dets.scores[i : i + 1])
        yaw, _ = head_pose(one.landmarks[0])
        found.append((image, one, EMOTIONS.index(row["label"]), yaw))
    return found


def score(found, classifier: EmotionClassifier, rule: str) -> dict:
    """Accuracy overall, per pose bucket and per class for one model and crop rule."""
    right: dict[str, list[int]] = defaultdict(list)
    for item in found:
        if item is None:
            continue
        image, one, label, yaw = item
        crop = crop_faces(image, one, classifier.input_size, CropSettings(rule=rule))
        guess = int(np.argmax(classifier.classify(crop)[0]))
        ok = int(guess == label)
        for key in ("all", pose_bucket(yaw), EMOTIONS[label]):
            right[key].append(ok)
    return {k: {"faces": len(v), "accuracy": float(np.mean(v))} for k, v in right.items()}


def export_crops(found, rows, out: Path) -> int:
    """Each found face's crop, as the pipeline makes it, in an image folder by label."""
    written = 0
    for item, row in zip(found, rows, strict=True):
        if item is None:
            continue
        image, one, label, _ = item
        crop = crop_faces(image, one, (48, 48), CropSettings(rule="auto"))[0]
        folder = out / EMOTIONS[label]
        folder.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(folder / (Path(row["file"]).stem + ".png")), crop)
        written += 1
    print(f"{written} crops written to {out}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--expw", type=Path, required=True, help="the ExpW subset folder")
    parser.add_argument("--split", choices=("val", "train", "all"), default="val")
    parser.add_argument("--models", nargs="+", type=Path, default=[])
    parser.add_argument("--crops", default=",".join(CROP_RULES), help="crop rules to compare")
    parser.add_argument("--json", type=Path, help="write every number as JSON")
    parser.add_argument(
        "--export-crops",
        type=Path,
        metavar="DIR",
        help="instead of scoring: write the split's faces as ferapp crops them (auto rule, "
        "48x48 gray) to DIR/<label>/<file>.png, an image folder for `ferapp train --extra-data`",
    )
    args = parser.parse_args()
    rows = expw_split(args.expw, args.split)
    found = find_faces(args.expw, rows)
    if args.export_crops:
        return export_crops(found, rows, args.export_crops)
    yaws = [f[3] for f in found if f is not None]
    buckets = {b: sum(pose_bucket(y) == b for y in yaws) for b in POSE_BUCKETS}
    print(
        f"ExpW {args.split}: {len(rows)} labelled faces, {len(yaws)} found by YuNet; "
        + ", ".join(f"{b} {n}" for b, n in buckets.items())
    )
    results = {}
    head = f"{'model':28} {'crop':8} {'all':>6} " + " ".join(f"{b:>8}" for b in POSE_BUCKETS)
    head += " " + " ".join(f"{e[:5]:>6}" for e in EMOTIONS)
    print(head)
    for path in args.models:
        classifier = EmotionClassifier.load(path)
        for rule in args.crops.split(","):
            r = score(found, classifier, rule)
            results[f"{path.name} {rule}"] = r
            cells = [f"{r.get(k, {}).get('accuracy', float('nan')):.1%}" for k in POSE_BUCKETS]
            classes = [f"{r.get(e, {}).get('accuracy', float('nan')):.0%}" for e in EMOTIONS]
            print(
                f"{path.name:28} {rule:8} {r['all']['accuracy']:6.1%} "
                + " ".join(f"{c:>8}" for c in cells)
                + " "
                + " ".join(f"{c:>6}" for c in classes),
                flush=True,
            )
    if args.json:
        args.json.write_text(
            json.dumps(
                {"split": args.split, "found": len(yaws), "buckets": buckets, **results}, indent=1
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
