"""The run history: every train, analyze and score run, and each member's score by month.

A :class:`Store` keeps three tables in any database SQLAlchemy can reach:

- ``models``: one row per distinct model — ``id``, ``created`` (UTC), ``data_hash`` (of the
  training rows), ``learner``, ``metrics`` (the out-of-fold metrics as JSON text), ``target``
  and ``path`` (where the model file was last saved);
- ``runs``: one row per run — ``id``, ``created`` (UTC), ``kind`` (train, analyze or score),
  ``source`` (passwords masked), ``month`` (``YYYY-MM``), ``rows``, ``scored``, ``rejected`` and
  ``model_id``;
- ``scores``: one row per member and run — ``run_id``, ``month``, ``member``, ``row``,
  ``churn_probability``, ``risk_tier``, ``segment``, ``reasons`` and ``action``.

A member is known by its id (as text) when the table has an id column, else as ``row:<n>``.
Scoring the same source again in the same month replaces that month's scores of the source, so
the history holds one score per member and month; the run itself stays in ``runs``.

The default store is a DuckDB file in the user's data folder (embedded: nothing to install or
start); ``--store URL`` or the ``CHURNLAB_STORE`` environment variable choose another, e.g.
``sqlite:///history.db`` or ``postgresql://user:password@host/churnlab``. The tables are
written with portable SQLAlchemy Core (JSON as text, no dialect-specific SQL), and every write is
one transaction: a run that fails leaves nothing behind.

A DuckDB file can be open for writing in one process, or for reading in many, never both. So
the store holds a DuckDB file only as long as one statement or transaction takes: each read
opens the file read-only and closes it, each write (creating the tables, recording a model or a
run) opens it for writing and closes it when committed. Whoever finds the file held waits for
it, trying again with short pauses: a write up to ``CHURNLAB_STORE_WAIT`` seconds (30 by
default), a read up to 10 seconds; then :class:`StoreBusyError` says another process holds the
store. A waiting writer leaves a note beside the file (``<file>.writer-waiting``) and readers
let it go first, so a busy dashboard cannot keep a writer out. So `churnlab serve` can read the
history all month while `churnlab score` records into it.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import re
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd
import platformdirs
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from churnlab.data.io import source_name, with_default_driver
from churnlab.errors import UsageError

if TYPE_CHECKING:
    from churnlab.model.scorer import Scorer

__all__ = [
    "READ_WAIT",
    "RUN_KINDS",
    "WRITE_WAIT",
    "Store",
    "StoreBusyError",
    "check_month",
    "default_store_url",
]

#: The kinds of run the store records.
RUN_KINDS = ("train", "analyze", "score")

_ENV = "CHURNLAB_STORE"
_WAIT_ENV = "CHURNLAB_STORE_WAIT"
#: Seconds a write waits, by default, for a DuckDB file another process holds.
WRITE_WAIT = 30.0
#: Seconds a read waits at most for a DuckDB file another process holds.
READ_WAIT = 10.0
# the pauses between tries: from the first to the longest, each the last times the growth
_PAUSES = (0.005, 0.2, 1.5)
# seconds a waiting writer's note holds readers back after it was last touched
_FRESH_NOTE = 3.0
# why a reader did not even try: a writer waits for the file
_WRITER_FIRST = "a writer waits for the file: readers let it go first"
_CHOOSE = (
    f"choose the store with --store URL or the {_ENV} environment variable, e.g. "
    "duckdb:///churnlab.duckdb, sqlite:///churnlab.db or postgresql://user:password@host/db"
)
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_ONE_TICK = timedelta(microseconds=1)

T = TypeVar("T")

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
    sa.Index("ix_churnlab_scores_month_member", "month", "member"),
    sa.Index("ix_churnlab_scores_member", "member"),
)

_SCORE_COLUMNS = [
    "member",
    "row",
    "churn_probability",
    "risk_tier",
    "segment",
    "reasons",
    "action",
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
]


class StoreBusyError(UsageError):
    """Another process held the store's DuckDB file for longer than this one could wait.

    Parameters
    ----------
    store : str
        The store, as shown (password masked).
    doing : str
        What could not be done, e.g. ``"cannot record the run"``.
    waited : float
        How long it waited, in seconds.
    write : bool
        Whether it wanted to write (the fix differs).
    """

    def __init__(self, store: str, doing: str, waited: float, *, write: bool) -> None:
        self.waited = waited
        super().__init__(
            f"{doing}: another process holds the store (a DuckDB file is written by one process "
            f"at a time, and read only while no one writes); waited {waited:g} s",
            file=store,
            fix=(
                "run this again once the other churnlab command is done; "
                + (
                    f"set {_WAIT_ENV} to wait longer (seconds); "
                    if write
                    else "a score run holds it for a few seconds; "
                )
                + "for many writers at once, keep the history in PostgreSQL "
                "(--store postgresql://user:password@host/db)"
            ),
        )


def default_store_url() -> str:
    """The store used when none is given: ``CHURNLAB_STORE``, else a DuckDB file of the user's.

    Returns
    -------
    str
        The ``CHURNLAB_STORE`` environment variable when it is set, else
        ``duckdb:///<user data folder>/churnlab.duckdb`` (the folder is created).

    Raises
    ------
    UsageError
        The user data folder cannot be created.

    Examples
    --------
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"CHURNLAB_STORE": "sqlite:///history.db"}):
    ...     default_store_url()
    'sqlite:///history.db'
    """
    configured = os.environ.get(_ENV, "").strip()
    if configured:
        return configured
    folder = Path(platformdirs.user_data_dir("churnlab", appauthor=False))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"cannot create the folder for the run history ({exc.strerror or exc})",
            file=str(folder),
            fix=_CHOOSE,
        ) from exc
    return f"duckdb:///{folder.as_posix()}/churnlab.duckdb"


class Store:
    """The run history in a database: models, runs and each member's score per month.

    Parameters
    ----------
    url : str, optional
        An SQLAlchemy URL (``duckdb:///history.duckdb``, ``sqlite:///history.db``,
        ``postgresql://user:password@host/db``). Default: :func:`default_store_url`.
        The tables are created when missing.
    wait : float, optional
        Seconds a write waits for a DuckDB file another process holds before it gives up with
        :class:`StoreBusyError` (reads wait at most :data:`READ_WAIT`). Default: the
        ``CHURNLAB_STORE_WAIT`` environment variable, else :data:`WRITE_WAIT` (30).

    Attributes
    ----------
    url : str
        The URL as given.
    display_url : str
        The URL with its password masked, for messages.
    wait : float
        Seconds a write waits for a busy DuckDB file.

    Raises
    ------
    UsageError
        The URL is not a database URL, its driver is not installed, or the database cannot be
        reached or written; ``CHURNLAB_STORE_WAIT`` is not a number of seconds.
    StoreBusyError
        Another process held the DuckDB file longer than `wait` while creating the tables.

    Examples
    --------
    >>> import shutil, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> store = Store(f"duckdb:///{folder}/history.duckdb")
    >>> may = pd.DataFrame({"row": [0, 1, 2], "id": ["A7", "B2", "C9"],
    ...                     "churn_probability": [0.81, 0.12, 0.47],
    ...                     "risk_tier": ["high", "low", "medium"]})
    >>> run = store.record_run(kind="score", source="members.csv", rows=3, scored=3, rejected=0,
    ...                        model_id=None, month="2024-05", scores=may, id_col="id")
    >>> june = may.assign(churn_probability=[0.9, 0.1, 0.3], risk_tier=["high", "low", "low"])
    >>> run = store.record_run(kind="score", source="members.csv", rows=3, scored=3, rejected=0,
    ...                        model_id=None, month="2024-06", scores=june, id_col="id")
    >>> page, total = store.latest_scores(limit=2)
    >>> total, page[["member", "churn_probability", "month"]].to_dict("records")
    (3, [{'member': 'A7', 'churn_probability': 0.9, 'month': '2024-06'},
         {'member': 'C9', 'churn_probability': 0.3, 'month': '2024-06'}])
    >>> store.member_history("A7")[["month", "churn_probability"]].to_dict("list")
    {'month': ['2024-05', '2024-06'], 'churn_probability': [0.81, 0.9]}
    >>> store.close(); shutil.rmtree(folder)
    """

    def __init__(self, url: str | None = None, *, wait: float | None = None) -> None:
        self.url = default_store_url() if url is None else str(url)
        self.display_url = source_name(self.url) if "://" in self.url else self.url
        self.wait = _wait_seconds() if wait is None else float(wait)
        self._engine, self._reader, self._duckdb_file = self._create_engines()
        try:
            doing = "cannot open the run history"
            with self._errors(doing):
                self._patiently(lambda: _METADATA.create_all(self._engine), doing, write=True)
        except (TypeError, ValueError) as exc:  # the driver refuses the URL's arguments
            self.close()
            raise UsageError(
                f"is not a usable database URL ({self._reason(exc)})",
                file=self.display_url,
                fix=_CHOOSE,
            ) from exc
        except BaseException:
            self.close()
            raise

    # ---------------------------------------------------------------------------------------
    # lifecycle
    # ---------------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the store's connections (it can still be used; it reconnects when needed)."""
        self._engine.dispose()
        if self._reader is not self._engine:
            self._reader.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.display_url!r})"

    # ---------------------------------------------------------------------------------------
    # writing
    # ---------------------------------------------------------------------------------------

    def record_model(self, model: Scorer, *, path: str | os.PathLike[str] | None = None) -> str:
        """Record a fitted model; the same model recorded again stays one row.

        Parameters
        ----------
        model : ChurnModel or ScoringModel (a Scorer)
            A fitted model.
        path : str or path-like, optional
            Where the model file is saved. When given, it replaces the path recorded before.

        Returns
        -------
        str
            The model's id: the first 16 hex digits of the SHA-256 of its training-data hash,
            learner, calibration and settings.

        Examples
        --------
        >>> from churnlab import ChurnModel, load_gym_churn
        >>> members = load_gym_churn().sample(300, random_state=0)
        >>> model = ChurnModel(learner="logistic", folds=3).fit(members.drop(columns="Churn"),
        ...                                                     members["Churn"])
        >>> store = Store("sqlite://")  # in memory
        >>> first = store.record_model(model)
        >>> first == store.record_model(model, path="model.churnlab"), len(first)
        (True, 16)
        >>> store.models()[["id", "learner", "path"]].to_dict("records") == [
        ...     {"id": first, "learner": "logistic", "path": "model.churnlab"}]
        True
        """
        model_id = _model_id(model)
        values = {
            "data_hash": str(model.data_hash_),
            "learner": str(model.learner_),
            "metrics": json.dumps(_plain(model.oof_metrics_), sort_keys=True),
            "target": str(model.spec_.target_col),
        }
        shown_path = None if path is None else os.fspath(path)
        with self._errors("cannot record the model"):
            try:
                self._upsert_model(model_id, shown_path, values)
            except sa.exc.IntegrityError:  # another process recorded it meanwhile: update it
                self._upsert_model(model_id, shown_path, values)
        return model_id

    def _upsert_model(self, model_id: str, path: str | None, values: dict[str, Any]) -> None:
        with self._connect("cannot record the model", write=True) as connection:
            known = connection.execute(
                sa.select(_models.c.path).where(_models.c.id == model_id)
            ).first()
            if known is None:
                connection.execute(
                    _models.insert().values(id=model_id, created=_utcnow(), path=path, **values)
                )
            elif path is not None and known.path != path:
                connection.execute(
                    _models.update().where(_models.c.id == model_id).values(path=path)
                )

    def record_run(
        self,
        *,
        kind: str,
        source: str | os.PathLike[str],
        rows: int,
        scored: int,
        rejected: int,
        model_id: str | None,
        month: str | None = None,
        scores: pd.DataFrame | None = None,
        id_col: str | None = None,
    ) -> str:
        """Record a run and, when given, its scores — all of it or nothing.

        Parameters
        ----------
        kind : {"train", "analyze", "score"}
            What ran.
        source : str or path-like
            Where the members came from (a database URL is stored with its password masked).
        rows, scored, rejected : int
            Input rows, rows scored, rows set aside.
        model_id : str or None
            The model used (from :meth:`record_model`).
        month : str, optional
            The month the scores are for, ``YYYY-MM``. Default: the current month (UTC).
        scores : pandas.DataFrame, optional
            One row per member: ``row``, the id column `id_col` if any, ``churn_probability``,
            ``risk_tier``, and optionally ``segment``, ``reasons`` and ``action`` (text).
            They replace the scores this `source` had for this `month`.
        id_col : str, optional
            The column of `scores` that identifies a member; without it, members are known as
            ``row:<n>``.

        Returns
        -------
        str
            The run's id (32 hex digits).

        Raises
        ------
        UsageError
            `month` is not ``YYYY-MM``, or `scores` lacks a column; the store cannot be written.
        StoreBusyError
            Another process held the DuckDB file for longer than :attr:`wait`. Nothing of the
            run is in the store.

        Examples
        --------
        >>> store = Store("sqlite://")
        >>> scores = pd.DataFrame({"row": [0, 1], "churn_probability": [0.7, 0.2],
        ...                        "risk_tier": ["high", "low"], "segment": [1, 3]})
        >>> run = store.record_run(kind="score", source="june.csv", rows=3, scored=2,
        ...                        rejected=1, model_id=None, month="2024-06", scores=scores)
        >>> store.runs()[["kind", "month", "rows", "scored", "rejected"]].to_dict("records")
        [{'kind': 'score', 'month': '2024-06', 'rows': 3, 'scored': 2, 'rejected': 1}]
        >>> store.latest_scores()[0]["member"].tolist()
        ['row:0', 'row:1']
        """
        if kind not in RUN_KINDS:
            raise ValueError(f"kind must be one of {', '.join(RUN_KINDS)}, not {kind!r}")
        month = check_month(month)
        shown_source = source_name(source)
        run_id = uuid.uuid4().hex
        records = None if scores is None else _score_records(scores, id_col, run_id, month)
        doing = "cannot record the run"
        with self._errors(doing), self._connect(doing, write=True) as connection:
            # strictly after every earlier run, so "the latest run" is never a tie
            last = connection.execute(sa.select(sa.func.max(_runs.c.created))).scalar()
            created = _utcnow()
            if last is not None and created <= last:
                created = last + _ONE_TICK
            connection.execute(
                _runs.insert().values(
                    id=run_id,
                    created=created,
                    kind=kind,
                    source=shown_source,
                    month=month,
                    rows=int(rows),
                    scored=int(scored),
                    rejected=int(rejected),
                    model_id=model_id,
                )
            )
            if records is not None:
                earlier_runs = sa.select(_runs.c.id).where(
                    _runs.c.source == shown_source, _runs.c.id != run_id
                )
                connection.execute(
                    _scores.delete().where(
                        _scores.c.month == month, _scores.c.run_id.in_(earlier_runs)
                    )
                )
                _insert_scores(connection, records)
        return run_id

    # ---------------------------------------------------------------------------------------
    # reading
    # ---------------------------------------------------------------------------------------

    def latest_scores(
        self,
        *,
        tier: str | None = None,
        segment: int | None = None,
        search: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[pd.DataFrame, int]:
        """One page of the latest month's scores, riskiest first, and how many match in all.

        The latest month is the most recent month with scores; within it each member's score
        comes from the latest run that scored them.

        Parameters
        ----------
        tier : str, optional
            Only this risk tier (``high``, ``medium``, ``low``).
        segment : int, optional
            Only this segment.
        search : str, optional
            Only members whose key contains this text (case-insensitive).
        limit, offset : int
            The page: at most `limit` rows after skipping `offset`.

        Returns
        -------
        page : pandas.DataFrame
            Columns ``member``, ``row``, ``churn_probability``, ``risk_tier``, ``segment``,
            ``reasons``, ``action``, ``month``, ``run_id``, ``created``; ordered by
            ``churn_probability`` descending, then ``member``.
        total : int
            The number of members matching the filters, over all pages.

        Examples
        --------
        >>> store = Store("sqlite://")
        >>> scores = pd.DataFrame({"row": [0, 1, 2], "id": ["ann", "bob", "anya"],
        ...                        "churn_probability": [0.9, 0.8, 0.1],
        ...                        "risk_tier": ["high", "high", "low"]})
        >>> _ = store.record_run(kind="score", source="m.csv", rows=3, scored=3, rejected=0,
        ...                      model_id=None, scores=scores, id_col="id")
        >>> page, total = store.latest_scores(search="AN")
        >>> page["member"].tolist(), total
        (['ann', 'anya'], 2)
        >>> page, total = store.latest_scores(tier="high", limit=1, offset=1)
        >>> page["member"].tolist(), total
        (['bob'], 2)
        """
        if limit < 0 or offset < 0:
            raise ValueError("limit and offset must not be negative")
        latest_month = sa.select(sa.func.max(_scores.c.month)).scalar_subquery()
        latest = _latest_per(_scores.c.member, _scores.c.month == latest_month)
        chosen = sa.select(*(latest.c[name] for name in _SCORE_COLUMNS)).where(latest.c.rank == 1)
        if tier is not None:
            chosen = chosen.where(latest.c.risk_tier == tier)
        if segment is not None:
            chosen = chosen.where(latest.c.segment == int(segment))
        if search:
            chosen = chosen.where(
                sa.func.lower(latest.c.member).contains(search.lower(), autoescape=True)
            )
        page = (
            chosen.order_by(latest.c.churn_probability.desc(), latest.c.member)
            .limit(limit)
            .offset(offset)
        )
        counted = sa.select(sa.func.count()).select_from(chosen.subquery())
        with self._reading() as connection:
            total = int(connection.execute(counted).scalar() or 0)
            rows = connection.execute(page).all()
        return _frame(rows, _SCORE_COLUMNS), total

    def member_history(self, member: str) -> pd.DataFrame:
        """A member's scores month by month (from the latest run of each month).

        Parameters
        ----------
        member : str
            The member's key: the id as text, or ``row:<n>`` for tables without ids.

        Returns
        -------
        pandas.DataFrame
            Columns ``month``, ``run_id``, ``created``, ``churn_probability``, ``risk_tier``,
            ``segment``, ``reasons``, ``action``; one row per month, oldest first. Empty when
            the member is unknown.

        Examples
        --------
        >>> store = Store("sqlite://")
        >>> for month, p in [("2024-02", 0.4), ("2024-01", 0.2)]:
        ...     _ = store.record_run(
        ...         kind="score", source="m.csv", rows=1, scored=1, rejected=0, model_id=None,
        ...         month=month, scores=pd.DataFrame({"row": [0], "id": [17],
        ...                                           "churn_probability": [p],
        ...                                           "risk_tier": ["medium"]}), id_col="id")
        >>> store.member_history("17")[["month", "churn_probability"]].to_dict("list")
        {'month': ['2024-01', '2024-02'], 'churn_probability': [0.2, 0.4]}
        >>> len(store.member_history("nobody"))
        0
        """
        ranked = _latest_per(_scores.c.month, _scores.c.member == str(member))
        query = (
            sa.select(*(ranked.c[name] for name in _HISTORY_COLUMNS))
            .where(ranked.c.rank == 1)
            .order_by(ranked.c.month)
        )
        with self._reading() as connection:
            rows = connection.execute(query).all()
        return _frame(rows, _HISTORY_COLUMNS)

    def runs(self, limit: int = 20) -> pd.DataFrame:
        """The latest runs, newest first.

        Parameters
        ----------
        limit : int
            At most this many runs.

        Returns
        -------
        pandas.DataFrame
            Columns ``id``, ``created`` (UTC), ``kind``, ``source``, ``month``, ``rows``,
            ``scored``, ``rejected``, ``model_id``.

        Examples
        --------
        >>> store = Store("sqlite://")
        >>> for kind in ("train", "score"):
        ...     _ = store.record_run(kind=kind, source="m.csv", rows=5, scored=5, rejected=0,
        ...                          model_id=None)
        >>> store.runs()["kind"].tolist()
        ['score', 'train']
        """
        if limit < 0:
            raise ValueError("limit must not be negative")
        query = sa.select(_runs).order_by(_runs.c.created.desc(), _runs.c.id).limit(limit)
        with self._reading() as connection:
            rows = connection.execute(query).all()
        return _frame(rows, [c.name for c in _runs.columns])

    def models(self) -> pd.DataFrame:
        """Every recorded model, newest first.

        Returns
        -------
        pandas.DataFrame
            Columns ``id``, ``created`` (UTC), ``data_hash``, ``learner``, ``metrics`` (a dict
            per model), ``target``, ``path``.

        Examples
        --------
        >>> Store("sqlite://").models().columns.tolist()
        ['id', 'created', 'data_hash', 'learner', 'metrics', 'target', 'path']
        """
        query = sa.select(_models).order_by(_models.c.created.desc(), _models.c.id)
        with self._reading() as connection:
            rows = connection.execute(query).all()
        frame = _frame(rows, [c.name for c in _models.columns])
        frame["metrics"] = [json.loads(text) for text in frame["metrics"]]
        return frame

    # ---------------------------------------------------------------------------------------
    # connecting
    # ---------------------------------------------------------------------------------------

    def _create_engines(self) -> tuple[sa.Engine, sa.Engine, Path | None]:
        """The engine that writes, the one that reads (the same but for a DuckDB file), and
        the DuckDB file."""
        try:
            parsed = with_default_driver(make_url(self.url))
        except (sa.exc.ArgumentError, ValueError) as exc:
            raise UsageError(
                "is not a database URL for the run history",
                file=self.display_url,
                fix=_CHOOSE,
            ) from exc
        duckdb = parsed.get_backend_name() == "duckdb"
        # DuckDB lets one process write a file, or many read it: no pool keeps a connection
        # (and the file) open beyond the statement or transaction it is for
        options: dict[str, Any] = {"poolclass": sa.pool.NullPool} if duckdb else {}
        try:
            engine = sa.create_engine(parsed, **options)
            if not duckdb:
                return engine, engine, None
            memory = parsed.database in (None, "", ":memory:") or parsed.database.startswith(
                ":memory:"
            )
            if memory:  # one process's own database: nothing to share, nothing to open read-only
                return engine, engine, None
            reader = sa.create_engine(
                parsed, poolclass=sa.pool.NullPool, connect_args={"read_only": True}
            )
            return engine, reader, Path(str(parsed.database))
        except sa.exc.NoSuchModuleError as exc:
            raise UsageError(
                f"no database driver is known for {parsed.drivername!r}",
                file=self.display_url,
                fix="check the URL's first part (duckdb, sqlite, postgresql, ...), or install "
                f"the package that provides this dialect; or {_CHOOSE}",
            ) from exc
        except ImportError as exc:
            raise UsageError(
                f"the database driver for {parsed.drivername!r} is not installed "
                f"({self._reason(exc)})",
                file=self.display_url,
                fix="install the driver (e.g. pip install 'psycopg[binary]' for "
                f"postgresql+psycopg://, pip install duckdb-engine for duckdb://); or {_CHOOSE}",
            ) from exc
        except (sa.exc.ArgumentError, TypeError, ValueError) as exc:
            raise UsageError(
                f"is not a usable database URL ({self._reason(exc)})",
                file=self.display_url,
                fix=_CHOOSE,
            ) from exc

    @contextmanager
    def _reading(self) -> Iterator[sa.Connection]:
        """A short read: read-only on DuckDB, failures as a UsageError."""
        doing = "cannot read the run history"
        with self._errors(doing), self._connect(doing, write=False) as connection:
            yield connection

    @contextmanager
    def _connect(self, doing: str, *, write: bool) -> Iterator[sa.Connection]:
        """A connection for one read, or one transaction (committed when the block ends).

        On DuckDB, a read opens the file read-only; either waits for a file another process
        holds (see :meth:`_patiently`).
        """
        engine = self._engine if write else self._reader
        with self._patiently(engine.connect, doing, write=write) as connection:
            if not write:
                yield connection
                return
            with connection.begin():
                yield connection

    def _patiently(self, opening: Callable[[], T], doing: str, *, write: bool) -> T:
        """``opening()``, tried again while another process holds the DuckDB file.

        The pauses between tries grow from 5 ms to 200 ms (with jitter, so waiting processes do
        not try in step), for up to :attr:`wait` seconds to write or :data:`READ_WAIT` to read;
        then :class:`StoreBusyError`. Any other failure is raised at once.

        Readers come and go all the time, so a writer could wait for a gap between them in
        vain: a waiting writer says so in a file beside the store (``<file>.writer-waiting``,
        touched at every try, removed once it has the file), and readers do not open the file
        while that note is fresh. A note left behind by a writer that died is stale within
        seconds and ignored.
        """
        wait = self.wait if write else min(self.wait, READ_WAIT)
        started = time.monotonic()
        pause, longest, growth = _PAUSES
        announced = False
        try:
            while True:
                held: BaseException | None = None
                if not write and self._writer_waits():
                    held = RuntimeError(_WRITER_FIRST)
                else:
                    try:
                        return opening()
                    except sa.exc.DBAPIError as exc:
                        if not _held_by_another(exc):
                            raise
                        held = exc
                waited = time.monotonic() - started
                if waited >= wait:
                    raise StoreBusyError(
                        self.display_url, doing, round(waited, 1), write=write
                    ) from held
                if write:
                    announced = self._announce() or announced
                time.sleep(min(pause * random.uniform(0.5, 1.5), wait - waited))
                pause = min(pause * growth, longest)
        finally:
            if announced:
                self._withdraw()

    def _note(self) -> Path | None:
        """The file a waiting writer touches (None when the store is not a DuckDB file)."""
        if self._duckdb_file is None:
            return None
        return self._duckdb_file.with_name(self._duckdb_file.name + ".writer-waiting")

    def _announce(self) -> bool:
        note = self._note()
        if note is None:
            return False
        try:
            note.touch()
        except OSError:  # a folder this process may not write: the writer just waits
            return False
        return True

    def _withdraw(self) -> None:
        note = self._note()
        if note is not None:
            with suppress(OSError):
                note.unlink(missing_ok=True)

    def _writer_waits(self) -> bool:
        note = self._note()
        if note is None:
            return False
        try:
            touched = note.stat().st_mtime
        except OSError:
            return False
        return time.time() - touched < _FRESH_NOTE

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        """Database failures (unreachable, locked, no permission) as a UsageError."""
        try:
            yield
        except (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.ProgrammingError) as exc:
            raise UsageError(
                f"{what}: {self._reason(exc)}",
                file=self.display_url,
                fix="check that the database is reachable, not in use by another program, and "
                f"that you may create and write tables in it; or {_CHOOSE}",
            ) from exc

    def _reason(self, exc: BaseException) -> str:
        """The first line of the driver's message, with the URL's password masked."""
        original = getattr(exc, "orig", None) or exc
        text = (
            str(original).strip().splitlines()[0] if str(original).strip() else type(exc).__name__
        )
        try:
            password = make_url(self.url).password
        except (sa.exc.ArgumentError, ValueError):
            password = None
        if password:
            text = text.replace(str(password), "***")
        return text


# -------------------------------------------------------------------------------------------
# helpers
# -------------------------------------------------------------------------------------------


# DuckDB's words when another process holds the file, or when this process has it open with
# other settings (read-write while a read-only connection is wanted, or the other way round)
_HELD = ("could not set lock on file", "conflicting lock", "different configuration")


def _held_by_another(exc: sa.exc.DBAPIError) -> bool:
    """Whether opening failed because the DuckDB file is held (so trying again can succeed)."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    return any(words in text for words in _HELD)


def _wait_seconds() -> float:
    """``CHURNLAB_STORE_WAIT`` as seconds, else :data:`WRITE_WAIT`."""
    text = os.environ.get(_WAIT_ENV, "").strip()
    if not text:
        return WRITE_WAIT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not math.isfinite(seconds) or seconds < 0:
        raise UsageError(
            f"{_WAIT_ENV}={text!r} is not a number of seconds",
            fix=f"set it to how long a write may wait for a busy store, e.g. {_WAIT_ENV}=60, or "
            "unset it (30 s)",
        )
    return seconds


def _model_id(model: Scorer) -> str:
    """The id a model is recorded under (see :meth:`Store.record_model`)."""
    settings = json.dumps(
        _plain({"calibration": list(model.calibration_), "params": model.params_}),
        sort_keys=True,
    )
    text = f"{model.data_hash_}\n{model.learner_}\n{settings}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _insert_scores(connection: sa.Connection, records: Sequence[dict[str, Any]]) -> None:
    """Insert the score rows in one executemany (4,000 rows: about 0.5 s on DuckDB)."""
    if records:
        connection.execute(_scores.insert(), list(records))


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


def _score_records(
    scores: pd.DataFrame, id_col: str | None, run_id: str, month: str
) -> list[dict[str, Any]]:
    """The rows of the ``scores`` table for one run, checked before anything is written."""
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
    if id_col:
        members = [_member_key(v, r) for v, r in zip(scores[id_col].tolist(), rows, strict=True)]
    else:
        members = [f"row:{r}" for r in rows]
    n = len(scores)
    segment = _optional(scores, "segment", int, n)
    reasons = _optional(scores, "reasons", str, n)
    action = _optional(scores, "action", str, n)
    return [
        {
            "run_id": run_id,
            "month": month,
            "member": member,
            "row": row,
            "churn_probability": p,
            "risk_tier": str(t),
            "segment": s,
            "reasons": why,
            "action": what,
        }
        for member, row, p, t, s, why, what in zip(
            members,
            rows,
            probability.astype(float).tolist(),
            scores["risk_tier"].tolist(),
            segment,
            reasons,
            action,
            strict=True,
        )
    ]


def _optional(scores: pd.DataFrame, column: str, kind: type, n: int) -> list[Any]:
    if column not in scores.columns:
        return [None] * n
    return [None if _missing(v) else kind(v) for v in scores[column].tolist()]


def _member_key(value: Any, row: int) -> str:
    """A member id as text: ``12`` (not ``12.0``) for whole numbers; ``row:<n>`` when missing."""
    if _missing(value):
        return f"row:{row}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # array-like values
        return False


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
    for name in ("row", "rows", "scored", "rejected"):
        if name in frame:
            frame[name] = frame[name].astype("int64")
    if "churn_probability" in frame:
        frame["churn_probability"] = frame["churn_probability"].astype(float)
    return frame
