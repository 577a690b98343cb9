"""The thesis's comparison, reproduced: every architecture trained at one fixed budget.

    python benchmarks/compare_architectures.py --data fer2013.csv.gz --epochs 3 [--out runs/compare]
    python benchmarks/compare_architectures.py --data fer2013.csv.gz --epochs 150 \
        --early-stopping 12 --out runs/full        # the thesis's budget: until early stopping

Same data (Training to fit, PublicTest to measure), recipe (Adam 1e-3, batch 64, thesis
augmentation, learning rate halved on a plateau) and budget for all: a fixed number of
epochs, or with ``--early-stopping N`` until validation accuracy has not improved for N
epochs, as the thesis trained (at most ``--epochs``). Prints a Markdown table
(architecture, parameters, batch size, epochs, train accuracy, PublicTest accuracy,
seconds per epoch) and writes it as JSON. An architecture whose result is already in
the output folder is not trained again, so an interrupted comparison resumes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trainer  # noqa: E402
from trainer.config import TrainConfig  # noqa: E402
from trainer.datasets import load_dataset  # noqa: E402
from trainer.protocol import ARCHITECTURE_NAMES, PARAMETER_COUNTS  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "compare")
    parser.add_argument(
        "--early-stopping", type=int, default=0, help="patience in epochs, 0 = fixed budget"
    )
    parser.add_argument("--arch", nargs="*", default=list(ARCHITECTURE_NAMES))
    args = parser.parse_args()
    trainer.prepare_training(args.arch)  # the oneDNN crash guard, before TensorFlow loads
    from trainer.training import Trainer

    args.out.mkdir(parents=True, exist_ok=True)
    splits = load_dataset(args.data)
    rows = []
    for arch in args.arch:
        result_file = args.out / f"{arch}.result.json"
        if result_file.is_file():
            rows.append(json.loads(result_file.read_text()))
            continue
        config = TrainConfig(
            data=str(args.data),
            arch=arch,
            out=str(args.out / f"{arch}.keras"),
            epochs=args.epochs,
            batch_size=args.batch_size,
            early_stopping=args.early_stopping,
        )
        result = Trainer(config, splits).run(resume=None)  # continue, or start
        last = result.history[-1]
        row = {
            "architecture": arch,
            "parameters": PARAMETER_COUNTS[arch],
            "batch_size": args.batch_size,
            "epochs": result.epochs_done,
            "train_accuracy": round(last["accuracy"], 4),
            "publictest_accuracy": round(result.best_val_accuracy, 4),
            "seconds_per_epoch": round(
                sum(h["seconds"] for h in result.history) / len(result.history), 1
            ),
        }
        result_file.write_text(json.dumps(row, indent=1))
        rows.append(row)
        print(json.dumps(row), flush=True)
    print(
        "\n| architecture | parameters | batch | epochs | train acc. | PublicTest acc. | s/epoch |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['architecture']} | {r['parameters']:,} | {r['batch_size']} | {r['epochs']} | "
            f"{r['train_accuracy']:.1%} | {r['publictest_accuracy']:.1%} | "
            f"{r['seconds_per_epoch']:.0f} |"
        )
    (args.out / "comparison.json").write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
