"""`churnlab analyze` through Typer's runner: the folder it writes, its options and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from _cli import invoke
from churnlab.model.persist import load_model
from churnlab.report.export import OUTPUTS


@pytest.fixture(scope="module")
def members_csv(tmp_path_factory: pytest.TempPathFactory, gym: pd.DataFrame) -> Path:
    path = tmp_path_factory.mktemp("data") / "members.csv"
    frame = gym.sample(1200, random_state=3).reset_index(drop=True)
    frame.insert(
        0, "member_id", [f"=HYPERLINK({i})" if i == 7 else f"M{i:04d}" for i in range(len(frame))]
    )
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory, members_csv: Path) -> Path:
    out = tmp_path_factory.mktemp("report")
    result = invoke("analyze", members_csv, "--out", out, "--fee", "60", "--budget", "2000")
    assert result.exit_code == 0, result.output
    return out


def test_writes_every_output(report_dir: Path) -> None:
    assert {p.name for p in report_dir.iterdir()} == set(OUTPUTS.values())
    summary = json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["data"]["members"] == 1200
    assert load_model(report_dir / "model.churnlab").data_hash_ == summary["meta"]["data_hash"]


def test_report_and_json_tell_the_same_story(report_dir: Path) -> None:
    summary = json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    for segment in summary["segments"]:
        assert segment["name"] in html
    for group in summary["plan"]["target_groups"]:
        for part in group["name"].split(" — "):  # the report shows title and audience apart
            assert part in html


def test_scores_have_every_member_with_reasons_and_measure(report_dir: Path) -> None:
    scores = pd.read_csv(report_dir / "scores.csv")
    assert len(scores) == 1200 and scores["row"].tolist() == list(range(1200))
    assert {
        "member_id",
        "churn_probability",
        "risk_tier",
        "segment",
        "reason_1",
        "recommended_measure",
    } <= set(scores.columns)
    assert scores.loc[7, "member_id"] == "'=HYPERLINK(7)"  # neutralised for spreadsheets


def test_economics_options_and_budget(report_dir: Path) -> None:
    summary = json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))
    economics = summary["plan"]["economics"]
    assert economics["fee"] == 60 and economics["budget"] == 2000
    plan = pd.read_csv(report_dir / "plan.csv")
    assert plan["expected_cost"].sum() <= 2000
    assert plan["rank"].tolist() == list(range(1, len(plan) + 1))


def test_scores_carry_each_members_months_and_value(report_dir: Path) -> None:
    scores = pd.read_csv(report_dir / "scores.csv")
    value = ["stay_3m", "stay_6m", "stay_12m", "expected_months_12", "member_value"]
    assert set(value) <= set(scores.columns) and scores[value].notna().all().all()
    # staying longer is never likelier; a member pays for at most 12 months
    assert (scores["stay_3m"] >= scores["stay_6m"]).all()
    assert (scores["stay_6m"] >= scores["stay_12m"]).all()
    assert scores["expected_months_12"].between(0, 12).all()
    summary = json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["value"]["member_value"] == pytest.approx(scores["member_value"].sum(), 0.01)
    assert sum(s["value_at_risk"] for s in summary["segments"]) == pytest.approx(
        summary["value"]["value_at_risk"], abs=1.0
    )


def test_the_objective_and_the_discount(tmp_path: Path, members_csv: Path) -> None:
    result = invoke("analyze", members_csv, "--out", tmp_path, "--objective", "members",
                    "--discount", "0.05")  # fmt: skip
    assert result.exit_code == 0, result.output
    plan = pd.read_csv(tmp_path / "plan.csv")
    assert plan["expected_kept"].is_monotonic_decreasing
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["plan"]["objective"] == "members" and summary["value"]["discount"] == 0.05
    # discounted at 5 % a month, the next 12 months are worth less than undiscounted
    # the most a member can be worth: every one of 12 months, at 1, 1/1.05, 1/1.05², ...
    scores = pd.read_csv(tmp_path / "scores.csv")
    most = sum(1.05**-t for t in range(12))
    assert scores["expected_months_12"].max() <= most + 1e-6
    assert scores["expected_months_12"].max() > 0.9 * most  # long-contract members: near it


def test_plan_xlsx_opens_with_neutralised_cells(report_dir: Path) -> None:
    sheet = openpyxl.load_workbook(report_dir / "plan.xlsx")["Retention plan"]
    header = [c.value for c in sheet[1]]
    assert "member_id" in header and "Expected saving" in header  # headers for people
    values = [str(c.value) for row in sheet.iter_rows(min_row=2) for c in row if c.value]
    assert not any(v.startswith(("=", "+", "@")) for v in values)


def test_russian(tmp_path: Path, members_csv: Path) -> None:
    result = invoke("analyze", members_csv, "--out", tmp_path, "--lang", "ru")
    assert result.exit_code == 0, result.output
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<html lang="ru"' in html
    assert "абонемент" in (tmp_path / "scores.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        (["--fee", "-5"], "--fee"),
        (["--playbook", "missing.yaml"], "missing.yaml"),
        (["--lang", "de"], "de"),
        (["--objective", "heads"], "heads"),
        (["--discount", "-0.1"], "--discount"),
    ],
)
def test_bad_options(tmp_path: Path, members_csv: Path, options: list[str], fragment: str) -> None:
    result = invoke("analyze", members_csv, "--out", tmp_path / "out", *options)
    assert result.exit_code == 2
    assert fragment in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_no_usable_row(tmp_path: Path, gym: pd.DataFrame) -> None:
    path = tmp_path / "bad.csv"
    frame = gym.head(30).copy()
    frame["Churn"] = frame["Churn"].astype(object)
    frame.loc[4:, "Churn"] = None  # 26 rows without an outcome
    frame.loc[:3, "Churn"] = [0, 1, 0, 1]
    for row, column in enumerate(["Age", "Lifetime", "Contract_period", "Month_to_end_contract"]):
        frame.loc[row, column] = -1  # and an impossible value in each of the other four
    frame.to_csv(path, index=False)
    result = invoke("analyze", path, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "bad.csv" in result.stderr and "column 'Lifetime', row 1" in result.stderr
    assert "too few usable rows" in result.stderr
    assert not (tmp_path / "out").exists()


def test_infinite_values_are_impossible_values(tmp_path: Path, gym: pd.DataFrame) -> None:
    path = tmp_path / "inf.csv"
    frame = gym.head(30).astype({"Age": object})
    frame.loc[4, "Age"] = "1e400"  # one row: the column still holds the club's ages
    frame.to_csv(path, index=False)
    result = invoke("analyze", path, "--out", tmp_path / "out")
    assert result.exit_code == 0 and "Traceback" not in result.output
    rejects = pd.read_csv(tmp_path / "out" / "rejects.csv")
    assert rejects[["row", "column", "reason"]].values.tolist() == [
        [4, "Age", "not a finite number"]
    ]
    assert len(pd.read_csv(tmp_path / "out" / "scores.csv")) == 29


def test_a_bytes_column_is_set_aside(tmp_path: Path, gym: pd.DataFrame) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = gym.sample(500, random_state=4).reset_index(drop=True)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    raw = pa.array([bytes([i % 256, 0xFF]) for i in range(len(frame))], pa.binary())
    pq.write_table(table.append_column("scan", raw), tmp_path / "m.parquet")
    result = invoke("analyze", tmp_path / "m.parquet", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "set aside scan: raw bytes" in " ".join(result.stderr.split())
    assert len(pd.read_csv(tmp_path / "out" / "scores.csv")) == 500


def test_currency_is_an_option(tmp_path: Path, members_csv: Path) -> None:
    result = invoke("analyze", members_csv, "--out", tmp_path / "eur", "--currency", "EUR")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "eur" / "summary.json").read_text())
    assert summary["plan"]["economics"]["currency"] == "EUR"
    assert "EUR" in result.stdout and "USD" not in result.stdout  # the conclusions' sums
    html = (tmp_path / "eur" / "report.html").read_text(encoding="utf-8")
    assert "EUR" in html and "USD" not in html

    refused = invoke("analyze", members_csv, "--out", tmp_path / "x", "--currency", " ")
    assert refused.exit_code == 2 and "--currency" in refused.stderr
    assert not (tmp_path / "x").exists()
