"""Training speed of one architecture under the oneDNN crash guard, without it, and in bfloat16.

    python benchmarks/training_precision.py [--data fer2013.csv.gz] [--arch fernet] [--steps 40]

Each setting runs in a fresh process (oneDNN reads its limit when TensorFlow loads):
oneDNN limited to AVX2 in float32 (how every architecture trained before the guard
became per-architecture: the baseline), oneDNN unlimited in float32, and unlimited in
mixed bfloat16 (Keras's ``mixed_bfloat16``; only where the CPU has AMX). Each times
``model.fit`` over the trainer's own pipeline (the thesis's augmentation, trainer/batches.py)
and prints images per second with the ratio to the baseline measured in the same run.
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
SETTINGS = (("AVX2", "float32"), ("ALL", "float32"), ("ALL", "bfloat16"))


def child(data: Path | None, arch: str, precision: str, steps: int, batch: int) -> float:
    """Images per second of ``steps`` training steps (run in a process of its own)."""
    sys.path.insert(0, str(ROOT))
    import keras

    from benchmarks.training_speed import load_images
    from trainer.architectures import build
    from trainer.batches import FaceBatches
    from trainer.protocol import Augmentation

    images, labels = load_images(data, batch * (steps + 4))
    dataset = FaceBatches(images, labels, 7, batch, Augmentation(), shuffle=True)
    keras.utils.set_random_seed(0)
    model = build(arch, precision=precision)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy")
    model.fit(dataset, steps_per_epoch=3, epochs=1, verbose=0)  # build and warm up
    started = time.perf_counter()
    model.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0)
    return steps * batch / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--arch", default="fernet")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--child", nargs=2, metavar=("ISA", "PRECISION"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        speed = child(args.data, args.arch, args.child[1], args.steps, args.batch_size)
        print(json.dumps({"images_per_s": speed}))
        return 0
    from trainer.precision import cpu_has_amx_bf16

    print(f"{args.arch}, batch {args.batch_size}, {args.steps} timed steps, one process each")
    print(f"{'oneDNN':8s} {'precision':10s} {'images/s':>9s} {'s/FER epoch':>11s} {'x AVX2':>7s}")
    baseline = None
    for isa, precision in SETTINGS:
        if precision == "bfloat16" and not cpu_has_amx_bf16():
            print(f"{isa:8s} {precision:10s} (skipped: this CPU has no AMX for bfloat16)")
            continue
        command = [sys.executable, __file__, "--arch", args.arch, "--steps", str(args.steps)]
        command += ["--batch-size", str(args.batch_size), "--child", isa, precision]
        if args.data:
            command += ["--data", str(args.data)]
        env = {**os.environ, "ONEDNN_MAX_CPU_ISA": isa, "TF_CPP_MIN_LOG_LEVEL": "2"}
        proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if proc.returncode:
            print(f"{isa:8s} {precision:10s} failed (exit {proc.returncode}): {proc.stderr[-300:]}")
            continue
        speed = json.loads(proc.stdout.strip().splitlines()[-1])["images_per_s"]
        baseline = baseline or speed
        print(
            f"{isa:8s} {precision:10s} {speed:9.0f} {28709 / speed:11.0f} {speed / baseline:7.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
