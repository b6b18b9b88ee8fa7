"""`churnlab month` through Typer's runner: a club's folder, a month's snapshot, its files."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from _cli import assert_user_error, invoke
from _months import ID, club_history, next_snapshot
from churnlab.report.month_export import MONTH_OUTPUTS
from churnlab.store import Store
from churnlab.store.folder import ClubFolder


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("club")
    history = club_history()
    paths = {"history": folder / "history.csv", "july": folder / "july.csv"}
    history.to_csv(paths["history"], index=False)
    next_snapshot(history).to_csv(paths["july"], index=False)
    return paths


@pytest.fixture(scope="module")
def club(files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The club's folder, analysed once; its history in the folder (no shared database)."""
    out = tmp_path_factory.mktemp("run") / "club"
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("CHURNLAB_STORE", raising=False)
        result = invoke("analyze", files["history"], "--out", out, "--budget", "3000")
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def july(club: Path, files: dict[str, Path]) -> Path:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("CHURNLAB_STORE", raising=False)
        result = invoke("month", files["july"], "--run", club, "--month", "2024-07")
    assert result.exit_code == 0, result.output
    assert "calls to make" in result.output
    return club / "months" / "2024-07"


def test_the_folder_keeps_its_own_history_and_id(club: Path) -> None:
    assert (club / "history.duckdb").is_file() and (club / "club.json").is_file()
    with Store(f"duckdb:///{club}/history.duckdb", club=ClubFolder(club).id) as store:
        assert store.runs()["kind"].tolist() == ["analyze"]


def test_the_month_writes_every_file(july: Path, files: dict[str, Path]) -> None:
    assert {p.name for p in july.iterdir()} == set(MONTH_OUTPUTS.values())
    snapshot = pd.read_csv(files["july"])
    scores = pd.read_csv(july / "scores.csv", dtype={ID: str})
    assert scores[ID].tolist() == snapshot[ID].tolist()
    assert scores["segment_name"].notna().all() and scores["reason_1"].notna().all()
    plan = pd.read_csv(july / "plan.csv", dtype={ID: str})
    assert set(plan["group"]) == {"contact", "control"}
    assert plan["script"].notna().all() and plan["rank"].tolist() == list(range(1, len(plan) + 1))
    campaign = scores[scores["measure"].notna()]
    assert sorted(campaign[ID]) == sorted(plan[ID])  # the measure only for campaign members
    summary = json.loads((july / "month.json").read_text(encoding="utf-8"))
    assert summary["month"] == "2024-07" and summary["members"] == len(snapshot)
    assert summary["campaign"]["contact"] == int((plan["group"] == "contact").sum())
    assert summary["plan"]["economics"]["budget"] == 3000
    html = (july / "report.html").read_text(encoding="utf-8")
    assert "The club&#39;s month 2024-07" in html or "The club's month 2024-07" in html


def test_csvs_open_in_excel_and_the_xlsx_is_laid_out_for_people(july: Path) -> None:
    for name in ("scores.csv", "plan.csv", "rejects.csv"):
        assert (july / name).read_bytes().startswith(b"\xef\xbb\xbf"), name
    book = openpyxl.load_workbook(july / "plan.xlsx")
    sheet = book["Retention plan"]
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["Rank", "Row", ID] and "Probability of leaving" in header
    assert sheet.freeze_panes == "A2" and all(cell.font.bold for cell in sheet[1])
    column = {name: i + 1 for i, name in enumerate(header)}
    assert sheet.cell(2, column["Probability of leaving"]).number_format == "0.0%"
    assert "USD" in sheet.cell(2, column["Expected cost"]).number_format
    assert sheet.cell(2, column[ID]).data_type == "s"
    assert {sheet.cell(r, column["Group"]).value for r in range(2, sheet.max_row + 1)} == {
        "call",
        "hold back (control)",
    }
    assert sheet.column_dimensions["I"].width > 20  # the script


def test_the_month_is_recorded_with_its_groups(july: Path, club: Path) -> None:
    plan = pd.read_csv(july / "plan.csv", dtype={ID: str})
    with Store(f"duckdb:///{club}/history.duckdb", club=ClubFolder(club).id) as store:
        month = store.month_scores("2024-07")
        assert len(month) == len(pd.read_csv(july / "scores.csv"))
        stored = month.dropna(subset=["campaign_group"]).set_index("member")
        expected = plan.set_index(ID)
        assert (stored.loc[expected.index, "campaign_group"] == expected["group"]).all()
        assert (stored.loc[expected.index, "measure"] == expected["measure"]).all()
        # the analysis gave a measure to its campaign's members only
        analysed = store.month_scores(store.months()[0])
        assert analysed["action"].notna().sum() == analysed["campaign_rank"].notna().sum() > 0


def test_running_the_month_again_replaces_it_with_the_same_groups(
    july: Path, club: Path, files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHURNLAB_STORE", raising=False)
    before = pd.read_csv(july / "plan.csv")
    result = invoke("month", files["july"], "--run", club, "--month", "2024-07")
    assert result.exit_code == 0, result.output
    after = pd.read_csv(july / "plan.csv")
    assert after["group"].tolist() == before["group"].tolist()
    with Store(f"duckdb:///{club}/history.duckdb", club=ClubFolder(club).id) as store:
        assert len(store.month_scores("2024-07")) == len(pd.read_csv(july / "scores.csv"))
        assert (store.runs()["kind"] == "month").sum() == 2  # both runs, one month of scores


def test_a_snapshot_without_ids_is_refused_and_leaves_nothing(
    club: Path, files: dict[str, Path], tmp_path: Path
) -> None:
    snapshot = pd.read_csv(files["july"]).drop(columns=ID)
    path = tmp_path / "august.csv"
    snapshot.to_csv(path, index=False)
    result = invoke("month", path, "--run", club, "--month", "2024-08")
    assert_user_error(result, "august.csv: the snapshot has no member id column", "--id COLUMN")
    assert not (club / "months" / "2024-08").exists()


def test_two_clubs_in_one_database_never_mix(
    files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = f"sqlite:///{tmp_path}/chain.db"
    monkeypatch.setenv("CHURNLAB_STORE", shared)
    history = pd.read_csv(files["history"])
    north, south = history.head(2000), history.tail(2000)
    folders = {}
    for name, part in (("north", north), ("south", south)):
        data = tmp_path / f"{name}.csv"
        part.to_csv(data, index=False)
        folders[name] = tmp_path / name
        result = invoke("analyze", data, "--out", folders[name])
        assert result.exit_code == 0, result.output
        assert not (folders[name] / "history.duckdb").exists()
    for name, part in (("north", north), ("south", south)):
        with Store(shared, club=ClubFolder(folders[name]).id) as store:
            page, total = store.latest_scores(limit=5000)
            assert total == len(part) and set(page["member"]) == set(part[ID])


def test_contacts_from_a_calls_log_are_recorded_and_exported(
    july: Path, club: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHURNLAB_STORE", raising=False)
    plan = pd.read_csv(july / "plan.csv", dtype={ID: str})
    called = plan[plan["group"] == "contact"].head(3)[ID].tolist()
    log = pd.DataFrame({ID: called, "month": "2024-07",
                        "outcome": ["Accepted", "no_answer", "declined"],
                        "note": ["=HYPERLINK(\"x\")", "", "moved"]})  # fmt: skip
    path = tmp_path / "calls.csv"
    log.to_csv(path, index=False)
    for _ in range(2):  # importing the same log again replaces it
        result = invoke("contacts", path, "--run", club)
        assert result.exit_code == 0, result.output
    exported = july / "contacts.csv"
    assert exported.read_bytes().startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(exported, dtype=str, keep_default_na=False)
    assert table["member"].tolist() == called
    assert table["outcome"].tolist() == ["accepted", "no_answer", "declined"]
    assert table["note"].tolist()[0].startswith("'=")  # a formula is neutralised in the export
    with Store(f"duckdb:///{club}/history.duckdb", club=ClubFolder(club).id) as store:
        assert len(store.contacts(month="2024-07")) == 3
        assert store.contacts(member=called[0])["outcome"].tolist() == ["accepted"]


def test_a_calls_log_with_strangers_or_bad_cells_records_nothing(
    july: Path, club: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHURNLAB_STORE", raising=False)
    plan = pd.read_csv(july / "plan.csv", dtype={ID: str})
    path = tmp_path / "calls2.csv"
    pd.DataFrame({ID: [plan[ID].iloc[0], "NOBODY"], "month": "2024-07",
                  "outcome": "reached"}).to_csv(path, index=False)  # fmt: skip
    result = invoke("contacts", path, "--run", club)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "calls2.csv" in result.output and f"column '{ID}', row 1" in result.output
    assert "no such member" in result.output
    bad = tmp_path / "calls3.csv"
    pd.DataFrame({ID: [plan[ID].iloc[0]], "month": "2024-7", "outcome": "maybe"}).to_csv(
        bad, index=False
    )
    result = invoke("contacts", bad, "--run", club)
    assert result.exit_code == 2 and "must be a month as YYYY-MM" in result.output
    with Store(f"duckdb:///{club}/history.duckdb", club=ClubFolder(club).id) as store:
        assert "calls2.csv" not in set(store.contacts()["source"])


def test_calls_recorded_in_the_dashboard_are_exported_with_the_month(
    july: Path, club: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from churnlab.api import create_app
    from churnlab.scoring.bundle import load_bundle

    monkeypatch.delenv("CHURNLAB_STORE", raising=False)
    plan = pd.read_csv(july / "plan.csv", dtype={ID: str})
    member = plan.loc[plan["group"] == "contact", ID].iloc[-1]
    with Store(f"duckdb:///{club}/history.duckdb", club=ClubFolder(club).id) as store:
        client = TestClient(create_app(load_bundle(run=club), store=store))
        answer = client.post(f"/v1/members/{member}/contacts",
                             json={"month": "2024-07", "outcome": "declined"})  # fmt: skip
        assert answer.status_code == 201, answer.text
    result = invoke("contacts", "--run", club, "--month", "2024-07")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(july / "contacts.csv", dtype=str)
    mine = table[table["member"] == member]
    assert mine[["outcome", "source"]].values.tolist() == [["declined", "api"]]


def test_a_month_in_russian_speaks_russian_in_every_file_for_people(
    club: Path, files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHURNLAB_STORE", raising=False)
    result = invoke("month", files["july"], "--run", club, "--month", "2024-09", "--lang", "ru")
    assert result.exit_code == 0, result.output
    september = club / "months" / "2024-09"
    html = (september / "report.html").read_text(encoding="utf-8")
    assert '<html lang="ru">' in html and "Звонки этого месяца" in html
    assert "This month's calls" not in html
    sheet = openpyxl.load_workbook(september / "plan.xlsx")["План удержания"]
    header = [cell.value for cell in sheet[1]]
    assert "Вероятность ухода" in header and "Мера" in header
    scores = pd.read_csv(september / "scores.csv")
    summary = json.loads((club / "summary.json").read_text(encoding="utf-8"))
    russian = set(summary["segmentation"]["names"]["ru"].values())
    assert set(scores["segment_name"]) <= russian
    assert scores["reason_1"].str.contains("п.п.|снижает риск", regex=True).all()
