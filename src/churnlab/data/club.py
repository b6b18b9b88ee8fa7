"""The fitness club's columns: their kinds, ranges, roles and labels, and when a column is one.

:data:`GYM_COLUMNS` defines the columns of the club's table (see the dataset's README). A column
of another table keeps the club's definition only when it means the same
(:func:`club_definition`; :func:`unlike_club_reason` says why a column named as one of the
club's does not fit it), so the club's sentences, phrases and derived metrics apply only to the
club's own columns.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from churnlab.data.feature import FeatureSpec, Role, parse_numbers

__all__ = ["CLUB_FIT_SHARE", "GYM_COLUMNS", "club_definition", "unlike_club_reason"]


def _binary(name: str, role: Role, en: str, ru: str) -> FeatureSpec:
    return FeatureSpec(name, "binary", 0, 1, integer=True, role=role, label={"en": en, "ru": ru})


#: The club's columns, with their ranges, roles and labels (see the dataset's README).
GYM_COLUMNS: dict[str, FeatureSpec] = {
    f.name: f
    for f in (
        _binary("gender", "trait", "gender", "пол"),
        _binary("Near_Location", "trait", "lives or works nearby", "живёт или работает рядом"),
        _binary("Partner", "lever", "partner-company employee", "сотрудник компании-партнёра"),
        _binary(
            "Promo_friends",
            "lever",
            "came through bring-a-friend",
            "пришёл по акции «приведи друга»",
        ),
        _binary("Phone", "trait", "gave a phone number", "оставил телефон"),
        FeatureSpec(
            "Contract_period",
            "numeric",
            1,
            36,
            integer=True,
            role="lever",
            label={"en": "contract length, months", "ru": "длительность абонемента, мес."},
        ),
        _binary("Group_visits", "lever", "attends group classes", "посещает групповые занятия"),
        FeatureSpec(
            "Age",
            "numeric",
            10,
            100,
            integer=True,
            role="trait",
            label={"en": "age", "ru": "возраст"},
        ),
        FeatureSpec(
            "Avg_additional_charges_total",
            "numeric",
            0,
            None,
            role="lever",
            label={"en": "spent on other services", "ru": "траты на доп. услуги"},
        ),
        FeatureSpec(
            "Month_to_end_contract",
            "numeric",
            0,
            36,
            integer=True,
            role="lever",
            label={"en": "months to contract end", "ru": "месяцев до конца абонемента"},
        ),
        FeatureSpec(
            "Lifetime",
            "numeric",
            0,
            600,
            integer=True,
            role="trait",
            label={"en": "months since first visit", "ru": "месяцев с первого визита"},
        ),
        FeatureSpec(
            "Avg_class_frequency_total",
            "numeric",
            0,
            21,
            role="lever",
            label={"en": "visits a week, all time", "ru": "посещений в неделю, за всё время"},
        ),
        FeatureSpec(
            "Avg_class_frequency_current_month",
            "numeric",
            0,
            21,
            role="lever",
            label={"en": "visits a week, last month", "ru": "посещений в неделю, за прошлый месяц"},
        ),
    )
}


def club_definition(feature: FeatureSpec) -> FeatureSpec | None:
    """The club's definition of ``feature`` when it is one of the club's columns with its known
    kind and range (whatever role it was given), else None: the club's sentences, phrases and
    derived metrics apply to it only then.

    Examples
    --------
    >>> club_definition(GYM_COLUMNS["Lifetime"]).label["en"]
    'months since first visit'
    >>> club_definition(FeatureSpec("Lifetime", "numeric", integer=True)) is None  # in days
    True
    >>> club_definition(FeatureSpec("Partner", "binary", 0, 1, True, values=("No", "Yes")))
    """
    known = GYM_COLUMNS.get(feature.name)
    if known is None:
        return None

    def meaning(f: FeatureSpec) -> tuple[Any, ...]:
        return (f.kind, f.min, f.max, f.integer, f.values)

    return known if meaning(feature) == meaning(known) else None


#: The share of a club column's values that must be possible under the club's meaning for the
#: column to keep it (a few impossible values are then errors to fix, named row by row).
CLUB_FIT_SHARE = 0.95


def unlike_club_reason(name: Any, column: pd.Series) -> str | None:
    """Why the values of a column named as one of the club's do not fit the club's meaning
    (None when they do, or when the name is not the club's)."""
    known = GYM_COLUMNS.get(name)
    if known is None or column.isna().all():
        return None
    numbers, not_numbers = parse_numbers(column)
    filled = int(numbers.notna().sum() + not_numbers.sum())
    if not_numbers.sum() > (1 - CLUB_FIT_SHARE) * filled:
        shown = ", ".join(map(str, sorted(column[not_numbers].astype(str).unique())[:2]))
        wanted = "0 or 1" if known.kind == "binary" else "numbers"
        return f"it holds text ({shown}), not {wanted}"
    values = numbers.dropna().to_numpy(dtype=float)
    if known.kind == "binary":
        possible = (values == 0) | (values == 1)
        wanted = "0 or 1"
    else:
        low = -np.inf if known.min is None else known.min
        high = np.inf if known.max is None else known.max
        possible = (values >= low) & (values <= high)
        wanted = _range_text(known.min, known.max)
    if possible.sum() >= CLUB_FIT_SHARE * len(values):
        return None
    impossible = values[~possible]
    if known.min is not None and impossible.min() < known.min:
        return f"its values go down to {_number(float(impossible.min()))}, not {wanted}"
    return f"its values reach {_number(float(impossible.max()))}, not {wanted}"


def _range_text(low: float | None, high: float | None) -> str:
    """A range as words: ``0 to 600``, ``0 or more``, ``up to 21``."""
    if low is None:
        return "any number" if high is None else f"up to {_number(high)}"
    return f"{_number(low)} or more" if high is None else f"{_number(low)} to {_number(high)}"


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
