"""Command-line options shared by several commands: model choice, detector and crop settings."""

from __future__ import annotations

import argparse
from pathlib import Path

from ferapp.core.classifier import EmotionClassifier
from ferapp.core.crop import CropSettings
from ferapp.core.default_model import NO_MODEL_HELP, find_default_model
from ferapp.core.detector import DetectorSettings
from ferapp.core.errors import ModelError
from ferapp.core.model_file import PIXEL_SCALINGS


def add_model_options(parser: argparse.ArgumentParser, required: bool = False) -> None:
    group = parser.add_argument_group("model")
    group.add_argument(
        "--model",
        type=Path,
        required=required,
        help="model file (.keras or .h5); default: the shipped model",
    )
    group.add_argument(
        "--pixel-scaling",
        choices=PIXEL_SCALINGS,
        help="pixel range the model expects, for files without ferapp metadata "
        "(raw 0..255, unit 0..1, symmetric -1..1)",
    )
    group.add_argument(
        "--class-names",
        help="comma-separated class names, for files without ferapp metadata "
        "(default: the FER2013 order)",
    )
    group.add_argument(
        "--float32",
        action="store_true",
        help="run the network with its float32 weights instead of 8-bit ones (slower; to compare)",
    )


def load_classifier(args: argparse.Namespace) -> EmotionClassifier:
    path = args.model or find_default_model()
    if path is None:
        raise ModelError(NO_MODEL_HELP)
    names = tuple(n.strip() for n in args.class_names.split(",")) if args.class_names else None
    return EmotionClassifier.load(
        path, pixel_scaling=args.pixel_scaling, class_names=names, quantize=not args.float32
    )


def add_detector_options(parser: argparse.ArgumentParser) -> None:
    d = DetectorSettings()
    c = CropSettings()
    group = parser.add_argument_group("face detection")
    group.add_argument(
        "--scale-factor",
        type=float,
        default=d.scale_factor,
        help=f"Haar scale step between sizes (default {d.scale_factor})",
    )
    group.add_argument(
        "--min-neighbors",
        type=int,
        default=d.min_neighbors,
        help=f"detections needed to keep a face (default {d.min_neighbors})",
    )
    group.add_argument(
        "--min-size",
        type=int,
        default=d.min_size,
        help=f"smallest face side in frame pixels (default {d.min_size})",
    )
    group.add_argument(
        "--detect-width",
        type=int,
        default=d.detect_width,
        help=f"detect on a copy this wide, 0 = full size (default {d.detect_width})",
    )
    group.add_argument(
        "--offset-x",
        type=float,
        default=c.offset_x,
        help=f"crop enlargement per side, fraction of box width (default {c.offset_x})",
    )
    group.add_argument(
        "--offset-y",
        type=float,
        default=c.offset_y,
        help=f"crop enlargement per side, fraction of box height (default {c.offset_y})",
    )


def detector_settings(args: argparse.Namespace) -> DetectorSettings:
    return DetectorSettings(args.scale_factor, args.min_neighbors, args.min_size, args.detect_width)


def crop_settings(args: argparse.Namespace) -> CropSettings:
    return CropSettings(args.offset_x, args.offset_y)
