"""Reading the run history: the latest month's members, a member's months, a month's scores,
the contacts, the runs and the models of one club (see :class:`churnlab.store.Store`)."""

from __future__ import annotations

import json

import pandas as pd
import sqlalchemy as sa

from churnlab.store.connect import Connections
from churnlab.store.contacts import CONTACT_FRAME, contacts_query
from churnlab.store.schema import (
    _HISTORY_COLUMNS,
    _SCORE_COLUMNS,
    _frame,
    _latest_per,
    _models,
    _of_club,
    _outcomes,
    _runs,
    _scores,
)

__all__ = ["HistoryReads"]


class HistoryReads(Connections):
    """What :class:`~churnlab.store.Store` reads, always of its own club's rows."""

    #: The club whose rows are read (None: the rows of no club).
    club: str | None

    def known_members(self) -> set[str]:
        """Every member the club's history has scores of."""
        query = sa.select(_scores.c.member).where(_of_club(_scores, self.club)).distinct()
        with self._reading() as connection:
            return {str(member) for member in connection.execute(query).scalars()}

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
            ``reasons``, ``action``, ``measure``, ``campaign_rank``, ``campaign_group``, the
            member's value (``stay_3m``, ``stay_12m``, ``expected_months_12``,
            ``member_value``: NaN where the run did not give it), ``month``, ``run_id``,
            ``created``; in `order`, ties by ``member``.
        total : int
            The number of members matching the filters, over all pages.

        Examples
        --------
        >>> from churnlab.store import Store
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
            ``campaign_group``, ``stay_3m``, ``stay_12m``, ``expected_months_12``,
            ``member_value`` (NaN where the run did not give them); one row per month, oldest
            first. Empty when the member is unknown.

        Examples
        --------
        >>> from churnlab.store import Store
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

    def months(self, kind: str | None = None) -> list[str]:
        """The months the club's history has scores for, oldest first; with `kind`, only those
        scored by that kind of run (``month``: the club's monthly runs)."""
        query = sa.select(_scores.c.month).where(_of_club(_scores, self.club))
        if kind is not None:
            query = query.join(_runs, _runs.c.id == _scores.c.run_id).where(_runs.c.kind == kind)
        query = query.distinct().order_by(_scores.c.month)
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

    def outcomes(self, month: str | None = None) -> pd.DataFrame:
        """What became of the members of the club's closed months: ``month``, ``member``,
        ``left`` (bool) and ``source`` (``snapshot``: absent from the next month's; else the
        outcomes file's name); of one month when given, by month then member.

        Examples
        --------
        >>> from churnlab.store import Store
        >>> store = Store("sqlite://", club="north")
        >>> june = pd.DataFrame({"row": [0, 1], "id": ["A", "B"], "churn_probability": [0.7, 0.2],
        ...                      "risk_tier": ["high", "low"]})
        >>> _ = store.record_run(kind="month", source="june.csv", rows=2, scored=2, rejected=0,
        ...                      model_id=None, month="2024-06", scores=june, id_col="id")
        >>> closed = pd.DataFrame({"member": ["A", "B"], "left": [True, False],
        ...                        "source": "snapshot"})
        >>> _ = store.record_run(kind="month", source="july.csv", rows=0, scored=0, rejected=0,
        ...                      model_id=None, month="2024-07", closes=("2024-06", closed))
        >>> store.outcomes()[["month", "member", "left"]].to_dict("list")
        {'month': ['2024-06', '2024-06'], 'member': ['A', 'B'], 'left': [True, False]}
        >>> store.closed_months()
        ['2024-06']
        """
        columns = ["month", "member", "left", "source"]
        query = sa.select(*(_outcomes.c[name] for name in columns)).where(
            _of_club(_outcomes, self.club)
        )
        if month is not None:
            query = query.where(_outcomes.c.month == month)
        with self._reading() as connection:
            rows = connection.execute(query.order_by(_outcomes.c.month, _outcomes.c.member)).all()
        frame = _frame(rows, columns)
        frame["left"] = frame["left"].astype(bool)
        return frame

    def closed_months(self) -> list[str]:
        """The club's months whose outcomes are known (closed by the next month), oldest first."""
        query = (
            sa.select(_outcomes.c.month)
            .where(_of_club(_outcomes, self.club))
            .distinct()
            .order_by(_outcomes.c.month)
        )
        with self._reading() as connection:
            return [str(month) for month in connection.execute(query).scalars()]

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
        >>> from churnlab.store import Store
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
        >>> from churnlab.store import Store
        >>> Store("sqlite://").models().columns.tolist()
        ['id', 'created', 'data_hash', 'learner', 'metrics', 'target', 'path']
        """
        query = sa.select(_models).order_by(_models.c.created.desc(), _models.c.id)
        with self._reading() as connection:
            rows = connection.execute(query).all()
        frame = _frame(rows, [c.name for c in _models.columns])
        frame["metrics"] = [json.loads(text) for text in frame["metrics"]]
        return frame
