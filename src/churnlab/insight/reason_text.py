"""Plain sentences for a member's reasons to leave, in English and Russian.

The club's columns (where they hold the club's meaning, see
:func:`churnlab.data.club.club_definition`) and the derived metrics have their own sentences
("contract ends in 1 month"); any other feature gets "label: value", the value as the table spells
it ("gender: Female") or a number written for reading ("total trans amt: 8,526"). Each sentence
ends with the reason's effect on the member's probability, in percentage points.

:func:`reason_sentences` writes them for many members at once: a sentence depends on only a few
of a member's values (the columns its template reads, as the sentence shows them), so it is
written once per distinct combination of those and copied to every member who shares it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from churnlab.data.club import club_definition
from churnlab.data.feature import FeatureSpec
from churnlab.data.spec import DatasetSpec
from churnlab.insight.segment_text import number
from churnlab.model.derived import DERIVED_METRICS

__all__ = [
    "reason_sentence",
    "reason_sentences",
    "sentence_codes",
    "staying_sentence",
]

Member = Mapping[str, Any]
Sentence = Callable[[Member], str]

_CURRENT = "Avg_class_frequency_current_month"
_AVERAGE = "Avg_class_frequency_total"


def _months_en(n: float) -> str:
    n = round(n)
    return f"{n} month" if n == 1 else f"{n} months"


def _months_ru(n: float) -> str:
    return f"{round(n)} мес."


def _visits_fell(current: Any, average: Any) -> Any:
    """Whether visits fell against the member's own average: a fifth down and a quarter of a
    visit at least (numbers or arrays of them)."""
    return (average == average) & (current < 0.8 * average) & (average - current >= 0.25)


def _visits(member: Member, lang: str) -> str:
    """The visits group: a fall against the member's own average, or just few visits."""
    current, average = member[_CURRENT], member.get(_AVERAGE, float("nan"))
    if _visits_fell(current, average):
        if lang == "ru":
            return f"посещения упали с {_ru(average, 1)} до {_ru(current, 1)} в неделю"
        return f"visits fell from {average:.1f} to {current:.1f} a week"
    if lang == "ru":
        return f"всего {_ru(current, 1)} посещения в неделю за прошлый месяц"
    return f"only {current:.1f} visits a week last month"


def _contract_ends_soon(left: Any, period: Any) -> Any:
    """Whether the contract sentence tells only when it ends: within two months, or its length
    unknown (numbers or arrays of them)."""
    return (left <= 2) | (period != period)


def _contract(member: Member, lang: str) -> str:
    """The contract group: it ends soon, or it is short."""
    left, period = member["Month_to_end_contract"], member.get("Contract_period", float("nan"))
    if _contract_ends_soon(left, period):
        if lang == "ru":
            return f"абонемент заканчивается через {_months_ru(left)}"
        return f"contract ends in {_months_en(left)}"
    if lang == "ru":
        return f"абонемент на {_months_ru(period)}, осталось {_months_ru(left)}"
    return f"on a {round(period)}-month contract, {_months_en(left)} left"


_SENTENCES: dict[str, dict[str, Sentence]] = {
    "en": {
        "Month_to_end_contract": lambda m: _contract(m, "en"),
        "Contract_period": lambda m: f"on a {round(m['Contract_period'])}-month contract",
        "Lifetime": lambda m: (
            "joined less than a month ago"
            if m["Lifetime"] < 1
            else f"a member for only {_months_en(m['Lifetime'])}"
        ),
        _CURRENT: lambda m: _visits(m, "en"),
        _AVERAGE: lambda m: f"visits {m[_AVERAGE]:.1f} times a week on average",
        "Group_visits": lambda m: (
            "no group classes" if m["Group_visits"] == 0 else "attends group classes"
        ),
        "Partner": lambda m: (
            "not from a partner company" if m["Partner"] == 0 else "partner-company employee"
        ),
        "Promo_friends": lambda m: (
            "did not come with a friend" if m["Promo_friends"] == 0 else "came with a friend"
        ),
        "Near_Location": lambda m: (
            "lives and works far from the club"
            if m["Near_Location"] == 0
            else "lives or works nearby"
        ),
        "Phone": lambda m: "no phone number on file" if m["Phone"] == 0 else "gave a phone number",
        "Age": lambda m: f"{int(m['Age'])} years old",
        "Avg_additional_charges_total": lambda m: (
            f"spent only {m['Avg_additional_charges_total']:.0f} on extra services"
        ),
        "charges_per_month": lambda m: f"spends {m['charges_per_month']:.0f} a month on extras",
    },
    "ru": {
        "Month_to_end_contract": lambda m: _contract(m, "ru"),
        "Contract_period": lambda m: f"абонемент на {_months_ru(m['Contract_period'])}",
        "Lifetime": lambda m: (
            "клиент меньше месяца"
            if m["Lifetime"] < 1
            else f"клиент всего {_months_ru(m['Lifetime'])}"
        ),
        _CURRENT: lambda m: _visits(m, "ru"),
        _AVERAGE: lambda m: f"в среднем {_ru(m[_AVERAGE], 1)} посещения в неделю",
        "Group_visits": lambda m: (
            "не ходит на групповые занятия"
            if m["Group_visits"] == 0
            else "ходит на групповые занятия"
        ),
        "Partner": lambda m: (
            "не сотрудник компании-партнёра" if m["Partner"] == 0 else "сотрудник компании-партнёра"
        ),
        "Promo_friends": lambda m: (
            "пришёл не по акции «приведи друга»"
            if m["Promo_friends"] == 0
            else "пришёл по акции «приведи друга»"
        ),
        "Near_Location": lambda m: (
            "живёт и работает далеко от клуба"
            if m["Near_Location"] == 0
            else "живёт или работает рядом"
        ),
        "Phone": lambda m: "не оставил телефон" if m["Phone"] == 0 else "оставил телефон",
        "Age": lambda m: f"возраст {int(m['Age'])}",
        "Avg_additional_charges_total": lambda m: (
            f"потратил на доп. услуги всего {_ru(m['Avg_additional_charges_total'], 0)}"
        ),
        "charges_per_month": lambda m: (
            f"тратит на доп. услуги {_ru(m['charges_per_month'], 0)} в месяц"
        ),
    },
}
_POINTS = {"en": "pts", "ru": "п.п."}
_KEEPS = {"en": "keeps the risk low", "ru": "снижает риск"}
_DERIVED = {m.name: m for m in DERIVED_METRICS}


@dataclass(frozen=True)
class Reads:
    """What a club sentence (a template of ``_SENTENCES``, either language) reads of a member.

    Attributes
    ----------
    columns : tuple of str
        Every column the template reads, its own first (a column the members lack reads as
        missing: the same for all of them).
    keys : callable
        Given those columns as float arrays (in that order), arrays such that members equal on
        all of them get the same sentence: the template's tests (``left <= 2``), the whole
        numbers it rounds to (``round``, ``int``) and the numbers as shown (:func:`_shown`). A
        template fails (and the generic sentence is written) only on a missing number, which
        the keys tell apart.
    """

    columns: tuple[str, ...]
    keys: Callable[..., Sequence[np.ndarray]]


def _binary(column: str) -> Reads:
    return Reads((column,), lambda x: (x == 0,))


def _contract_keys(left: np.ndarray, period: np.ndarray) -> Sequence[np.ndarray]:
    soon = _contract_ends_soon(left, period)
    return soon, np.rint(left), np.where(soon, 0.0, np.rint(period))


def _visits_keys(current: np.ndarray, average: np.ndarray) -> Sequence[np.ndarray]:
    fell = _visits_fell(current, average)
    return fell, *_shown(current, 1), *(np.where(fell, key, 0) for key in _shown(average, 1))


_READS: dict[str, Reads] = {
    "Month_to_end_contract": Reads(("Month_to_end_contract", "Contract_period"), _contract_keys),
    "Contract_period": Reads(("Contract_period",), lambda x: (np.rint(x),)),
    "Lifetime": Reads(("Lifetime",), lambda x: (x < 1, np.where(x < 1, 0.0, np.rint(x)))),
    _CURRENT: Reads((_CURRENT, _AVERAGE), _visits_keys),
    _AVERAGE: Reads((_AVERAGE,), lambda x: _shown(x, 1)),
    "Group_visits": _binary("Group_visits"),
    "Partner": _binary("Partner"),
    "Promo_friends": _binary("Promo_friends"),
    "Near_Location": _binary("Near_Location"),
    "Phone": _binary("Phone"),
    "Age": Reads(("Age",), lambda x: (np.trunc(x),)),
    "Avg_additional_charges_total": Reads(
        ("Avg_additional_charges_total",), lambda x: _shown(x, 0)
    ),
    "charges_per_month": Reads(("charges_per_month",), lambda x: _shown(x, 0)),
}


def reason_sentence(
    feature: str, member: Member, points: float, spec: DatasetSpec, lang: str = "en"
) -> str:
    """One reason as a sentence, e.g. ``"contract ends in 1 month (+21 pts)"``.

    Examples
    --------
    >>> from churnlab.data.spec import gym_spec
    >>> reason_sentence("Month_to_end_contract", {"Month_to_end_contract": 1.0}, 21.4, gym_spec())
    'contract ends in 1 month (+21 pts)'
    >>> reason_sentence("Lifetime", {"Lifetime": 0}, 9.6, gym_spec(), "ru")
    'клиент меньше месяца (+10 п.п.)'
    >>> from churnlab.data.feature import FeatureSpec
    >>> from churnlab.data.spec import DatasetSpec
    >>> bank = DatasetSpec("Exited", 1, (FeatureSpec("Total_Trans_Amt", "numeric"),
    ...                                  FeatureSpec("Gender", "binary", 0, 1, values=("F", "M"))))
    >>> reason_sentence("Total_Trans_Amt", {"Total_Trans_Amt": 8526.0}, 4.2, bank)
    'total trans amt: 8,526 (+4 pts)'
    >>> reason_sentence("Gender", {"Gender": 0.0}, 1.2, bank)
    'gender: F (+1 pts)'
    """
    lang = lang if lang in _SENTENCES else "en"
    return f"{_what(feature, member, spec, lang)} (+{points:.0f} {_POINTS[lang]})"


def staying_sentence(feature: str, member: Member, spec: DatasetSpec, lang: str = "en") -> str:
    """What keeps a member whom nothing pushes to leave, as a sentence.

    Examples
    --------
    >>> from churnlab.data.spec import gym_spec
    >>> staying_sentence("Month_to_end_contract", {"Month_to_end_contract": 11.0}, gym_spec())
    'contract ends in 11 months (keeps the risk low)'
    """
    lang = lang if lang in _SENTENCES else "en"
    return f"{_what(feature, member, spec, lang)} ({_KEEPS[lang]})"


def reason_sentences(
    feature: str,
    columns: Mapping[str, np.ndarray],
    rows: np.ndarray,
    points: np.ndarray | None,
    spec: DatasetSpec,
    lang: str = "en",
) -> np.ndarray:
    """:func:`reason_sentence` for many members at once (:func:`staying_sentence` without
    ``points``): the same sentences, each written once per distinct combination of what it
    reads.

    Parameters
    ----------
    feature : str
        The reason's feature (or group head), the same for all these members.
    columns : mapping of str to ndarray
        Every member's values, one array per column (a member is one position in each).
    rows : ndarray of int
        The members to write the sentence for (positions in ``columns``).
    points : ndarray of float, optional
        Each of those members' points.

    Returns
    -------
    ndarray of str (object)
        One sentence per row.

    Examples
    --------
    >>> from churnlab.data.spec import gym_spec
    >>> columns = {"Month_to_end_contract": np.array([1.0, 12.0, 1.0]),
    ...            "Contract_period": np.array([1.0, 12.0, 12.0])}
    >>> reason_sentences("Month_to_end_contract", columns, np.arange(3),
    ...                  np.array([21.4, 2.5, 20.6]), gym_spec()).tolist()
    ['contract ends in 1 month (+21 pts)', 'on a 12-month contract, 12 months left (+2 pts)', \
'contract ends in 1 month (+21 pts)']
    """
    texts, codes = sentence_codes(feature, columns, rows, points, spec, lang)
    return np.asarray(texts[codes], dtype=object)


def sentence_codes(
    feature: str,
    columns: Mapping[str, np.ndarray],
    rows: np.ndarray,
    points: np.ndarray | None,
    spec: DatasetSpec,
    lang: str = "en",
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`reason_sentences` as the distinct sentences and each row's code into them.

    Examples
    --------
    >>> from churnlab.data.spec import gym_spec
    >>> texts, codes = sentence_codes("Age", {"Age": np.array([30.0, 41.0, 30.9])}, np.arange(3),
    ...                               None, gym_spec())
    >>> texts.tolist(), codes.tolist()
    (['30 years old (keeps the risk low)', '41 years old (keeps the risk low)'], [0, 1, 0])
    """
    lang = lang if lang in _SENTENCES else "en"
    keys = list(_sentence_keys(feature, columns, rows, spec, lang))
    if points is not None:
        keys.extend(_shown(np.asarray(points, dtype=float), 0))
    codes = _combined_codes(keys, len(rows))
    first = _first_of_each(codes)
    read = {name: columns[name][rows[first]] for name in _read(feature, columns, spec, lang)}
    texts = np.empty(len(first), dtype=object)
    for k, at in enumerate(first):
        member = {name: values[k] for name, values in read.items()}
        texts[k] = (
            staying_sentence(feature, member, spec, lang)
            if points is None
            else reason_sentence(feature, member, points[at], spec, lang)
        )
    return texts, codes


def _read(
    feature: str, columns: Mapping[str, np.ndarray], spec: DatasetSpec, lang: str
) -> list[str]:
    """The columns :func:`_what` reads for ``feature``: its template's, or the feature's own."""
    if _has_template(feature, lang, _feature(feature, spec)):
        reads = _READS.get(feature)
        wanted = list(columns) if reads is None else reads.columns
    else:
        wanted = [feature]
    return [name for name in wanted if name in columns]


def _sentence_keys(
    feature: str, columns: Mapping[str, np.ndarray], rows: np.ndarray, spec: DatasetSpec, lang: str
) -> Sequence[np.ndarray]:
    """Arrays that fix :func:`_what` for the members at ``rows``: members equal on all of them
    get the same words."""
    known = _feature(feature, spec)
    if _has_template(feature, lang, known):
        reads = _READS.get(feature)
        if reads is None:  # a template without its reads declared: all of the member counts
            return [columns[name][rows] for name in columns]
        nothing = np.full(len(rows), np.nan)
        values = [columns[name][rows] if name in columns else nothing for name in reads.columns]
        if all(value.dtype == np.float64 for value in values):
            return reads.keys(*values)
        return values  # not all numbers: the values themselves
    if feature not in columns:
        return []  # absent for all: one sentence
    value = columns[feature][rows]
    return _value_keys(value) if value.dtype == np.float64 else [value]


def _has_template(feature: str, lang: str, known: FeatureSpec | None) -> bool:
    """Whether :func:`_known_sentence` tries the club's template for ``feature``."""
    club = feature in _DERIVED or (known is not None and club_definition(known) is not None)
    return club and feature in _SENTENCES[lang]


def _value_keys(value: np.ndarray) -> Sequence[np.ndarray]:
    """Arrays that fix the generic sentence's value: a binary's word or :func:`_format`, which
    shows a whole number in full and any other to two decimals."""
    whole = np.isfinite(value) & (np.floor(value) == value)
    safe, shown = _shown(value, 2)
    return (
        whole,
        np.where(whole, value, 0.0),
        np.where(whole, True, safe),
        np.where(whole, 0, shown),
    )


def _shown(x: np.ndarray, decimals: int) -> tuple[np.ndarray, np.ndarray]:
    """Keys that fix ``f"{x:,.{decimals}f}"`` (Python's, or :func:`number`'s): equal keys, the
    same text.

    The text is the sign and the exact value rounded half to even at ``decimals``. Away from a
    half the scaled number rounds like the exact one, so its whole number and sign are the key;
    a number near a half (within far more than the scaling's rounding error), too large, or
    not finite is its own key (its bits).

    Examples
    --------
    >>> safe, key = _shown(np.array([0.34, 0.26, 0.35, -0.01, 0.01]), 1)
    >>> safe.tolist(), key[:2].tolist(), bool(key[3] != key[4])
    ([True, True, False, True, True], [6, 6], True)
    """
    scaled = x * 10.0**decimals
    with np.errstate(invalid="ignore"):
        off_half = np.abs(scaled - np.floor(scaled) - 0.5)
        safe = (
            np.isfinite(scaled)
            & (np.abs(scaled) < 2.0**50)
            & (off_half > 1e-9 + 1e-12 * np.abs(scaled))
        )
    whole = np.rint(np.where(safe, scaled, 0.0)).astype(np.int64)
    key = np.where(safe, 2 * whole + np.signbit(x), x.view(np.int64))
    return safe, key


def _combined_codes(keys: Sequence[np.ndarray], n: int) -> np.ndarray:
    """One code per member, equal exactly where all ``keys`` are equal (codes in the order
    members first show them)."""
    codes = np.zeros(n, dtype=np.int64)
    for key in keys:
        part = _exact_codes(np.asarray(key))
        codes = codes * (int(part.max()) + 1 if n else 1) + part
        codes = _factorized(codes)
    return codes


def _exact_codes(values: np.ndarray) -> np.ndarray:
    """A code per value, equal only for values that are the same, as anything may show them:
    a float by its bits (``-0.0`` is not ``0.0``), any other object by its type and ``repr``
    (``1`` is not ``1.0``); every missing value of one kind alike."""
    kind = values.dtype.kind
    if kind == "f":
        return _factorized(values.view(f"u{values.itemsize}"))
    if kind in "biu":
        return _factorized(values)
    if kind in "mM":
        return _factorized(values.view(np.int64))
    items = values.astype(object)
    missing = np.asarray(pd.isna(items), dtype=bool)
    words = items[~missing]
    if len(words) and pd.api.types.infer_dtype(words, skipna=False) != "string":
        return _factorized(_tags(items))
    codes = np.empty(len(items), dtype=np.int64)
    codes[~missing] = pd.factorize(words)[0]
    codes[missing] = -1 - pd.factorize(_tags(items[missing]))[0]
    return _factorized(codes)


def _factorized(values: np.ndarray) -> np.ndarray:
    """Codes 0, 1, … for the distinct values, in the order they first show."""
    return np.asarray(pd.factorize(values)[0], dtype=np.int64)


def _tags(items: np.ndarray) -> np.ndarray:
    return np.array([f"{type(v).__module__}.{type(v).__qualname__}:{v!r}" for v in items])


def _first_of_each(codes: np.ndarray) -> np.ndarray:
    """Where each code first shows, in code order (the codes number values as they first show).

    >>> _first_of_each(np.array([0, 1, 0, 2, 1])).tolist()
    [0, 1, 3]
    """
    if not len(codes):
        return np.zeros(0, dtype=np.int64)
    highest = np.maximum.accumulate(codes)
    return np.flatnonzero(np.r_[True, highest[1:] > highest[:-1]])


def _what(feature: str, member: Member, spec: DatasetSpec, lang: str) -> str:
    known = _feature(feature, spec)
    text = _known_sentence(feature, member, lang, known)
    if text is None:
        label = (
            _DERIVED[feature].title(lang) if feature in _DERIVED else _title(feature, known, lang)
        )
        value = member.get(feature)
        shown = known.value_text(value) if known is not None else None
        text = f"{label}: {shown if shown is not None else _format(value, lang)}"
    return text


def _feature(name: str, spec: DatasetSpec) -> FeatureSpec | None:
    try:
        return spec.feature(name)
    except KeyError:
        return None


def _title(name: str, feature: FeatureSpec | None, lang: str) -> str:
    return name if feature is None else feature.title(lang)


def _known_sentence(
    feature: str, member: Member, lang: str, known: FeatureSpec | None
) -> str | None:
    """The club's own sentence for ``feature``: for a derived metric, or a club column that
    holds the club's meaning."""
    if feature not in _DERIVED and (known is None or club_definition(known) is None):
        return None
    template = _SENTENCES[lang].get(feature)
    if template is None:
        return None
    try:
        return template(member)
    except (KeyError, TypeError, ValueError):  # a value missing or not a number
        return None


def _format(value: Any, lang: str = "en") -> str:
    """A value for reading: ``8526.0`` -> ``8,526`` (ru ``8 526``), ``1039.054`` -> ``1,039.05``
    (ru ``1 039,05``); a value missing or absent -> ``—``."""
    if value is None:
        return "—"
    if isinstance(value, float | int) and not isinstance(value, bool):
        if value != value:  # NaN
            return "—"
        return number(float(value), lang, 0 if float(value).is_integer() else 2)
    return str(value)


def _ru(value: float, decimals: int) -> str:
    """A number in a Russian sentence: decimal comma, digit groups."""
    return number(value, "ru", decimals)
