"""Derived behaviour metrics: ratios and trends that carry much of the churn signal.

The churn literature ("Fighting Churn With Data", C. Gold) finds that a member's behaviour measured
against their own past (visits this month against their average) and against their contract
(how much of it is used up) predicts leaving better than the raw counts. Each metric here switches
on when the table has the columns it needs. Plain NumPy: scoring computes them without
scikit-learn (the pipeline's step is :class:`churnlab.model.features.BehaviourMetrics`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from churnlab.data.club import club_definition
from churnlab.data.feature import Role
from churnlab.data.spec import DatasetSpec

__all__ = [
    "DERIVED_METRICS",
    "VISITS_AVERAGE",
    "VISITS_LAST_MONTH",
    "DerivedMetric",
    "derived_metrics_for",
]

VISITS_LAST_MONTH = "Avg_class_frequency_current_month"
VISITS_AVERAGE = "Avg_class_frequency_total"


@dataclass(frozen=True)
class DerivedMetric:
    """A metric computed from other columns.

    Parameters
    ----------
    name : str
        The new column's name.
    inputs : tuple of str
        The columns it needs.
    compute : callable
        ``compute(columns) -> array``, vectorised; ``columns`` maps names to arrays (a
        DataFrame or a dict of NumPy arrays).
    role : {"lever", "trait", "unknown"}
        Whether the club can move it.
    label : dict
        Human names by language code.
    """

    name: str
    inputs: tuple[str, ...]
    compute: Callable[[Mapping[str, Any]], Any]
    role: Role
    label: dict[str, str] = field(default_factory=dict)

    def title(self, lang: str = "en") -> str:
        return self.label.get(lang) or self.label.get("en") or self.name


def _visits_trend(f: Mapping[str, Any]) -> Any:
    return f[VISITS_LAST_MONTH] - f[VISITS_AVERAGE]


def _visits_ratio(f: Mapping[str, Any]) -> Any:
    # +0.1 a week keeps members with no visits at all finite and comparable.
    return (f[VISITS_LAST_MONTH] + 0.1) / (f[VISITS_AVERAGE] + 0.1)


def _contract_used(f: Mapping[str, Any]) -> Any:
    period = np.asarray(f["Contract_period"], dtype=float)
    period = np.where(period > 0, period, np.nan)
    return np.clip(1.0 - np.asarray(f["Month_to_end_contract"], dtype=float) / period, 0.0, 1.0)


def _charges_per_month(f: Mapping[str, Any]) -> Any:
    return f["Avg_additional_charges_total"] / (f["Lifetime"] + 1.0)


#: Every metric churnlab knows how to derive, in the order they are added.
DERIVED_METRICS: tuple[DerivedMetric, ...] = (
    DerivedMetric(
        "visits_trend",
        (VISITS_LAST_MONTH, VISITS_AVERAGE),
        _visits_trend,
        "lever",
        {
            "en": "change in weekly visits against own average",
            "ru": "изменение посещений в неделю к своему среднему",
        },
    ),
    DerivedMetric(
        "visits_ratio",
        (VISITS_LAST_MONTH, VISITS_AVERAGE),
        _visits_ratio,
        "lever",
        {
            "en": "visits last month as a share of own average",
            "ru": "посещения за месяц в доле от своего среднего",
        },
    ),
    DerivedMetric(
        "contract_used",
        ("Month_to_end_contract", "Contract_period"),
        _contract_used,
        "lever",
        {"en": "share of the contract used", "ru": "доля использованного абонемента"},
    ),
    DerivedMetric(
        "charges_per_month",
        ("Avg_additional_charges_total", "Lifetime"),
        _charges_per_month,
        "lever",
        {"en": "spent on other services per month", "ru": "траты на доп. услуги в месяц"},
    ),
)


def derived_metrics_for(spec: DatasetSpec) -> tuple[DerivedMetric, ...]:
    """The metrics whose inputs are all features of ``spec`` that hold the club's meaning
    (:func:`churnlab.data.club.club_definition`: a ``Lifetime`` in days is not the club's).

    Examples
    --------
    >>> from churnlab.data.spec import gym_spec
    >>> [m.name for m in derived_metrics_for(gym_spec())]
    ['visits_trend', 'visits_ratio', 'contract_used', 'charges_per_month']
    """
    club = {f.name for f in spec.features if club_definition(f) is not None}
    return tuple(m for m in DERIVED_METRICS if set(m.inputs) <= club)
