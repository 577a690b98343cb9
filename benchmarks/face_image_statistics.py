"""How sharp, how contrasted and how bright faces are: FER2013's against ferapp's own crops.

    python benchmarks/turned_faces.py --expw ../shared/data/expw --split train \\
        --export-crops runs/expw-train
    python benchmarks/face_image_statistics.py --data ../shared/data/fer2013/fer2013.csv.gz \\
        --crops runs/expw-train [--json out.json]

The network learns from FER2013's 48x48 faces but reads faces that ferapp cuts out of
photos and camera frames (detector, pose-chosen crop, resized to 48x48). This measures,
per face:

- brightness: the mean grey level;
- contrast: the standard deviation of the grey levels (RMS contrast);
- sharpness: the standard deviation of the image's Laplacian divided by its contrast,
  so that a dim face is not taken for a blurred one.

It prints the 10th, 25th, 50th, 75th and 90th percentiles of each for FER2013's
Training faces, for the crops, and for FER2013's faces blurred by a Gaussian of each
sigma; then the blur, contrast scale and brightness shift at which FER2013's median face
meets the crops' percentiles; and last FER2013's faces as the trainer's ``blur``
augmentation leaves them (``trainer.protocol.BLUR_PROBABILITY`` and ``BLUR_SIGMA``, which
were chosen from these figures), with how far their sharpness percentiles are from the
crops'.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from ferapp.core.errors import DataError  # noqa: E402
from trainer.batches import camera_blur  # noqa: E402
from trainer.datasets import add_training_images, load_dataset  # noqa: E402
from trainer.protocol import BLUR_PROBABILITY  # noqa: E402

PERCENTILES = (10, 25, 50, 75, 90)
SIGMAS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)


def statistics(images: np.ndarray) -> dict[str, np.ndarray]:
    """Per-face brightness, contrast and sharpness of (N, H, W) grey images."""
    x = images.astype(np.float32)
    brightness = x.mean(axis=(1, 2))
    contrast = x.std(axis=(1, 2))
    laplacian = np.stack([cv2.Laplacian(face, cv2.CV_32F, ksize=1) for face in x])
    sharpness = laplacian[:, 2:-2, 2:-2].std(axis=(1, 2)) / np.maximum(contrast, 1.0)
    return {"brightness": brightness, "contrast": contrast, "sharpness": sharpness}


def blurred(images: np.ndarray, sigma: float) -> np.ndarray:
    return np.stack([cv2.GaussianBlur(face, (0, 0), sigma) for face in images])


def percentiles(values: np.ndarray) -> list[float]:
    return [round(float(v), 3) for v in np.percentile(values, PERCENTILES)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="FER2013 .csv/.csv.gz")
    parser.add_argument("--crops", required=True, type=Path, help="folder of ferapp's crops")
    parser.add_argument("--json", type=Path, help="write every number as JSON")
    args = parser.parse_args()

    try:
        splits = load_dataset(args.data)
        fer = splits.train.images
        add_training_images(splits, args.crops)  # as `ferapp train --extra-data` reads them
        crops = splits.train.images[len(fer) :]
    except DataError as exc:
        raise SystemExit(f"error: {exc}") from exc
    fer_stats, crop_stats = statistics(fer), statistics(crops)
    rows: dict[str, dict[str, list[float]]] = {
        f"FER2013 Training ({len(fer):,})": {k: percentiles(v) for k, v in fer_stats.items()},
        f"ferapp crops ({len(crops):,})": {k: percentiles(v) for k, v in crop_stats.items()},
    }
    sharpness_by_sigma = {0.0: fer_stats["sharpness"]}
    for sigma in SIGMAS:
        sharpness_by_sigma[sigma] = statistics(blurred(fer, sigma))["sharpness"]
        rows[f"FER2013 blurred, sigma {sigma}"] = {
            "sharpness": percentiles(sharpness_by_sigma[sigma])
        }

    print(f"percentiles {', '.join(map(str, PERCENTILES))}")
    for name, stats in rows.items():
        print(name)
        for key, values in stats.items():
            print(f"  {key:<10} " + "  ".join(f"{v:8.3f}" for v in values))

    # The blur that brings FER2013's median sharpness to each of the crops' percentiles
    # (sharpness falls monotonically with sigma), and the contrast scale likewise.
    sigmas = np.array(sorted(sharpness_by_sigma))
    medians = np.array([np.median(sharpness_by_sigma[s]) for s in sigmas])
    matched_sigma = [
        round(float(np.interp(p, medians[::-1], sigmas[::-1])), 2)
        for p in np.percentile(crop_stats["sharpness"], PERCENTILES)
    ]
    contrast_scale = [
        round(float(p / np.median(fer_stats["contrast"])), 2)
        for p in np.percentile(crop_stats["contrast"], PERCENTILES)
    ]
    brightness_shift = [
        round(float(p - np.median(fer_stats["brightness"])), 1)
        for p in np.percentile(crop_stats["brightness"], PERCENTILES)
    ]
    print("\nwhat brings FER2013's median face to the crops' percentiles")
    print("  blur sigma       " + "  ".join(f"{v:8.2f}" for v in matched_sigma))
    print("  contrast scale   " + "  ".join(f"{v:8.2f}" for v in contrast_scale))
    print("  brightness shift " + "  ".join(f"{v:8.1f}" for v in brightness_shift))

    augmented = fer.astype(np.float32)
    camera_blur(augmented, BLUR_PROBABILITY, np.random.default_rng(0))
    augmented_sharpness = percentiles(statistics(augmented)["sharpness"])
    crop_sharpness = percentiles(crop_stats["sharpness"])
    error = round(
        sum(abs(a - b) for a, b in zip(augmented_sharpness, crop_sharpness, strict=True)), 3
    )
    rows["FER2013 with the trainer's blur augmentation"] = {"sharpness": augmented_sharpness}
    print("\nFER2013 with the trainer's blur augmentation")
    print("  sharpness  " + "  ".join(f"{v:8.3f}" for v in augmented_sharpness))
    print(f"  summed distance from the crops' sharpness percentiles: {error}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "percentiles": PERCENTILES,
                    "rows": rows,
                    "matched_sigma": matched_sigma,
                    "contrast_scale": contrast_scale,
                    "brightness_shift": brightness_shift,
                    "blur_augmentation_distance": error,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
