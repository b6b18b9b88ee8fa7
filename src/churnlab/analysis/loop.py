"""The club's monthly loop: close last month, learn from the closed months, plan this one.

:func:`club_month` is what `churnlab month` runs between reading the snapshot and writing the
month's files. With the club's history (:class:`~churnlab.store.Store`) and folder
(:class:`~churnlab.store.folder.ClubFolder`):

1. the previous monthly run's month is closed (:func:`~churnlab.analysis.review.close_month`):
   who of its members left;
2. every closed month's contact and control groups give each measure's measured success rate
   (:func:`~churnlab.analysis.learning.measured_success`);
3. with ``retrain``, a model is refitted on the closed months' untreated members
   (:func:`refit`) and scores this month;
4. the previous month is reviewed (:func:`~churnlab.analysis.review.review_month`), with this
   month's members checked for drift against the reviewed model's training data;
5. this month is scored and planned (:func:`~churnlab.analysis.month.run_month`) with the
   measured rates.

Nothing is written here: the caller writes the month's files and records the run, with the
closed month's outcomes, in one go.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from churnlab.analysis.learning import (
    HALF_LIFE,
    ClosedMonth,
    measured_success,
    measured_success_by_tier,
    months_between,
    training_rows,
)
from churnlab.analysis.month import MonthRun, member_id_column, run_month
from churnlab.analysis.review import (
    Closing,
    backtest_row,
    close_month,
    review_month,
    survival_backtest,
)
from churnlab.data.validate import check_members, member_key
from churnlab.errors import ModelFileError, UsageError
from churnlab.insight.drift import feature_drift, feature_reference
from churnlab.scoring.bundle import Bundle
from churnlab.store import Store
from churnlab.store.folder import ClubFolder

if TYPE_CHECKING:
    from churnlab.model.churn_model import ChurnModel

__all__ = ["MEMBERS", "ClubMonth", "closed_months", "club_month", "refit"]

#: A month's scored members as the snapshot gave them, in the month's folder: the training rows
#: of the month once it is closed.
MEMBERS = "members.parquet"


@dataclass(frozen=True)
class ClubMonth:
    """What :func:`club_month` returns.

    Attributes
    ----------
    run : MonthRun
        The month, scored and planned, with the review in its summary.
    closing : Closing or None
        What became of the previous month's members (None on a club's first month).
    model : ChurnModel or None
        The model refitted on the closed months (``retrain``), which scored the month.
    reference : dict or None
        Its training data at a glance (``reference.json``).
    """

    run: MonthRun
    closing: Closing | None
    model: ChurnModel | None = None
    reference: dict[str, Any] | None = None


def club_month(
    bundle: Bundle,
    frame: pd.DataFrame,
    *,
    store: Store,
    folder: ClubFolder,
    month: str,
    source: str = "snapshot",
    id_col: str | None = None,
    outcomes: pd.DataFrame | None = None,
    outcomes_file: str | None = None,
    retrain: bool = False,
    step: Callable[[str], None] = lambda _: None,
    **options: Any,
) -> ClubMonth:
    """Close the previous month, learn, and score and plan this one.

    Parameters
    ----------
    bundle : Bundle
        The club's folder as scoring needs it.
    frame : pandas.DataFrame
        This month's snapshot of the active members.
    store : Store
        The club's history.
    folder : ClubFolder
        The club's folder (its months' ``members.parquet``).
    month : str
        ``YYYY-MM``.
    source : str
        The snapshot's name.
    id_col : str, optional
        The member id column (see :func:`~churnlab.analysis.month.run_month`).
    outcomes : pandas.DataFrame, optional
        The club's own outcomes of the previous month
        (:func:`churnlab.data.outcomes.read_outcomes`).
    outcomes_file : str, optional
        Their file's name.
    retrain : bool
        Refit the model on the closed months' untreated members before scoring.
    step : callable
        Told what is being done, for progress.
    **options
        Passed to :func:`~churnlab.analysis.month.run_month` (``control_share``, ``budget``,
        ``seed``, ``lang``).

    Raises
    ------
    UsageError
        ``outcomes`` given but there is no month to close; ``retrain`` without closed months.
    """
    spec = bundle.model.spec_
    id_col = member_id_column(frame, id_col, spec.id_col, spec.feature_names, source)
    earlier = [m for m in store.months(kind="month") if m < month]
    if outcomes is not None and not earlier:
        raise UsageError(
            "an outcomes file closes the previous month, but the history has no monthly run "
            f"before {month}",
            file=outcomes_file,
            fix="run `churnlab month` for the previous month first, or leave out --outcomes",
        )
    previous = store.month_scores(earlier[-1]) if earlier else None
    closing = None
    if previous is not None:
        step(f"closing {earlier[-1]}")
        present = [k for k in frame[id_col].map(member_key) if k is not None]
        closing = close_month(
            earlier[-1],
            previous["member"].tolist(),
            present,
            given=outcomes,
            outcomes_file=outcomes_file,
        )
    closed = closed_months(store, before=month, closing=closing, previous=previous)
    measured = measured_success(
        closed, now=month, playbook=bundle.playbook, economics=bundle.economics
    )
    by_tier = measured_success_by_tier(
        closed, now=month, playbook=bundle.playbook, economics=bundle.economics
    )
    review = None
    if closing is not None and previous is not None:
        step(f"reviewing {closing.month}")
        review = review_month(
            closing,
            previous,
            playbook=bundle.playbook,
            economics=bundle.economics,
            # the closing month's calls, read with the closed months'
            contacts=next(c.contacts for c in closed if c.month == closing.month),
            model={"learner": bundle.model.learner_, "data_hash": bundle.model.data_hash_},
            history=[
                backtest_row(c.month, c.scores, c.scores["left"].to_numpy(bool))
                for c in closed[:-1]
            ],
            drift=_drift(bundle, frame),
            trained_auc=_trained_auc(bundle),
        )
        review["survival"] = _survival_check(store, closed, earlier, month, present)
    model = reference = None
    if retrain:
        step("refitting the model on the closed months")
        model, reference = refit(bundle, closed, folder)
        bundle = dataclasses.replace(bundle, model=model, reference=reference)
    step(f"scoring and planning {len(frame):,} members for {month}")
    evidence = {"months": [c.month for c in closed], "half_life": HALF_LIFE} if closed else None
    run = run_month(
        bundle,
        frame,
        month=month,
        club=folder.id,
        source=source,
        id_col=id_col,
        previous=previous,
        review=review,
        measured=measured,
        by_tier=by_tier,
        evidence=evidence,
        **options,
    )
    return ClubMonth(run, closing, model, reference)


def closed_months(
    store: Store,
    *,
    before: str,
    closing: Closing | None = None,
    previous: pd.DataFrame | None = None,
) -> list[ClosedMonth]:
    """The club's closed months before `before`, oldest first: their scores with ``left``
    and their recorded calls; `closing` (the month being closed now, with its `previous`
    scores) replaces what the history holds of that month."""
    months = [m for m in store.closed_months() if m < before]
    if closing is not None:
        months = [m for m in months if m != closing.month]
    found = []
    for month in months:
        scores = store.month_scores(month)
        outcomes = store.outcomes(month)[["member", "left"]]
        found.append(
            ClosedMonth(
                month,
                scores.merge(outcomes, on="member", how="inner"),
                store.contacts(month=month),
            )
        )
    if closing is not None and previous is not None:
        scores = previous.merge(closing.outcomes[["member", "left"]], on="member", how="inner")
        found.append(ClosedMonth(closing.month, scores, store.contacts(month=closing.month)))
    return sorted(found, key=lambda c: c.month)


def refit(
    bundle: Bundle,
    closed: list[ClosedMonth],
    folder: ClubFolder,
    *,
    learner: str | None = None,
    folds: int = 5,
    random_state: int = 0,
) -> tuple[ChurnModel, dict[str, Any]]:
    """A model fitted on the closed months' untreated members, with the folder's features and
    target, and its training reference.

    The learner is the folder's model's (the analysis chose it) unless `learner` is given.

    Raises
    ------
    UsageError
        No closed month, a closed month's ``members.parquet`` is missing, or too few members
        left or stayed to fit on.
    """
    from churnlab.model.churn_model import ChurnModel

    spec = bundle.model.spec_
    if not closed:
        raise UsageError(
            "there is no closed month to learn from: a month is closed when the next month's "
            "run sees who is still a member",
            fix="run `churnlab month` for two months in a row first",
        )
    members = [_members_of(folder, c.month) for c in closed]
    rows, left = training_rows(closed, members)
    usable = check_members(rows, spec, source=MEMBERS).members  # indexed by row position
    X, y = usable[spec.feature_names], left[usable.index.to_numpy()]
    if min(int(y.sum()), int((1 - y).sum())) < folds:
        raise UsageError(
            f"the closed months ({', '.join(c.month for c in closed)}) have "
            f"{int(y.sum()):,} untreated members who left and {int((1 - y).sum()):,} who "
            f"stayed: too few to fit a model on ({folds} of each at least)",
            fix="wait for more closed months, or train on a table with churnlab train DATA",
        )
    model = ChurnModel(
        spec,
        learner=learner or bundle.model.learner_,
        folds=folds,
        random_state=random_state,
    ).fit(X.reset_index(drop=True), y)
    return model, feature_reference(X, spec)


def _members_of(folder: ClubFolder, month: str) -> pd.DataFrame:
    path = folder.month_dir(month) / MEMBERS
    if not path.is_file():
        raise UsageError(
            f"the month {month} has no {MEMBERS}: it was run by a churnlab before months kept "
            "their members",
            file=str(path),
            fix=f"run `churnlab month` for {month} again with its snapshot, then retrain",
        )
    return pd.read_parquet(path)


def _survival_check(
    store: Store, closed: list[ClosedMonth], earlier: list[str], month: str, present: list[str]
) -> dict[str, Any] | None:
    """Three months ago's predicted 3-month staying against who is still here: its scores and
    calls as the closed months hold them, read from the history only when it is not closed."""
    back = [m for m in earlier if months_between(m, month) == 3]
    if not back:
        return None
    known = next((c for c in closed if c.month == back[0]), None)
    if known is not None:
        return survival_backtest(back[0], known.scores, present, contacts=known.contacts)
    return survival_backtest(back[0], store.month_scores(back[0]), present,
                             contacts=store.contacts(month=back[0]))  # fmt: skip


def _drift(bundle: Bundle, frame: pd.DataFrame) -> dict[str, Any] | None:
    """This month's members against the folder's model's training data; None without it."""
    if bundle.reference is None:
        return None
    model = bundle.model

    def probability(features: pd.DataFrame) -> np.ndarray:
        fast = model.compiled()
        return np.asarray(fast.probability_of(fast.values(features)))

    try:
        return feature_drift(bundle.reference, frame, model.spec_, probability=probability,
                             lang=bundle.lang)  # fmt: skip
    except (TypeError, KeyError, ValueError) as exc:  # a damaged or foreign reference.json
        raise ModelFileError(
            f"is not this model's training reference ({exc.__class__.__name__}: {exc})",
            file="reference.json",
            fix="rerun `churnlab analyze` to write it again, or delete it (the months then "
            "check no drift)",
        ) from exc


def _trained_auc(bundle: Bundle) -> float | None:
    """The reviewed model's own ROC-AUC, out of fold when it was trained."""
    value = (getattr(bundle.model, "oof_metrics_", None) or {}).get("roc_auc")
    return float(value) if isinstance(value, int | float) else None
