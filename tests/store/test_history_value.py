"""The history keeps each member's value: the score columns of churnlab.scoring.value, stored
as given, read back by the members' list and a member's months, and added to older stores."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from _store import _record, _scores, _url
from churnlab.store import Store

BACKENDS = ["duckdb", "sqlite"]
VALUES = ["stay_3m", "stay_12m", "expected_months_12", "member_value"]


def _with_values(scores: pd.DataFrame, values: dict[str, list[float]]) -> pd.DataFrame:
    return scores.assign(**values)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_members_value_round_trips(backend: str, tmp_path: Path) -> None:
    given = {
        "stay_3m": [0.25, 0.8125, 0.5],
        "stay_12m": [0.015625, 0.5, float("nan")],  # a value the run could not give
        "expected_months_12": [2.75, 9.5, 6.0],
        "member_value": [137.5, 475.0, 300.0],
    }
    with Store(_url(backend, tmp_path)) as store:
        _record(store, _with_values(_scores([0.9, 0.1, 0.4], ids=["a", "b", "c"]), given),
                month="2024-05")  # fmt: skip
        page, total = store.latest_scores()
        history = store.member_history("b")
    assert total == 3
    assert set(VALUES) <= set(page.columns)
    by_member = page.set_index("member")
    for name, column in given.items():
        for member, value in zip(["a", "b", "c"], column, strict=True):
            stored = by_member.loc[member, name]
            assert math.isnan(stored) if math.isnan(value) else stored == value, (name, member)
    assert history[VALUES].to_dict("records") == [
        {"stay_3m": 0.8125, "stay_12m": 0.5, "expected_months_12": 9.5, "member_value": 475.0}
    ]


@pytest.mark.parametrize("backend", BACKENDS)
def test_scores_without_values_keep_none(backend: str, tmp_path: Path) -> None:
    with Store(_url(backend, tmp_path)) as store:
        _record(store, _scores([0.3], ids=["a"]), month="2024-05")
        page, _ = store.latest_scores()
        with store._engine.connect() as connection:
            stored = connection.execute(
                sa.text("SELECT stay_3m, stay_12m, expected_months_12, member_value FROM scores")
            ).one()
    assert tuple(stored) == (None, None, None, None)
    assert page[VALUES].isna().all().all() and all(
        kind == np.float64 for kind in page[VALUES].dtypes
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_infinite_values_are_stored_as_none(backend: str, tmp_path: Path) -> None:
    values = {"stay_3m": [np.inf], "stay_12m": [0.5], "expected_months_12": [-np.inf],
              "member_value": [10.0]}  # fmt: skip
    with Store(_url(backend, tmp_path)) as store:
        _record(store, _with_values(_scores([0.3], ids=["a"]), values), month="2024-05")
        history = store.member_history("a")
    row = history.iloc[0]
    assert math.isnan(row["stay_3m"]) and math.isnan(row["expected_months_12"])
    assert row["stay_12m"] == 0.5 and row["member_value"] == 10.0


# The tables as the first churnlab wrote them: no clubs, campaigns or values.
_OLD_TABLES = [
    """CREATE TABLE runs (id VARCHAR(32) PRIMARY KEY, created TIMESTAMP NOT NULL,
        kind VARCHAR(16) NOT NULL, source TEXT NOT NULL, month VARCHAR(7) NOT NULL,
        "rows" INTEGER NOT NULL, scored INTEGER NOT NULL, rejected INTEGER NOT NULL,
        model_id VARCHAR(16))""",
    """CREATE TABLE scores (run_id VARCHAR(32) NOT NULL REFERENCES runs (id),
        "row" INTEGER NOT NULL, month VARCHAR(7) NOT NULL, member TEXT NOT NULL,
        churn_probability DOUBLE NOT NULL, risk_tier VARCHAR(16) NOT NULL, segment INTEGER,
        reasons TEXT, action TEXT, PRIMARY KEY (run_id, "row"))""",
    """INSERT INTO runs VALUES ('old-run', '2024-01-31 12:00:00', 'score', 'jan.csv', '2024-01',
        1, 1, 0, NULL)""",
    """INSERT INTO scores VALUES ('old-run', 0, '2024-01', 'a', 0.4, 'medium', 2, 'r', 'call')""",
]


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_old_store_gains_the_value_columns(backend: str, tmp_path: Path) -> None:
    url = _url(backend, tmp_path)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        for statement in _OLD_TABLES:
            connection.exec_driver_sql(statement)
    engine.dispose()

    later = {"stay_3m": [0.75], "stay_12m": [0.375], "expected_months_12": [7.25],
             "member_value": [362.5]}  # fmt: skip
    with Store(url) as store:
        old = store.member_history("a")
        _record(store, _with_values(_scores([0.2], ids=["a"]), later), month="2024-02")
        history = store.member_history("a")
        with store._engine.connect() as connection:
            columns = connection.exec_driver_sql("SELECT * FROM scores WHERE 1 = 0").keys()
    assert set(VALUES) <= set(columns)
    assert old["churn_probability"].tolist() == [0.4] and old[VALUES].isna().all().all()
    assert history["month"].tolist() == ["2024-01", "2024-02"]
    assert history[VALUES].iloc[0].isna().all()
    assert history[VALUES].iloc[1].to_dict() == {name: v[0] for name, v in later.items()}
