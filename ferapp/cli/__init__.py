"""The headless command line: `ferapp analyze`, `ferapp evaluate`, `ferapp train`."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
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


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C's KeyboardInterrupt would be: both stop a command the
    same way (results so far kept, temporary files removed)."""


_TERMINATED = threading.Event()


def _terminate(signum: int, frame: object) -> None:
    _TERMINATED.set()
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command (see :func:`run_command`), with SIGTERM behaving as Ctrl-C."""
    if not hasattr(signal, "SIGTERM") or threading.current_thread() is not threading.main_thread():
        return run_command(argv)
    _TERMINATED.clear()
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        code = run_command(argv)
        # a command that kept its partial results says 130 (Ctrl-C); SIGTERM's own is 143
        return 143 if code == 130 and _TERMINATED.is_set() else code
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_command(argv: Sequence[str] | None = None) -> int:
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
    except KeyboardInterrupt as exc:
        terminated = isinstance(exc, Terminated)
        print(f"ferapp {args.command}: {'terminated' if terminated else 'interrupted'}",
              file=sys.stderr)  # fmt: skip
        return 143 if terminated else 130
