"""Feature groups: the columns that describe one thing, explained together.

Plain data, without scikit-learn: the reasons of a monthly run need them, and nothing else of
the model's fitting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from churnlab.data.feature import Role
from churnlab.model.derived import VISITS_AVERAGE, VISITS_LAST_MONTH

__all__ = ["FEATURE_GROUPS", "FeatureGroup", "group_features"]


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
