"""Helpers shared by the tests (and the benchmarks): real media made on the fly, tiny
models, small datasets, and running ferapp's commands as a user does.

The faces come from scikit-image's public-domain astronaut photograph, which both face
detectors find.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import importlib
import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]

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


def grace_hopper_head() -> np.ndarray:
    """A head-and-shoulders crop of matplotlib's public-domain portrait of Grace Hopper
    (US Navy), as BGR; the astronaut's when matplotlib is not installed."""
    try:
        import matplotlib.cbook
    except ImportError:
        return astronaut_face()
    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as handle:
        image = cv2.imdecode(np.frombuffer(handle.read(), np.uint8), cv2.IMREAD_COLOR)
    return np.ascontiguousarray(image[20:420, 110:410])


# A scene of five people: (head, scale, mirrored, path (x0, y0) -> (x1, y1), roll degrees,
# yaw squeeze, hidden): turned, tilted, small and partly hidden faces, as in real footage.
CROWD = (
    ("astronaut", 0.95, False, (70, 150, 150, 170), 12, 0.0, False),
    ("hopper", 0.42, False, (330, 110, 300, 120), 0, 0.45, False),
    ("astronaut", 0.42, True, (560, 90, 530, 80), 0, 0.0, False),
    ("hopper", 0.28, False, (470, 330, 400, 360), 15, 0.0, False),
    ("astronaut", 0.65, False, (230, 350, 260, 330), -8, 0.0, True),
)


def _head_mask(height: int, width: int) -> np.ndarray:
    """A soft ellipse, so a pasted head has no rectangle edges for a detector to find."""
    mask = np.zeros((height, width), np.float32)
    cv2.ellipse(
        mask, (width // 2, height // 2), (int(width * 0.46), int(height * 0.48)), 0, 0, 360, 1, -1
    )
    return cv2.GaussianBlur(mask, (0, 0), max(width, height) / 30)


def crowd_frame(t: float) -> np.ndarray:
    """Frame ``t`` (0..1 through the clip) of a 640x480 street scene with five people.

    Real faces from public-domain photographs (the astronaut and Grace Hopper) moving,
    turning and tilting over scikit-image's photograph of a rocket on its pad; one face
    is crossed by a passing object. A stand-in for footage with several people when no
    such footage is at hand; benchmarks also take real videos.
    """
    import skimage.data

    height, width = FRAME_SIZE
    backdrop = cv2.cvtColor(skimage.data.rocket(), cv2.COLOR_RGB2BGR)
    frame = cv2.resize(backdrop, (width, height), interpolation=cv2.INTER_AREA).astype(np.float32)
    heads = {"astronaut": astronaut_face(), "hopper": grace_hopper_head()}
    phase = 2 * np.pi * t
    for i, (name, scale, mirrored, path, roll, squeeze, hidden) in enumerate(CROWD):
        head = heads[name][:, ::-1] if mirrored else heads[name]
        h, w = head.shape[:2]
        x0, y0, x1, y1 = path
        cx, cy = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
        angle = roll * np.sin(phase + i)
        sx = scale * (1.0 - squeeze * (0.5 + 0.5 * np.sin(phase * 2 + i)))
        # rotate about the head's centre, squeeze (a turned head), scale, move into place
        rotate = np.vstack([cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0), [0, 0, 1]])
        matrix = np.array([[sx, 0, 0], [0, scale, 0]], np.float64) @ rotate
        matrix[:, 2] += (cx - sx * w / 2, cy - scale * h / 2)
        warped = cv2.warpAffine(head, matrix, (width, height)).astype(np.float32)
        alpha = cv2.warpAffine(_head_mask(h, w), matrix, (width, height))[..., None]
        frame = frame * (1 - alpha) + warped * alpha
        if hidden:  # a passing object covers the lower face half of the time
            bar_x = int(cx - w * scale + 2 * w * scale * ((t * 3) % 1.0))
            cv2.rectangle(
                frame,
                (bar_x, int(cy)),
                (bar_x + int(w * scale * 0.5), int(cy + h * scale * 0.5)),
                (40, 60, 90),
                -1,
            )
    return np.clip(frame, 0, 255).astype(np.uint8)


def crowd_video(path: Path, n_frames: int = 300, fps: float = 30.0) -> Path:
    """A video of :func:`crowd_frame` (10 s at 30 fps by default)."""
    return write_video(path, [crowd_frame(i / max(n_frames - 1, 1)) for i in range(n_frames)], fps)


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


def striped_faces(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Learnable 48x48 images: each class has a bright band at its own height."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 7
    images = rng.integers(0, 60, (n, 48, 48), dtype=np.uint8)
    for i, label in enumerate(labels):
        images[i, label * 6 : label * 6 + 6, :] = 220
    return images, labels


def write_csv(path, n_train: int, n_val: int):
    images, labels = striped_faces(n_train + n_val)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["emotion", "pixels", "Usage"])
        for i, (image, label) in enumerate(zip(images, labels, strict=True)):
            usage = "Training" if i < n_train else "PublicTest"
            writer.writerow([label, " ".join(map(str, image.ravel())), usage])
    return path


def write_fer_csv(path, labels, usages, bad_rows=None):
    rng = np.random.default_rng(1)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["emotion", "pixels", "Usage"])
        for i, (label, usage) in enumerate(zip(labels, usages, strict=True)):
            if bad_rows and i in bad_rows:
                writer.writerow(bad_rows[i])
                continue
            writer.writerow([label, " ".join(map(str, rng.integers(0, 256, 48 * 48))), usage])
    return path


def run_module(
    module: str, *args: str, env: dict[str, str] | None = None, timeout: float = 300, **popen
):
    """Run `python -m MODULE ...` as a user would; returns the CompletedProcess."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=ROOT,
        **popen,
    )


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300, **popen):
    """Run `python -m ferapp ...` as a user would; returns the CompletedProcess."""
    return run_module("ferapp", *args, env=env, timeout=timeout, **popen)


def run_in_process(module: str, *args: str) -> subprocess.CompletedProcess:
    """Run ``python -m MODULE ARGS`` as its ``main(args)`` in this process: the same exit
    code, stdout and stderr, without a new interpreter loading TensorFlow (seconds each).

    For refusals and short runs; a test about processes (signals, start-up, the
    environment before TensorFlow loads) uses :func:`run_module`.
    """
    main = importlib.import_module("ferapp.cli" if module == "ferapp" else module).main
    out, err = io.StringIO(), io.StringIO()
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse refusals
                code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    finally:
        for sig, handler in handlers.items():  # `train` listens for Ctrl-C itself
            signal.signal(sig, handler)
    return subprocess.CompletedProcess([module, *args], code or 0, out.getvalue(), err.getvalue())


def asymmetric_network():
    """An untrained fernet with a sharpened last layer: confident, and it answers a face
    and its mirror image differently (random weights know no symmetry)."""
    import keras

    from trainer.architectures import build

    keras.utils.set_random_seed(11)
    model = build("fernet")
    last = model.layers[-1] if model.layers[-1].weights else model.layers[-2]
    last.set_weights([w * 50 for w in last.get_weights()])
    return model


def banded_faces(n: int = 4) -> np.ndarray:
    """Noise with a bright band on the left: the mirror image is clearly another image."""
    images = np.random.default_rng(5).integers(0, 120, (n, 48, 48), dtype=np.uint8)
    images[:, :, :12] = 240
    return images


def predict(model, images: np.ndarray) -> np.ndarray:
    """A Keras model's answers for uint8 faces (N, H, W)."""
    return model.predict(images[..., np.newaxis].astype(np.float32), verbose=0)
