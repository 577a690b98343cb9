"""Entry script for the frozen application (PyInstaller): the same entry point as `ferapp`."""

import multiprocessing
import sys

from ferapp.app import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # child processes of a frozen app must not re-run main
    sys.exit(main())
