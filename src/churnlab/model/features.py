"""Feature groups explained together, and the pipeline step that adds the derived metrics.

The metrics themselves (:data:`DERIVED_METRICS`) live in :mod:`churnlab.model.derived`, which
scoring imports without scikit-learn; they are re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from churnlab.data.feature import Role
from churnlab.model.derived import (
    DERIVED_METRICS,
    VISITS_AVERAGE,
    VISITS_LAST_MONTH,
    DerivedMetric,
    derived_metrics_for,
)

__all__ = [
    "DERIVED_METRICS",
    "FEATURE_GROUPS",
    "BehaviourMetrics",
    "DerivedMetric",
    "FeatureGroup",
    "derived_metrics_for",
    "group_features",
]

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
            VISITS_LAST_MONTH,
            (VISITS_LAST_MONTH, VISITS_AVERAGE, "visits_trend", "visits_ratio"),
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
