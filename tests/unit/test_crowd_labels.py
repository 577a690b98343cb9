"""The FER+ crowd's votes: FER+'s official rules, joining by row, training and evaluating on them."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from ferapp.core.datasets.fer2013 import load_fer2013_csv
from ferapp.core.datasets.ferplus import (
    EMOTIONS_8,
    VOTE_COLUMNS,
    crowd_targets,
    load_votes,
    majority_labels,
)
from ferapp.core.errors import DataError
from tests.support import run_in_process, striped_faces, write_csv


def votes(**counts: int) -> list[float]:
    """One row of 10 vote counts in FER+'s column order, by ferplus column name."""
    return [float(counts.get(c, 0)) for c in VOTE_COLUMNS]


def write_votes(path, rows: list[list[float]], first_row: int = 0):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "Usage", "Image name", *VOTE_COLUMNS])
        for i, row in enumerate(rows):
            writer.writerow([first_row + i, "", f"fer{i:07d}.png", *(int(v) for v in row)])
    return path


def test_majority_needs_more_than_half_after_single_votes_are_dropped():
    rows = np.array(
        [
            votes(happiness=6, neutral=4),  # happy
            votes(happiness=5, neutral=5),  # a tie at half: no majority
            votes(anger=5, sadness=1, fear=1, disgust=1, surprise=1, neutral=1),  # 5 of 5
            votes(unknown=6, happiness=4),  # unknown on top: dropped
            votes(contempt=7, anger=3),  # contempt: a class only with 8
        ]
    )
    seven = majority_labels(rows, 7)
    eight = majority_labels(rows, 8)
    assert list(seven) == [3, -1, 0, -1, -1]
    assert list(eight) == [3, -1, 0, -1, EMOTIONS_8.index("contempt")]


def test_crossentropy_targets_keep_the_top_classes_until_three_quarters():
    rows = np.array(
        [
            votes(happiness=6, surprise=3, neutral=1),  # the single vote is an outlier
            votes(sadness=4, fear=3, neutral=2, anger=1),  # two reach 7 of 9: enough
            votes(NF=10),  # not a face
            votes(neutral=5, contempt=4, anger=1),  # 7 classes: contempt cut, renormalised
        ]
    )
    keep, targets = crowd_targets(rows, "crossentropy", 7)
    assert list(keep) == [True, True, False, True]
    np.testing.assert_allclose(targets[0][[3, 5]], [6 / 9, 3 / 9], atol=1e-6)
    np.testing.assert_allclose(targets[1][[4, 2, 6]], [4 / 7, 3 / 7, 0], atol=1e-6)
    assert targets[3][6] == pytest.approx(1.0)
    keep8, targets8 = crowd_targets(rows, "probability", 8)
    assert keep8[3] and targets8[3][7] == pytest.approx(4 / 9)
    assert np.allclose(targets[keep].sum(axis=1), 1.0)


def test_unknown_label_mode_and_class_count_are_refused():
    with pytest.raises(DataError, match="label mode"):
        crowd_targets(np.array([votes(happiness=10)]), "vote")
    with pytest.raises(DataError, match="7 or 8"):
        majority_labels(np.array([votes(happiness=10)]), 6)


def test_votes_join_the_csv_by_data_row_and_missing_rows_are_named(tmp_path):
    path = write_votes(tmp_path / "v.csv", [votes(happiness=10)] * 3, first_row=5)
    v = load_votes(path)
    assert list(v.rows) == [5, 6, 7]
    assert v.for_rows(np.array([7, 5])).shape == (2, 10)
    with pytest.raises(DataError, match="no votes for 1"):
        v.for_rows(np.array([4]))
    bad = tmp_path / "bad.csv"
    bad.write_text("row,neutral\n0,3\n")
    with pytest.raises(DataError, match="not a FER\\+ votes file"):
        load_votes(bad)


def test_rows_keep_their_place_in_the_file_when_another_usage_is_selected(tmp_path):
    path = write_csv(tmp_path / "d.csv", 10, 4)
    data = load_fer2013_csv(path, usage="PublicTest")
    assert list(data.rows) == [10, 11, 12, 13]
    assert list(load_fer2013_csv(path).select("Training").rows) == list(range(10))


def crowd_for_striped(n: int, contempt_rows: tuple[int, ...] = ()) -> list[list[float]]:
    """Votes agreeing with striped_faces' labels, but for a few rows the crowd calls contempt."""
    _, labels = striped_faces(n)
    names = ("anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral")
    return [
        votes(contempt=8, neutral=2)
        if i in contempt_rows
        else votes(**{names[label]: 9, "unknown": 1})
        for i, label in enumerate(labels)
    ]


def test_training_on_the_crowd_validates_on_its_majority_and_keeps_contempt_with_8(tmp_path):
    from trainer.datasets import CrowdLabels, load_dataset

    data = write_csv(tmp_path / "d.csv", 30, 12)
    vote_file = write_votes(tmp_path / "v.csv", crowd_for_striped(42, contempt_rows=(2, 35)))
    seven = load_dataset(data, crowd=CrowdLabels(str(vote_file)))
    assert len(seven.train.labels) == 29 and len(seven.val.labels) == 11  # contempt left out
    assert seven.train.targets.shape == (29, 7) and seven.val.targets is None
    eight = load_dataset(data, crowd=CrowdLabels(str(vote_file), "majority", 8))
    assert eight.class_names[-1] == "contempt" and eight.train.targets.shape == (30, 8)
    assert int((eight.val.labels == 7).sum()) == 1
    mixed = load_dataset(data, crowd=CrowdLabels(str(vote_file), weight=0.5))
    assert len(mixed.train.labels) == 30 and len(mixed.val.labels) == 12  # FER2013's labels
    assert mixed.train.targets[2].max() == pytest.approx(1.0)  # contempt row: its label


def test_ferapp_train_on_8_crowd_classes_and_evaluate_against_both_label_sets(tmp_path):
    data = write_csv(tmp_path / "d.csv", 60, 21)
    vote_file = write_votes(tmp_path / "v.csv", crowd_for_striped(81, contempt_rows=(3, 70)))
    out = tmp_path / "crowd8.keras"
    done = run_in_process(
        "ferapp", "train", "--data", str(data), "--votes", str(vote_file), "--labels", "majority",
        "--classes", "8", "--arch", "thesis2", "--epochs", "1", "--batch-size", "16",
        "--quiet", "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    from ferapp.core.model.metadata import read_metadata

    info = read_metadata(out)
    assert info.class_names == EMOTIONS_8 and info.extra["labels"] == "FER+ crowd (majority)"
    report = tmp_path / "r.json"
    done = run_in_process(
        "ferapp", "evaluate", "--data", str(data), "--usage", "PublicTest", "--votes", str(vote_file),
        "--model", str(out), "--json", str(report),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    numbers = json.loads(report.read_text())
    assert numbers["samples"] == 21 and numbers["crowd"]["faces"] == 21
    assert "against the FER+ crowd's majority (21 of 21 faces" in done.stdout


def test_crowd_options_that_contradict_are_refused_before_any_work(tmp_path):
    from trainer.config import TrainConfig

    with pytest.raises(Exception, match="--classes 8 needs --votes"):
        TrainConfig(data="d.csv", classes=8).validated()
    with pytest.raises(Exception, match="7 classes only"):
        TrainConfig(data="d.csv", votes="v.csv", classes=8, crowd_weight=0.5).validated()
