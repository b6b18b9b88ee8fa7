"""churnlab on a real PostgreSQL server: reading members, writing scores, the run history.

The server is the test session's own (``postgres_url`` in conftest.py, tests/postgres.py); the
club table is loaded into it once per module.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from typer.testing import CliRunner, Result

import churnlab.store.schema as store_schema
from churnlab.cli import app
from churnlab.data.datasets import load_gym_churn
from churnlab.data.read import read_table
from churnlab.store import Store
from postgres import PASSWORD, PASSWORD_ROLE

runner = CliRunner()

SCORE_COLUMNS = ["row", "member_id", "churn_probability", "risk_tier", "scored_at"]
SUBSET = 'SELECT * FROM members WHERE "Age" >= 30 ORDER BY member_id'


def invoke(*args: str | os.PathLike[str]) -> Result:
    return runner.invoke(app, [os.fspath(a) for a in args])


def assert_ok(result: Result) -> None:
    assert result.exit_code == 0, (result.exit_code, result.stderr, result.exception)


def assert_user_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output, repr(result.exception))
    assert result.stderr.startswith("error: "), result.stderr
    assert "\n  fix: " in result.stderr, result.stderr
    flat = " ".join(result.stderr.split())
    for fragment in fragments:
        assert fragment in flat, (fragment, result.stderr)


def query(url: str, sql: str) -> list[Any]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(sa.text(sql)))
    finally:
        engine.dispose()


def count(url: str, table: str) -> int:
    return int(query(url, f'SELECT COUNT(*) FROM "{table}"')[0][0])


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="module")
def club(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The club table with member ids, in the database (table members) and as a CSV file."""
    frame = load_gym_churn()
    frame.insert(0, "member_id", [f"M{i:05d}" for i in range(len(frame))])
    folder = tmp_path_factory.mktemp("club_pg")
    csv = folder / "members.csv"
    frame.to_csv(csv, index=False)
    engine = sa.create_engine(postgres_url)
    with engine.begin() as connection:
        frame.to_sql("members", connection, if_exists="replace", index=False)
        connection.execute(sa.text(f'GRANT SELECT ON members TO "{PASSWORD_ROLE}"'))
    engine.dispose()
    yield {"url": postgres_url, "csv": csv, "frame": frame, "folder": folder}
    with sa.create_engine(postgres_url).begin() as connection:
        for table in ("members", "scores", "member_scores", "runs", "models"):
            connection.execute(sa.text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))


@pytest.fixture(scope="module")
def model(club: dict[str, Any]) -> Path:
    """A model trained by `churnlab train` on the database table."""
    path = club["folder"] / "m.churnlab"
    result = invoke(
        "train", club["url"], "--table", "members", "--model", path,
        "--learner", "logistic", "--folds", "3",
    )  # fmt: skip
    assert_ok(result)
    assert "member id: member_id" in result.stderr
    return path


# --- reading ----------------------------------------------------------------------------------


def test_table_and_query_read_what_the_csv_holds(club: dict[str, Any]) -> None:
    from_csv = read_table(club["csv"])
    from_table = read_table(club["url"], table="members")
    from_query = read_table(club["url"], query="SELECT * FROM members ORDER BY member_id")
    pd.testing.assert_frame_equal(from_table.sort_values("member_id", ignore_index=True), from_csv)
    pd.testing.assert_frame_equal(from_query, from_csv)


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_urls_without_a_driver_use_psycopg3(club: dict[str, Any], scheme: str) -> None:
    url = club["url"].replace("postgresql+psycopg://", f"{scheme}://")
    frame = read_table(url, query='SELECT member_id, "Age" FROM members WHERE "Age" >= 30')
    assert len(frame) == int((club["frame"]["Age"] >= 30).sum())


def test_a_password_role_reads_with_its_password(club: dict[str, Any]) -> None:
    # the wrong-password test below fails for the password, not for the role's rights
    url = make_url(club["url"]).set(username=PASSWORD_ROLE, password=PASSWORD)
    frame = read_table(url.render_as_string(hide_password=False), table="members")
    assert len(frame) == len(club["frame"])


@pytest.mark.parametrize("wrong", ["password", "port"])
def test_a_wrong_password_or_port_is_a_user_error(
    club: dict[str, Any], model: Path, wrong: str
) -> None:
    url = make_url(club["url"]).set(username=PASSWORD_ROLE, password="not-the-Pa55word")
    if wrong == "port":
        url = url.set(port=1)  # nothing listens there
    text = url.render_as_string(hide_password=False)
    result = invoke("score", text, "--table", "members", "--model", model, "--out-table", "s")
    assert_user_error(result, "cannot read from the database", f"{PASSWORD_ROLE}:***@127.0.0.1")
    assert "not-the-Pa55word" not in result.output
    if wrong == "password":
        assert "password authentication failed" in result.stderr
    assert not Path("scores.rejects.csv").exists()


# --- writing scores ---------------------------------------------------------------------------


def test_score_writes_a_table_like_the_csv_output(club: dict[str, Any], model: Path) -> None:
    url = club["url"]
    subset = club["frame"][club["frame"]["Age"] >= 30]
    subset.to_csv("subset.csv", index=False)
    assert_ok(invoke("score", "subset.csv", "--model", model, "--out", "expected.csv"))
    expected = pd.read_csv("expected.csv")

    result = invoke("score", url, "--query", SUBSET, "--model", model, "--out-table", "scores")
    assert_ok(result)
    assert "table 'scores'" in result.stderr
    assert not Path("scores.csv").exists()  # --out-table alone writes no score file
    assert Path("scores.rejects.csv").exists()
    written = read_table(url, query='SELECT * FROM scores ORDER BY "row"')
    assert list(written.columns) == SCORE_COLUMNS
    assert len(written) == len(subset) == count(url, "scores")
    assert written["member_id"].tolist() == expected["member_id"].tolist()
    assert written["risk_tier"].tolist() == expected["risk_tier"].tolist()
    np.testing.assert_allclose(
        written["churn_probability"], expected["churn_probability"], rtol=1e-12
    )
    assert written["scored_at"].nunique() == 1 and str(written["scored_at"].dt.tz) == "UTC"

    # again: the table's rows are replaced, not added to; --out writes the file as well
    again = invoke(
        "score", url, "--query", SUBSET, "--model", model, "--out-table", "scores",
        "--out", "both.csv",
    )  # fmt: skip
    assert_ok(again)
    assert count(url, "scores") == len(subset)
    assert len(pd.read_csv("both.csv")) == len(subset)


def test_a_failed_write_leaves_the_old_table(
    club: dict[str, Any], model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = club["url"]
    assert_ok(invoke("score", url, "--query", SUBSET, "--model", model, "--out-table", "scores"))
    before = query(url, "SELECT COUNT(*), MIN(scored_at), SUM(churn_probability) FROM scores")

    insert = pd.io.sql.SQLTable._execute_insert
    calls = []

    def fail_midway(self: Any, conn: Any, keys: Any, data_iter: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:  # two chunks of 1,000 rows are in the new table by now
            inside = conn.execute(sa.text("SELECT COUNT(*) FROM scores")).scalar_one()
            assert inside == 2000
            raise sa.exc.OperationalError("INSERT", {}, Exception("the server went away"))
        return insert(self, conn, keys, data_iter)

    monkeypatch.setattr(pd.io.sql.SQLTable, "_execute_insert", fail_midway)
    result = invoke(
        "score", url, "--table", "members", "--model", model, "--out-table", "scores",
        "--out", "all.csv",
    )  # fmt: skip
    assert_user_error(result, "cannot write the table 'scores'", "the server went away")
    assert len(calls) == 3
    assert query(url, "SELECT COUNT(*), MIN(scored_at), SUM(churn_probability) FROM scores") == (
        before
    )
    assert not Path("all.csv").exists() and not Path("all.rejects.csv").exists()


def test_out_table_needs_a_database(club: dict[str, Any], model: Path) -> None:
    result = invoke("score", club["csv"], "--model", model, "--out-table", "scores")
    assert_user_error(result, "--out-table writes into the database", "give DATA as a database URL")
    result = invoke("score", "--model", model, "--out-table", "scores")
    assert_user_error(result, "the bundled club table")


def test_out_table_never_replaces_the_run_history(club: dict[str, Any], model: Path) -> None:
    url = club["url"]
    result = invoke(
        "score", url, "--table", "members", "--model", model, "--out-table", "runs",
        "--store", url,
    )  # fmt: skip
    assert_user_error(result, "would replace a table of the run history", "member_scores")


# --- the run history on PostgreSQL -----------------------------------------------------------


def test_the_run_history_on_postgresql(club: dict[str, Any], model: Path) -> None:
    url = club["url"]
    store_schema._METADATA.drop_all(sa.create_engine(url))  # also an earlier --out-table scores
    result = invoke(
        "score", url, "--table", "members", "--model", model, "--out-table", "member_scores",
        "--store", url, "--month", "2026-11",
    )  # fmt: skip
    assert_ok(result)
    with Store(url) as store:
        page, total = store.latest_scores(limit=5)
        assert total == len(club["frame"])
        assert (page["month"] == "2026-11").all()
        runs = store.runs()
        assert len(runs) == 1 and runs.iloc[0]["scored"] == len(club["frame"])
    top = read_table(url, query="SELECT * FROM member_scores ORDER BY churn_probability DESC")
    np.testing.assert_allclose(
        page["churn_probability"], top["churn_probability"].head(5), rtol=1e-12
    )


def test_store_accepts_a_plain_postgresql_url(postgres_url: str) -> None:
    from sqlalchemy.engine import make_url

    from churnlab.store import Store

    plain = (
        make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    with Store(plain) as store:
        run_id = store.record_run(
            kind="score", source="plain-url", rows=1, scored=0, rejected=1, model_id=None
        )
        recorded = store.runs(limit=100)
        assert run_id in set(recorded["id"])
        assert "postgresql" in store.display_url
