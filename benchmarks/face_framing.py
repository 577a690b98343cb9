"""Where FER2013 puts the eyes: the framing that ferapp's aligned crops reproduce.

    python benchmarks/face_framing.py --data fer2013.csv.gz [--rows 6000]

Each Training face (48x48) is upscaled 4x onto a larger canvas (edges replicated, so
the face keeps context) and given to YuNet. For faces found once with a score of at
least 0.8, the eye positions are mapped back to the 48x48 crop. Prints the median
and quartiles of the eyes' midpoint (x, y), their distance and the eye line's tilt, as
fractions of the crop, which :data:`ferapp.core.faces.align.FER2013_FRAMING` holds.
PublicTest rows are never read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from ferapp.core.datasets.fer2013 import load_fer2013_csv  # noqa: E402
from ferapp.core.detect.base import DetectorSettings  # noqa: E402
from ferapp.core.detect.yunet import YuNetDetector  # noqa: E402

UPSCALE = 4
PAD = 64


def eye_positions(faces: np.ndarray, detector: YuNetDetector) -> tuple[np.ndarray, int]:
    """(N, 2, 2) eye positions in 48x48 pixels for the faces YuNet finds once; and N tried."""
    found = []
    for face in faces:
        big = cv2.resize(face, None, fx=UPSCALE, fy=UPSCALE, interpolation=cv2.INTER_CUBIC)
        canvas = cv2.copyMakeBorder(big, PAD, PAD, PAD, PAD, cv2.BORDER_REPLICATE)
        detections = detector.detect(cv2.cvtColor(canvas, cv2.COLOR_GRAY2BGR))
        if len(detections) != 1 or detections.scores[0] < 0.8:
            continue
        eyes = (detections.landmarks[0, :2] - PAD) / UPSCALE
        found.append(eyes)
    return np.asarray(found), len(faces)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="FER2013 CSV (.csv or .csv.gz)")
    parser.add_argument("--rows", type=int, default=6000, help="Training rows sampled")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    data = load_fer2013_csv(args.data, usage="Training")
    rng = np.random.default_rng(args.seed)
    pick = rng.choice(len(data.labels), size=min(args.rows, len(data.labels)), replace=False)
    detector = YuNetDetector(
        DetectorSettings(detector="yunet", detect_width=0, score_threshold=0.5)
    )
    eyes, tried = eye_positions(data.images[pick], detector)
    side = data.images.shape[1]
    left, right = eyes[:, 0], eyes[:, 1]
    mid = (left + right) / 2 / side
    distance = np.hypot(*(right - left).T) / side
    tilt = np.degrees(np.arctan2(right[:, 1] - left[:, 1], right[:, 0] - left[:, 0]))
    print(
        f"FER2013 Training faces sampled: {tried}; YuNet found both eyes in {len(eyes)} "
        f"({len(eyes) / tried:.1%})"
    )
    print("measure                     median   25 %    75 %")
    for name, values in (
        ("eye midpoint x / width", mid[:, 0]),
        ("eye line y / height", mid[:, 1]),
        ("eye distance / width", distance),
        ("eye line tilt (degrees)", tilt),
    ):
        q1, med, q3 = np.percentile(values, [25, 50, 75])
        print(f"{name:26s} {med:7.3f} {q1:7.3f} {q3:7.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
