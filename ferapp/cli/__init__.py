"""The headless command line: `ferapp analyze`, `ferapp evaluate`, `ferapp train`."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from ferapp import __version__
from ferapp.core.errors import FerappError, OutputError

COMMANDS = ("analyze", "evaluate", "train", "serve", "convert-model")


def build_parser() -> argparse.ArgumentParser:
    from ferapp.cli import analyze, convert_model, evaluate, serve, train

    parser = argparse.ArgumentParser(
        prog="ferapp",
        description="Facial emotion recognition: analyse images, videos and cameras; "
        "evaluate and train models. Without a command, the window opens.",
    )
    parser.add_argument("--version", action="version", version=f"ferapp {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (analyze, evaluate, train, serve, convert_model):
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; user errors print one line and return a non-zero code."""
    logging.basicConfig(level=logging.WARNING, format="ferapp: %(levelname)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except OutputError as exc:  # the core names the output; say it as the option
        print(f"ferapp {args.command}: error: --{exc.output} {exc}", file=sys.stderr)
        return 1
    except FerappError as exc:
        print(f"ferapp {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # an output that cannot be written: full disk, no permission, ...
        where = f" {exc.filename}" if exc.filename else ""
        print(
            f"ferapp {args.command}: error: cannot write{where}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print(f"ferapp {args.command}: interrupted", file=sys.stderr)
        return 130
