"""churnlab.cli.score: scores and rejects written from a table, and the errors a user can fix."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from _cli import _with_bytes_column, assert_ok, assert_user_error, files_in, flat, invoke

pytestmark = pytest.mark.usefixtures("_in_tmp")

SCORE_COLUMNS = ["row", "churn_probability", "risk_tier"]
REJECT_COLUMNS = ["row", "column", "value", "reason"]
TIERS = {"high", "medium", "low"}


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


def test_score_writes_a_spreadsheet_by_extension(
    telco_trained: dict[str, Any], telco: pd.DataFrame, tmp_path: Path
) -> None:
    from churnlab.model.persist import load_model
    from churnlab.scoring.members import score_members

    hostile = telco.assign(customerID=["=HYPERLINK(1)", *telco["customerID"][1:]])
    hostile.to_csv("hostile.csv", index=False)
    result = invoke("score", "hostile.csv", "--model", telco_trained["model"], "--out", "s.xlsx",
                    "--reasons")  # fmt: skip
    assert_ok(result)
    assert files_in(tmp_path) == {"hostile.csv", "s.xlsx", "s.rejects.csv"}
    assert zipfile.is_zipfile("s.xlsx")
    sheet = pd.read_excel("s.xlsx", dtype={"customerID": str})
    reference = score_members(load_model(telco_trained["model"]), hostile).scores
    assert sheet.columns.tolist() == [*reference.columns, "reason_1", "reason_2", "reason_3"]
    assert sheet["row"].tolist() == reference["row"].tolist()
    np.testing.assert_allclose(sheet["churn_probability"], reference["churn_probability"])
    assert sheet["risk_tier"].tolist() == reference["risk_tier"].tolist()
    assert sheet.loc[0, "customerID"] == "'=HYPERLINK(1)"  # neutralised, as every export
    assert sheet["customerID"][1:].tolist() == telco["customerID"][1:].tolist()
    assert sheet["reason_1"].notna().all()


def test_score_refuses_more_members_than_a_sheet_holds_before_scoring(
    trained: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from churnlab.scoring import streaming

    pd.read_csv(trained["data"]).to_parquet("members.parquet")
    monkeypatch.setattr(streaming, "EXCEL_ROWS", 600)  # the table has 600 rows
    result = invoke("score", "members.parquet", "--model", trained["model"], "--out", "s.xlsx")
    assert_user_error(result, "s.xlsx", "600 members do not fit an Excel sheet", ".csv or .parquet")
    assert files_in(tmp_path) == {"members.parquet"}


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


def test_a_model_of_another_table_says_which_and_how_to_train_one(
    trained: dict[str, Any], telco: pd.DataFrame, tmp_path: Path
) -> None:
    from churnlab.model.persist import read_manifest

    telco.to_csv("telco.csv", index=False)
    result = invoke("score", "telco.csv", "--model", trained["model"], "--out", "s.csv")
    trained_on = read_manifest(trained["model"])["created"][:10]
    assert_user_error(
        result,
        "telco.csv",
        f"the model was trained on a different table ('small_gym.csv', {trained_on})",
        "all 13 columns it needs are missing here ('gender',",
        "churnlab train DATA --target",
    )
    assert files_in(tmp_path) == {"telco.csv"}


def test_score_unsupported_output_extension(trained: dict[str, Any], tmp_path: Path) -> None:
    result = invoke("score", trained["data"], "--model", trained["model"], "--out", "scores.txt")
    assert_user_error(result, "scores.txt", ".csv, .parquet or .xlsx")
    assert files_in(tmp_path) == set()


def test_score_unwritable_output_leaves_no_rejects(trained: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "scores.csv").mkdir()  # --out names an existing folder
    result = invoke("score", trained["data"], "--model", trained["model"], "--out", "scores.csv")
    assert_user_error(result, "scores.csv")
    assert files_in(tmp_path) == {"scores.csv"}
