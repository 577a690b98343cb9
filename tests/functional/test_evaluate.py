"""FER2013 CSV reading and `ferapp evaluate` on cases whose answer is known."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ferapp.cli import main as cli_main
from ferapp.core.datasets.fer2013 import load_fer2013_csv
from ferapp.core.errors import DataError
from ferapp.core.evaluation.metrics import ClassificationReport
from tests.support import write_fer_csv


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_loads_plain_and_gzip_with_usage_filter(tmp_path, suffix):
    labels = [0, 1, 2, 3, 4, 5, 6, 3]
    usages = ["Training"] * 4 + ["PublicTest"] * 2 + ["PrivateTest"] * 2
    path = write_fer_csv(tmp_path / f"d{suffix}", labels, usages)
    data = load_fer2013_csv(path)
    assert data.images.shape == (8, 48, 48) and data.images.dtype == np.uint8
    assert data.labels.tolist() == labels
    assert load_fer2013_csv(path, usage="PublicTest").labels.tolist() == [4, 5]
    assert data.counts()["PrivateTest"]["happy"] == 1


def test_malformed_rows_are_reported_with_their_line(tmp_path):
    bad = {
        1: [3, "1 2 3", "Training"],
        2: [9, " ".join(["0"] * 2304), "Training"],
        3: [2, " ".join(["x"] * 2304), "Training"],
    }
    path = write_fer_csv(tmp_path / "d.csv", [0] * 5, ["Training"] * 5, bad)
    with pytest.raises(DataError, match=r"line 3: expected 2304 pixel values, found 3"):
        load_fer2013_csv(path)
    data = load_fer2013_csv(path, on_error="skip")
    assert len(data.labels) == 2
    assert [line for line, _ in data.skipped] == [3, 4, 5]
    assert "unknown emotion label 9" in data.skipped[1][1]


def test_report_numbers_on_a_known_case():
    true = np.array([0, 0, 1, 1, 1, 2])
    pred = np.array([0, 1, 1, 1, 0, 2])
    report = ClassificationReport.from_predictions(true, pred, ("a", "b", "c"))
    assert report.confusion.tolist() == [[1, 1, 0], [1, 2, 0], [0, 0, 1]]
    assert report.accuracy == pytest.approx(4 / 6)
    assert report.recall.tolist() == pytest.approx([0.5, 2 / 3, 1.0])
    assert report.precision.tolist() == pytest.approx([0.5, 2 / 3, 1.0])


def test_evaluate_command_on_a_model_whose_answer_is_known(tmp_path, happy_model_path, capsys):
    labels = [3] * 6 + [0] * 3 + [6] * 3  # the model always answers happy (3)
    usages = ["PublicTest"] * 12
    data = write_fer_csv(tmp_path / "d.csv.gz", [*labels, 5], [*usages, "Training"])
    out_json, image = tmp_path / "e.json", tmp_path / "cm.png"
    code = cli_main(
        [
            "evaluate",
            "--data",
            str(data),
            "--model",
            str(happy_model_path),
            "--usage",
            "PublicTest",
            "--json",
            str(out_json),
            "--confusion-image",
            str(image),
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "top-1 accuracy: 50.00%" in out and "(TensorFlow Lite, 8-bit weights)" in out
    result = json.loads(out_json.read_text())
    assert result["runtime"] == "TensorFlow Lite, 8-bit weights"
    assert result["samples"] == 12 and result["accuracy"] == 0.5
    assert result["recall"]["happy"] == 1.0 and result["recall"]["angry"] == 0.0
    assert result["precision"]["happy"] == 0.5 and result["precision"]["angry"] is None
    assert result["confusion_matrix"][0][3] == 3
    assert image.stat().st_size > 1000
    code = cli_main(
        ["evaluate", "--data", str(data), "--model", str(happy_model_path), "--float32"]
    )
    assert code == 0 and "(TensorFlow Lite, float32)" in capsys.readouterr().out


def test_a_stray_quote_spoils_only_its_own_line(tmp_path, happy_model_path, capsys):
    path = write_fer_csv(tmp_path / "d.csv", [3] * 20, ["PublicTest"] * 20)
    lines = path.read_text().splitlines(keepends=True)
    lines[5] = lines[5].replace(",", ',"', 1)  # line 6: an opening quote never closed
    path.write_text("".join(lines))
    data = load_fer2013_csv(path, on_error="skip")
    assert len(data.labels) == 19 and [line for line, _ in data.skipped] == [6]
    code = cli_main(
        ["evaluate", "--data", str(path), "--model", str(happy_model_path), "--skip-bad-rows"]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "line 6" in err and "line 21" not in err
    happy = next(line for line in out.splitlines() if line.startswith("happy "))
    assert happy.split()[-1] == "19", out  # 19 faces evaluated, not the 4 before line 21


def test_evaluate_bad_data_gives_a_message(tmp_path, happy_model_path, capsys):
    path = write_fer_csv(tmp_path / "d.csv", [0, 1], ["Training"] * 2, {1: [1, "1 2", "Training"]})
    assert cli_main(["evaluate", "--data", str(path), "--model", str(happy_model_path)]) == 1
    assert "line 3" in capsys.readouterr().err
    assert (
        cli_main(
            ["evaluate", "--data", str(tmp_path / "none.csv"), "--model", str(happy_model_path)]
        )
        == 1
    )
    assert "dataset not found" in capsys.readouterr().err


def test_no_usable_rows_says_why(tmp_path):
    header_only = tmp_path / "h.csv"
    header_only.write_text("emotion,pixels,Usage\n")
    with pytest.raises(DataError, match="holds its header and no rows"):
        load_fer2013_csv(header_only)
    broken = write_fer_csv(tmp_path / "b.csv", [0, 1], ["Training"] * 2, {0: [1, "1 2", "Training"], 1: [2, "x", "Training"]})  # fmt: skip
    with pytest.raises(DataError, match="all 2 rows are malformed, the first at line 2"):
        load_fer2013_csv(broken, on_error="skip")
    training = write_fer_csv(tmp_path / "t.csv", [0, 1, 2], ["Training"] * 3)
    with pytest.raises(DataError, match="Usage PublicTest \\(its 3 rows have other usages\\)"):
        load_fer2013_csv(training, usage="PublicTest")
