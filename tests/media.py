"""Real test media made on the fly: frames and videos with real faces, tiny models.

The faces come from scikit-image's public-domain astronaut photograph, which the Haar
cascade detects. Benchmarks reuse these helpers.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

FRAME_SIZE = (480, 640)  # height, width


def astronaut_face() -> np.ndarray:
    """A 240x200 BGR head-and-shoulders crop of the astronaut photograph."""
    import skimage.data

    image = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
    return np.ascontiguousarray(image[10:250, 120:320])


def face_frame(faces: int = 1, shift: int = 0) -> np.ndarray:
    """A 640x480 BGR frame on a grey gradient with 1 or 3 faces (every other one mirrored)."""
    height, width = FRAME_SIZE
    frame = np.empty((height, width, 3), np.uint8)
    frame[:] = np.linspace(60, 160, width)[None, :, None].astype(np.uint8)
    face = astronaut_face()
    xs = [220] if faces == 1 else [10, 220, 430][:faces]
    for i, x in enumerate(xs):
        crop = face if i % 2 == 0 else face[:, ::-1]
        y = 120 + shift
        frame[y : y + crop.shape[0], x : x + crop.shape[1]] = crop
    return frame


def blank_frame() -> np.ndarray:
    height, width = FRAME_SIZE
    frame = np.empty((height, width, 3), np.uint8)
    frame[:] = np.linspace(60, 160, width)[None, :, None].astype(np.uint8)
    return frame


def write_video(path: Path, frames: list[np.ndarray], fps: float = 30.0) -> Path:
    """Write frames to an MJPG .avi (decodable by every OpenCV build)."""
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    assert writer.isOpened(), f"cannot write {path}"
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def face_video(path: Path, n_frames: int = 30, faces: int = 1, fps: float = 30.0) -> Path:
    """A video of faces moving slowly up and down, as a person in front of a webcam would."""
    shifts = (np.sin(np.linspace(0, 2 * np.pi, n_frames)) * 10).astype(int)
    return write_video(path, [face_frame(faces, int(s)) for s in shifts], fps)


def constant_model(
    winner: int = 3, input_size: tuple[int, int] = (48, 48), classes: int = 7, channels: int = 1
):
    """A tiny real Keras model whose softmax always favours class ``winner`` (3 = happy).

    Rescaling (raw pixels in) -> global average pooling -> dense: the dense bias makes
    the answer known in advance while every layer still runs for real.
    """
    import keras

    inputs = keras.Input((*input_size, channels))
    x = keras.layers.Rescaling(1 / 255.0)(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    dense = keras.layers.Dense(classes, activation="softmax")
    outputs = dense(x)
    model = keras.Model(inputs, outputs)
    kernel = np.zeros((channels, classes), np.float32)
    bias = np.zeros(classes, np.float32)
    bias[winner] = 3.0
    dense.set_weights([kernel, bias])
    return model
