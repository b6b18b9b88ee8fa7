"""Derived behaviour metrics: ratios and trends that carry much of the churn signal.

The churn literature ("Fighting Churn With Data", C. Gold) finds that a member's behaviour measured
against their own past (visits this month against their average) and against their contract
(how much of it is used up) predicts leaving better than the raw counts. Each metric here switches
on when the table has the columns it needs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from churnlab.spec import DatasetSpec, Role

__all__ = [
    "DERIVED_METRICS",
    "FEATURE_GROUPS",
    "BehaviourMetrics",
    "DerivedMetric",
    "FeatureGroup",
    "derived_metrics_for",
    "group_features",
]

_CURRENT = "Avg_class_frequency_current_month"
_AVERAGE = "Avg_class_frequency_total"


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
    return f[_CURRENT] - f[_AVERAGE]


def _visits_ratio(f: Mapping[str, Any]) -> Any:
    # +0.1 a week keeps members with no visits at all finite and comparable.
    return (f[_CURRENT] + 0.1) / (f[_AVERAGE] + 0.1)


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
        (_CURRENT, _AVERAGE),
        _visits_trend,
        "lever",
        {
            "en": "change in weekly visits against own average",
            "ru": "изменение посещений в неделю к своему среднему",
        },
    ),
    DerivedMetric(
        "visits_ratio",
        (_CURRENT, _AVERAGE),
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
_BY_NAME = {m.name: m for m in DERIVED_METRICS}


@dataclass(frozen=True)
class FeatureGroup:
    """Columns that describe one thing and are explained together.

    Visits last month, the average, their trend and ratio overlap: split four ways, a member's
    "visits" reason would be spread thin and contradict itself. Grouped, it is one reason
    ("visits fell from 2.1 to 0.4 a week") whose size is the sum of its parts.
    """

    head: str
    members: tuple[str, ...]
    role: Role
    label: dict[str, str]

    def title(self, lang: str = "en") -> str:
        return self.label.get(lang) or self.label["en"]


#: Groups of the club's columns with the metrics derived from them, keyed by their head column.
FEATURE_GROUPS: dict[str, FeatureGroup] = {
    g.head: g
    for g in (
        FeatureGroup(
            _CURRENT,
            (_CURRENT, _AVERAGE, "visits_trend", "visits_ratio"),
            "lever",
            {
                "en": "visits (last month against own average)",
                "ru": "посещения (за месяц к своему среднему)",
            },
        ),
        FeatureGroup(
            "Month_to_end_contract",
            ("Month_to_end_contract", "Contract_period", "contract_used"),
            "lever",
            {"en": "contract (length and months left)", "ru": "абонемент (срок и остаток)"},
        ),
        FeatureGroup(
            "Avg_additional_charges_total",
            ("Avg_additional_charges_total", "charges_per_month"),
            "lever",
            {"en": "spending on extra services", "ru": "траты на доп. услуги"},
        ),
    )
}


def group_features(columns: Sequence[str]) -> dict[str, list[str]]:
    """Each explained unit and its columns: a group's head with its members, or a column alone.

    Examples
    --------
    >>> group_features(["Age", "Avg_class_frequency_current_month", "visits_trend"])
    {'Age': ['Age'],
     'Avg_class_frequency_current_month': ['Avg_class_frequency_current_month', 'visits_trend']}
    """
    owner = {m: g.head for g in FEATURE_GROUPS.values() for m in g.members}
    present = set(columns)
    groups: dict[str, list[str]] = {}
    for column in columns:
        head = owner.get(column, column)
        if head not in present:  # the head column itself is absent: the member stands alone
            head = column
        groups.setdefault(head, []).append(column)
    return groups


def derived_metrics_for(spec: DatasetSpec) -> tuple[DerivedMetric, ...]:
    """The metrics whose inputs are all numeric features of ``spec``.

    Examples
    --------
    >>> from churnlab.spec import gym_spec
    >>> [m.name for m in derived_metrics_for(gym_spec())]
    ['visits_trend', 'visits_ratio', 'contract_used', 'charges_per_month']
    """
    numeric = {f.name for f in spec.features if f.kind != "categorical"}
    return tuple(m for m in DERIVED_METRICS if set(m.inputs) <= numeric)


class BehaviourMetrics(TransformerMixin, BaseEstimator):
    """Add derived behaviour metrics as new columns.

    Parameters
    ----------
    metrics : sequence of str
        Names from :data:`DERIVED_METRICS`.

    Examples
    --------
    >>> frame = pd.DataFrame({"Avg_class_frequency_current_month": [0.5],
    ...                       "Avg_class_frequency_total": [2.0]})
    >>> BehaviourMetrics(["visits_trend"]).fit_transform(frame)["visits_trend"].tolist()
    [-1.5]
    """

    def __init__(self, metrics: Sequence[str] = ()) -> None:
        self.metrics = metrics

    def fit(self, X: pd.DataFrame, y: object = None) -> BehaviourMetrics:
        unknown = [m for m in self.metrics if m not in _BY_NAME]
        if unknown:
            raise ValueError(f"unknown derived metric {unknown[0]!r}; known: {sorted(_BY_NAME)}")
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self)
        added = {name: np.asarray(_BY_NAME[name].compute(X), dtype=float) for name in self.metrics}
        return X.assign(**added)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self)
        return np.asarray([*self.feature_names_in_, *self.metrics], dtype=object)
