"""The run history's tables, and the rows they hold.

``models``, ``runs`` and ``scores`` (described in :mod:`churnlab.store`) are portable SQLAlchemy
Core tables; the helpers here turn a model, a run's scores and query rows into what those
tables take and give.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from churnlab.data.validate import member_key
from churnlab.errors import UsageError

if TYPE_CHECKING:
    from churnlab.model.scorer import Scorer

__all__ = ["CONTACT_OUTCOMES", "GROUPS", "RUN_KINDS", "check_month"]

#: The kinds of run the store records.
RUN_KINDS = ("train", "analyze", "score", "month")
#: A campaign member's group: contacted, or held back at random to measure what contact does.
GROUPS = ("contact", "control")
#: What came of a contact, as staff record it.
CONTACT_OUTCOMES = ("reached", "no_answer", "declined", "accepted", "not_contacted")

_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_ONE_TICK = timedelta(microseconds=1)

_METADATA = sa.MetaData()

_models = sa.Table(
    "models",
    _METADATA,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column("created", sa.DateTime(), nullable=False),
    sa.Column("data_hash", sa.String(64), nullable=False),
    sa.Column("learner", sa.String(32), nullable=False),
    sa.Column("metrics", sa.Text(), nullable=False),
    sa.Column("target", sa.Text()),
    sa.Column("path", sa.Text()),
)

_runs = sa.Table(
    "runs",
    _METADATA,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("created", sa.DateTime(), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("source", sa.Text(), nullable=False),
    sa.Column("month", sa.String(7), nullable=False),
    sa.Column("rows", sa.Integer(), nullable=False),
    sa.Column("scored", sa.Integer(), nullable=False),
    sa.Column("rejected", sa.Integer(), nullable=False),
    sa.Column("model_id", sa.String(16)),
    # the club's folder that recorded the run (see churnlab.store.folder); NULL: none
    sa.Column("club", sa.String(32)),
    sa.Index("ix_churnlab_runs_month_source", "month", "source"),
)

_scores = sa.Table(
    "scores",
    _METADATA,
    sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.id"), primary_key=True),
    sa.Column("row", sa.Integer(), primary_key=True),
    sa.Column("month", sa.String(7), nullable=False),
    sa.Column("member", sa.Text(), nullable=False),
    sa.Column("churn_probability", sa.Double(), nullable=False),
    sa.Column("risk_tier", sa.String(16), nullable=False),
    sa.Column("segment", sa.Integer()),
    sa.Column("reasons", sa.Text()),
    sa.Column("action", sa.Text()),
    sa.Column("club", sa.String(32)),
    # the month's campaign: the measure's id, the member's place in it, contact or control
    sa.Column("measure", sa.String(64)),
    sa.Column("campaign_rank", sa.Integer()),
    sa.Column("campaign_group", sa.String(8)),
    # the member's value (churnlab.scoring.value): staying chances, expected months, value
    sa.Column("stay_3m", sa.Double()),
    sa.Column("stay_12m", sa.Double()),
    sa.Column("expected_months_12", sa.Double()),
    sa.Column("member_value", sa.Double()),
    sa.Index("ix_churnlab_scores_month_member", "month", "member"),
    sa.Index("ix_churnlab_scores_member", "member"),
)

_contacts = sa.Table(
    "contacts",
    _METADATA,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("created", sa.DateTime(), nullable=False),
    sa.Column("club", sa.String(32)),
    sa.Column("member", sa.Text(), nullable=False),
    sa.Column("month", sa.String(7), nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("note", sa.Text()),
    # how it was recorded: "api" (the dashboard) or the file it was imported from
    sa.Column("source", sa.Text(), nullable=False),
    sa.Index("ix_churnlab_contacts_member", "member"),
)

_outcomes = sa.Table(
    "outcomes",
    _METADATA,
    # what became of each member scored in a month, known when the next month closes it
    sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.id"), primary_key=True),
    sa.Column("member", sa.Text(), primary_key=True),
    sa.Column("club", sa.String(32)),
    sa.Column("month", sa.String(7), nullable=False),
    sa.Column("left", sa.Boolean(), nullable=False),
    # how it is known: "snapshot" (absent from the next month's) or the outcomes file's name
    sa.Column("source", sa.Text(), nullable=False),
    sa.Index("ix_churnlab_outcomes_month", "month"),
)

# columns added since the tables were first written: added to an older store when it is opened
_ADDED = {
    "runs": ["club"],
    "scores": [
        "club",
        "measure",
        "campaign_rank",
        "campaign_group",
        "stay_3m",
        "stay_12m",
        "expected_months_12",
        "member_value",
    ],
}

#: The member's value the history keeps of each score (None where the run did not give it).
_VALUE_COLUMNS = ("stay_3m", "stay_12m", "expected_months_12", "member_value")

_SCORE_COLUMNS = [
    "member",
    "row",
    "churn_probability",
    "risk_tier",
    "segment",
    "reasons",
    "action",
    "measure",
    "campaign_rank",
    "campaign_group",
    *_VALUE_COLUMNS,
    "month",
    "run_id",
    "created",
]
_HISTORY_COLUMNS = [
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
    *_VALUE_COLUMNS,
]


def _model_id(model: Scorer) -> str:
    """The id a model is recorded under (see :meth:`Store.record_model`)."""
    settings = json.dumps(
        _plain({"calibration": list(model.calibration_), "params": model.params_}),
        sort_keys=True,
    )
    text = f"{model.data_hash_}\n{model.learner_}\n{settings}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _insert_rows(connection: sa.Connection, table: sa.Table, columns: dict[str, list[Any]]) -> None:
    """Insert rows (one list per column of `table`), in the connection's transaction.

    DuckDB takes them as one frame it reads directly (100,000 scores: 0.3 s; its executemany
    took 22 s, see ``bench/store_write.py``); other databases in one executemany.
    """
    if not next(iter(columns.values()), []):
        return
    if connection.dialect.name != "duckdb":
        keys = list(columns)
        rows = zip(*columns.values(), strict=True)
        connection.execute(table.insert(), [dict(zip(keys, row, strict=True)) for row in rows])
        return
    frame = pd.DataFrame(columns)
    for name in columns:
        if isinstance(table.c[name].type, sa.Integer):
            frame[name] = frame[name].astype("Int64")
    duck = connection.connection.dbapi_connection
    assert duck is not None, "an open SQLAlchemy connection has its driver's connection"
    view = f"churnlab_new_{table.name}_{uuid.uuid4().hex}"
    names = ", ".join(f'"{name}"' for name in columns)
    duck.register(view, frame)
    try:
        connection.exec_driver_sql(f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {view}")
    finally:
        duck.unregister(view)


def _upgrade(connection: sa.Connection) -> None:
    """Add the columns a store written by an older churnlab lacks (each may be NULL there)."""
    quote = connection.dialect.identifier_preparer.quote
    for table_name, names in _ADDED.items():
        # the columns as the database has them (DuckDB's driver cannot inspect them)
        empty = connection.exec_driver_sql(f"SELECT * FROM {quote(table_name)} WHERE 1 = 0")
        have = set(empty.keys())
        for name in names:
            if name not in have:
                kind = _METADATA.tables[table_name].c[name].type.compile(connection.dialect)
                connection.exec_driver_sql(
                    f"ALTER TABLE {quote(table_name)} ADD COLUMN {quote(name)} {kind}"
                )


def _create(connection: sa.Connection) -> None:
    """The tables, created where missing and brought up to date where older."""
    _METADATA.create_all(connection)
    _upgrade(connection)


def _of_club(table: sa.Table, club: str | None) -> sa.ColumnElement[bool]:
    """The rows of `table` that belong to `club` (the rows of no club when None)."""
    return table.c.club.is_(None) if club is None else table.c.club == club


def _latest_per(key: sa.ColumnElement[Any], where: sa.ColumnElement[bool]) -> sa.Subquery:
    """Scores matching `where`, ranked within each `key` from the latest run (rank 1) down."""
    rank = (
        sa.func.row_number()
        .over(partition_by=key, order_by=(_runs.c.created.desc(), _runs.c.id.desc()))
        .label("rank")
    )
    return (
        sa.select(*_scores.columns, _runs.c.created, rank)
        .join(_runs, _runs.c.id == _scores.c.run_id)
        .where(where)
        .subquery()
    )


def _score_columns(
    scores: pd.DataFrame, id_col: str | None, run_id: str, month: str, club: str | None
) -> dict[str, list[Any]]:
    """The columns of the ``scores`` table for one run, checked before anything is written."""
    needed = ["row", "churn_probability", "risk_tier"] + ([id_col] if id_col else [])
    missing = [column for column in needed if column not in scores.columns]
    if missing:
        raise UsageError(
            f"the scores to record lack the column{'s' if len(missing) > 1 else ''} "
            + ", ".join(map(repr, missing)),
            fix="pass the scores of churnlab.score_members, and --id only for a column the "
            "table has",
        )
    rows = [int(r) for r in scores["row"].tolist()]
    probability = pd.to_numeric(scores["churn_probability"], errors="coerce")
    if probability.isna().any() or not probability.between(0, 1).all():
        raise ValueError("churn_probability must be a number from 0 to 1 in every row")
    if id_col and pd.api.types.is_integer_dtype(scores[id_col].dtype):  # no gaps, no spaces
        members = scores[id_col].astype(str).tolist()
    elif id_col:
        members = [_member_key(v, r) for v, r in zip(scores[id_col].tolist(), rows, strict=True)]
    else:
        members = [f"row:{r}" for r in rows]
    n = len(scores)
    group = _optional(scores, "campaign_group", str, n)
    if set(group) - {None, *GROUPS}:
        raise ValueError(f"campaign_group must be one of {', '.join(GROUPS)} or missing")
    return {
        "run_id": [run_id] * n,
        "month": [month] * n,
        "member": members,
        "row": rows,
        "churn_probability": probability.astype(float).tolist(),
        "risk_tier": [str(t) for t in scores["risk_tier"].tolist()],
        "segment": _optional(scores, "segment", int, n),
        "reasons": _optional(scores, "reasons", str, n),
        "action": _optional(scores, "action", str, n),
        "club": [club] * n,
        "measure": _optional(scores, "measure", str, n),
        "campaign_rank": _optional(scores, "campaign_rank", int, n),
        "campaign_group": group,
        **{name: _optional_number(scores, name, n) for name in _VALUE_COLUMNS},
    }


def _optional(scores: pd.DataFrame, column: str, kind: type, n: int) -> list[Any]:
    """A column as ``kind`` (str, int, float), None where missing or absent.

    Examples
    --------
    >>> _optional(pd.DataFrame({"s": [1.0, None, 3.0]}), "s", int, 3)
    [1, None, 3]
    >>> _optional(pd.DataFrame({"s": [1.0]}), "other", str, 1)
    [None]
    """
    if column not in scores.columns:
        return [None] * n
    values = scores[column]
    present = ~values.isna().to_numpy(dtype=bool)
    column_values = np.full(n, None, dtype=object)
    column_values[present] = [kind(v) for v in values.to_numpy(dtype=object)[present]]
    return list(column_values)


def _optional_number(scores: pd.DataFrame, column: str, n: int) -> list[float | None]:
    """A column of numbers, None where missing or not finite (NaN and infinities are no value).

    Examples
    --------
    >>> _optional_number(pd.DataFrame({"v": [1.5, float("inf"), None]}), "v", 3)
    [1.5, None, None]
    """
    if column not in scores.columns:
        return [None] * n
    numbers = np.array(_optional(scores, column, float, n), dtype=object)
    finite = np.array([v is not None and math.isfinite(v) for v in numbers], dtype=bool)
    numbers[~finite] = None
    return list(numbers)


def _member_key(value: Any, row: int) -> str:
    """A member id as the history keys it (:func:`~churnlab.data.validate.member_key`);
    ``row:<n>`` when missing."""
    return member_key(value) or f"row:{row}"


def check_month(month: str | None) -> str:
    """The month as ``YYYY-MM`` (this month, UTC, when None).

    Raises
    ------
    UsageError
        It is not a month.

    Examples
    --------
    >>> check_month("2024-06")
    '2024-06'
    >>> check_month("2024-13")
    Traceback (most recent call last):
    ...
    churnlab.errors.UsageError: the month '2024-13' is not a month
      fix: write it as YYYY-MM, e.g. 2024-06
    """
    if month is None:
        return datetime.now(UTC).strftime("%Y-%m")
    if not isinstance(month, str) or not _MONTH.fullmatch(month):
        raise UsageError(
            f"the month {month!r} is not a month", fix="write it as YYYY-MM, e.g. 2024-06"
        )
    return month


def _utcnow() -> datetime:
    """Now in UTC, without the time zone (stored so in every database)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _plain(value: Any) -> Any:
    """`value` with numpy numbers as Python ones and NaN as None, ready for strict JSON."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _frame(rows: Sequence[sa.Row[Any]], columns: list[str]) -> pd.DataFrame:
    """Query rows as a frame: ``created`` as UTC timestamps, ``segment`` as nullable integers."""
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    if "created" in frame:
        frame["created"] = pd.to_datetime(frame["created"], utc=True)
    if "segment" in frame:
        frame["segment"] = frame["segment"].astype("Int64")
    if "campaign_rank" in frame:
        frame["campaign_rank"] = frame["campaign_rank"].astype("Int64")
    for name in ("row", "rows", "scored", "rejected"):
        if name in frame:
            frame[name] = frame[name].astype("int64")
    for name in ("churn_probability", *_VALUE_COLUMNS):
        if name in frame:
            frame[name] = frame[name].astype(float)
    return frame
