"""The fitness club's columns: their kinds, ranges, roles and labels, and when a column is one.

:data:`GYM_COLUMNS` defines the columns of the club's table (see the dataset's README). A column
of another table keeps the club's definition only when it means the same
(:func:`club_definition`; :func:`unlike_club_reason` says why a column named as one of the
club's does not fit it, an :class:`UnlikeClub` worded in English or Russian), so the club's
sentences, phrases and derived metrics apply only to the club's own columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from churnlab.data.feature import FeatureSpec, Role, parse_numbers
from churnlab.data.numbers import figure

__all__ = ["CLUB_FIT_SHARE", "GYM_COLUMNS", "UnlikeClub", "club_definition", "unlike_club_reason"]


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


@dataclass(frozen=True)
class UnlikeClub:
    """Why the values of a column named as one of the club's do not fit the club's meaning.

    Parameters
    ----------
    kind : str
        Why, as a code: ``text`` (it holds text), ``below`` (values below the club's least),
        ``above`` (values above its most); ``written`` for a reason an older churnlab wrote as
        English words (``detail["text"]``), shown as written.
    detail : dict
        The figures the explanation quotes: ``values`` (two of the texts, for ``text``),
        ``value`` (the least or the most value out of the club's range), and the club's meaning:
        ``binary`` (0 or 1) or its range, ``low`` and ``high`` (None when open).

    Examples
    --------
    >>> days = UnlikeClub("above", {"value": 3650.0, "low": 0, "high": 600})
    >>> days.reason
    'its values reach 3,650, not 0 to 600'
    >>> days.text("ru")
    'его значения доходят до 3\\xa0650, а у клуба — от 0 до 600'
    >>> UnlikeClub("text", {"values": ["Female", "Male"], "binary": True}).text("ru")
    'в нём текст (Female, Male), а у клуба — 0 или 1'
    """

    kind: str
    detail: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def written(cls, text: str) -> UnlikeClub:
        """A reason as an older churnlab wrote it (English words), shown as written."""
        return cls("written", {"text": text})

    @property
    def reason(self) -> str:
        """Why, in English."""
        return self.text("en")

    def text(self, lang: str = "en") -> str:
        """Why, in ``lang`` (English when the language is unknown), its figures written in it."""
        templates = _UNLIKE_TEXT.get(self.kind)
        if templates is None:  # "written", or a code this churnlab does not know
            return str(self.detail.get("text", self.kind))
        lang = lang if lang in templates else "en"
        detail = self.detail
        value = detail.get("value")
        return templates[lang].format(
            values=", ".join(map(str, detail.get("values", ()))),
            value="" if value is None else figure(value, lang),
            wanted=_wanted(self.kind, detail, lang),
        )


_UNLIKE_TEXT: dict[str, dict[str, str]] = {
    "text": {
        "en": "it holds text ({values}), not {wanted}",
        "ru": "в нём текст ({values}), а у клуба — {wanted}",
    },
    "below": {
        "en": "its values go down to {value}, not {wanted}",
        "ru": "его значения опускаются до {value}, а у клуба — {wanted}",
    },
    "above": {
        "en": "its values reach {value}, not {wanted}",
        "ru": "его значения доходят до {value}, а у клуба — {wanted}",
    },
}


def _wanted(kind: str, detail: Mapping[str, Any], lang: str) -> str:
    """The club's meaning as words: ``0 or 1``, ``numbers``, or its range (``0 to 600``)."""
    ru = lang == "ru"
    if detail.get("binary"):
        return "0 или 1" if ru else "0 or 1"
    if kind == "text":
        return "числа" if ru else "numbers"
    low, high = detail.get("low"), detail.get("high")
    if low is None:
        if high is None:
            return "любые числа" if ru else "any number"
        return f"до {figure(high, lang)}" if ru else f"up to {figure(high, lang)}"
    if high is None:
        return f"{figure(low, lang)} и больше" if ru else f"{figure(low, lang)} or more"
    if ru:
        return f"от {figure(low, lang)} до {figure(high, lang)}"
    return f"{figure(low, lang)} to {figure(high, lang)}"


def unlike_club_reason(name: Any, column: pd.Series) -> UnlikeClub | None:
    """Why the values of a column named as one of the club's do not fit the club's meaning
    (None when they do, or when the name is not the club's).

    Examples
    --------
    >>> unlike_club_reason("Partner", pd.Series(["Yes", "No", "No"])).reason
    'it holds text (No, Yes), not 0 or 1'
    >>> unlike_club_reason("Age", pd.Series([25, 31, 47])) is None
    True
    """
    known = GYM_COLUMNS.get(name)
    if known is None or column.isna().all():
        return None
    binary = known.kind == "binary"
    meaning: dict[str, Any] = {"binary": True} if binary else {"low": known.min, "high": known.max}
    numbers, not_numbers = parse_numbers(column)
    filled = int(numbers.notna().sum() + not_numbers.sum())
    if not_numbers.sum() > (1 - CLUB_FIT_SHARE) * filled:
        shown = sorted(column[not_numbers].astype(str).unique())[:2]
        return UnlikeClub("text", {"values": [str(v) for v in shown], "binary": binary})
    values = numbers.dropna().to_numpy(dtype=float)
    if binary:
        possible = (values == 0) | (values == 1)
    else:
        low = -np.inf if known.min is None else known.min
        high = np.inf if known.max is None else known.max
        possible = (values >= low) & (values <= high)
    if possible.sum() >= CLUB_FIT_SHARE * len(values):
        return None
    impossible = values[~possible]
    least = 0 if binary else known.min
    if least is not None and impossible.min() < least:
        return UnlikeClub("below", {"value": float(impossible.min()), **meaning})
    return UnlikeClub("above", {"value": float(impossible.max()), **meaning})
