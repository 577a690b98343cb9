"""The window's command-line options, without Qt: `ferapp --help` lists them beside the
headless commands, and the window parses them."""

from __future__ import annotations

import argparse
from pathlib import Path

from ferapp import __version__

COMMANDS_HELP = (
    "commands (run headless; `ferapp COMMAND --help` for each):\n"
    "  analyze        find faces and their emotions in images, videos or a camera\n"
    "  evaluate       measure a model on a FER2013-format CSV\n"
    "  train          train an emotion model\n"
    "  serve          serve the web page (browser camera) and an HTTP API\n"
    "  convert-model  convert a model for fast start (done by itself on first use)"
)


def build_window_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ferapp",
        usage="ferapp [window options]  |  ferapp COMMAND ...",
        description="Facial emotion recognition. Without a command, the window opens.",
        epilog=COMMANDS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    window = p.add_argument_group("window options")
    window.add_argument("--source", help="camera number, video file or image folder to start with")
    window.add_argument("--model", help="model file to use (saved in the settings)")
    window.add_argument(
        "--settings-dir", help="keep settings in this folder instead of the usual place"
    )
    window.add_argument(
        "--screenshot", type=Path, help="save a PNG of the whole window before exiting"
    )
    window.add_argument("--exit-after", type=float, help="quit after this many seconds")
    window.add_argument(
        "--self-test",
        action="store_true",
        help="load the model and both face detectors, build the window, report, exit",
    )
    p.add_argument("--version", action="version", version=f"ferapp {__version__}")
    return p
