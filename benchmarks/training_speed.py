"""Training images per second on each Keras backend, and the input pipeline against the
former `tf.data` one on TensorFlow.

    python benchmarks/training_speed.py [--data fer2013.csv.gz] [--archs fernet,mini_xception]
                                        [--backends tensorflow,jax,torch] [--steps 40]

For every backend installed and every architecture: images per second of ``model.fit``
fed by the trainer's own pipeline (:class:`trainer.batches.FaceBatches`, the thesis's
augmentation), each pair in a fresh process (Keras picks its backend once) set up as
``ferapp train`` sets it up (on TensorFlow, oneDNN's crash guard for the architectures
that need it), with what trains named as the Training tab names it. On TensorFlow, the
same training fed by the former ``tf.data`` pipeline (augmentation in the graph,
benchmarks/tf_data_pipeline.py) is timed in the same process, the two alternating, and
their ratio printed. Speed only: the models are not trained to convergence.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FER_EPOCH = 28_709  # FER2013 Training rows


def load_images(data: Path | None, n: int):
    import numpy as np

    if data is not None:
        from ferapp.core.datasets.fer2013 import load_fer2013_csv

        fer = load_fer2013_csv(data, usage="Training")
        return fer.images[:n], fer.labels[:n]
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (n, 48, 48), dtype=np.uint8), rng.integers(0, 7, n)


def child(args: argparse.Namespace) -> dict:
    """Images per second for one backend and architecture (in a process of its own)."""
    from trainer import prepare_training
    from trainer.backends import choose_backend

    choose_backend(args.backend)
    if args.backend == "tensorflow":
        prepare_training([args.arch])
    import keras

    from trainer.architectures import build
    from trainer.batches import FaceBatches
    from trainer.devices import device_description
    from trainer.protocol import Augmentation

    batch, steps = args.batch_size, args.steps
    images, labels = load_images(args.data, batch * steps)

    def pipelines():
        workers = 1 if args.backend == "tensorflow" else args.workers  # as the trainer
        augmentation = Augmentation()
        yield (
            "batches",
            FaceBatches(images, labels, 7, batch, augmentation, shuffle=True, workers=workers),
        )
        if args.backend == "tensorflow":
            from benchmarks.tf_data_pipeline import make_dataset

            yield "tf.data", make_dataset(images, labels, 7, batch, Augmentation(), shuffle=True)

    keras.utils.set_random_seed(0)
    model = build(args.arch)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy")
    speeds: dict[str, list[float]] = {}
    for round_ in range(args.rounds + 1):  # the first round builds and warms up
        for name, data in pipelines():
            started = time.perf_counter()
            model.fit(data, epochs=1, verbose=0, shuffle=False)
            if round_:
                speeds.setdefault(name, []).append(batch * steps / (time.perf_counter() - started))
    best = {name: max(values) for name, values in speeds.items()}
    return {"device": device_description(), "parameters": model.count_params(), **best}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--archs", default="fernet,mini_xception")
    parser.add_argument("--backends", default="tensorflow,jax,torch")
    parser.add_argument("--steps", type=int, default=40, help="timed batches per round")
    parser.add_argument("--rounds", type=int, default=2, help="timed rounds (best kept)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--workers", type=int, default=2, help="loader threads on JAX and PyTorch (trainer: 2)"
    )
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    parser.add_argument("--arch", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.backend:
        print(json.dumps(child(args)))
        return 0
    from trainer.backends import is_installed

    print(
        f"{'synthetic' if args.data is None else args.data.name} images, batch "
        f"{args.batch_size}, {args.steps} timed steps, best of {args.rounds} rounds"
    )
    print(f"{'backend':11s} {'architecture':14s} {'images/s':>9s} {'s/FER epoch':>11s}  device")
    failed = 0
    for backend in args.backends.split(","):
        if not is_installed(backend):
            print(f"{backend:11s} not installed")
            continue
        for arch in args.archs.split(","):
            command = [sys.executable, __file__, "--backend", backend, "--arch", arch]
            command += ["--steps", str(args.steps), "--rounds", str(args.rounds)]
            command += ["--batch-size", str(args.batch_size), "--workers", str(args.workers)]
            if args.data:
                command += ["--data", str(args.data)]
            env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
            proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
            if proc.returncode:
                failed += 1
                print(f"{backend:11s} {arch:14s} failed: {proc.stderr.strip()[-400:]}")
                continue
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            speed = result["batches"]
            print(
                f"{backend:11s} {arch:14s} {speed:9.0f} {FER_EPOCH / speed:11.0f}  "
                f"{result['device']}"
            )
            if "tf.data" in result:
                old = result["tf.data"]
                print(
                    f"{'':11s} {'':14s} former tf.data pipeline {old:.0f} images/s: the "
                    f"trainer's pipeline runs at {speed / old:.2f}x its speed"
                )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
