"""The `ferapp` entry point: a sub-command runs headless, anything else opens the window."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ferapp.cli import COMMANDS


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "train":  # only a training run picks its Keras backend
        from trainer.backends import run_on_tensorflow

        run_on_tensorflow()
    if args and args[0] in ("-h", "--help", "--version"):
        from ferapp.window_options import build_window_parser

        build_window_parser().parse_args(args[:1])  # prints and exits
    if args and args[0] in COMMANDS:
        from ferapp.cli import main as cli_main

        return cli_main(args)
    from ferapp.gui.launch import main as gui_main

    return gui_main(args)


if __name__ == "__main__":
    sys.exit(main())
