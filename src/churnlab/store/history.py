"""The run history's API: :class:`Store` records models, runs and scores, and reads them back."""

from __future__ import annotations

import json
import os
import uuid
from types import TracebackType
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from churnlab.data.sources import source_name
from churnlab.errors import UsageError
from churnlab.store.connect import _CHOOSE, Connections
from churnlab.store.contacts import CONTACT_FRAME, contact_rows, contacts_query
from churnlab.store.schema import (
    _HISTORY_COLUMNS,
    _ONE_TICK,
    _SCORE_COLUMNS,
    RUN_KINDS,
    _contacts,
    _create,
    _frame,
    _insert_scores,
    _latest_per,
    _model_id,
    _models,
    _of_club,
    _plain,
    _runs,
    _score_columns,
    _scores,
    _utcnow,
    check_month,
)

if TYPE_CHECKING:
    from churnlab.model.scorer import Scorer

__all__ = ["Store"]


class Store(Connections):
    """The run history in a database: models, runs and each member's score per month.

    Parameters
    ----------
    url : str, optional
        An SQLAlchemy URL (``duckdb:///history.duckdb``, ``sqlite:///history.db``,
        ``postgresql://user:password@host/db``). Default: :func:`default_store_url`.
        The tables are created when missing.
    club : str, optional
        The club's folder (:attr:`churnlab.store.folder.ClubFolder.id`) whose history this is:
        every row written carries it and every read sees only its rows, so several clubs can
        share one database without mixing. None: the rows of no folder (``churnlab score``
        without one).
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
    club : str or None
        The club whose rows are read and written.
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

    def __init__(
        self, url: str | None = None, *, club: str | None = None, wait: float | None = None
    ) -> None:
        if club is not None and not (isinstance(club, str) and 0 < len(club) <= 32):
            raise ValueError("club must be a folder id of 1 to 32 characters, or None")
        self.club = club
        super().__init__(url, wait=wait)
        try:
            doing = "cannot open the run history"
            with self._errors(doing):
                self._patiently(self._create_tables, doing, write=True)
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
        club = "" if self.club is None else f", club={self.club!r}"
        return f"Store({self.display_url!r}{club})"

    def _create_tables(self) -> None:
        with self._engine.begin() as connection:
            _create(connection)

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
        kind : {"train", "analyze", "score", "month"}
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
            ``risk_tier``, and optionally ``segment``, ``reasons`` and ``action`` (text), and for
            the month's campaign members ``measure`` (its id), ``campaign_rank`` and
            ``campaign_group`` (``contact`` or ``control``). They replace the scores this
            `source` had for this `month` (a ``month`` run: the club's scores of the month).
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
        records = (
            None if scores is None else _score_columns(scores, id_col, run_id, month, self.club)
        )
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
                    club=self.club,
                )
            )
            if records is not None:
                # a month run replaces the club's month; another run, its source's month
                same = (
                    _runs.c.kind == "month" if kind == "month" else _runs.c.source == shown_source
                )
                earlier_runs = sa.select(_runs.c.id).where(
                    same, _of_club(_runs, self.club), _runs.c.id != run_id
                )
                connection.execute(
                    _scores.delete().where(
                        _scores.c.month == month,
                        _of_club(_scores, self.club),
                        _scores.c.run_id.in_(earlier_runs),
                    )
                )
                _insert_scores(connection, records)
        return run_id

    def record_contacts(self, contacts: pd.DataFrame, *, source: str = "api") -> int:
        """Record what came of contacting members; returns how many were recorded.

        Parameters
        ----------
        contacts : pandas.DataFrame
            As :func:`churnlab.store.contacts.check_contacts` returns them: ``member``,
            ``month``, ``outcome``, ``note``.
        source : str
            How they were recorded: ``api``, or the file they were imported from.

        Examples
        --------
        >>> from churnlab.store.contacts import check_contacts
        >>> store = Store("sqlite://", club="north")
        >>> calls = check_contacts(pd.DataFrame({"member": ["A1"], "month": ["2024-06"],
        ...                                      "outcome": ["accepted"]}))
        >>> store.record_contacts(calls, source="calls.csv")
        1
        >>> store.contacts(member="A1")[["month", "outcome", "source"]].to_dict("records")
        [{'month': '2024-06', 'outcome': 'accepted', 'source': 'calls.csv'}]
        >>> Store(store.url, club="south").contacts().empty  # another club's history
        True
        """
        rows = contact_rows(contacts, club=self.club, source=source_name(source))
        doing = "cannot record the contacts"
        if rows:
            with self._errors(doing), self._connect(doing, write=True) as connection:
                connection.execute(_contacts.insert(), rows)
        return len(rows)

    # ---------------------------------------------------------------------------------------
    # reading
    # ---------------------------------------------------------------------------------------

    def latest_scores(
        self,
        *,
        tier: str | None = None,
        segment: int | None = None,
        search: str | None = None,
        measure: str | None = None,
        group: str | None = None,
        order: str = "risk",
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[pd.DataFrame, int]:
        """One page of the club's latest month's scores, and how many match in all.

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
        measure : str, optional
            Only the month's campaign members given this measure (its id).
        group : {"contact", "control"}, optional
            Only the campaign members in this group.
        order : {"risk", "campaign"}
            Riskiest first, or in the campaign's order (best first; others after, riskiest
            first).
        limit, offset : int
            The page: at most `limit` rows after skipping `offset`.

        Returns
        -------
        page : pandas.DataFrame
            Columns ``member``, ``row``, ``churn_probability``, ``risk_tier``, ``segment``,
            ``reasons``, ``action``, ``measure``, ``campaign_rank``, ``campaign_group``,
            ``month``, ``run_id``, ``created``; in `order`, ties by ``member``.
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
        if order not in ("risk", "campaign"):
            raise ValueError(f"order must be risk or campaign, not {order!r}")
        mine = _of_club(_scores, self.club)
        latest_month = sa.select(sa.func.max(_scores.c.month)).where(mine).scalar_subquery()
        latest = _latest_per(_scores.c.member, sa.and_(mine, _scores.c.month == latest_month))
        chosen = sa.select(*(latest.c[name] for name in _SCORE_COLUMNS)).where(latest.c.rank == 1)
        if tier is not None:
            chosen = chosen.where(latest.c.risk_tier == tier)
        if segment is not None:
            chosen = chosen.where(latest.c.segment == int(segment))
        if search:
            chosen = chosen.where(
                sa.func.lower(latest.c.member).contains(search.lower(), autoescape=True)
            )
        if measure is not None:
            chosen = chosen.where(latest.c.measure == measure)
        if group is not None:
            chosen = chosen.where(latest.c.campaign_group == group)
        riskiest = (latest.c.churn_probability.desc(), latest.c.member)
        in_campaign_order = (latest.c.campaign_rank.is_(None), latest.c.campaign_rank)
        page = (
            chosen.order_by(*(in_campaign_order if order == "campaign" else ()), *riskiest)
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
            ``segment``, ``reasons``, ``action``, ``measure``, ``campaign_rank``,
            ``campaign_group``; one row per month, oldest first. Empty when the member is
            unknown.

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
        ranked = _latest_per(
            _scores.c.month, sa.and_(_of_club(_scores, self.club), _scores.c.member == str(member))
        )
        query = (
            sa.select(*(ranked.c[name] for name in _HISTORY_COLUMNS))
            .where(ranked.c.rank == 1)
            .order_by(ranked.c.month)
        )
        with self._reading() as connection:
            rows = connection.execute(query).all()
        return _frame(rows, _HISTORY_COLUMNS)

    def months(self) -> list[str]:
        """The months the club's history has scores for, oldest first."""
        query = (
            sa.select(_scores.c.month)
            .where(_of_club(_scores, self.club))
            .distinct()
            .order_by(_scores.c.month)
        )
        with self._reading() as connection:
            return [str(month) for month in connection.execute(query).scalars()]

    def month_scores(self, month: str) -> pd.DataFrame:
        """Every member's score of the month (from the latest run that scored them), riskiest
        first: the columns of :meth:`latest_scores`."""
        ranked = _latest_per(
            _scores.c.member, sa.and_(_of_club(_scores, self.club), _scores.c.month == month)
        )
        query = (
            sa.select(*(ranked.c[name] for name in _SCORE_COLUMNS))
            .where(ranked.c.rank == 1)
            .order_by(ranked.c.churn_probability.desc(), ranked.c.member)
        )
        with self._reading() as connection:
            rows = connection.execute(query).all()
        return _frame(rows, _SCORE_COLUMNS)

    def contacts(self, *, member: str | None = None, month: str | None = None) -> pd.DataFrame:
        """The club's recorded contacts, oldest first: ``member``, ``month``, ``outcome``,
        ``note``, ``created`` (UTC), ``source``, ``id``; of one member or month when given."""
        with self._reading() as connection:
            rows = connection.execute(contacts_query(self.club, member, month)).all()
        return _frame(rows, CONTACT_FRAME)

    def knows(self, member: str) -> bool:
        """Whether the club's history has scores of this member."""
        query = sa.select(_scores.c.member).where(
            _of_club(_scores, self.club), _scores.c.member == str(member)
        )
        with self._reading() as connection:
            return connection.execute(query.limit(1)).first() is not None

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
            ``scored``, ``rejected``, ``model_id``, ``club``.

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
        query = (
            sa.select(_runs)
            .where(_of_club(_runs, self.club))
            .order_by(_runs.c.created.desc(), _runs.c.id)
            .limit(limit)
        )
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
