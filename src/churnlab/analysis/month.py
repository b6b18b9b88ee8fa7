"""The club's month: this month's members scored, portrayed, explained and planned for, with a
randomised control group held back from the campaign.

:func:`run_month` takes the club's folder as a :class:`~churnlab.scoring.bundle.Bundle` (the
model, portraits and playbook of its analysis) and a snapshot of the active members, and treats
each member exactly as the analysis would: the same probability, portrait, reasons and measure.
The campaign is built under the budget as the analysis builds it; then, within each measure, a
seeded random share is held back as the control group (:func:`churnlab.plan.control.assign_groups`).
Next month, what happened to the two groups shows what the measure did.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from churnlab._version import __version__
from churnlab.data.infer import find_member_id
from churnlab.data.validate import given_id_column, member_key, reject_rows, require_columns
from churnlab.errors import UsageError, ValidationError
from churnlab.plan.campaign import Plan, build_plan
from churnlab.plan.control import CONTACT, CONTROL, assign_groups, check_share
from churnlab.plan.evidence import SuccessPosterior
from churnlab.plan.fields import in_language
from churnlab.scoring.bundle import Bundle, ScoredColumns
from churnlab.scoring.value import VALUE_COLUMNS, member_values, value_of
from churnlab.store.schema import check_month

__all__ = ["REASONS", "MonthRun", "member_id_column", "month_seed", "run_month"]

#: Reasons given per member (``reason_1`` …).
REASONS = 3


@dataclass(frozen=True)
class MonthRun:
    """What :func:`run_month` returns.

    Attributes
    ----------
    month : str
        ``YYYY-MM``.
    id_col : str
        The member id column.
    members : pandas.DataFrame
        One row per scored member, in input order (``scores.csv``): ``row``, the id,
        ``churn_probability``, ``risk_tier``, ``segment``, ``segment_name``, ``reason_1`` …
        ``reason_3``, and for the campaign's members ``measure`` (its id), ``measure_title``,
        ``campaign_rank`` and ``group`` (``contact`` or ``control``); empty elsewhere.
    campaign : pandas.DataFrame
        The campaign, best first (``plan.csv``): ``rank``, ``row``, the id,
        ``churn_probability``, ``segment``, ``segment_name``, ``measure``, ``measure_title``,
        ``script`` (what staff do), ``expected_cost``, ``expected_saving``, ``expected_net``,
        ``group``. Control members are listed, and cost nothing: they are not contacted.
    plan : Plan
        The plan the campaign comes from.
    rejects : pandas.DataFrame
        The rows that could not be scored, with the reason.
    summary : dict
        ``month.json``.
    snapshot : pandas.DataFrame
        The scored members as the snapshot gave them (``members.parquet``): ``member`` (the
        history's key) and the model's features; next month's training rows once the month is
        closed.
    """

    month: str
    id_col: str
    members: pd.DataFrame
    campaign: pd.DataFrame
    plan: Plan
    rejects: pd.DataFrame
    summary: dict[str, Any]
    snapshot: pd.DataFrame


def month_seed(seed: int, month: str, club: str) -> list[int]:
    """The random seed of a month's control group: the same for the same seed, month and club.

    Examples
    --------
    >>> month_seed(0, "2024-06", "0123456789abcdef0123456789abcdef")
    [0, 2024, 6, 19088743]
    """
    return [int(seed), int(month[:4]), int(month[5:]), int(club[:8], 16) if club else 0]


def run_month(
    bundle: Bundle,
    frame: pd.DataFrame,
    *,
    month: str,
    club: str,
    source: str = "snapshot",
    id_col: str | None = None,
    control_share: float = 0.2,
    budget: float | None = None,
    seed: int = 0,
    lang: str | None = None,
    previous: pd.DataFrame | None = None,
    review: Mapping[str, Any] | None = None,
    measured: Mapping[str, SuccessPosterior] | None = None,
    evidence: Mapping[str, Any] | None = None,
    objective: str = "saving",
    discount: float | None = None,
    by_tier: Mapping[tuple[str, str], SuccessPosterior] | None = None,
) -> MonthRun:
    """Score, portray, explain and plan for this month's members, holding back a control group.

    Parameters
    ----------
    bundle : Bundle
        The club's folder (:func:`churnlab.scoring.bundle.load_bundle`).
    frame : pandas.DataFrame
        This month's snapshot of the active members: the model's features and a member id; no
        target column is needed.
    month : str
        ``YYYY-MM``.
    club : str
        The folder's id (:attr:`churnlab.store.folder.ClubFolder.id`), part of the seed.
    source : str
        The snapshot's name, for messages and ``month.json``.
    id_col : str, optional
        The member id column. Default: the model's id column when the snapshot has it, else the
        column that looks like an id (:func:`churnlab.data.infer.find_member_id`).
    control_share : float
        The share of each measure's campaign members held back, from 0 to below 1.
    budget : float, optional
        The most the campaign may cost (default: the folder's).
    seed : int
        The control group's seed, with the month and the club (:func:`month_seed`).
    lang : {"en", "ru"}, optional
        The language of every text (default: the folder's).
    previous : pandas.DataFrame, optional
        Last month's scores from the history (``member``, ``churn_probability``,
        ``risk_tier``): ``month.json`` then says what changed.
    review : mapping, optional
        The review of the month this one closes (:func:`churnlab.analysis.review.review_month`),
        for ``month.json`` and the page.
    measured : mapping of str to SuccessPosterior, optional
        The success rates the closed months measured
        (:func:`churnlab.analysis.learning.measured_success`): the plan uses those measured
        well enough instead of the playbook's assumptions.
    evidence : mapping, optional
        Which closed months those rates pool, for ``month.json``.
    objective : {"saving", "members"}
        What the campaign's order maximises.
    discount : float, optional
        The monthly discount rate of members' future fees (default: the folder's).
    by_tier : mapping of (str, str) to SuccessPosterior, optional
        Success rates the closed months measured within each risk tier
        (:func:`churnlab.analysis.learning.measured_success_by_tier`).

    Raises
    ------
    UsageError
        No member id column, or a bad option.
    ValidationError
        Ids are missing or repeated (every such row is named).
    """
    month = check_month(month)
    share = check_share(control_share)
    lang = lang or bundle.lang
    spec = bundle.model.spec_
    id_col = member_id_column(frame, id_col, spec.id_col, spec.feature_names, source)
    _check_ids(frame, id_col, source)
    require_columns(frame, spec.feature_names, source=source)
    if lang != bundle.lang:
        bundle = dataclasses.replace(bundle, lang=lang)
    economics = bundle.economics.override(budget=budget, discount=discount)
    ids = frame[id_col].to_numpy()

    scored = bundle.score_columns({f: frame[f].to_numpy() for f in spec.feature_names})
    rows = scored.rows
    table = pd.DataFrame({"row": np.arange(len(frame)), id_col: ids})
    rejects = reject_rows(scored.failures, table, id_col)
    names = _segment_names(bundle, lang)

    values = member_values(
        bundle.model, pd.DataFrame({f: scored.features[f] for f in spec.feature_names}), economics
    )
    plan_members = pd.DataFrame(scored.features).assign(
        row=rows,
        risk_tier=scored.risk_tier,
        kept_value=values["kept_value"].to_numpy(),
        **{id_col: ids[rows]},
    )
    contributions = pd.DataFrame(scored.contributions)
    plan = build_plan(
        plan_members,
        contributions,
        bundle.playbook,
        economics,
        lang=lang,
        id_col=id_col,
        measured=measured,
        by_tier=by_tier,
        objective=objective,
    )
    campaign = plan.campaign.copy()
    campaign["group"] = assign_groups(campaign, share=share, seed=month_seed(seed, month, club))
    scripts = {m.id: in_language(m.description, lang) for m in bundle.playbook.measures}
    campaign.insert(
        campaign.columns.get_loc("segment") + 1, "segment_name", _names_of(campaign, names)
    )
    campaign.insert(
        campaign.columns.get_loc("measure_title") + 1, "script", campaign["measure"].map(scripts)
    )
    held = campaign["group"] == CONTROL
    campaign.loc[held, ["expected_cost", "expected_saving", "expected_net"]] = 0.0

    members = _members_table(scored, rows, id_col, ids, names, campaign)
    members[list(VALUE_COLUMNS)] = values.to_numpy()
    summary = _summary(
        month=month,
        club=club,
        source=source,
        id_col=id_col,
        rows=len(frame),
        members=members,
        rejected=len(rejects),
        campaign=campaign,
        plan=plan,
        share=share,
        seed=seed,
        bundle=bundle,
        previous=previous,
    )
    summary["value"] = value_of(values) | {"discount": float(economics.discount)}
    for segment in summary["segments"]:
        segment |= value_of(
            values[members["segment"].eq(segment["id"]).fillna(False).to_numpy(bool)]
        )
    summary["review"] = None if review is None else dict(review)
    summary["evidence"] = None if evidence is None else dict(evidence)
    snapshot = _snapshot(frame, id_col, spec.feature_names, rows)
    return MonthRun(month, id_col, members, campaign, plan, rejects, summary, snapshot)


def _snapshot(
    frame: pd.DataFrame, id_col: str, features: list[str], rows: np.ndarray
) -> pd.DataFrame:
    """The scored rows' features as given, with the history's member key; a column of mixed
    values as text (Parquet needs one type per column)."""
    kept = frame.iloc[rows].reset_index(drop=True)
    snapshot = pd.DataFrame({"member": kept[id_col].map(member_key)})
    for name in features:
        column = kept[name]
        if column.dtype == object:
            column = column.map(lambda v: v if isinstance(v, str) else _text_or_none(v))
            column = column.astype("string")
        snapshot[name] = column
    return snapshot


def _text_or_none(value: Any) -> str | None:
    return None if member_key(value) is None else str(value)


# --- the member id ------------------------------------------------------------------------------


def member_id_column(
    frame: pd.DataFrame,
    given: str | None,
    model_id: str | None,
    features: list[str],
    source: str,
) -> str:
    """The snapshot's member id column: `given` (``--id``), else the model's id column when
    the snapshot has it, else the column that looks like an id.

    Raises
    ------
    UsageError
        There is none.
    """
    if given is not None:
        return given_id_column(frame, given, source)
    if model_id is not None and model_id in frame.columns:
        return model_id
    found = find_member_id(frame, besides=features)
    if found is None:
        raise UsageError(
            "the snapshot has no member id column: a month is compared with the next by its "
            "members' ids, so they cannot be tracked without one",
            file=source,
            fix="add a column of member ids (unique per member, the same every month) and name "
            "it with --id COLUMN",
        )
    return found


def _check_ids(frame: pd.DataFrame, id_col: str, source: str) -> None:
    """Every member needs an id of its own: missing and repeated ids are named, by row."""
    keys = frame[id_col].map(member_key)
    failures = []
    for blank in np.flatnonzero(keys.isna().to_numpy()):
        failures.append((int(blank), frame[id_col].iloc[blank], "the member id is missing"))
    repeated = keys.duplicated(keep=False) & keys.notna()
    for key, rows in keys[repeated].groupby(keys[repeated], sort=False).groups.items():
        positions = [int(frame.index.get_loc(r)) for r in rows]
        for row in positions:
            others = ", ".join(str(r) for r in positions if r != row)
            failures.append((row, key, f"the member id is repeated (also in row {others})"))
    if failures:
        raise ValidationError(
            pd.DataFrame(failures, columns=["row", "value", "reason"])
            .assign(column=id_col)
            .sort_values("row", kind="stable")[["row", "column", "value", "reason"]],
            file=source,
            fix="give each member one row with an id of its own, the same every month",
        )


# --- the tables ---------------------------------------------------------------------------------


def _segment_names(bundle: Bundle, lang: str) -> dict[int, str]:
    if bundle.summary is None:
        return {}
    by_language = bundle.summary.get("segmentation", {}).get("names", {})
    if lang in by_language:
        return {int(k): str(v) for k, v in by_language[lang].items()}
    return {int(s["id"]): str(s["name"]) for s in bundle.summary.get("segments", [])}


def _names_of(frame: pd.DataFrame, names: dict[int, str]) -> list[str | None]:
    return [None if pd.isna(s) else names.get(int(s)) for s in frame["segment"]]


def _members_table(
    scored: ScoredColumns,
    rows: np.ndarray,
    id_col: str,
    ids: np.ndarray,
    names: dict[int, str],
    campaign: pd.DataFrame,
) -> pd.DataFrame:
    n = len(rows)
    segment = (
        pd.array(scored.segment, dtype="Int64")
        if scored.segment is not None
        else pd.array([pd.NA] * n, dtype="Int64")
    )
    table = pd.DataFrame(
        {
            "row": rows,
            id_col: ids[rows],
            "churn_probability": scored.probability,
            "risk_tier": scored.risk_tier,
            "segment": segment,
        }
    )
    table["segment_name"] = _names_of(table, names)
    for i in range(REASONS):
        table[f"reason_{i + 1}"] = [
            sentences[i] if i < len(sentences) else None for sentences in scored.reasons
        ]
    placed = campaign.set_index("row")
    for column, source_column in (
        ("measure", "measure"),
        ("measure_title", "measure_title"),
        ("campaign_rank", "rank"),
        ("group", "group"),
    ):
        table[column] = table["row"].map(placed[source_column])
    table["campaign_rank"] = table["campaign_rank"].astype("Int64")
    return table


# --- month.json ---------------------------------------------------------------------------------


def _summary(
    *,
    month: str,
    club: str,
    source: str,
    id_col: str,
    rows: int,
    members: pd.DataFrame,
    rejected: int,
    campaign: pd.DataFrame,
    plan: Plan,
    share: float,
    seed: int,
    bundle: Bundle,
    previous: pd.DataFrame | None,
) -> dict[str, Any]:
    p = members["churn_probability"]
    tiers = members["risk_tier"].value_counts()
    contacted = campaign[campaign["group"] == CONTACT]
    by_measure = []
    for measure, part in campaign.groupby("measure", sort=False):
        reached = part[part["group"] == CONTACT]
        by_measure.append(
            {
                "measure": str(measure),
                "title": str(part["measure_title"].iloc[0]),
                "members": len(part),
                "contact": len(reached),
                "control": int((part["group"] == CONTROL).sum()),
                "mean_probability_contact": _mean(reached["churn_probability"]),
                "mean_probability_control": _mean(
                    part.loc[part["group"] == CONTROL, "churn_probability"]
                ),
                "expected_cost": round(float(reached["expected_cost"].sum()), 2),
                "expected_saving": round(float(reached["expected_saving"].sum()), 2),
            }
        )
    segments = []
    if members["segment"].notna().any():
        for segment, part in members.groupby("segment", sort=True):
            segments.append(
                {
                    "id": int(segment),
                    "name": part["segment_name"].iloc[0],
                    "members": len(part),
                    "mean_probability": _mean(part["churn_probability"]),
                    "expected_leavers": round(float(part["churn_probability"].sum()), 2),
                }
            )
    return {
        "month": month,
        "club": club,
        "source": source,
        "id_col": id_col,
        "lang": plan.lang,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "churnlab_version": __version__,
        "model": {
            "learner": bundle.model.learner_,
            "data_hash": bundle.model.data_hash_,
            "target": bundle.model.spec_.target_col,
        },
        "members": rows,
        "scored": len(members),
        "rejected": rejected,
        "risk": {
            "high": int(tiers.get("high", 0)),
            "medium": int(tiers.get("medium", 0)),
            "low": int(tiers.get("low", 0)),
            "mean_probability": _mean(p),
            "expected_leavers": round(float(p.sum()), 2),
        },
        "segments": segments,
        "campaign": {
            "members": len(campaign),
            "contact": len(contacted),
            "control": int((campaign["group"] == CONTROL).sum()),
            "control_share": share,
            "seed": seed,
            "expected_cost": round(float(contacted["expected_cost"].sum()), 2),
            "expected_saving": round(float(contacted["expected_saving"].sum()), 2),
            "expected_net": round(float(contacted["expected_net"].sum()), 2),
            "by_measure": by_measure,
        },
        "plan": plan.to_dict(),
        "changes": None if previous is None else _changes(members, id_col, previous),
    }


def _changes(members: pd.DataFrame, id_col: str, previous: pd.DataFrame) -> dict[str, Any]:
    """This month against last month's scores in the history: who is new, who is gone, and
    whose risk rose."""
    now = members.assign(member=members[id_col].map(member_key)).set_index("member")
    before = previous.set_index("member")
    both = now.index.intersection(before.index)
    rose = now.loc[both, "churn_probability"] - before.loc[both, "churn_probability"]
    newly_high = (now.loc[both, "risk_tier"] == "high") & (before.loc[both, "risk_tier"] != "high")
    return {
        "month": str(previous["month"].iloc[0]) if "month" in previous and len(previous) else None,
        "members_before": len(before),
        "stayed": len(both),
        "new": int((~now.index.isin(before.index)).sum()),
        "gone": int((~before.index.isin(now.index)).sum()),
        "mean_probability_before": _mean(before["churn_probability"]),
        "mean_probability_now": _mean(now["churn_probability"]),
        "risk_rose": int((rose > 0.05).sum()),
        "newly_high": int(newly_high.sum()),
    }


def _mean(values: pd.Series) -> float | None:
    return round(float(values.mean()), 6) if len(values) else None
