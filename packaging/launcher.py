"""Entry script for the frozen application (PyInstaller): the same entry point as `ferapp`."""

import multiprocessing
import os
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # child processes of a frozen app must not re-run main
    from ferapp.core.locations import user_data_folder

    # Keras keeps a config folder: in an installed ferapp it lives with ferapp's own data
    # (which the uninstaller offers to remove) instead of a shared ~/.keras.
    os.environ.setdefault("KERAS_HOME", str(user_data_folder() / "keras"))
    from ferapp.app import main

    sys.exit(main())
