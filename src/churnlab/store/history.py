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
from churnlab.store.connect import _CHOOSE
from churnlab.store.contacts import contact_rows
from churnlab.store.reads import HistoryReads
from churnlab.store.schema import (
    _ONE_TICK,
    RUN_KINDS,
    _contacts,
    _create,
    _insert_rows,
    _model_id,
    _models,
    _of_club,
    _outcomes,
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


class Store(HistoryReads):
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
        closes: tuple[str, pd.DataFrame] | None = None,
    ) -> str:
        """Record a run and, when given, its scores and the outcomes of the month it closes —
        all of it or nothing.

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
        closes : (str, pandas.DataFrame), optional
            The month this run closes and what became of its members: ``member`` (the key of
            the month's scores), ``left`` (bool) and ``source`` (how it is known). They replace
            the outcomes the club had for that month.

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
                # a month run is the club's month: it replaces every earlier score of the month
                # (an analysis of the history in the same month included, whose leavers are not
                # this month's members); another run replaces its source's month
                same = sa.true() if kind == "month" else _runs.c.source == shown_source
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
                _insert_rows(connection, _scores, records)
            if closes is not None:
                closed, outcomes = closes
                connection.execute(
                    _outcomes.delete().where(
                        _outcomes.c.month == check_month(closed), _of_club(_outcomes, self.club)
                    )
                )
                _insert_rows(
                    connection, _outcomes, _outcome_columns(outcomes, run_id, closed, self.club)
                )
        return run_id

    def record_contacts(
        self, contacts: pd.DataFrame, *, source: str = "api", replace: bool = False
    ) -> int:
        """Record what came of contacting members; returns how many were recorded.

        Parameters
        ----------
        contacts : pandas.DataFrame
            As :func:`churnlab.store.contacts.check_contacts` returns them: ``member``,
            ``month``, ``outcome``, ``note``.
        source : str
            How they were recorded: ``api``, or the file they were imported from.
        replace : bool
            Replace the contacts recorded before from the same `source` (a calls log imported
            again), in the same transaction.

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
        shown = source_name(source)
        rows = contact_rows(contacts, club=self.club, source=shown)
        doing = "cannot record the contacts"
        if rows or replace:
            with self._errors(doing), self._connect(doing, write=True) as connection:
                if replace:
                    connection.execute(
                        _contacts.delete().where(
                            _of_club(_contacts, self.club), _contacts.c.source == shown
                        )
                    )
                if rows:
                    connection.execute(_contacts.insert(), rows)
        return len(rows)


def _outcome_columns(
    outcomes: pd.DataFrame, run_id: str, month: str, club: str | None
) -> dict[str, list[Any]]:
    n = len(outcomes)
    return {
        "run_id": [run_id] * n,
        "member": [str(m) for m in outcomes["member"].tolist()],
        "club": [club] * n,
        "month": [month] * n,
        "left": [bool(v) for v in outcomes["left"].tolist()],
        "source": [str(v) for v in outcomes["source"].tolist()],
    }
