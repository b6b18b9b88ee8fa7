"""Tests for the `churnlab` command line: train, score, evaluate, and how user errors are reported.

Every command runs in process through Typer's ``CliRunner``, which keeps stdout and stderr apart
(``result.stdout`` holds results such as tables and JSON, ``result.stderr`` the messages).
The tests run inside their own temporary folder and pass relative file names, so the names in
messages are short and never wrapped by Rich.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner, Result

from churnlab.cli import app
from churnlab.model.persist import read_manifest

runner = CliRunner()

SCORE_COLUMNS = ["row", "churn_probability", "risk_tier"]
REJECT_COLUMNS = ["row", "column", "value", "reason"]
TIERS = {"high", "medium", "low"}
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02" + bytes(
    200
)


def invoke(*args: str | os.PathLike[str]) -> Result:
    return runner.invoke(app, [os.fspath(a) for a in args])


def assert_ok(result: Result) -> None:
    assert result.exit_code == 0, (result.exit_code, result.stderr, result.exception)
    assert "Traceback" not in result.output


def assert_user_error(result: Result, *fragments: str) -> None:
    """Exit 2; stderr has `error:`, a `fix:` line and the fragments; no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.output, repr(result.exception))
    assert isinstance(result.exception, SystemExit)
    assert result.stderr.startswith("error: "), result.stderr
    assert "\n  fix: " in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in flat(result.stderr), (fragment, result.stderr)


def flat(text: str) -> str:
    """Messages with Rich's line wrapping undone."""
    return " ".join(text.split())


def files_in(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


# --------------------------------------------------------------------------------------------
# models trained once per module
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained(small_gym: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A model trained by `churnlab train` on a CSV of the 600-row club sample (3 folds)."""
    folder = tmp_path_factory.mktemp("gym_model")
    data = folder / "small_gym.csv"
    small_gym.to_csv(data, index=False)
    model = folder / "model.churnlab"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        result = invoke("train", data.name, "--model", model.name, "--folds", "3")
    assert_ok(result)
    return {"data": data, "model": model, "result": result}


@pytest.fixture(scope="module")
def telco_trained(telco: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("telco_model")
    data = folder / "telco.csv"
    telco.to_csv(data, index=False)
    model = folder / "telco.churnlab"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        result = invoke(
            "train", data.name, "--target", "Churn", "--model", model.name, "--folds", "3"
        )
    assert_ok(result)
    return {"data": data, "model": model, "result": result}


# --------------------------------------------------------------------------------------------
# help
# --------------------------------------------------------------------------------------------


def test_help_lists_the_three_commands() -> None:
    result = invoke("--help")
    assert_ok(result)
    for command in ("train", "score", "evaluate"):
        assert f" {command} " in result.stdout
    assert "Usage" in result.stdout


# --------------------------------------------------------------------------------------------
# train
# --------------------------------------------------------------------------------------------


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
    assert read_manifest(tmp_path / "bundled.churnlab")["learner"] == "logistic"


def test_train_tunes_large_tables_on_a_sample(tmp_path: Path) -> None:
    import inspect

    from churnlab.cli.train import train
    from churnlab.model.churn_model import TUNE_ROWS

    assert inspect.signature(train).parameters["tune_rows"].default == TUNE_ROWS
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


# --------------------------------------------------------------------------------------------
# score
# --------------------------------------------------------------------------------------------


def test_score_csv(trained: dict[str, Any], small_gym: pd.DataFrame, tmp_path: Path) -> None:
    result = invoke("score", trained["data"], "--model", trained["model"], "--out", "scores.csv")
    assert_ok(result)
    assert files_in(tmp_path) == {"scores.csv", "scores.rejects.csv"}

    scores = pd.read_csv("scores.csv")
    assert list(scores.columns) == SCORE_COLUMNS
    assert len(scores) == len(small_gym)
    assert scores["row"].tolist() == list(range(len(small_gym)))
    assert scores["churn_probability"].between(0, 1).all()
    assert set(scores["risk_tier"]) <= TIERS
    # tiers are bands of the probability: every high above every medium above every low
    by_tier = scores.groupby("risk_tier")["churn_probability"]
    if {"high", "medium"} <= set(by_tier.groups):
        assert by_tier.min()["high"] >= by_tier.max()["medium"]
    if {"medium", "low"} <= set(by_tier.groups):
        assert by_tier.min()["medium"] >= by_tier.max()["low"]
    # rows are in input order: the probabilities rank the input's own outcomes well
    assert roc_auc_score(small_gym["Churn"], scores["churn_probability"]) > 0.9

    rejects = pd.read_csv("scores.rejects.csv")
    assert list(rejects.columns) == REJECT_COLUMNS
    assert rejects.empty

    assert "scored 600 of 600 rows" in flat(result.stderr)
    assert "0 rows rejected" in flat(result.stderr)


def test_score_ignores_the_target_column(trained: dict[str, Any], small_gym: pd.DataFrame) -> None:
    small_gym.drop(columns="Churn").to_csv("no_target.csv", index=False)
    with_target = invoke("score", trained["data"], "--model", trained["model"], "--out", "a.csv")
    without = invoke("score", "no_target.csv", "--model", trained["model"], "--out", "b.csv")
    assert_ok(with_target)
    assert_ok(without)
    pd.testing.assert_frame_equal(pd.read_csv("a.csv"), pd.read_csv("b.csv"))


def test_score_without_data_scores_the_bundled_table(trained: dict[str, Any], gym) -> None:
    result = invoke("score", "--model", trained["model"], "--out", "bundled.csv")
    assert_ok(result)
    scores = pd.read_csv("bundled.csv")
    assert list(scores.columns) == SCORE_COLUMNS
    assert scores["row"].tolist() == list(range(len(gym)))
    assert "the bundled club table" in flat(result.stderr)
    assert "scored 4,000 of 4,000 rows" in flat(result.stderr)


def test_score_parquet_by_extension(trained: dict[str, Any], tmp_path: Path) -> None:
    result = invoke(
        "score", trained["data"], "--model", trained["model"], "--out", "scores.parquet"
    )
    assert_ok(result)
    assert files_in(tmp_path) == {"scores.parquet", "scores.rejects.csv"}
    assert (tmp_path / "scores.parquet").read_bytes()[:4] == b"PAR1"
    scores = pd.read_parquet("scores.parquet")
    assert list(scores.columns) == SCORE_COLUMNS
    assert scores["row"].tolist() == list(range(600))
    assert scores["churn_probability"].between(0, 1).all()
    assert set(scores["risk_tier"]) <= TIERS
    as_csv = invoke("score", trained["data"], "--model", trained["model"], "--out", "same.csv")
    assert_ok(as_csv)
    np.testing.assert_allclose(
        scores["churn_probability"], pd.read_csv("same.csv")["churn_probability"]
    )


def bad_values(frame: pd.DataFrame) -> pd.DataFrame:
    """Negative ages in rows 3 and 10, text in Lifetime in row 20."""
    bad = frame.astype({"Lifetime": object})
    bad.loc[[3, 10], "Age"] = -5
    bad.loc[20, "Lifetime"] = "abc"
    return bad


def test_score_sets_aside_impossible_values(
    trained: dict[str, Any], small_gym: pd.DataFrame, tmp_path: Path
) -> None:
    bad_values(small_gym).to_csv("bad.csv", index=False)
    result = invoke("score", "bad.csv", "--model", trained["model"], "--out", "scores.csv")
    assert_ok(result)

    rejects = pd.read_csv("scores.rejects.csv")
    assert list(rejects.columns) == REJECT_COLUMNS
    assert rejects["row"].tolist() == [3, 10, 20]
    assert rejects["column"].tolist() == ["Age", "Age", "Lifetime"]
    assert rejects["value"].astype(str).tolist() == ["-5", "-5", "abc"]
    assert rejects["reason"].str.contains("below the minimum 10").tolist() == [True, True, False]
    assert rejects["reason"].iloc[2] == "not a number"

    scores = pd.read_csv("scores.csv")
    assert len(scores) + len(rejects) == len(small_gym)
    assert scores["row"].tolist() == [r for r in range(len(small_gym)) if r not in (3, 10, 20)]
    # the good rows score exactly as in the clean table
    clean = invoke("score", trained["data"], "--model", trained["model"], "--out", "clean.csv")
    assert_ok(clean)
    expected = pd.read_csv("clean.csv").set_index("row").loc[scores["row"]]
    np.testing.assert_allclose(scores["churn_probability"], expected["churn_probability"])

    assert "scored 597 of 600 rows" in flat(result.stderr)
    assert "3 rows rejected" in flat(result.stderr)
    assert "scores.rejects.csv" in flat(result.stderr)


def test_score_custom_rejects_path(
    trained: dict[str, Any], small_gym: pd.DataFrame, tmp_path: Path
) -> None:
    bad_values(small_gym).to_csv("bad.csv", index=False)
    result = invoke(
        "score",
        "bad.csv",
        "--model",
        trained["model"],
        "--out",
        "scores.csv",
        "--rejects",
        "checks/bad_rows.csv",
    )
    assert_ok(result)
    assert files_in(tmp_path) == {"bad.csv", "scores.csv", "checks", "checks/bad_rows.csv"}
    assert pd.read_csv("checks/bad_rows.csv")["row"].tolist() == [3, 10, 20]
    assert "checks/bad_rows.csv" in flat(result.stderr)


def test_score_default_rejects_name_keeps_dots(trained: dict[str, Any], tmp_path: Path) -> None:
    result = invoke(
        "score", trained["data"], "--model", trained["model"], "--out", "scores.jan.csv"
    )
    assert_ok(result)
    assert files_in(tmp_path) == {"scores.jan.csv", "scores.jan.rejects.csv"}


# --------------------------------------------------------------------------------------------
# a table unlike the club's
# --------------------------------------------------------------------------------------------


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


def test_telco_score_carries_the_id(
    telco_trained: dict[str, Any], telco: pd.DataFrame, tmp_path: Path
) -> None:
    result = invoke(
        "score",
        telco_trained["data"],
        "--model",
        telco_trained["model"],
        "--out",
        "telco_scores.csv",
    )
    assert_ok(result)
    scores = pd.read_csv("telco_scores.csv")
    assert list(scores.columns) == ["row", "customerID", "churn_probability", "risk_tier"]
    assert scores["row"].tolist() == list(range(len(telco)))
    assert scores["customerID"].tolist() == telco["customerID"].tolist()
    assert scores["churn_probability"].between(0, 1).all()
    assert set(scores["risk_tier"]) <= TIERS
    assert roc_auc_score(telco["Churn"] == "Yes", scores["churn_probability"]) > 0.75
    rejects = pd.read_csv("telco_scores.rejects.csv")
    assert list(rejects.columns) == ["row", "customerID", "column", "value", "reason"]
    assert rejects.empty
    assert "scored 1,500 of 1,500 rows" in flat(result.stderr)


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


def _text_in(column: str, row: int, text: str) -> Callable[[pd.DataFrame, Path], None]:
    def build(frame: pd.DataFrame, path: Path) -> None:
        bad = frame.astype({column: object})
        bad.loc[row, column] = text
        bad.to_csv(path, index=False)

    return build


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


def test_evaluate_reports_user_errors_too(tmp_path: Path) -> None:
    (tmp_path / "nothing.csv").write_bytes(b"")
    result = invoke("evaluate", "nothing.csv", "--folds", "3", "--json")
    assert_user_error(result, "nothing.csv", "the file is empty")


def test_evaluate_names_infinite_values(small_gym: pd.DataFrame, tmp_path: Path) -> None:
    _text_in("Age", 3, "inf")(small_gym, tmp_path / "members.csv")
    result = invoke("evaluate", "members.csv", "--folds", "3", "--json")
    assert_user_error(result, "members.csv", "column 'Age'", "row 3", "not a finite number")


@pytest.mark.parametrize("command", ["train", "evaluate", "analyze", "make-members"])
@pytest.mark.parametrize("seed", ["-1", str(2**32)])
def test_seed_out_of_numpys_range_is_a_usage_error(command: str, seed: str) -> None:
    arguments = ["10"] if command == "make-members" else []
    result = invoke(command, *arguments, "--seed", seed)
    assert result.exit_code == 2, (result.output, repr(result.exception))
    assert "Invalid value for '--seed'" in flat(result.stderr)
    assert "Traceback" not in result.output and files_in(Path.cwd()) == set()


def test_largest_seed_is_accepted(tmp_path: Path) -> None:
    result = invoke("make-members", "10", "--seed", str(2**32 - 1), "--out", "m")
    assert_ok(result)


def test_score_rejects_short_rows(trained: dict[str, Any], small_gym: pd.DataFrame) -> None:
    lines = small_gym.to_csv(index=False).splitlines()
    lines[4] = ",".join(lines[4].split(",")[:6])  # row 3
    Path("short.csv").write_text("\n".join(lines) + "\n")
    result = invoke("score", "short.csv", "--model", trained["model"], "--out", "s.csv")
    assert_ok(result)
    rejects = pd.read_csv("s.rejects.csv")
    assert rejects[["row", "column", "reason"]].values.tolist() == [
        [3, "Group_visits", "the row has 6 fields, the header has 14"]
    ]
    assert len(pd.read_csv("s.csv")) == len(small_gym) - 1


def _with_bytes_column(frame: pd.DataFrame, path: Path, name: str = "photo") -> None:
    """``frame`` as Parquet written by pyarrow, with a ``binary`` column of raw bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    raw = pa.array([bytes([i % 256, 0x80]) for i in range(len(frame))], pa.binary())
    pq.write_table(table.append_column(name, raw), path)


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


def test_score_refuses_a_feature_of_raw_bytes(
    telco_trained: dict[str, Any], telco: pd.DataFrame
) -> None:
    _with_bytes_column(telco.drop(columns="Contract"), Path("m.parquet"), name="Contract")
    result = invoke("score", "m.parquet", "--model", telco_trained["model"], "--out", "s.csv")
    assert_user_error(result, "m.parquet", "column 'Contract'", "raw bytes", "pa.string()")
    assert files_in(Path.cwd()) == {"m.parquet"}


def test_score_ignores_a_bytes_column_it_does_not_need(
    trained: dict[str, Any], small_gym: pd.DataFrame
) -> None:
    _with_bytes_column(small_gym, Path("m.parquet"))
    result = invoke("score", "m.parquet", "--model", trained["model"], "--out", "s.csv")
    assert_ok(result)
    assert len(pd.read_csv("s.csv")) == len(small_gym)


def test_score_on_a_full_disk_exits_2_and_leaves_nothing(
    trained: dict[str, Any], small_gym: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import functools

    from churnlab.scoring import streaming

    real = streaming._ScoresWriter.write
    calls = {"n": 0}

    def write(self: Any, table: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the second batch finds the disk full
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self, table)

    monkeypatch.setattr(streaming._ScoresWriter, "write", write)
    monkeypatch.setattr(
        streaming, "score_file", functools.partial(streaming.score_file, batch_rows=200)
    )
    small_gym.to_csv("m.csv", index=False)
    result = invoke("score", "m.csv", "--model", trained["model"], "--out", "scores.csv")
    assert_user_error(
        result, "scores.csv: cannot write the file: the disk is full", "free some space"
    )
    assert "--out" in flat(result.stderr) and calls["n"] == 2
    assert files_in(Path.cwd()) == {"m.csv"}  # no scores, rejects or hidden .tmp file


def _write_model_bytes(content: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(content)


MODEL_ERRORS = {
    "random bytes": (_write_model_bytes(os.urandom(2048)), "is not a churnlab model file"),
    "text file": (_write_model_bytes(b"this is my model, honest\n"), "is not a churnlab model"),
    "zip but not a model": (
        lambda path: zipfile.ZipFile(path, "w").writestr("readme.txt", "hello"),
        "not a churnlab model file",
    ),
    "does not exist": (lambda path: None, "does not exist"),
}


@pytest.mark.parametrize("case", MODEL_ERRORS)
def test_score_unusable_model_file(case: str, trained: dict[str, Any], tmp_path: Path) -> None:
    build, fragment = MODEL_ERRORS[case]
    build(tmp_path / "broken.churnlab")
    before = files_in(tmp_path)
    result = invoke("score", trained["data"], "--model", "broken.churnlab", "--out", "scores.csv")
    assert_user_error(result, "broken.churnlab", fragment)
    assert files_in(tmp_path) == before


@pytest.mark.parametrize("rejects", [None, "rejected.csv"])
def test_score_missing_column_leaves_no_output(
    rejects: str | None, trained: dict[str, Any], small_gym: pd.DataFrame, tmp_path: Path
) -> None:
    small_gym.drop(columns="Age").to_csv("no_age.csv", index=False)
    before = files_in(tmp_path)
    extra = ["--rejects", rejects] if rejects else []
    result = invoke(
        "score", "no_age.csv", "--model", trained["model"], "--out", "scores.csv", *extra
    )
    assert_user_error(result, "no_age.csv", "column 'Age'", "missing: 'Age'")
    assert files_in(tmp_path) == before
    assert not (tmp_path / "scores.csv").exists()
    assert not (tmp_path / "scores.rejects.csv").exists()


def test_score_unsupported_output_extension(trained: dict[str, Any], tmp_path: Path) -> None:
    result = invoke("score", trained["data"], "--model", trained["model"], "--out", "scores.txt")
    assert_user_error(result, "scores.txt", ".csv or .parquet")
    assert files_in(tmp_path) == set()


def test_score_unwritable_output_leaves_no_rejects(trained: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "scores.csv").mkdir()  # --out names an existing folder
    result = invoke("score", trained["data"], "--model", trained["model"], "--out", "scores.csv")
    assert_user_error(result, "scores.csv")
    assert files_in(tmp_path) == {"scores.csv"}


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


# --------------------------------------------------------------------------------------------
# evaluate
# --------------------------------------------------------------------------------------------


def test_evaluate_json(trained: dict[str, Any]) -> None:
    result = invoke("evaluate", trained["data"], "--folds", "3", "--repeats", "1", "--json")
    assert_ok(result)
    figures = json.loads(result.stdout)
    assert figures["rows"] == 600
    assert figures["folds"] == 3
    assert figures["repeats"] == 1
    roc_auc = figures["metrics"]["roc_auc"]
    assert 0.9 <= roc_auc["mean"] <= 1
    assert 0 <= roc_auc["std"] < 0.1
    holdout = figures["holdout_80_20"]
    assert 0.9 <= holdout["roc_auc"] <= 1
    assert set(holdout) == set(figures["metrics"])


def test_every_command_reads_a_folder_of_parquet_files(small_gym: pd.DataFrame) -> None:
    folder = Path("members")
    folder.mkdir()
    for k, start in enumerate(range(0, len(small_gym), 250)):
        small_gym.iloc[start : start + 250].to_parquet(folder / f"part-{k}.parquet")
    assert_ok(invoke("train", folder, "--folds", "3", "--model", "m.churnlab"))
    assert read_manifest("m.churnlab")["spec"]["target_col"] == "Churn"
    evaluated = invoke("evaluate", folder, "--folds", "3", "--repeats", "1", "--json")
    assert_ok(evaluated)
    assert json.loads(evaluated.stdout)["rows"] == len(small_gym)
    assert_ok(invoke("score", folder, "--model", "m.churnlab", "--out", "s.csv"))
    assert len(pd.read_csv("s.csv")) == len(small_gym)
    assert_ok(invoke("analyze", folder, "--out", "report"))
    assert json.loads(Path("report/summary.json").read_text())["data"]["rows"] == len(small_gym)


def test_no_developer_notes_on_a_users_stderr(small_gym: pd.DataFrame) -> None:
    # a booster without an arithmetic form is scored through its pipeline: nothing to tell.
    # In a process of its own: pytest's log capture would hide what Python prints by default.
    code = (
        "import sys, churnlab.model.compiled, churnlab.cli\n"
        "def no_form(model):\n"
        "    raise AssertionError(\"the booster's columns are the derived frame's\")\n"
        "churnlab.model.compiled._Trees = no_form\n"
        "sys.argv = ['churnlab', *sys.argv[1:]]\n"
        "churnlab.cli.main()\n"
    )
    small_gym.to_csv("m.csv", index=False)
    for arguments in (["train", "m.csv", "--learner", "boosting", "--folds", "3"],
                      ["score", "m.csv", "--out", "s.csv"]):  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-c", code, *arguments], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        assert "pipeline" not in done.stderr and "arithmetic" not in done.stderr, done.stderr


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
