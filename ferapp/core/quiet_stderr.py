"""Keeping known, meaningless lines of C/C++ libraries off the terminal.

TensorFlow, FFmpeg and OpenCV write some messages straight to file descriptor 2, where
Python's own settings cannot reach them. :func:`stderr_filtered` captures descriptor 2
for the duration of a block and afterwards passes on every line except those the
caller names, so nothing else is lost. One block at a time in the whole process (a
lock), because descriptor 2 is shared by all threads.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator

_LOCK = threading.RLock()


@contextlib.contextmanager
def stderr_filtered(drop: Callable[[str], bool]) -> Iterator[None]:
    """Run the block with descriptor 2 captured; replay the lines for which ``drop`` is false."""
    with _LOCK:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, AttributeError, ValueError):  # no usable stderr (windowed app)
            saved = None
        if saved is None:
            yield
            return
        with tempfile.TemporaryFile() as capture:
            os.dup2(capture.fileno(), 2)
            try:
                yield
            finally:
                with contextlib.suppress(OSError, ValueError, AttributeError):
                    sys.stderr.flush()
                os.dup2(saved, 2)
                os.close(saved)
                capture.seek(0)
                text = capture.read().decode("utf-8", errors="replace")
                kept = [line for line in text.splitlines(keepends=True) if not drop(line)]
                if kept and sys.stderr is not None:
                    sys.stderr.write("".join(kept))
                    sys.stderr.flush()
