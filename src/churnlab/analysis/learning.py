"""What the closed months teach: measured success rates for the next plan, and training rows.

Each closed month holds, for every member scored in it, the probability given, the measure and
group of the campaign, and whether they left. :func:`measured_success` pools, per measure, the
contact and control groups of every closed month (older months weigh less: a half-life of
:data:`HALF_LIFE` months) and gives the success rate's posterior, whose prior is the playbook's
assumption; the plan uses the posterior mean once the evidence is worth more than the prior
(:attr:`~churnlab.plan.evidence.SuccessPosterior.measured`).

:func:`training_rows` gives the closed months' members as a training table for a model that
learns from the club's own months: only the untreated ones (the control groups and those
outside the campaigns), since a call changes what a member does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from churnlab.analysis.review import treated_members
from churnlab.plan.campaign import measure_terms
from churnlab.plan.control import CONTACT, CONTROL
from churnlab.plan.evidence import Arms, SuccessPosterior, pooled, success_posterior
from churnlab.plan.playbook import Economics, Playbook

__all__ = [
    "HALF_LIFE",
    "ClosedMonth",
    "measured_success",
    "measured_success_by_tier",
    "months_between",
    "training_rows",
]

#: Months after which a closed month's evidence counts half.
HALF_LIFE = 6.0


@dataclass(frozen=True)
class ClosedMonth:
    """A closed month as the history holds it.

    Attributes
    ----------
    month : str
        ``YYYY-MM``.
    scores : pandas.DataFrame
        Its scores (:meth:`churnlab.store.Store.month_scores`) with ``left`` (bool) joined.
    contacts : pandas.DataFrame or None
        The calls staff recorded in it.
    """

    month: str
    scores: pd.DataFrame
    contacts: pd.DataFrame | None = None


def months_between(earlier: str, later: str) -> int:
    """Whole months from one ``YYYY-MM`` to another.

    Examples
    --------
    >>> months_between("2023-11", "2024-02")
    3
    """
    return (int(later[:4]) - int(earlier[:4])) * 12 + int(later[5:7]) - int(earlier[5:7])


def measured_success(
    closed: Sequence[ClosedMonth],
    *,
    now: str,
    playbook: Playbook,
    economics: Economics,
    half_life: float = HALF_LIFE,
) -> dict[str, SuccessPosterior]:
    """Each playbook measure's success rate as the closed months measured it.

    Parameters
    ----------
    closed : sequence of ClosedMonth
        The club's closed months.
    now : str
        The month being planned: the latest closed month before it weighs 1, one a further
        `half_life` months back 1/2.
    playbook, economics
        The assumed rates (the priors), costs and what a kept member is worth.

    Returns
    -------
    dict
        By measure id, for the measures some closed month's campaign used.
    """
    found = _measured(closed, now, playbook, economics, half_life, by_tier=False)
    return {measure: posterior for (measure, _), posterior in found.items()}


def measured_success_by_tier(
    closed: Sequence[ClosedMonth],
    *,
    now: str,
    playbook: Playbook,
    economics: Economics,
    half_life: float = HALF_LIFE,
) -> dict[tuple[str, str], SuccessPosterior]:
    """:func:`measured_success` within each risk tier: by (measure id, tier), from the
    contact and control groups of the tier's members (``risk_tier`` of the scores). The plan
    uses those measured well enough for the tier's members instead of the futility rule
    (:func:`churnlab.plan.contact_value.member_success`)."""
    return _measured(closed, now, playbook, economics, half_life, by_tier=True)


def _measured(
    closed: Sequence[ClosedMonth],
    now: str,
    playbook: Playbook,
    economics: Economics,
    half_life: float,
    *,
    by_tier: bool,
) -> dict[tuple[str, str], SuccessPosterior]:
    """Per (measure, tier) — tier "" when not by tier — the pooled posterior."""
    terms = measure_terms(playbook, economics)
    by_measure: dict[tuple[str, str], list[tuple[float, Arms]]] = {}
    for month in closed:
        age = max(months_between(month.month, now) - 1, 0)
        scores = month.scores[month.scores["measure"].notna()]
        keys = ["measure", "risk_tier"] if by_tier else ["measure"]
        for key, part in scores.groupby(keys, sort=False):
            measure, tier = key if by_tier else (key[0] if isinstance(key, tuple) else key, "")
            if str(measure) not in terms:
                continue  # a measure of an earlier playbook
            left = part["left"].to_numpy(dtype=bool)
            contact = (part["campaign_group"] == CONTACT).to_numpy()
            control = (part["campaign_group"] == CONTROL).to_numpy()
            by_measure.setdefault((str(measure), str(tier)), []).append(
                (
                    float(age),
                    Arms(
                        contact=float(contact.sum()),
                        contact_left=float(left[contact].sum()),
                        control=float(control.sum()),
                        control_left=float(left[control].sum()),
                    ),
                )
            )
    found = {}
    for (measure, tier), months in by_measure.items():
        cost, rate = terms[measure]
        found[(measure, tier)] = success_posterior(
            pooled(months, half_life=half_life),
            prior_rate=rate,
            cost=cost,
            value_kept=economics.value_kept,
        )
    return found


def training_rows(
    closed: Sequence[ClosedMonth], members: Sequence[pd.DataFrame]
) -> tuple[pd.DataFrame, np.ndarray]:
    """The closed months' untreated members as a training table, and whether each left.

    Parameters
    ----------
    closed : sequence of ClosedMonth
    members : sequence of pandas.DataFrame
        Each month's members as scored (``members.parquet`` of its folder): ``member`` and
        the features; in the order of `closed`.

    Returns
    -------
    features : pandas.DataFrame
        One row per untreated member of every closed month (a member is in several months),
        with ``month`` and ``member`` in front.
    left : ndarray of int
    """
    parts, labels = [], []
    for month, table in zip(closed, members, strict=True):
        scores = month.scores
        untreated = scores.loc[~treated_members(scores, month.contacts), ["member", "left"]]
        joined = table.assign(member=table["member"].astype(str)).merge(
            untreated.assign(member=untreated["member"].astype(str)), on="member", how="inner"
        )
        parts.append(joined.drop(columns="left").assign(month=month.month))
        labels.append(joined["left"].to_numpy(dtype=int))
    if not parts:
        return pd.DataFrame(), np.zeros(0, dtype=int)
    frame = pd.concat(parts, ignore_index=True)
    front = ["month", "member"]
    return frame[front + [c for c in frame.columns if c not in front]], np.concatenate(labels)
