"""A run's folder beside its model, ``<out>.run/``: everything needed to resume it.

``last.keras`` (model and optimizer after the latest epoch), ``state.json`` (epochs
done, best score, history, the running weight average's file), ``metrics.csv`` and
``metrics.jsonl`` (one row per epoch) and ``average-<epoch>.npz``. Every file is written
atomically, so a crash never leaves a truncated file where a good one was.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path
from typing import Any

from ferapp.core.errors import FerappError
from ferapp.core.files import remove_stale_temporaries, write_text_atomic
from trainer.protocol import Augmentation

STATE = "state.json"
CHECKPOINT = "last.keras"
# Settings a resumed run must share with the run it continues, and their options.
RESUME_OPTIONS = {
    "arch": "--arch",
    "data": "--data",
    "augmentation": "--augment",
    "teacher": "--teacher",
    "teacher_weight": "--teacher-weight",
    "precision": "--precision",
    "backend": "--backend",
}
# what a run saved before a setting existed had
OLD_DEFAULTS = {"backend": "tensorflow"}
PATH_SETTINGS = ("data", "teacher")


def run_dir(out: Path) -> Path:
    return Path(out).with_name(Path(out).name + ".run")


class RunFolder:
    def __init__(self, out: Path) -> None:
        self.out = Path(out)
        self.path = run_dir(self.out)

    @property
    def checkpoint(self) -> Path:
        return self.path / CHECKPOINT

    def exists(self) -> bool:
        """A resumable run is here: a state and the checkpoint it describes."""
        return (self.path / STATE).is_file() and self.checkpoint.is_file()

    def create(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(self.path)  # left by a process killed while writing

    def load_state(self) -> dict[str, Any] | None:
        if not self.exists():
            return None
        return json.loads((self.path / STATE).read_text(encoding="utf-8"))

    def save_state(self, state: dict[str, Any]) -> None:
        write_text_atomic(self.path / STATE, json.dumps(state, indent=1))

    def write_metrics(self, history: list[dict[str, float]]) -> None:
        keys = sorted({k for row in history for k in row}, key=lambda k: (k != "epoch", k))
        table = io.StringIO(newline="")
        writer = csv.DictWriter(table, fieldnames=keys, lineterminator="\n")
        writer.writeheader()
        writer.writerows(history)
        write_text_atomic(self.path / "metrics.csv", table.getvalue())
        write_text_atomic(
            self.path / "metrics.jsonl", "".join(json.dumps(row) + "\n" for row in history)
        )

    def remove_averages_except(self, keep: str | None) -> None:
        for old in self.path.glob("average*.npz"):
            if old.name != keep:
                with contextlib.suppress(OSError):
                    old.unlink()

    def discard(self) -> None:
        """Forget an earlier run (--overwrite): its state, checkpoint and averages."""
        for name in (STATE, CHECKPOINT):
            with contextlib.suppress(OSError):
                (self.path / name).unlink()
        self.remove_averages_except(None)

    def remove_if_empty(self) -> None:
        """A run that failed before its first epoch leaves no folder behind."""
        with contextlib.suppress(OSError):
            self.path.rmdir()

    def state_to_continue(self, resume: bool | None, config: Any) -> dict[str, Any] | None:
        """The saved state to continue from, or None to start afresh.

        ``resume=None`` continues a run when there is one; ``False`` refuses to start over
        a model or run already there; ``True`` refuses when there is nothing to continue
        or the saved run is of another architecture, dataset or teacher (FerappError
        saying so).
        """
        state = self.load_state()
        if resume is False and (state is not None or self.out.is_file()):
            raise FerappError(
                f"{self.out} already holds a model"
                + (" and an interrupted run" if state is not None else "")
                + ": continue it with --resume, replace it with --overwrite, or choose "
                "another --out"
            )
        if resume is True and state is None:
            raise FerappError(
                f"nothing to resume: no interrupted run of {self.out} (its folder "
                f"{self.path.name} holds no state); start without --resume"
            )
        differences = self.differences(state, config) if state is not None else []
        if differences:
            key, was, now = differences[0]
            option = RESUME_OPTIONS[key]
            raise FerappError(
                f"the run of {self.out} used {option} {setting_text(was)}, not {setting_text(now)}; "
                f"resume it with the same {option}, or start a new run with another --out"
            )
        return state

    @staticmethod
    def differences(state: dict[str, Any], config: Any) -> list[tuple[str, Any, Any]]:
        """(setting, saved value, ``config``'s value) for each resume setting that differs.

        Paths are the same when they name the same file; the teacher's share counts only
        when both runs have a teacher; a run saved before an augmentation existed had it off;
        a precision of auto (or None) accepts the saved one.
        """
        saved = state.get("config", {})
        found = []
        for key in RESUME_OPTIONS:
            if key not in saved and key not in OLD_DEFAULTS:
                continue
            was, now = saved.get(key, OLD_DEFAULTS.get(key)), getattr(config, key)
            if key == "augmentation":
                was = Augmentation(**was)
            if key == "teacher_weight" and not (saved.get("teacher") and config.teacher):
                continue
            if key == "precision" and now in (None, "auto"):  # a resumed run keeps its own
                continue
            if not _same(key, was, now):
                found.append((key, was, now))
        return found


def _same(key: str, was: Any, now: Any) -> bool:
    if key in PATH_SETTINGS and was is not None and now is not None:
        return Path(was).resolve() == Path(now).resolve()
    return was == now


def setting_text(value: Any) -> str:
    """A saved setting as a message names it ("none" where it was not given)."""
    if isinstance(value, Augmentation):
        return value.names()
    return "none" if value is None else str(value)
