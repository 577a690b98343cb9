"""Does the crop matter? Accuracy of the whole pipeline on real photos, by crop method.

    python benchmarks/crop_accuracy.py --photos runs/photos [--model PATH]

PHOTOS holds <emotion>/<image> files, one face per image, not pre-cropped
(``benchmarks/make_photo_set.py`` makes such a set from public material). Each photo is
also tilted by -20, -10, +10 and +20 degrees, as heads are. For every method the
largest face found is classified; a photo where no face is found counts as wrong.

Methods: the previous default (Haar on a 320-wide copy, box enlarged 10 %/15 %); YuNet
with the same box crop; YuNet with eye-aligned crops framed as FER2013 (the default).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from ferapp.core.detect.base import DetectorSettings  # noqa: E402
from ferapp.core.detect.factory import create_detector  # noqa: E402
from ferapp.core.faces.crop import CropSettings  # noqa: E402
from ferapp.core.locations import resolve_model_path  # noqa: E402
from ferapp.core.model.classifier import EmotionClassifier  # noqa: E402
from ferapp.core.recognition.pipeline import Pipeline  # noqa: E402
from ferapp.core.sources.images import IMAGE_SUFFIXES, read_image  # noqa: E402

TILTS = (-20, -10, 0, 10, 20)
METHODS = {
    "Haar 320 + box crop (previous default)": (DetectorSettings(detector="haar"), False),
    "YuNet 320 + box crop": (DetectorSettings(detector="yunet"), False),
    "YuNet 320 + aligned crop (default)": (DetectorSettings(detector="yunet"), True),
}


def tilted(image: np.ndarray, degrees: float) -> np.ndarray:
    if not degrees:
        return image
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)


def labelled_photos(folder: Path) -> list[tuple[str, Path]]:
    return sorted(
        (label_dir.name, path)
        for label_dir in folder.iterdir()
        if label_dir.is_dir()
        for path in label_dir.iterdir()
        if path.suffix.lower() in IMAGE_SUFFIXES
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=Path, required=True)
    parser.add_argument("--model", type=Path)
    args = parser.parse_args()
    classifier = EmotionClassifier.load(resolve_model_path(args.model))
    photos = labelled_photos(args.photos)
    images = [(label, read_image(path)) for label, path in photos]
    print(
        f"{len(images)} photos, each upright and tilted {TILTS} degrees; model {classifier.source}"
    )
    print(f"{'method':42s} {'upright':>9s} {'all tilts':>10s} {'found':>7s}")
    for name, (detector, align) in METHODS.items():
        pipeline = Pipeline(create_detector(detector), classifier, CropSettings(align=align))
        right = {tilt: 0 for tilt in TILTS}
        found = 0
        for label, image in images:
            for tilt in TILTS:
                faces = pipeline.process(tilted(image, tilt)).faces
                if not faces:
                    continue
                found += 1
                largest = max(faces, key=lambda f: f.box[2] * f.box[3])
                right[tilt] += largest.label == label
        n = len(images)
        print(
            f"{name:42s} {right[0] / n:9.1%} {sum(right.values()) / (n * len(TILTS)):10.1%} "
            f"{found / (n * len(TILTS)):7.1%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
