"""churnlab.cli.train: a model trained from a table, its notes, and the errors a user can fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from _cli import _text_in, _with_bytes_column, assert_ok, assert_user_error, files_in, flat, invoke
from churnlab.model.persist import read_manifest

pytestmark = pytest.mark.usefixtures("_in_tmp")

PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02" + bytes(
    200
)


def test_train_writes_a_model_and_names_the_learner(trained: dict[str, Any]) -> None:
    result = trained["result"]
    manifest = read_manifest(trained["model"])
    assert manifest["format"] == "churnlab-model"
    assert manifest["spec"]["target_col"] == "Churn"
    assert manifest["settings"]["folds"] == 3
    assert manifest["learner"] in {"logistic", "boosting"}
    assert f"learner: {manifest['learner']}" in flat(result.stderr)
    assert "trained on 600 members" in flat(result.stderr)
    assert "small_gym.csv" in flat(result.stderr)
    assert "model written to" in flat(result.stderr)
    # the out-of-fold metrics table goes to stdout
    assert "roc_auc" in result.stdout
    assert "roc_auc" not in flat(result.stderr)


def test_train_without_data_uses_the_bundled_table(tmp_path: Path) -> None:
    result = invoke("train", "--model", "bundled.churnlab", "--folds", "3", "--learner", "logistic")
    assert_ok(result)
    assert "trained on 4,000 members" in flat(result.stderr)
    assert "the bundled club table" in flat(result.stderr)
    manifest = read_manifest(tmp_path / "bundled.churnlab")
    assert manifest["learner"] == "logistic"
    assert manifest["settings"]["tune_rows"] == "auto"


def test_train_tunes_large_tables_on_a_sample(tmp_path: Path) -> None:
    import inspect

    from churnlab.cli.train import train

    # by default the sample grows with the table ("auto", recorded as such in the model file)
    assert inspect.signature(train).parameters["tune_rows"].default is None
    result = invoke("train", "--model", "m.churnlab", "--folds", "3", "--learner", "logistic",
                    "--tune-rows", "1000")  # fmt: skip
    assert_ok(result)
    assert "trained on 4,000 members" in flat(result.stderr)
    assert "3 folds of a sample of 1,000 members" in flat(result.stdout)
    assert read_manifest(tmp_path / "m.churnlab")["settings"]["tune_rows"] == 1000


def test_train_with_unclear_labels_succeeds_with_positive(
    small_gym: pd.DataFrame, tmp_path: Path
) -> None:
    frame = small_gym.assign(Churn=np.where(small_gym["Churn"] == 1, "B", "A"))
    frame.to_csv("labels.csv", index=False)
    result = invoke(
        "train",
        "labels.csv",
        "--model",
        "ab.churnlab",
        "--folds",
        "3",
        "--positive",
        "B",
        "--learner",
        "logistic",
    )
    assert_ok(result)
    assert f"({int((small_gym['Churn'] == 1).sum())} left)" in flat(result.stderr)
    assert read_manifest(tmp_path / "ab.churnlab")["spec"]["positive_label"] == "B"


def test_telco_train_reports_id_and_free_text(telco_trained: dict[str, Any]) -> None:
    result = telco_trained["result"]
    assert "member id: customerID" in flat(result.stderr)
    assert "set aside Notes: free text" in flat(result.stderr)
    assert "trained on 1,500 members" in flat(result.stderr)
    spec = read_manifest(telco_trained["model"])["spec"]
    assert spec["id_col"] == "customerID"
    assert spec["positive_label"] == "Yes"
    features = [f["name"] for f in spec["features"]]
    assert "Notes" not in features
    assert "customerID" not in features
    assert "TotalCharges" in features


# --------------------------------------------------------------------------------------------
# errors a user can fix: exit 2, a message naming file, column, row and fix; nothing written
# --------------------------------------------------------------------------------------------


def _with_churn(values: Callable[[pd.DataFrame], Any]) -> Callable[[pd.DataFrame, Path], None]:
    def build(frame: pd.DataFrame, path: Path) -> None:
        frame.assign(Churn=values(frame)).to_csv(path, index=False)

    return build


def _text_in_age(frame: pd.DataFrame, path: Path) -> None:
    bad = frame.astype({"Age": object})
    bad.loc[7, "Age"] = "abc"
    bad.to_csv(path, index=False)


def _short_row(row: int, fields: int) -> Callable[[pd.DataFrame, Path], None]:
    def build(frame: pd.DataFrame, path: Path) -> None:
        lines = frame.to_csv(index=False).splitlines()
        lines[row + 1] = ",".join(lines[row + 1].split(",")[:fields])
        path.write_text("\n".join(lines) + "\n")

    return build


TRAIN_ERRORS = {
    "empty file": (lambda frame, path: path.write_bytes(b""), [], ["the file is empty"]),
    "header only": (
        lambda frame, path: path.write_text(",".join(frame.columns) + "\n"),
        [],
        ["header but no rows"],
    ),
    "wrong target name": (
        lambda frame, path: frame.to_csv(path, index=False),
        ["--target", "Chrun"],
        ["column 'Chrun'", "not in the table", "did you mean 'Churn'?", "--target"],
    ),
    "one class": (
        _with_churn(lambda frame: 0),
        [],
        ["column 'Churn'", "only one value"],
    ),
    "three classes": (
        _with_churn(lambda frame: np.arange(len(frame)) % 3),
        [],
        ["column 'Churn'", "3 values", "exactly two"],
    ),
    "unclear labels": (
        _with_churn(lambda frame: np.where(frame["Churn"] == 1, "B", "A")),
        [],
        ["column 'Churn'", "which target value means 'left'", "--positive"],
    ),
    "text in a number column": (
        _text_in_age,
        [],
        ["column 'Age'", "row 7", "not a number", "'abc'"],
    ),
    "a number too large for a float": (  # pandas reads 1e400 as inf
        _text_in("Avg_additional_charges_total", 9, "1e400"),
        [],
        ["column 'Avg_additional_charges_total'", "row 9", "not a finite number", "inf"],
    ),
    "minus infinity": (
        _text_in("Lifetime", 4, "-inf"),
        [],
        ["column 'Lifetime'", "row 4", "not a finite number", "-inf"],
    ),
    "a short row": (
        _short_row(11, 2),
        [],
        ["column 'Partner'", "row 11", "the row has 2 fields, the header has 14"],
    ),
    "not a table": (
        lambda frame, path: path.write_bytes(PNG_BYTES),
        [],
        ["not a readable CSV table"],
    ),
    "the target given as a lever": (
        lambda frame, path: frame.to_csv(path, index=False),
        ["--lever", "Churn"],
        ["column 'Churn'", "--lever names a column the model does not use", "it is the target"],
    ),
    "a lever and a trait at once": (
        lambda frame, path: frame.to_csv(path, index=False),
        ["--lever", "Age", "--trait", "Age"],
        ["column 'Age'", "both as a lever and as a trait"],
    ),
    "a lever that is no column": (
        lambda frame, path: frame.to_csv(path, index=False),
        ["--trait", "Agee"],
        ["no column 'Agee'", "did you mean 'Age'?"],
    ),
}


@pytest.mark.parametrize("case", TRAIN_ERRORS)
def test_train_user_errors(case: str, small_gym: pd.DataFrame, tmp_path: Path) -> None:
    build, options, fragments = TRAIN_ERRORS[case]
    build(small_gym, tmp_path / "members.csv")
    before = files_in(tmp_path)
    result = invoke("train", "members.csv", "--model", "model.churnlab", "--folds", "3", *options)
    assert_user_error(result, "members.csv", *fragments)
    assert files_in(tmp_path) == before  # no model file


def test_train_sets_a_bytes_column_aside_with_a_note(small_gym: pd.DataFrame) -> None:
    _with_bytes_column(small_gym, Path("m.parquet"))
    result = invoke(
        "train", "m.parquet", "--model", "m.churnlab", "--folds", "3", "--learner", "logistic"
    )
    assert_ok(result)
    assert "set aside photo: raw bytes (a binary column)" in flat(result.stderr)
    kept = invoke("train", "m.parquet", "--model", "k.churnlab", "--keep", "photo")
    assert_user_error(kept, "m.parquet", "column 'photo'", "raw bytes", "--keep photo")
    assert not Path("k.churnlab").exists()


def test_train_model_path_is_a_folder(trained: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    result = invoke(
        "train", trained["data"], "--model", "models", "--folds", "3", "--learner", "logistic"
    )
    assert_user_error(result, "models")


@pytest.mark.parametrize(
    "name",
    [
        "members[old].csv",
        "members[/].csv",
    ],
)
def test_error_names_file_with_brackets(name: str) -> None:
    result = invoke("train", name, "--model", "model.churnlab")
    assert_user_error(result, name, "does not exist")


def test_club_names_holding_other_meanings_are_read_from_their_data_and_said_once(
    small_gym: pd.DataFrame, tmp_path: Path
) -> None:
    """A telecom's gender (Female/Male) and a bank's Lifetime in days train, with one line."""
    frame = small_gym.assign(
        gender=small_gym["gender"].map({0: "Female", 1: "Male"}),
        Lifetime=small_gym["Lifetime"] * 30 + 700,
    )
    frame.to_csv(tmp_path / "members.csv", index=False)
    result = invoke("train", "members.csv", "--model", "m.churnlab", "--folds", "3")
    assert_ok(result)
    lines = [line for line in result.stderr.splitlines() if "club" in line]
    assert len(lines) == 1, result.stderr
    assert "gender (it holds text (Female, Male), not 0 or 1)" in lines[0]
    assert "Lifetime (its values reach" in lines[0] and "not 0 to 600)" in lines[0]
    spec = read_manifest(tmp_path / "m.churnlab")["spec"]
    kinds = {f["name"]: (f["kind"], f["values"]) for f in spec["features"]}
    assert kinds["gender"] == ("binary", ["Female", "Male"])
    assert kinds["Lifetime"] == ("numeric", None)
    scored = invoke("score", "members.csv", "--model", "m.churnlab", "--out", "s.csv")
    assert_ok(scored)
    assert len(pd.read_csv(tmp_path / "s.csv")) == len(frame)  # every row scored as text
