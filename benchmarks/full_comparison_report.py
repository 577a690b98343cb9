"""The full-budget comparison, reported: table, per-class recall and curves of each run.

    python benchmarks/full_comparison_report.py [--runs runs/full] [--png docs/full-comparison.png]
        [--extra "LABEL=MODEL" ...]

Reads what `compare_architectures.py --early-stopping N --out runs/full` left: each
finished run's summary (<arch>.json) or, for a run still going or stopped, its run
folder's state. For each model with a checkpoint it times ferapp's classifier on one
face (8-bit TensorFlow Lite on one core, as the app runs it), in turn with the shipped
default model as the baseline. Prints the Markdown tables used in docs/training.md and
draws the curves. (The table's "ms per face" there comes from `classify_speed.py
--architectures`, untrained networks of each architecture timed the same way, the
trained checkpoints no longer being at hand; both measure the same thing.)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


from benchmarks.face_timing import classifiers_ms_per_face  # noqa: E402
from trainer.protocol import PARAMETER_COUNTS  # noqa: E402  (no Keras)

ORDER = ("thesis1", "thesis2", "thesis3", "mini_xception", "fernet")
THESIS = {"thesis1": "~56 %", "thesis2": "~51 %", "thesis3": "~56 %", "mini_xception": "65.13 %"}


def load_run(out: Path) -> dict | None:
    """What the run whose model goes to ``out`` left: its summary, or its state so far."""
    summary = out.with_suffix(".json")
    state = out.parent / f"{out.name}.run" / "state.json"
    if summary.is_file():
        data = json.loads(summary.read_text())
        if not data.get("cancelled"):
            early = data["epochs_done"] < data["config"]["epochs"]
            data["status"] = "early stopping" if early else "budget"
            return data
        if not state.is_file():  # stopped and not resumed since
            data["status"] = f"stopped after {data['epochs_done']} epochs"
            return data
    if state.is_file():  # under way, or resumed after a stop
        data = json.loads(state.read_text())
        data["status"] = f"unfinished ({data['epochs_done']} epochs so far)"
        data["validation"] = None
        return data
    return None


def ms_per_face(models: dict[str, Path]) -> dict[str, float]:
    """Each model file's ms per face, all timed in turn (missing ones left out)."""
    from ferapp.core.model.classifier import EmotionClassifier

    present = {label: path for label, path in models.items() if path and path.is_file()}
    if not present:
        return {}
    classifiers = [EmotionClassifier.load(path, threads=1) for path in present.values()]
    times = classifiers_ms_per_face(classifiers, 1000)
    return dict(zip(present, times, strict=True))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=Path, default=ROOT / "runs" / "full")
    parser.add_argument("--png", type=Path, default=ROOT / "docs" / "full-comparison.png")
    parser.add_argument(
        "--extra",
        nargs="*",
        default=[],
        metavar="LABEL=MODEL",
        help="other runs to show, by the model file they train (--out of ferapp train)",
    )
    args = parser.parse_args()
    outs = {arch: args.runs / f"{arch}.keras" for arch in ORDER}
    for item in args.extra:
        label, _, out = item.partition("=")
        outs[label] = Path(out)
    runs = {label: run for label, out in outs.items() if (run := load_run(out))}
    from ferapp.core.locations import find_default_model

    default = find_default_model()
    speeds = ms_per_face({"": default, **{label: outs[label] for label in runs}})
    baseline = speeds.get("")
    if baseline:
        print(f"shipped default model ({default.name}): {baseline:.2f} ms per face\n")
    print("| architecture | parameters | epochs run | best epoch | PublicTest acc. | "
          "thesis (its own split) | s/epoch | ms per face | x default | ended by |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for arch, run in runs.items():
        seconds = statistics.median(h["seconds"] for h in run["history"][1:] or run["history"])
        speed = speeds.get(arch)
        params = run.get("parameters") or PARAMETER_COUNTS.get(run["config"]["arch"])
        print(
            f"| {arch} | {f'{params:,}' if params else '-'} | {run['epochs_done']} | "
            f"{run['best_epoch']} | {run['best_val_accuracy']:.2%} | {THESIS.get(run['config']['arch'], '-')} | "
            f"{seconds:.0f} | {f'{speed:.2f}' if speed else '-'} | "
            f"{f'{speed / baseline:.2f}' if speed and baseline else '-'} | {run['status']} |"
        )
    finished = {a: r for a, r in runs.items() if r.get("validation")}
    if finished:
        names = next(iter(finished.values()))["validation"]["class_names"]
        print("\nPer-class recall on PublicTest (best epoch's model):\n")
        print("| architecture | " + " | ".join(names) + " |")
        print("|---|" + "---:|" * len(names))
        for arch, run in finished.items():
            recall = run["validation"]["recall"]  # class name -> recall
            print(f"| {arch} | " + " | ".join(f"{recall[n]:.0%}" for n in names) + " |")
    draw_curves(runs, args.png)
    print(f"\ncurves: {args.png.relative_to(ROOT) if args.png.is_relative_to(ROOT) else args.png}")
    return 0


def draw_curves(runs: dict[str, dict], png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (acc, loss) = plt.subplots(1, 2, figsize=(11, 4.2), dpi=110)
    for arch, run in runs.items():
        epochs = [h["epoch"] for h in run["history"]]
        (line,) = acc.plot(epochs, [h["val_accuracy"] for h in run["history"]], label=arch)
        acc.plot(epochs, [h["accuracy"] for h in run["history"]], color=line.get_color(),
                 linestyle=":", linewidth=1)  # fmt: skip
        loss.plot(epochs, [h["val_loss"] for h in run["history"]], color=line.get_color())
    acc.set(xlabel="epoch", ylabel="accuracy", title="PublicTest (solid) and training (dotted)")
    loss.set(xlabel="epoch", ylabel="loss", title="PublicTest loss")
    acc.legend(loc="lower right")
    for axis in (acc, loss):
        axis.grid(alpha=0.3)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png)


if __name__ == "__main__":
    sys.exit(main())
