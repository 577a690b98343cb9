"""Spurious boxes: faces found where there are none, and second boxes on one-face photos.

    python benchmarks/false_faces.py [--photos runs/photos]

Face-free: scikit-image's pictures without people (objects, scenery, textures, text) at
three sizes, and noise. One face: the public-domain astronaut and Grace Hopper
portraits, and the photos of --photos (``make_photo_set.py``; its ``group-*`` cuts of a
group photo are left out, as neighbours' faces show at their edges), each at three
sizes, tilted -10/0/+10 degrees and mirrored. Prints, for each detector at its
default settings, the images with any face among the face-free ones, and the images with
more than one face among the one-face ones.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import skimage.data  # noqa: E402

from ferapp.core.detect.base import DetectorSettings  # noqa: E402
from ferapp.core.detect.factory import create_detector  # noqa: E402
from ferapp.core.sources.images import IMAGE_SUFFIXES, read_image  # noqa: E402
from tests.support import astronaut_face, grace_hopper_head  # noqa: E402

FACE_FREE = (
    "coffee", "chelsea", "rocket", "hubble_deep_field", "brick", "grass", "gravel", "coins",
    "moon", "page", "text", "horse", "immunohistochemistry", "colorwheel", "logo", "clock",
)  # fmt: skip
SCALES = (0.5, 1.0, 2.0)


def as_bgr(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype != np.uint8:
        image = (image * 255 if image.max() <= 1 else image).astype(np.uint8)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    return cv2.cvtColor(image[..., :3], cv2.COLOR_RGB2BGR)


def variants(image: np.ndarray, tilts=(0,), mirror=False):
    h, w = image.shape[:2]
    for scale in SCALES:
        for tilt in tilts:
            matrix = cv2.getRotationMatrix2D((w / 2, h / 2), tilt, scale)
            matrix[:, 2] += ((w * scale - w) / 2, (h * scale - h) / 2)
            out = cv2.warpAffine(
                image, matrix, (round(w * scale), round(h * scale)), borderMode=cv2.BORDER_REPLICATE
            )
            yield out
            if mirror:
                yield out[:, ::-1].copy()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=Path, help="folder of one-face photos (<label>/<file>)")
    args = parser.parse_args()
    empty = [v for name in FACE_FREE for v in variants(as_bgr(getattr(skimage.data, name)()))]
    rng = np.random.default_rng(0)
    empty += [rng.integers(0, 256, (480, 640, 3), dtype=np.uint8) for _ in range(10)]
    singles = [cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR), grace_hopper_head()]
    singles.append(astronaut_face())
    if args.photos:
        singles += [
            read_image(p)
            for p in sorted(args.photos.rglob("*"))
            if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("group-")
        ]
    one_face = [v for image in singles for v in variants(image, (-10, 0, 10), mirror=True)]
    print(f"{len(empty)} face-free images; {len(one_face)} one-face images ({len(singles)} photos)")
    print(
        "| detector (defaults) | face-free images with a face | one-face images with a second box |"
    )
    print("|---|---:|---:|")
    for name in ("yunet", "haar"):
        detector = create_detector(DetectorSettings(detector=name))
        false = sum(len(detector.detect(image)) > 0 for image in empty)
        second = sum(len(detector.detect(image)) > 1 for image in one_face)
        print(
            f"| {name} | {false} ({false / len(empty):.1%}) | {second} ({second / len(one_face):.1%}) |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
