"""Command-line options shared by several commands: model choice, detector and crop settings."""

from __future__ import annotations

import argparse
from pathlib import Path

from ferapp.core.detect.base import (
    DETECTOR_NAMES,
    DETECTOR_RANGES,
    DETECTOR_TITLES,
    PARAMETERS,
    DetectorSettings,
)
from ferapp.core.errors import UnknownScalingError
from ferapp.core.faces.certainty import DEFAULT_MAX_YAW, DEFAULT_MIN_CONFIDENCE
from ferapp.core.faces.crop import CROP_RULES, CropSettings
from ferapp.core.faces.tracking import MAX_SMOOTHING
from ferapp.core.locations import SHIPPED_MODELS, resolve_model_path
from ferapp.core.model.classifier import EmotionClassifier
from ferapp.core.model.metadata import PIXEL_SCALINGS, parse_class_names
from ferapp.core.recognition.settings import DEFAULT_SMOOTHING, RecognitionSettings


def add_model_options(parser: argparse.ArgumentParser, required: bool = False) -> None:
    group = parser.add_argument_group("model")
    group.add_argument(
        "--model",
        type=Path,
        required=required,
        help="model file (.keras or .h5), or a shipped model by name: "
        + "; ".join(f"{name} ({what})" for name, what in SHIPPED_MODELS.items()),
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


def add_recognition_options(parser: argparse.ArgumentParser) -> None:
    """Smoothing, uncertainty limits, detector and crop: what :func:`recognition_settings` reads."""
    parser.add_argument(
        "--smooth",
        type=float,
        default=DEFAULT_SMOOTHING,
        help="for videos and cameras: average each face's probabilities over frames "
        f"(0 = off, default {DEFAULT_SMOOTHING}, at most {MAX_SMOOTHING}; faces are tracked "
        "by position)",
    )
    _add_certainty_options(parser)
    _add_detector_options(parser)


def recognition_settings(args: argparse.Namespace) -> RecognitionSettings:
    """The recognition the options name, checked (before any work)."""
    return RecognitionSettings(
        detector=detector_settings(args),
        crop=crop_settings(args),
        smoothing=args.smooth,
        min_confidence=args.min_confidence,
        max_yaw=args.max_yaw,
        landmarks=getattr(args, "landmarks", False),
        blur_faces=getattr(args, "blur_faces", False),
    )


def add_blur_option(parser: argparse.ArgumentParser) -> None:
    """``--blur-faces``: annotated images and videos that can be shared without identities."""
    parser.add_argument(
        "--blur-faces",
        action="store_true",
        help="blur each face under its coloured box in annotated images and videos, so "
        "that they can be shared without showing who is in them",
    )


def _add_certainty_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("uncertain faces")
    group.add_argument(
        "--min-confidence",
        type=float,
        metavar="P",
        help="below this confidence (0..1) a face's label is shown as uncertain (grey, '?'); "
        "default: the model's calibrated threshold, else "
        f"{DEFAULT_MIN_CONFIDENCE}",
    )
    group.add_argument(
        "--max-yaw",
        type=float,
        default=DEFAULT_MAX_YAW,
        metavar="DEGREES",
        help="a head turned further than this is shown as uncertain "
        f"(default {DEFAULT_MAX_YAW:g}; 90 = never)",
    )


def load_classifier(args: argparse.Namespace) -> EmotionClassifier:
    """The classifier ``--model`` names, with this command's flags in its messages."""
    path = resolve_model_path(args.model)
    names = parse_class_names(args.class_names) if args.class_names else None
    try:
        return EmotionClassifier.load(
            path, pixel_scaling=args.pixel_scaling, class_names=names, quantize=not args.float32
        )
    except UnknownScalingError as exc:
        raise UnknownScalingError(f"{exc} with --pixel-scaling raw|unit|symmetric") from None


def _add_detector_options(parser: argparse.ArgumentParser) -> None:
    d = DetectorSettings()
    c = CropSettings()
    group = parser.add_argument_group(
        "face detection",
        "; ".join(f"{name}: {DETECTOR_TITLES[name]}" for name in DETECTOR_NAMES),
    )
    group.add_argument(
        "--detector", choices=DETECTOR_NAMES, default=d.detector, help=f"default {d.detector}"
    )
    for name, limits in DETECTOR_RANGES.items():
        default = getattr(d, name)
        used_by = [k for k, names in PARAMETERS.items() if name in names]
        zero = f", 0 = {limits.zero}" if limits.zero else ""
        group.add_argument(
            f"--{name.replace('_', '-')}",
            type=type(default),
            default=default,
            metavar="N",
            help=f"{limits.help.split(': ', 1)[-1]} ({', '.join(used_by)}; "
            f"{limits.low:g}..{limits.high:g}{zero}; default {default})",
        )
    group.add_argument(
        "--no-align",
        action="store_true",
        help="crop the detector's box instead of using the landmarks (same as --crop box)",
    )
    group.add_argument(
        "--crop",
        choices=CROP_RULES,
        default=c.rule,
        help="with YuNet's landmarks: aligned levels the eyes as FER2013 frames faces; "
        "turned keeps a turned head whole (scaled by eyes-to-mouth height); auto (default) "
        "picks by the head's yaw; box crops the detector's box",
    )
    group.add_argument(
        "--offset-x",
        type=float,
        default=c.offset_x,
        help=f"box crops: enlargement per side, fraction of box width (default {c.offset_x})",
    )
    group.add_argument(
        "--offset-y",
        type=float,
        default=c.offset_y,
        help=f"box crops: enlargement per side, fraction of box height (default {c.offset_y})",
    )


def detector_settings(args: argparse.Namespace) -> DetectorSettings:
    values = {name: getattr(args, name) for name in DETECTOR_RANGES}
    return DetectorSettings(detector=args.detector, **values).validated()


def crop_settings(args: argparse.Namespace) -> CropSettings:
    return CropSettings(args.offset_x, args.offset_y, align=not args.no_align, rule=args.crop)
