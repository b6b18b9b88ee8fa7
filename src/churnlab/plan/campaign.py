"""The retention plan: target groups, the measure for each, the members to call first, the payoff.

:func:`build_plan` gives every member the applicable measure of a
:class:`~churnlab.plan.playbook.Playbook` whose drivers push that member hardest towards leaving,
prices the difference a contact makes (:mod:`churnlab.plan.contact_value`), and keeps the
members whose expected saving exceeds the cost, best first, within a budget::

    expected kept   = churn probability x success (measure | member)
    expected saving = expected kept x the member's value if kept
    expected net    = expected saving - cost

The success rate is the measure's (the playbook's, or the one the club's months measured),
shrunk for members near certain to leave, or measured in their risk tier; the value if kept is
the member's own (fee and spending over their expected months), else ``fee x months kept``.
Best first means by expected net (``objective="saving"``), or by expected members kept
(``objective="members"``).

:func:`build_plan` is :func:`price_members` (every member's measure and its price) followed by
:func:`plan_campaign` (the campaign chosen from the priced members); a table in parts is
priced part by part and its campaign chosen from the parts' :meth:`PricedMembers.shortlist`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from churnlab.errors import DataError, UsageError
from churnlab.model.derived import DERIVED_METRICS
from churnlab.plan.contact_value import (
    FIRST_CALLS,
    OBJECTIVES,
    first_by_risk,
    kept_values,
    member_success,
    ranking_change,
)
from churnlab.plan.evidence import SuccessPosterior
from churnlab.plan.fields import in_language
from churnlab.plan.playbook import Economics, Measure, Members, Playbook, member_count

__all__ = [
    "Plan",
    "PricedMembers",
    "TargetGroup",
    "build_plan",
    "campaign_rows",
    "measure_terms",
    "plan_campaign",
    "price_members",
    "recommend",
]


@dataclass(frozen=True)
class TargetGroup:
    """The members of the campaign who get one measure.

    Attributes
    ----------
    measure : str
        The measure's id.
    name : str
        The measure's title and who they are, e.g. "Renewal offer — contracts ending within 2
        months".
    members : int
        How many members of the campaign are in the group.
    action : str
        What staff do (the measure's description).
    expected_cost, expected_saving, expected_net : float
        Sums over the group.
    churn_probability : float
        The group's mean churn probability.
    cost_per_member, success_rate : float
        The values used for the measure: the playbook's or the overrides, or the rate the
        club's closed months measured.
    segments : list of int
        The segments most common in the group, most common first (at most three).
    success_source : {"assumed", "measured"}
        Where ``success_rate`` comes from.
    success_assumed : float or None
        The assumed rate (the playbook's, or the override), used or not.
    success_low, success_high, evidence : float or None
        A measured rate's 95 % interval, and the evidence behind it (what the closed months
        are worth in observations, older months weighing less; see
        :class:`~churnlab.plan.evidence.SuccessPosterior`).
    """

    measure: str
    name: str
    members: int
    action: str
    expected_cost: float
    expected_saving: float
    expected_net: float
    churn_probability: float
    cost_per_member: float
    success_rate: float
    segments: list[int] = field(default_factory=list)
    success_source: str = "assumed"
    success_assumed: float | None = None
    success_low: float | None = None
    success_high: float | None = None
    evidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: plain ``str``, ``int``, ``float`` and lists."""
        return {
            "measure": self.measure,
            "name": self.name,
            "members": int(self.members),
            "action": self.action,
            "expected_cost": round(float(self.expected_cost), 2),
            "expected_saving": round(float(self.expected_saving), 2),
            "expected_net": round(float(self.expected_net), 2),
            "churn_probability": round(float(self.churn_probability), 4),
            "cost_per_member": float(self.cost_per_member),
            "success_rate": float(self.success_rate),
            "segments": [int(s) for s in self.segments],
            "success_source": self.success_source,
            "success_assumed": _rounded(self.success_assumed),
            "success_low": _rounded(self.success_low),
            "success_high": _rounded(self.success_high),
            "evidence": _rounded(self.evidence),
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)


@dataclass(frozen=True)
class Plan:
    """The retention plan built by :func:`build_plan`.

    Attributes
    ----------
    campaign : pandas.DataFrame
        The members worth contacting, best first: ``rank`` (from 1), ``row``, the id column when
        given, ``churn_probability``, ``segment``, ``measure`` (id), ``measure_title``,
        ``expected_cost``, ``expected_saving`` and ``expected_net``.
    recommendations : pandas.Series
        Every member's recommended measure id, in or out of the campaign; index as the members'.
    target_groups : list of TargetGroup
        One per measure used in the campaign, by expected saving, largest first.
    economics : Economics
        The values used (defaults and overrides), for the report to state.
    lang : str
        The language of the titles and actions.
    playbook : str
        The name of the playbook the measures came from, in ``lang``.
    builtin : str, optional
        Which built-in playbook that is
        (:data:`~churnlab.plan.playbook.BUILTIN_PLAYBOOKS`); None for one's own.
    objective : {"saving", "members"}
        What the campaign's order maximises.
    ranking : dict
        The first calls against the first calls by risk
        (:func:`~churnlab.plan.contact_value.ranking_change`).
    """

    campaign: pd.DataFrame
    recommendations: pd.Series
    target_groups: list[TargetGroup]
    economics: Economics
    lang: str = "en"
    playbook: str = ""
    builtin: str | None = None
    objective: str = "saving"
    ranking: dict[str, Any] = field(default_factory=dict)

    @property
    def expected_cost(self) -> float:
        return float(self.campaign["expected_cost"].sum())

    @property
    def expected_saving(self) -> float:
        return float(self.campaign["expected_saving"].sum())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"target_groups": [...], "economics": {...}, "campaign": {...},
        "lang": ..., "playbook": {"name", "builtin", "file"}}``; ``file`` is the built-in
        playbook's YAML (to copy and change), None for one's own."""
        economics = {
            k: (float(v) if isinstance(v, int | float) else v)
            for k, v in self.economics.model_dump().items()
        }
        return {
            "target_groups": [g.to_dict() for g in self.target_groups],
            "economics": economics,
            "campaign": {
                "members": len(self.campaign),
                "expected_cost": round(self.expected_cost, 2),
                "expected_saving": round(self.expected_saving, 2),
                "expected_net": round(self.expected_saving - self.expected_cost, 2),
            },
            "lang": self.lang,
            "objective": self.objective,
            "ranking": self.ranking,
            "playbook": {
                "name": self.playbook,
                "builtin": self.builtin,
                "file": None
                if self.builtin is None
                else f"churnlab/plan/playbooks/{self.builtin}.yaml",
            },
        }


def build_plan(
    members: pd.DataFrame,
    contributions: pd.DataFrame,
    playbook: Playbook,
    economics: Economics | None = None,
    *,
    lang: str = "en",
    id_col: str | None = None,
    measured: Mapping[str, SuccessPosterior] | None = None,
    by_tier: Mapping[tuple[str, str], SuccessPosterior] | None = None,
    objective: str = "saving",
) -> Plan:
    """Give every member a measure, and rank the members worth contacting.

    Each member gets a measure by the rule of :func:`recommend`. The campaign keeps the members
    whose expected net is above 0, by net, largest first, and under a budget the top of that list
    while the cumulated cost stays within it.

    Parameters
    ----------
    members : pandas.DataFrame
        One row per member: ``churn_probability``, optionally ``row`` (0-based input position;
        default the position here), ``segment`` (int) and the id column, plus the feature columns
        the triggers look at. Derived metrics (``visits_trend`` ...) missing from it are computed
        when their input columns are there.
    contributions : pandas.DataFrame
        Same index as ``members``, one column per feature: its contribution to the member's churn
        log-odds (positive pushes towards leaving). Features without a column count as 0.
    playbook : Playbook
        The measures (see :func:`~churnlab.plan.playbook.load_playbook`).
    economics : Economics, optional
        Fee, months kept, overrides and budget. Default: the playbook's.
    lang : str
        Language of the titles and actions ("en", "ru").
    id_col : str, optional
        The member id column of ``members``, carried to the campaign.
    measured : mapping of str to SuccessPosterior, optional
        Success rates the club's closed months measured, by measure id
        (:func:`churnlab.analysis.learning.measured_success`): each replaces the playbook's
        assumption once its evidence is worth more than the prior
        (:attr:`~churnlab.plan.evidence.SuccessPosterior.measured`). An explicit
        ``success_rate`` in the economics still wins.
    by_tier : mapping of (str, str) to SuccessPosterior, optional
        Success rates measured within a risk tier, by (measure id, tier): for the members of
        that tier (``risk_tier`` in `members`) they replace the measure's rate and the futility
        rule.
    objective : {"saving", "members"}
        Rank the campaign by expected net, or by expected members kept. Either way only the
        members whose contact pays for itself are in it.

    Returns
    -------
    Plan

    Raises
    ------
    DataError
        ``churn_probability`` is missing or outside [0, 1], or ``contributions`` lacks members.
    UsageError
        ``id_col`` is not a column of ``members``, or the playbook has no texts in ``lang``.

    Examples
    --------
    >>> members = pd.DataFrame({"churn_probability": [0.9, 0.6, 0.05], "segment": [2, 2, 0],
    ...                         "Lifetime": [0, 5, 8], "Month_to_end_contract": [1, 1, 11]})
    >>> contributions = pd.DataFrame({"Lifetime": [1.5, -0.5, -1.0],
    ...                               "Month_to_end_contract": [0.4, 1.2, -0.8]})
    >>> from churnlab.plan.playbook import load_playbook
    >>> plan = build_plan(members, contributions, load_playbook())
    >>> plan.recommendations.tolist()
    ['first_month_onboarding', 'renewal_offer', 'personal_call']
    >>> plan.campaign[["rank", "row", "measure", "expected_cost", "expected_saving"]]
       rank  row                 measure  expected_cost  expected_saving
    0     1    1           renewal_offer           20.0             37.8
    1     2    0  first_month_onboarding           15.0             24.3

    The member near certain to leave (0.9) is swayed less
    (:func:`~churnlab.plan.contact_value.futility`): 0.9 × 0.25 × 0.36 × 300 = 24.3, against
    0.6 × 0.25 × 0.84 × 300 = 37.8 for the member at 0.6.

    >>> plan.target_groups[0].name
    'Renewal offer — contracts ending within 2 months'
    """
    priced = price_members(members, contributions, playbook, economics, lang=lang, id_col=id_col,
                           measured=measured, by_tier=by_tier, objective=objective)  # fmt: skip
    return plan_campaign(priced, playbook, economics, lang=lang, measured=measured,
                         objective=objective)  # fmt: skip


@dataclass(frozen=True)
class PricedMembers:
    """Every member as :func:`build_plan` prices them, before the campaign is chosen: what
    :func:`price_members` gives, and what :func:`plan_campaign` chooses the campaign from.

    A table split into parts (a Dask partition each) is priced part by part; each part's
    :meth:`shortlist` keeps only the members that can reach the campaign or the first calls
    by risk, and :meth:`joined` puts the shortlists back together in row order: the campaign
    chosen from them is the one chosen from every member.

    Attributes
    ----------
    everyone : pandas.DataFrame
        One row per member, in the members' order: ``row``, the id column when given,
        ``churn_probability``, ``segment``, ``measure``, ``measure_title``, ``expected_kept``,
        ``expected_cost``, ``expected_saving`` and ``expected_net``.
    recommendations : pandas.Series
        Each member's measure id (index as the members'); empty in a shortlist.
    risk_first : ndarray
        Each member's expected net priced the way the plan did before
        (:func:`~churnlab.plan.contact_value.ranking_change`).
    """

    everyone: pd.DataFrame
    recommendations: pd.Series
    risk_first: np.ndarray

    def shortlist(
        self, budget: float | None, objective: str, first: int = FIRST_CALLS
    ) -> PricedMembers:
        """The members that can be in the campaign of a whole of which these are a part, or in
        its first ``first`` calls by risk; in their order here.

        A member this part's own campaign leaves out for the budget is out of the whole's
        campaign too: the whole's better members cost at least this part's."""
        keep = np.zeros(len(self.everyone), dtype=bool)
        keep[campaign_rows(self.everyone, objective, budget)] = True
        keep[first_by_risk(self.risk_first, first)] = True
        return PricedMembers(
            self.everyone[keep],
            self.recommendations.iloc[:0],
            self.risk_first[keep],
        )

    @staticmethod
    def joined(parts: Sequence[PricedMembers]) -> PricedMembers:
        """Parts' (or shortlists') members in one, in the parts' order."""
        # an empty part's columns have no values to type them by: left out, not to widen them
        parts = [p for p in parts if len(p.everyone)] or list(parts[:1])
        return PricedMembers(
            pd.concat([p.everyone for p in parts], ignore_index=True),
            pd.concat([p.recommendations for p in parts]),
            np.concatenate([p.risk_first for p in parts]),
        )


def price_members(
    members: pd.DataFrame,
    contributions: pd.DataFrame,
    playbook: Playbook,
    economics: Economics | None = None,
    *,
    lang: str = "en",
    id_col: str | None = None,
    measured: Mapping[str, SuccessPosterior] | None = None,
    by_tier: Mapping[tuple[str, str], SuccessPosterior] | None = None,
    objective: str = "saving",
) -> PricedMembers:
    """Give every member a measure and price a contact: the first half of :func:`build_plan`
    (see it for the parameters and the errors)."""
    economics = playbook.economics if economics is None else economics
    n = len(members)
    _best(objective)
    if lang not in playbook.languages:
        raise UsageError(
            f"the playbook has no texts in the language {lang!r}",
            fix="use one of: " + ", ".join(playbook.languages),
        )
    probability = _probabilities(members)
    if id_col is not None and id_col not in members.columns:
        raise UsageError(
            f"no member id column {id_col!r}",
            column=id_col,
            fix="the columns are: " + ", ".join(map(str, members.columns)),
        )
    for what, frame_ in (("members", members), ("contributions", contributions)):
        if not frame_.index.is_unique:
            raise DataError(
                f"the {what} have a repeated index label",
                fix="give one row per member, e.g. with .reset_index(drop=True) on both frames",
            )
    lacking = ~members.index.isin(contributions.index)
    if lacking.any():
        raise DataError(
            f"{int(lacking.sum())} members have no contributions",
            rows=_rows(members, lacking),
            fix="give contributions with the same index as the members",
        )
    contrib = contributions.reindex(members.index).apply(pd.to_numeric, errors="coerce").fillna(0.0)
    chosen = recommend(members, contrib, playbook, economics)
    costs, rates = _costs_and_rates(playbook, economics, measured)

    ids = np.array([m.id for m in playbook.measures], dtype=object)
    titles = np.array([in_language(m.title, lang) for m in playbook.measures], dtype=object)
    cost = np.asarray(costs, dtype=float)[chosen]
    tiers = members["risk_tier"].to_numpy() if "risk_tier" in members.columns else None
    success, _ = member_success(np.asarray(rates, dtype=float)[chosen], ids[chosen], probability,
                                tiers=tiers, by_tier=by_tier)  # fmt: skip
    kept = probability * success
    saving = kept * kept_values(members, economics.value_kept)
    columns: dict[str, Any] = {
        "row": members["row"].to_numpy() if "row" in members.columns else np.arange(n),
    }
    if id_col is not None:
        columns[id_col] = members[id_col].to_numpy()
    columns |= {
        "churn_probability": probability,
        "segment": members["segment"].to_numpy()
        if "segment" in members.columns
        else pd.array([pd.NA] * n, dtype="Int64"),
        "measure": ids[chosen],
        "measure_title": titles[chosen],
        "expected_kept": kept,
        "expected_cost": cost,
        "expected_saving": saving,
        "expected_net": saving - cost,
    }
    return PricedMembers(
        pd.DataFrame(columns, index=members.index),
        pd.Series(ids[chosen], index=members.index, name="measure", dtype=object),
        probability * np.asarray(rates, dtype=float)[chosen] * economics.value_kept - cost,
    )


def plan_campaign(
    priced: PricedMembers,
    playbook: Playbook,
    economics: Economics | None = None,
    *,
    lang: str = "en",
    measured: Mapping[str, SuccessPosterior] | None = None,
    objective: str = "saving",
) -> Plan:
    """The campaign of priced members: the second half of :func:`build_plan`.

    ``priced`` is :func:`price_members`' result, or the :meth:`PricedMembers.joined` shortlists
    of a table's parts, with the same playbook, economics and measured rates."""
    economics = playbook.economics if economics is None else economics
    costs, rates = _costs_and_rates(playbook, economics, measured)
    learnt = _learnt(playbook, economics, measured)
    everyone = priced.everyone
    campaign = everyone.iloc[campaign_rows(everyone, objective, economics.budget)]
    campaign = campaign.reset_index(drop=True)
    campaign.insert(0, "rank", np.arange(1, len(campaign) + 1))
    groups = [
        _target_group(playbook.measure(measure_id), part, lang, costs, rates, playbook)
        for measure_id, part in campaign.groupby("measure", sort=False)
    ]
    groups = [_with_source(g, learnt.get(g.measure)) for g in groups]
    groups.sort(key=lambda g: (-g.expected_saving, g.measure))
    return Plan(
        campaign,
        priced.recommendations,
        groups,
        economics,
        lang,
        playbook=in_language(playbook.name, lang),
        builtin=playbook.builtin,
        objective=objective,
        ranking=ranking_change(everyone, priced.risk_first, campaign),
    )


def campaign_rows(everyone: pd.DataFrame, objective: str, budget: float | None) -> np.ndarray:
    """The positions in ``everyone`` (priced members, :attr:`PricedMembers.everyone`) of the
    campaign, best first: the members whose expected net is above 0, by the objective's
    column, largest first (equal ones in their order here), and under a budget the top of
    that list while the cumulated cost stays within it."""
    worth = np.flatnonzero(everyone["expected_net"].to_numpy() > 0)
    order = worth[np.argsort(-everyone[_best(objective)].to_numpy()[worth], kind="stable")]
    if budget is not None:
        order = order[np.cumsum(everyone["expected_cost"].to_numpy()[order]) <= budget + 1e-9]
    return order


def _best(objective: str) -> str:
    """The column the campaign's order maximises."""
    if objective not in OBJECTIVES:
        raise UsageError(
            f"the objective must be {' or '.join(OBJECTIVES)}, not {objective!r}",
            fix="use --objective saving (money kept) or --objective members (members kept)",
        )
    return "expected_net" if objective == "saving" else "expected_kept"


def _learnt(
    playbook: Playbook, economics: Economics, measured: Mapping[str, SuccessPosterior] | None
) -> dict[str, SuccessPosterior]:
    """The measured rates the plan uses: measured well enough, and not overridden."""
    if measured is None or economics.success_rate is not None:
        return {}
    known = {m.id for m in playbook.measures}
    return {k: v for k, v in measured.items() if k in known and v.measured}


def _with_source(group: TargetGroup, learnt: SuccessPosterior | None) -> TargetGroup:
    if learnt is None:
        return replace(group, success_assumed=group.success_rate)
    return replace(
        group,
        success_source="measured",
        success_assumed=learnt.prior_rate,
        success_low=learnt.low,
        success_high=learnt.high,
        evidence=learnt.evidence,
    )


def recommend(
    members: Members,
    contributions: Members,
    playbook: Playbook,
    economics: Economics | None = None,
) -> np.ndarray:
    """Each member's measure, as a position in ``playbook.measures``.

    Among the measures whose triggers all hold for a member, the member gets the one whose drivers
    carry the largest total positive contribution to that member's churn; on a tie the cheaper
    (then the first in the playbook). When no applicable measure's drivers push the member towards
    leaving, the cheapest applicable measure that has triggers but no drivers (it is chosen on its
    triggers alone, e.g. a band of churn probability); failing that, the cheapest measure without
    triggers (the fallback).

    Parameters
    ----------
    members : pandas.DataFrame or dict of arrays
        The columns the triggers look at (derived metrics are added when missing).
    contributions : pandas.DataFrame or dict of arrays
        Numeric contributions to churn log-odds, one row per member in the order of ``members``.
    playbook : Playbook
    economics : Economics, optional
        Its cost overrides decide ties. Default: the playbook's.

    Examples
    --------
    >>> from churnlab.plan.playbook import builtin_playbook, load_playbook
    >>> playbook = load_playbook()
    >>> members = pd.DataFrame({"Month_to_end_contract": [1, 12]})
    >>> pushed = pd.DataFrame({"Month_to_end_contract": [0.8, 0.8]})
    >>> [playbook.measures[i].id for i in recommend(members, pushed, playbook)]
    ['renewal_offer', 'personal_call']

    The subscription playbook's measures have no drivers: churn probability bands choose them.

    >>> bands = builtin_playbook("subscription")
    >>> members = {"churn_probability": np.array([0.9, 0.6, 0.4, 0.2, 0.05])}
    >>> [bands.measures[i].id for i in recommend(members, {}, bands)]
    ['win_back_offer', 'plan_change', 'service_check', 'survey', 'personal_call']
    """
    economics = playbook.economics if economics is None else economics
    n = member_count(members)
    frame = _with_derived(members)
    position = {c: i for i, c in enumerate(contributions)}
    values = np.column_stack(
        [np.asarray(contributions[c], dtype=float) for c in position] or [np.zeros(n)]
    )
    costs, _ = _costs_and_rates(playbook, economics)
    # Candidates in order of cost (then playbook order), so argmax picks the cheaper on a tie.
    order = sorted(range(len(playbook.measures)), key=lambda i: (costs[i], i))
    scores = np.full((n, len(order)), -np.inf)
    # Measures with triggers but no drivers that apply: chosen on their triggers alone.
    on_triggers = np.zeros((n, len(order)), dtype=bool)
    for j, i in enumerate(order):
        measure = playbook.measures[i]
        drivers = [position[d] for d in measure.drivers if d in position]
        pushed = np.clip(values[:, drivers], 0.0, None).sum(axis=1) if drivers else np.zeros(n)
        applies = measure.applies(frame)
        scores[applies, j] = pushed[applies]
        on_triggers[:, j] = applies & (not measure.generic and not measure.drivers)
    fallback = next(j for j, i in enumerate(order) if playbook.measures[i].generic)
    if not n:
        return np.zeros(0, dtype=int)
    best = scores.argmax(axis=1)
    otherwise = np.where(on_triggers.any(axis=1), on_triggers.argmax(axis=1), fallback)
    best = np.where(scores[np.arange(n), best] > 0, best, otherwise)
    return np.asarray(order, dtype=int)[best]


def measure_terms(playbook: Playbook, economics: Economics) -> dict[str, tuple[float, float]]:
    """Each measure's cost per member contacted and assumed success rate, by id, with the
    economics' overrides (``--offer-cost``, ``--success-rate``).

    Examples
    --------
    >>> from churnlab.plan.playbook import load_playbook
    >>> playbook = load_playbook()
    >>> measure_terms(playbook, playbook.economics)["renewal_offer"]
    (20.0, 0.25)
    """
    costs, rates = _costs_and_rates(playbook, economics)
    return {
        m.id: (float(c), float(r)) for m, c, r in zip(playbook.measures, costs, rates, strict=True)
    }


def _costs_and_rates(
    playbook: Playbook,
    economics: Economics,
    measured: Mapping[str, SuccessPosterior] | None = None,
) -> tuple[list[float], list[float]]:
    """Each measure's cost per member and success rate, with the economics' overrides and the
    rates measured well enough (:func:`_learnt`)."""
    costs = [
        m.cost if economics.offer_cost is None else economics.offer_cost for m in playbook.measures
    ]
    learnt = _learnt(playbook, economics, measured)
    rates = [
        learnt[m.id].mean
        if m.id in learnt
        else m.success_rate
        if economics.success_rate is None
        else economics.success_rate
        for m in playbook.measures
    ]
    return costs, rates


def _probabilities(members: pd.DataFrame) -> np.ndarray:
    if "churn_probability" not in members.columns:
        raise DataError(
            "the members have no churn_probability column",
            column="churn_probability",
            fix="score the members first (churnlab score) and plan from the scores",
        )
    p = pd.to_numeric(members["churn_probability"], errors="coerce").to_numpy(dtype=float)
    bad = ~((p >= 0) & (p <= 1))
    if bad.any():
        raise DataError(
            "churn probabilities must be numbers between 0 and 1",
            column="churn_probability",
            rows=_rows(members, bad),
            fix="plan from the probabilities churnlab score writes",
        )
    return np.asarray(p)


def _rows(members: pd.DataFrame, mask: np.ndarray) -> list[int]:
    """The input rows (the ``row`` column, else the positions) where ``mask`` holds."""
    rows = members["row"].to_numpy() if "row" in members.columns else np.arange(len(members))
    return [int(r) for r in rows[np.asarray(mask, dtype=bool)]]


def _with_derived(members: Members) -> Members:
    """``members`` with the derived metrics it lacks but has the inputs for."""
    added = {}
    for metric in DERIVED_METRICS:
        if metric.name in members or not set(metric.inputs) <= set(members):
            continue
        try:
            added[metric.name] = np.asarray(metric.compute(members), dtype=float)
        except (TypeError, ValueError):  # inputs that are not numbers: the metric stays absent
            continue
    if not added:
        return members
    return members.assign(**added) if isinstance(members, pd.DataFrame) else {**members, **added}


def _target_group(
    measure: Measure,
    part: pd.DataFrame,
    lang: str,
    costs: Sequence[float],
    rates: Sequence[float],
    playbook: Playbook,
) -> TargetGroup:
    i = playbook.measures.index(measure)
    segments: list[int] = []
    known = part["segment"].dropna()
    if len(known):
        counts = known.astype(int).value_counts(sort=False)
        # Most common first; equal counts by segment id.
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        segments = [int(s) for s, _ in ranked[:3]]
    return TargetGroup(
        measure=measure.id,
        name=f"{in_language(measure.title, lang)} — {measure.who(lang)}",
        members=len(part),
        action=in_language(measure.description, lang),
        expected_cost=float(part["expected_cost"].sum()),
        expected_saving=float(part["expected_saving"].sum()),
        expected_net=float(part["expected_net"].sum()),
        churn_probability=float(part["churn_probability"].mean()),
        cost_per_member=float(costs[i]),
        success_rate=float(rates[i]),
        segments=segments,
    )
