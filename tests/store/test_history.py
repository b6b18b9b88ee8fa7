"""churnlab.store.history: models, runs and scores per month, on DuckDB and SQLite."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

import churnlab.store.history as store_history
import churnlab.store.schema as store_schema
from _store import _count, _record, _scores, _url
from churnlab.errors import UsageError
from churnlab.model.churn_model import ChurnModel
from churnlab.store import Store

BACKENDS = ["duckdb", "sqlite"]
# set to e.g. postgresql+psycopg://user@host/db to run the main tests on PostgreSQL too
# (its tables are dropped before and after each test)
POSTGRES = os.environ.get("CHURNLAB_TEST_POSTGRES", "")


def _drop_tables(url: str) -> None:
    engine = sa.create_engine(url)
    store_schema._METADATA.drop_all(engine)
    engine.dispose()


@pytest.fixture(params=BACKENDS + (["postgresql"] if POSTGRES else []))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "postgresql":
        _drop_tables(POSTGRES)
        with Store(POSTGRES) as opened:
            yield opened
        _drop_tables(POSTGRES)
        return
    with Store(_url(request.param, tmp_path)) as opened:
        yield opened


# --- tables and models ------------------------------------------------------------------------


def test_tables_are_created(store: Store) -> None:
    names = set(sa.inspect(store._engine).get_table_names())
    assert {"models", "runs", "scores"} <= names
    # opening the same store again finds them and keeps what is there
    _record(store, _scores([0.3], ids=["a"]), month="2024-01")
    with Store(store.url) as again:
        assert len(again.runs()) == 1


def test_record_model_is_idempotent(store: Store, fitted: ChurnModel) -> None:
    first = store.record_model(fitted)
    second = store.record_model(fitted, path="models/m.churnlab")
    # the documented id: 16 lower-case hex digits of a SHA-256, the same for the same model
    assert first == second and re.fullmatch(r"[0-9a-f]{16}", first)
    models = store.models()
    assert len(models) == 1
    row = models.iloc[0]
    assert row["id"] == first
    assert row["data_hash"] == fitted.data_hash_
    assert row["learner"] == "logistic"
    assert row["path"] == "models/m.churnlab"
    assert row["metrics"]["roc_auc"] == pytest.approx(fitted.oof_metrics_["roc_auc"])
    assert row["created"].tzinfo is not None


def test_a_different_model_is_another_row(store: Store, fitted: ChurnModel) -> None:
    other = ChurnModel(learner="logistic", folds=3)
    other.__dict__.update(fitted.__dict__)
    other.calibration_ = (1.5, 0.1)
    assert store.record_model(fitted) != store.record_model(other)
    assert len(store.models()) == 2


# --- runs and scores --------------------------------------------------------------------------


def test_record_run_writes_the_run_and_one_score_per_member(store: Store) -> None:
    scores = _scores([0.9, 0.2, 0.4], ids=["A1", "B2", "C3"], segments=[1, None, 2])
    run_id = store.record_run(
        kind="analyze",
        source="postgresql://analyst:s3cret@db.example.org/club",
        rows=4,
        scored=3,
        rejected=1,
        model_id="0123456789abcdef",
        month="2024-03",
        scores=scores,
        id_col="member_id",
    )
    runs = store.runs()
    assert runs[["id", "kind", "month", "rows", "scored", "rejected", "model_id"]].to_dict(
        "records"
    ) == [
        {
            "id": run_id,
            "kind": "analyze",
            "month": "2024-03",
            "rows": 4,
            "scored": 3,
            "rejected": 1,
            "model_id": "0123456789abcdef",
        }
    ]
    assert runs.loc[0, "source"] == "postgresql://analyst:***@db.example.org/club"
    assert _count(store, "scores") == 3
    page, total = store.latest_scores()
    assert total == 3
    assert page["member"].tolist() == ["A1", "C3", "B2"]
    first = page.iloc[0]
    assert first["row"] == 0 and first["risk_tier"] == "high" and first["segment"] == 1
    assert first["reasons"] == "reason 0" and first["action"] == "call"
    assert first["run_id"] == run_id and first["month"] == "2024-03"
    assert page.loc[page["member"] == "B2", "segment"].isna().all()


def test_month_defaults_to_the_current_month(store: Store) -> None:
    before = datetime.now(UTC).strftime("%Y-%m")
    _record(store, _scores([0.5], ids=["a"]), month=None)
    after = datetime.now(UTC).strftime("%Y-%m")
    assert store.runs().loc[0, "month"] in {before, after}
    assert store.latest_scores()[0].loc[0, "month"] in {before, after}


def test_a_run_without_scores(store: Store) -> None:
    store.record_run(kind="train", source="m.csv", rows=10, scored=0, rejected=0, model_id=None)
    assert len(store.runs()) == 1 and _count(store, "scores") == 0
    page, total = store.latest_scores()
    assert total == 0 and page.empty and "churn_probability" in page


def test_rerunning_the_same_month_and_source_replaces(store: Store) -> None:
    _record(store, _scores([0.9, 0.2], ids=["a", "b"]), month="2024-05")
    second = _record(store, _scores([0.1, 0.6], ids=["a", "b"]), month="2024-05")
    assert _count(store, "scores") == 2
    assert len(store.runs()) == 2  # both runs are kept; only the scores are replaced
    page, total = store.latest_scores()
    assert total == 2
    assert dict(zip(page["member"], page["churn_probability"], strict=True)) == {
        "a": 0.1,
        "b": 0.6,
    }
    assert set(page["run_id"]) == {second}


def test_another_source_in_the_same_month_is_kept(store: Store) -> None:
    _record(store, _scores([0.9], ids=["a"]), month="2024-05", source="north.csv")
    _record(store, _scores([0.3], ids=["b"]), month="2024-05", source="south.csv")
    assert _count(store, "scores") == 2
    assert sorted(store.latest_scores()[0]["member"]) == ["a", "b"]


def test_different_months_make_a_history(store: Store) -> None:
    _record(store, _scores([0.2, 0.5], ids=["a", "b"]), month="2024-02")
    _record(store, _scores([0.1], ids=["a"]), month="2024-01")
    _record(store, _scores([0.7, 0.4], ids=["a", "b"]), month="2024-03")
    _record(store, _scores([0.8, 0.3], ids=["a", "b"]), month="2024-03")  # replaces March
    assert _count(store, "scores") == 5
    history = store.member_history("a")
    assert history.columns.tolist() == [
        "month",
        "run_id",
        "created",
        "churn_probability",
        "risk_tier",
        "segment",
        "reasons",
        "action",
        "measure",
        "campaign_rank",
        "campaign_group",
        "stay_3m",
        "stay_12m",
        "expected_months_12",
        "member_value",
    ]
    assert history["month"].tolist() == ["2024-01", "2024-02", "2024-03"]
    assert history["churn_probability"].tolist() == [0.1, 0.2, 0.8]
    assert history["risk_tier"].tolist() == ["low", "low", "high"]
    assert store.member_history("b")["churn_probability"].tolist() == [0.5, 0.3]
    unknown = store.member_history("nobody")
    assert unknown.empty and unknown.columns.tolist() == history.columns.tolist()


def test_history_takes_the_latest_run_of_each_month(store: Store) -> None:
    _record(store, _scores([0.2], ids=["a"]), month="2024-01", source="north.csv")
    later = _record(store, _scores([0.6], ids=["a"]), month="2024-01", source="export.csv")
    history = store.member_history("a")
    assert history["churn_probability"].tolist() == [0.6]
    assert history["run_id"].tolist() == [later]


def test_members_without_an_id_are_known_by_row(store: Store) -> None:
    _record(store, _scores([0.3, 0.7]), month="2024-01", id_col=None)
    page, _ = store.latest_scores()
    assert page["member"].tolist() == ["row:1", "row:0"]
    assert store.member_history("row:0")["churn_probability"].tolist() == [0.3]


def test_numeric_ids_are_text_without_decimals(store: Store) -> None:
    scores = _scores([0.3, 0.7]).assign(member_id=[1001.0, 1002.0])
    _record(store, scores, month="2024-01")
    assert sorted(store.latest_scores()[0]["member"]) == ["1001", "1002"]


# --- latest scores ----------------------------------------------------------------------------


@pytest.fixture
def filled(store: Store) -> Store:
    _record(store, _scores([0.99], ids=["OLD-1"]), month="2024-01")
    ids = [f"M{i:03d}" for i in range(12)]
    probabilities = [0.05, 0.9, 0.3, 0.6, 0.6, 0.1, 0.45, 0.8, 0.2, 0.7, 0.35, 0.15]
    segments = [i % 3 for i in range(12)]
    _record(store, _scores(probabilities, ids=ids, segments=segments), month="2024-02")
    return store


def test_latest_scores_are_of_the_latest_month_riskiest_first(filled: Store) -> None:
    page, total = filled.latest_scores()
    assert total == 12 and len(page) == 12
    assert set(page["month"]) == {"2024-02"}
    assert "OLD-1" not in set(page["member"])
    assert page["churn_probability"].is_monotonic_decreasing
    # equal probabilities are ordered by member
    assert page["member"].tolist()[:4] == ["M001", "M007", "M009", "M003"]
    assert page["member"].tolist()[4] == "M004"


def test_latest_scores_filters(filled: Store) -> None:
    high, total = filled.latest_scores(tier="high")
    assert total == 5 and set(high["risk_tier"]) == {"high"}
    second, total = filled.latest_scores(segment=1)
    assert total == 4 and set(second["segment"]) == {1}
    both, total = filled.latest_scores(tier="high", segment=0)
    assert both["member"].tolist() == ["M009", "M003"] and total == 2
    found, total = filled.latest_scores(search="m01")
    assert sorted(found["member"]) == ["M010", "M011"] and total == 2
    none, total = filled.latest_scores(search="%")
    assert none.empty and total == 0


def test_latest_scores_pages(filled: Store) -> None:
    everything, _ = filled.latest_scores(limit=100)
    pages = [filled.latest_scores(limit=5, offset=offset) for offset in (0, 5, 10)]
    assert [len(page) for page, _ in pages] == [5, 5, 2]
    assert {total for _, total in pages} == {12}
    together = pd.concat([page for page, _ in pages], ignore_index=True)
    assert together["member"].tolist() == everything["member"].tolist()
    beyond, total = filled.latest_scores(limit=5, offset=50)
    assert beyond.empty and total == 12


def test_runs_are_newest_first_and_limited(store: Store) -> None:
    for kind in ("train", "analyze", "score"):
        store.record_run(kind=kind, source="m.csv", rows=1, scored=1, rejected=0, model_id=None)
    assert store.runs()["kind"].tolist() == ["score", "analyze", "train"]
    assert store.runs(limit=2)["kind"].tolist() == ["score", "analyze"]
    assert store.runs()["created"].is_monotonic_decreasing


# --- transactions -----------------------------------------------------------------------------


def test_a_failed_run_leaves_nothing(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    kept = _record(store, _scores([0.4], ids=["a"]), month="2024-04")

    def fail(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(store_history, "_insert_rows", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        _record(store, _scores([0.9, 0.8], ids=["a", "b"]), month="2024-04")
    # no new run, and the scores the failed run would have replaced are still there
    assert store.runs()["id"].tolist() == [kept]
    assert _count(store, "runs") == 1 and _count(store, "scores") == 1
    assert store.latest_scores()[0]["churn_probability"].tolist() == [0.4]


def test_a_failed_first_run_leaves_no_rows(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(store_history, "_insert_rows", fail)
    with pytest.raises(RuntimeError):
        _record(store, _scores([0.9], ids=["a"]), month="2024-04")
    assert _count(store, "runs") == 0 and _count(store, "scores") == 0


def test_bad_scores_are_refused_before_writing(store: Store) -> None:
    with pytest.raises(UsageError, match="'member_id'"):
        _record(store, _scores([0.5]), month="2024-01", id_col="member_id")
    with pytest.raises(UsageError, match="YYYY-MM"):
        _record(store, _scores([0.5], ids=["a"]), month="2024-13")
    with pytest.raises(ValueError, match="kind"):
        store.record_run(kind="guess", source="m", rows=0, scored=0, rejected=0, model_id=None)
    assert _count(store, "runs") == 0


# --- many members --------------------------------------------------------------------------
# (how fast: bench/store_write.py, against the databases' own bulk inserts)


@pytest.mark.parametrize("backend", BACKENDS)
def test_4000_scores_are_all_recorded_as_given(backend: str, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    n = 4000
    scores = _scores(
        rng.random(n).round(6).tolist(),
        ids=[f"C{i:05d}" for i in range(n)],
        segments=[None if i % 7 == 0 else int(s) for i, s in enumerate(rng.integers(1, 6, n))],
    )
    with Store(_url(backend, tmp_path)) as store:
        _record(store, scores, month="2024-01")
        assert _count(store, "scores") == n
        page, total = store.latest_scores(limit=n)
    assert total == n
    back = page.set_index("member").loc[scores["member_id"]]
    np.testing.assert_array_equal(back["churn_probability"], scores["churn_probability"])
    assert back["risk_tier"].tolist() == scores["risk_tier"].tolist()
    assert back["reasons"].tolist() == scores["reasons"].tolist()
    expected = scores["segment"].astype("float")
    np.testing.assert_array_equal(back["segment"].astype("float"), expected)


def _month_run(store: Store, scores: pd.DataFrame) -> None:
    store.record_run(kind="month", source="july.csv", rows=len(scores), scored=len(scores),
                     rejected=0, model_id=None, month="2024-07", scores=scores,
                     id_col="member_id")  # fmt: skip


def test_a_month_run_is_the_clubs_month(tmp_path: Path) -> None:
    """An analysis of the history and the month's snapshot in the same month: the month lists the
    snapshot's members only, not the analysed members who have since left."""
    url = _url("sqlite", tmp_path)
    month = _scores([0.3, 0.5], ids=["a", "b"])
    with Store(url, club="c" * 32) as club:
        _record(club, _scores([0.9, 0.2, 0.4], ids=["gone", "a", "b"]), month="2024-07",
                source="history.csv")  # fmt: skip
        _month_run(club, month)
        page, total = club.latest_scores()
        assert total == 2 and sorted(page["member"]) == ["a", "b"]
        assert page.set_index("member").loc["a", "churn_probability"] == 0.3
    # another club's month in the same database is left as it was
    with Store(url, club="d" * 32) as other:
        _record(other, _scores([0.1], ids=["x"]), month="2024-07")
    with Store(url, club="c" * 32) as club:
        _month_run(club, month)
    with Store(url, club="d" * 32) as other:
        assert other.latest_scores()[1] == 1


# --- the outcomes of closed months ------------------------------------------------------------


def _close(store: Store, month: str, left: dict[str, bool], *, closing: str) -> str:
    outcomes = pd.DataFrame(
        {"member": list(left), "left": list(left.values()), "source": "snapshot"}
    )
    return store.record_run(kind="month", source="next.csv", rows=0, scored=0, rejected=0,
                            model_id=None, month=closing, closes=(month, outcomes))  # fmt: skip


def test_closing_a_month_records_its_outcomes_and_closing_again_replaces_them(
    store: Store,
) -> None:
    _record(store, _scores([0.9, 0.2, 0.4], ids=["a", "b", "c"]), month="2024-05")
    _close(store, "2024-05", {"a": True, "b": False, "c": False}, closing="2024-06")
    assert store.closed_months() == ["2024-05"]
    assert store.outcomes("2024-05")[["member", "left"]].values.tolist() == [
        ["a", True], ["b", False], ["c", False]
    ]  # fmt: skip
    _close(store, "2024-05", {"a": True, "b": True}, closing="2024-06")  # June run again
    assert store.outcomes()["left"].tolist() == [True, True]
    assert _count(store, "outcomes") == 2
    assert store.outcomes("2024-04").empty


def test_outcomes_are_the_clubs_own(store: Store) -> None:
    north, south = Store(store.url, club="n" * 32), Store(store.url, club="s" * 32)
    _close(north, "2024-05", {"a": True}, closing="2024-06")
    _close(south, "2024-05", {"a": False, "b": True}, closing="2024-06")
    assert north.outcomes()["left"].tolist() == [True]
    assert south.closed_months() == ["2024-05"] and len(south.outcomes()) == 2
    assert store.outcomes().empty  # the rows of no club


def test_a_failed_closing_leaves_the_earlier_outcomes(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _close(store, "2024-05", {"a": True}, closing="2024-06")
    real = store_history._insert_rows

    def fail_on_outcomes(connection: sa.Connection, table: sa.Table, columns: dict) -> None:
        if table.name == "outcomes":
            raise RuntimeError("disk full")
        real(connection, table, columns)

    monkeypatch.setattr(store_history, "_insert_rows", fail_on_outcomes)
    with pytest.raises(RuntimeError, match="disk full"):
        _close(store, "2024-05", {"a": False}, closing="2024-06")
    assert store.outcomes()["left"].tolist() == [True]
    assert len(store.runs()) == 1


def test_months_of_one_kind(store: Store) -> None:
    _record(store, _scores([0.5], ids=["a"]), month="2024-04")
    store.record_run(kind="month", source="m.csv", rows=1, scored=1, rejected=0, model_id=None,
                     month="2024-05", scores=_scores([0.5], ids=["a"]),
                     id_col="member_id")  # fmt: skip
    assert store.months() == ["2024-04", "2024-05"]
    assert store.months(kind="month") == ["2024-05"]
