"""Plain sentences for a member's reasons to leave, in English and Russian.

The club's columns (where they hold the club's meaning, see
:func:`churnlab.data.club.club_definition`) and the derived metrics have their own sentences
("contract ends in 1 month"); any other feature gets "label: value", the value as the table spells
it ("gender: Female") or a number written for reading ("total trans amt: 8,526"). Each sentence
ends with the reason's effect on the member's probability, in percentage points.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from churnlab.data.club import club_definition
from churnlab.data.feature import FeatureSpec
from churnlab.data.spec import DatasetSpec
from churnlab.insight.segment_text import number
from churnlab.model.derived import DERIVED_METRICS

Member = Mapping[str, Any]
Sentence = Callable[[Member], str]

_CURRENT = "Avg_class_frequency_current_month"
_AVERAGE = "Avg_class_frequency_total"


def _months_en(n: float) -> str:
    n = round(n)
    return f"{n} month" if n == 1 else f"{n} months"


def _months_ru(n: float) -> str:
    return f"{round(n)} мес."


def _visits(member: Member, lang: str) -> str:
    """The visits group: a fall against the member's own average, or just few visits."""
    current, average = member[_CURRENT], member.get(_AVERAGE, float("nan"))
    if average == average and current < 0.8 * average and average - current >= 0.25:
        if lang == "ru":
            return f"посещения упали с {_ru(average, 1)} до {_ru(current, 1)} в неделю"
        return f"visits fell from {average:.1f} to {current:.1f} a week"
    if lang == "ru":
        return f"всего {_ru(current, 1)} посещения в неделю за прошлый месяц"
    return f"only {current:.1f} visits a week last month"


def _contract(member: Member, lang: str) -> str:
    """The contract group: it ends soon, or it is short."""
    left, period = member["Month_to_end_contract"], member.get("Contract_period", float("nan"))
    if left <= 2 or period != period:
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
