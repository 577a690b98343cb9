"""ferapp: real-time facial emotion recognition on the desktop."""

__version__ = "0.1.0"

import os as _os

# TensorFlow's C++ start-up chatter (CUDA probing, oneDNN notes) means nothing to users.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# OpenCV's own warnings (a camera index that does not exist) are reported by ferapp instead.
_os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
# FFmpeg inside OpenCV: quiet about damaged videos (ferapp says what is wrong). OpenCV reads
# it when it first uses FFmpeg, so it is set before anything imports cv2.
_os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET
# Images above 100 megapixels are refused before decoding (a decompression bomb).
_os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", "100000000")
