"""What a contact is worth: the difference it makes, not how risky the member is.

A contact changes a member's next month only if the member would have left and the measure
keeps them, and what it keeps is the member's value from then on::

    value of a contact = P(leave) × success(measure | member) × value if kept − cost

**Success depends on the member.** Field studies of retention campaigns (Ascarza 2018,
"Retention futility"; Devriendt et al. 2021, uplift against churn models) find that the members
most sure to leave are often the least swayed: their minds are made up. Until the club's own
months have measured it, churnlab assumes so with one stated rule (:func:`futility`): a measure
keeps its full success rate for members up to a probability of :data:`SWAYED_UP_TO` (0.5) of
leaving, and the rate falls in a straight line from there to :data:`CERTAIN_SHARE` (a fifth) of
it for a member sure to leave. Once the loop's reviews have measured a measure's success within
a risk tier (the contact and control groups of that tier, pooled over the closed months), the
measured rate replaces rule and assumption for the members of that tier.

**Value if kept** is the member's own: the fee and what they spend besides, over the months
their survival curve says they would stay once kept (``kept_value``, from
:mod:`churnlab.model.survival`); without a curve (a plan built from bare scores), the flat
``fee × months_kept`` of the economics.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from churnlab.plan.evidence import SuccessPosterior

__all__ = [
    "CERTAIN_SHARE",
    "FIRST_CALLS",
    "NEAR_CERTAIN",
    "OBJECTIVES",
    "SWAYED_UP_TO",
    "first_by_risk",
    "futility",
    "kept_values",
    "member_success",
    "ranking_change",
]

#: Up to this probability of leaving, a contact keeps the measure's full success rate.
SWAYED_UP_TO = 0.5
#: The share of the success rate left for a member certain to leave.
CERTAIN_SHARE = 0.2
#: What the campaign maximises: money kept net of cost, or members kept.
OBJECTIVES = ("saving", "members")
#: The first calls compared by :func:`ranking_change`.
FIRST_CALLS = 50
#: A member this likely to leave counts as a near-certain leaver.
NEAR_CERTAIN = 0.9


def futility(probability: np.ndarray) -> np.ndarray:
    """The share of a measure's success rate a contact keeps for a member of this risk.

    Examples
    --------
    >>> futility(np.array([0.1, 0.5, 0.75, 1.0])).round(2).tolist()
    [1.0, 1.0, 0.6, 0.2]
    """
    p = np.asarray(probability, dtype=float)
    beyond = np.clip((p - SWAYED_UP_TO) / (1 - SWAYED_UP_TO), 0.0, 1.0)
    return np.asarray(1.0 - (1.0 - CERTAIN_SHARE) * beyond)


def member_success(
    rates: np.ndarray,
    measures: np.ndarray,
    probability: np.ndarray,
    *,
    tiers: np.ndarray | None = None,
    by_tier: Mapping[tuple[str, str], SuccessPosterior] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each member's success rate for their measure, and where it comes from.

    Parameters
    ----------
    rates : ndarray
        Each member's measure's rate for the measure as a whole (assumed or measured).
    measures : ndarray of str
        Each member's measure id.
    probability : ndarray
        Each member's probability of leaving.
    tiers : ndarray of str, optional
        Each member's risk tier.
    by_tier : mapping, optional
        Success rates measured within a tier, by (measure, tier); only those measured well
        enough are used.

    Returns
    -------
    success : ndarray
    source : ndarray of str
        ``rule`` (the rate shrunk by :func:`futility`) or ``tier`` (measured in the tier).

    Examples
    --------
    >>> success, source = member_success(np.array([0.2, 0.2]), np.array(["call", "call"]),
    ...                                  np.array([0.3, 0.9]))
    >>> success.round(3).tolist(), source.tolist()
    ([0.2, 0.072], ['rule', 'rule'])
    """
    success = np.asarray(rates, dtype=float) * futility(probability)
    source = np.full(len(success), "rule", dtype=object)
    if tiers is not None and by_tier:
        for (measure, tier), posterior in by_tier.items():
            if not posterior.measured:
                continue
            mine = (np.asarray(measures) == measure) & (np.asarray(tiers) == tier)
            success[mine] = posterior.mean
            source[mine] = "tier"
    return success, source


def kept_values(members: pd.DataFrame, value_kept: float) -> np.ndarray:
    """Each member's value if kept: their ``kept_value`` column (their own survival curve),
    else the flat ``fee × months_kept`` (`value_kept`) where it is missing."""
    n = len(members)
    if "kept_value" not in members.columns:
        return np.full(n, float(value_kept))
    own = pd.to_numeric(members["kept_value"], errors="coerce").to_numpy(dtype=float)
    return np.where(np.isfinite(own) & (own >= 0), own, float(value_kept))


def first_by_risk(risk_first: np.ndarray, first: int = FIRST_CALLS) -> np.ndarray:
    """The positions of the first ``first`` calls by risk (:func:`ranking_change`): the members
    whose ``risk_first`` net is above 0, largest first, equal ones in their order."""
    positive = np.flatnonzero(risk_first > 0)
    return positive[np.argsort(-risk_first[positive], kind="stable")[:first]]


def ranking_change(
    everyone: pd.DataFrame,
    risk_first: np.ndarray,
    campaign: pd.DataFrame,
    *,
    first: int = FIRST_CALLS,
) -> dict[str, Any]:
    """The first calls by the difference a contact makes against the first calls by risk.

    Parameters
    ----------
    everyone : pandas.DataFrame
        Every member as the plan priced them (``row``, ``churn_probability``,
        ``expected_kept``, ``expected_cost``, ``expected_net``).
    risk_first : ndarray
        Each member's expected net as the plan priced it before: the measure's rate for every
        member alike, ``fee × months kept`` for every member alike; its order puts the riskiest
        first within a measure.
    campaign : pandas.DataFrame
        The campaign, best first.
    first : int
        How many first calls to compare.

    Returns
    -------
    dict
        ``first``; for ``before`` (by risk) and ``now``: ``members``, ``mean_probability``,
        ``near_certain`` (members at :data:`NEAR_CERTAIN` or more), ``expected_kept`` and
        ``expected_net`` (both priced the way the plan prices now); ``shared`` (members in
        both), and ``reason``: ``futility`` when near-certain leavers left the first calls,
        else None.
    """
    lists = {"before": everyone.iloc[first_by_risk(risk_first, first)], "now": campaign.head(first)}
    found: dict[str, Any] = {"first": int(first)}
    for name, part in lists.items():
        p = part["churn_probability"].to_numpy(dtype=float)
        found[name] = {
            "members": len(part),
            "mean_probability": round(float(p.mean()), 6) if len(p) else None,
            "near_certain": int((p >= NEAR_CERTAIN).sum()),
            "expected_kept": round(float(part["expected_kept"].sum()), 4),
            "expected_net": round(float(part["expected_net"].sum()), 2),
        }
    found["shared"] = len(set(lists["before"]["row"]) & set(lists["now"]["row"]))
    fewer = found["now"]["near_certain"] < found["before"]["near_certain"]
    found["reason"] = "futility" if fewer else None
    return found
