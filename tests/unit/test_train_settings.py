"""Training settings typed end to end: one set of defaults, a command line the config
renders and the command reads back, and counting a dataset as the trainer splits it."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from ferapp.cli import build_parser
from ferapp.cli.train_options import config_from_args
from ferapp.core.errors import FerappError
from tests.support import write_fer_csv
from trainer.config import TrainConfig
from trainer.dataset_counts import count_dataset
from trainer.datasets import load_dataset
from trainer.protocol import Augmentation, TrainEvent


def _config(argv: list[str]) -> TrainConfig:
    return config_from_args(build_parser().parse_args(["train", *argv]))


def test_the_command_defaults_are_the_configs() -> None:
    assert _config(["--data", "d.csv", "--out", "m.keras"]) == TrainConfig(
        data="d.csv", out="m.keras"
    )


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"arch": "thesis2", "epochs": 3, "batch_size": 16, "learning_rate": 3e-4},
        {"schedule": "cosine", "label_smoothing": 0.1, "class_weights": True, "seed": 7},
        {"augmentation": Augmentation.parse("none"), "early_stopping": 0, "plateau_patience": 2},
        {"augmentation": Augmentation.parse("flip,erase,turn"), "skip_bad_rows": True},
        {"init_from": "start.keras", "average_last": 4, "flip_average": True},
        {"teacher": "teacher.keras", "teacher_weight": 0.3, "precision": "float32"},
        {"votes": "votes.csv", "labels": "majority", "classes": 8},
        {"votes": "votes.csv", "crowd_weight": 0.5, "extra_data": "faces"},
        {"backend": "jax"},
        {"backend": "torch", "precision": "bfloat16"},
    ],
)
def test_a_config_renders_the_command_line_that_makes_it(changes) -> None:
    config = replace(TrainConfig(data="d.csv", out="m.keras"), **changes)
    assert _config(config.command_line()) == config


def test_the_command_refuses_what_the_config_refuses() -> None:
    with pytest.raises(FerappError, match="--epochs"):
        _config(["--data", "d.csv", "--out", "m.keras", "--epochs", "0"])
    with pytest.raises(FerappError, match="--teacher-weight needs --teacher"):
        _config(["--data", "d.csv", "--out", "m.keras", "--teacher-weight", "0.2"])


def test_one_line_per_event_for_people() -> None:
    logs = {"loss": 1.25, "accuracy": 0.5, "val_loss": 1.5, "val_accuracy": 0.4, "seconds": 3}
    text = TrainEvent("epoch", 2, 5, 10, 10, logs).text()
    assert text.startswith("epoch 2/5: loss 1.2500, accuracy 0.5000")
    assert "validation accuracy 0.4000" in text
    assert TrainEvent("batch", 1, 5, 3, 10).text() == "epoch 1/5, batch 3/10"
    assert TrainEvent("end", message="finished").text() == "run finished"


def test_counting_a_csv_agrees_with_loading_it(tmp_path) -> None:
    labels = [0, 3, 3, 4, 6, 3, 2, 5, 1, 3, 4, 6]
    both = write_fer_csv(
        tmp_path / "both.csv",
        labels,
        ["Training"] * 8 + ["PublicTest"] * 4,
        bad_rows={2: ["9", "1 2 3", "Training"], 9: ["x", "", "PublicTest"]},
    )
    only_training = write_fer_csv(tmp_path / "train.csv", labels * 3, ["Training"] * 36)
    for path in (both, only_training):
        counts, skipped = count_dataset(path)
        splits = load_dataset(path, skip_bad_rows=True)
        assert counts == splits.counts()
        assert skipped == splits.skipped
    assert len(count_dataset(both)[1]) == 2


def test_counting_a_folder_agrees_with_loading_it(tmp_path) -> None:
    face = np.full((48, 48), 120, np.uint8)
    for split, per_class in (("train", {"happy": 3, "sad": 2}), ("test", {"happy": 1})):
        for name, n in per_class.items():
            folder = tmp_path / split / name
            folder.mkdir(parents=True)
            for i in range(n):
                cv2.imwrite(str(folder / f"{i}.png"), face)
    (tmp_path / "train" / "bored").mkdir()
    counts, skipped = count_dataset(tmp_path)
    splits = load_dataset(tmp_path)
    assert counts == splits.counts()
    assert counts["train"]["happy"] == 3 and counts["val"]["happy"] == 1
    assert [where for where, _ in skipped] == [where for where, _ in splits.skipped]
