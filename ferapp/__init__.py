"""ferapp: real-time facial emotion recognition on the desktop."""

import os as _os
import sys as _sys


def _version() -> str:
    """The release this is: an installer's build writes the tag's version into the bundle."""
    bundle = getattr(_sys, "_MEIPASS", None)
    if bundle:
        try:
            with open(_os.path.join(bundle, "VERSION"), encoding="utf-8") as file:
                return file.read().strip() or "0.1.0"
        except OSError:
            pass
    return "0.1.0"


__version__ = _version()

# TensorFlow's C++ start-up chatter (CUDA probing, oneDNN notes) means nothing to users.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# OpenCV's own warnings (a camera index that does not exist) are reported by ferapp instead.
_os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
# FFmpeg inside OpenCV: quiet about damaged videos (ferapp says what is wrong). OpenCV reads
# it when it first uses FFmpeg, so it is set before anything imports cv2.
_os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET
# Images above 100 megapixels are refused before decoding (a decompression bomb).
_os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", "100000000")
