"""Milliseconds per face of a model on one CPU core, against model.predict in the same run.

    python benchmarks/classify_speed.py [--model PATH] [--repeats 300]
        [--also PATH ...] [--fernet-widths 24,32,40] [--architectures thesis1,fernet]

Pins the process to one core (where the OS allows) and one interpreter thread, then
times ferapp's classifier as the app runs it (TensorFlow Lite, 8-bit weights; batch of 1
and of 4 faces), the same with float32 weights, and, as the baseline, the thesis's
per-face ``model.predict``. For a model with flip averaging built in, every number
includes both passes (the face and its mirror image).

``--also`` times other models in the same run, each as a ratio to the first (a new
default against the old one), in turn with it a block of calls at a time, so that a
busy spell of the machine is less likely to favour one of them; ``--fernet-widths`` adds untrained
flip-averaged ``fernet`` networks of those widths (speed does not depend on the
weights' values), to see what a wider network would cost before training it;
``--architectures`` adds untrained networks of those architectures as they are (no flip
averaging), the "ms per face" of the architecture comparison in docs/training.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
os.environ.setdefault("OMP_NUM_THREADS", "1")

# isort: off
import numpy as np  # noqa: E402
from ferapp.core.model.tensorflow_import import import_tensorflow  # noqa: E402
# isort: on

tf = import_tensorflow()
tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)

from benchmarks.face_timing import classifiers_ms_per_face, per_face_ms  # noqa: E402
from ferapp.core.locations import find_default_model  # noqa: E402
from ferapp.core.model.classifier import EmotionClassifier  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path)
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--also", type=Path, nargs="*", default=[], metavar="PATH")
    parser.add_argument("--fernet-widths", default="", metavar="W,W,...")
    parser.add_argument("--architectures", default="", metavar="NAME,NAME,...")
    args = parser.parse_args()
    path = args.model or find_default_model()
    if path is None:
        print("no model: pass --model")
        return 1
    clf = EmotionClassifier.load(path, threads=1)
    exact = EmotionClassifier.load(path, threads=1, quantize=False)
    h, w = clf.input_size
    faces = np.random.default_rng(0).integers(0, 256, (4, h, w), dtype=np.uint8)
    print(
        f"model {path.name}: {clf.model.count_params():,} parameters; one CPU core; "
        f"app: {clf.precision}"
    )
    one = per_face_ms(clf.classify, faces[:1], args.repeats)
    four = per_face_ms(clf.classify, faces, args.repeats)
    one_f32 = per_face_ms(exact.classify, faces[:1], args.repeats)
    x = faces[:1, :, :, None].astype(np.float32)
    base = per_face_ms(lambda b: clf.model.predict(b, verbose=0), x, max(args.repeats // 10, 20))
    print(f"  ferapp classify, 1 face : {one:6.2f} ms per face")
    print(f"  ferapp classify, 4 faces: {four:6.2f} ms per face")
    print(f"  float32 weights, 1 face : {one_f32:6.2f} ms per face ({exact.precision})")
    print(f"  baseline model.predict  : {base:6.2f} ms per face")
    print(f"  speed-up vs predict: {base / one:.0f}x (1 face), {base / four:.0f}x (4 faces)")
    print(f"  8-bit vs float32 weights: {one_f32 / one:.1f}x")
    others = list(args.also)
    with tempfile.TemporaryDirectory() as folder:
        widths = [int(w) for w in args.fernet_widths.split(",") if w.strip()]
        names = [n.strip() for n in args.architectures.split(",") if n.strip()]
        if widths or names:  # their converted forms go to a throwaway cache, not the user's
            os.environ["FERAPP_CACHE_DIR"] = str(Path(folder) / "cache")
        for width in widths:
            others.append(untrained_fernet(width, Path(folder)))
        for name in names:
            others.append(untrained(name, Path(folder)))
        if others:
            loaded = [clf] + [EmotionClassifier.load(o, threads=1) for o in others]
            base_ms, *ms = classifiers_ms_per_face(loaded, args.repeats)
            print(
                f"\n  in the same run, 1 face, timed in turn with {path.name} ({base_ms:.2f} ms):"
            )
            for other, other_ms in zip(others, ms, strict=True):
                print(f"  {other.name:40s} {other_ms:6.2f} ms per face  {other_ms / base_ms:5.2f}x")
    return 0


def untrained_fernet(width: int, folder: Path) -> Path:
    """A flip-averaged fernet of ``width`` with random weights, saved as ferapp saves models."""
    from ferapp.core.model.metadata import ModelInfo, save_model
    from trainer.architectures import fernet
    from trainer.flip_average import with_flip_average

    model = with_flip_average(fernet(width=width))
    info = ModelInfo(extra={"architecture": "fernet", "test_time_flip": True})
    path = folder / f"fernet-width{width}-{model.count_params():,}-params.keras"
    return save_model(model, path, info)


def untrained(name: str, folder: Path) -> Path:
    """An architecture with random weights, no flip averaging, saved as ferapp saves models."""
    from ferapp.core.model.metadata import ModelInfo, save_model
    from trainer.architectures import build

    path = folder / f"{name}-untrained.keras"
    return save_model(build(name), path, ModelInfo(extra={"architecture": name}))


if __name__ == "__main__":
    sys.exit(main())
