"""`ferapp convert-model`: prepare a model's fast-start form ahead of use.

The window and the commands convert a model on first use and keep the result; this
does it beforehand (the window runs it in a child process, so that TensorFlow never
loads into the window), or writes the converted file into a folder of choice (how
``models/runtime/`` is made for the shipped model).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ferapp.core.files import write_bytes_atomic
from ferapp.core.model import cache as model_cache
from ferapp.core.model.classifier import EmotionClassifier
from ferapp.core.model.metadata import PIXEL_SCALINGS


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "convert-model",
        help="convert a model for fast start (done by itself on first use)",
        description="Convert a model file to TensorFlow Lite with 8-bit weights and keep it "
        "in the cache, so later starts need no conversion.",
    )
    p.add_argument("model", type=Path, help="model file (.keras or .h5)")
    p.add_argument("--float32", action="store_true", help="keep float32 weights")
    p.add_argument("--pixel-scaling", choices=PIXEL_SCALINGS, help="for files without metadata")
    p.add_argument(
        "--into",
        type=Path,
        metavar="FOLDER",
        help="also write the converted file into FOLDER (e.g. models/runtime for the shipped model)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    clf = EmotionClassifier.load(
        args.model, pixel_scaling=args.pixel_scaling, quantize=not args.float32
    )
    if clf.flatbuffer is None:
        print(f"{args.model}: cannot be converted; it runs with TensorFlow ({clf.precision})")
        return 1
    digest = model_cache.file_digest(args.model)
    name = model_cache.cache_name(digest, clf.quantized)
    if args.into:
        args.into.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(args.into / name, clf.flatbuffer)
        print(f"written: {args.into / name}")
    print(f"{args.model}: converted ({clf.precision}), {len(clf.flatbuffer) / 1e6:.1f} MB")
    return 0
