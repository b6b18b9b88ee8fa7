"""Words for member portraits: phrase tables, number formatting, segment names and descriptions.

Private to :mod:`churnlab.insight.segment`. The club's columns
(:data:`churnlab.data.club.GYM_COLUMNS`) have hand-written phrases in English and Russian for both
directions (above / below the average member); any other feature gets a generic phrase built from
its label.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from churnlab.data.club import club_definition
from churnlab.data.feature import YES_WORDS, FeatureSpec

__all__ = ["LANGS", "Phrase", "check_lang", "describe", "name_segments", "phrase_for"]

LANGS = ("en", "ru")
#: A feature takes part in a segment's name and description only if its mean differs from the
#: average member's by at least this many standard deviations.
MIN_SD = 0.25
NAME_PARTS = 2


@dataclass(frozen=True)
class Phrase:
    """How to say that a segment is high or low on one feature.

    ``noun`` can head a name ("newcomers"); ``qualifier`` follows a head ("on monthly contracts");
    ``predicate`` goes in the description after "they" ("are newcomers"). Phrases of the same
    ``group`` say nearly the same thing (two visit frequencies), so a name uses only one of them.
    """

    group: str
    qualifier: str
    predicate: str
    noun: str | None = None
    generic: bool = False


def _pair(
    group: str, en: tuple[str | None, str, str], ru: tuple[str | None, str, str]
) -> dict[str, Phrase]:
    return {
        "en": Phrase(group, en[1], en[2], en[0]),
        "ru": Phrase(group, ru[1], ru[2], ru[0]),
    }


# (noun, qualifier, predicate) for each direction; binary predicates get "more/less often" later.
_CLUB: dict[str, dict[str, dict[str, Phrase]]] = {
    "gender": {
        "high": _pair("gender", (None, "mostly of gender 1", ""), (None, "в основном пола 1", "")),
        "low": _pair("gender", (None, "mostly of gender 0", ""), (None, "в основном пола 0", "")),
    },
    "Near_Location": {
        "high": _pair(
            "location",
            ("locals", "living or working nearby", ""),
            ("местные", "живущие или работающие рядом", ""),
        ),
        "low": _pair("location", (None, "from far away", ""), (None, "издалека", "")),
    },
    "Partner": {
        "high": _pair(
            "partner",
            ("partner-company staff", "from partner companies", ""),
            ("сотрудники компаний-партнёров", "из компаний-партнёров", ""),
        ),
        "low": _pair(
            "partner",
            (None, "not from partner companies", ""),
            (None, "не из компаний-партнёров", ""),
        ),
    },
    "Promo_friends": {
        "high": _pair(
            "friends", (None, "who came with a friend", ""), (None, "пришедшие с другом", "")
        ),
        "low": _pair("friends", (None, "who came on their own", ""), (None, "пришедшие сами", "")),
    },
    "Phone": {
        "high": _pair("phone", (None, "with a phone on file", ""), (None, "с телефоном", "")),
        "low": _pair("phone", (None, "with no phone on file", ""), (None, "без телефона", "")),
    },
    "Group_visits": {
        "high": _pair(
            "group",
            ("group-class regulars", "who attend group classes", ""),
            ("завсегдатаи групповых занятий", "посещающие групповые занятия", ""),
        ),
        "low": _pair(
            "group", (None, "who skip group classes", ""), (None, "без групповых занятий", "")
        ),
    },
    "Contract_period": {
        "high": _pair(
            "contract",
            (None, "on long contracts", "are on long contracts"),
            (None, "с длинным абонементом", "абонемент длиннее"),
        ),
        "low": _pair(
            "contract",
            (None, "on monthly contracts", "are on monthly contracts"),
            (None, "с месячным абонементом", "абонемент короче, чаще месячный"),
        ),
    },
    "Month_to_end_contract": {
        "high": _pair(
            "contract",
            (None, "with months left on the contract", "have more time left on the contract"),
            (None, "с долгим сроком до конца абонемента", "до конца абонемента дольше"),
        ),
        "low": _pair(
            "contract",
            (None, "whose contract ends soon", "have a contract ending sooner"),
            (None, "с абонементом на исходе", "абонемент раньше заканчивается"),
        ),
    },
    "Age": {
        "high": _pair(
            "age", ("older members", "older than most", "are older"), (None, "постарше", "старше")
        ),
        "low": _pair(
            "age",
            ("younger members", "younger than most", "are younger"),
            ("молодёжь", "помоложе", "моложе"),
        ),
    },
    "Avg_additional_charges_total": {
        "high": _pair(
            "spend",
            ("big spenders on extras", "who spend a lot on extras", "spend more on extras"),
            (
                "любители доп. услуг",
                "много тратящие на доп. услуги",
                "больше тратят на доп. услуги",
            ),
        ),
        "low": _pair(
            "spend",
            (None, "who spend little on extras", "spend less on extras"),
            (None, "мало тратящие на доп. услуги", "меньше тратят на доп. услуги"),
        ),
    },
    "Lifetime": {
        "high": _pair(
            "tenure",
            ("long-time members", "with the club for long", "are long-time members"),
            ("старожилы", "давно в клубе", "дольше в клубе"),
        ),
        "low": _pair(
            "tenure",
            ("newcomers", "new to the club", "are newcomers"),
            ("новички", "недавно в клубе", "новички"),
        ),
    },
    "Avg_class_frequency_total": {
        "high": _pair(
            "visits",
            ("frequent visitors", "who visit often", "visit more often"),
            ("частые посетители", "часто бывающие в клубе", "чаще ходят в клуб"),
        ),
        "low": _pair(
            "visits",
            ("rare visitors", "who rarely visit", "visit less often"),
            ("редкие посетители", "редко бывающие в клубе", "реже ходят в клуб"),
        ),
    },
    "Avg_class_frequency_current_month": {
        "high": _pair(
            "visits",
            ("frequent visitors", "who visit often", "visited more last month"),
            ("частые посетители", "часто бывающие в клубе", "в прошлом месяце ходили чаще"),
        ),
        "low": _pair(
            "visits",
            ("rare visitors", "who rarely visit", "visited less last month"),
            ("редкие посетители", "редко бывающие в клубе", "в прошлом месяце ходили реже"),
        ),
    },
}

# What a club's binary column says when it is 1: "(more / less often) <this>".
_CLUB_BINARY = {
    "gender": {"en": "are of gender 1", "ru": "пол 1"},
    "Near_Location": {"en": "live or work nearby", "ru": "живут или работают рядом"},
    "Partner": {"en": "work for a partner company", "ru": "работают в компаниях-партнёрах"},
    "Promo_friends": {
        "en": "came through bring-a-friend",
        "ru": "пришли по акции «приведи друга»",
    },
    "Phone": {"en": "left a phone number", "ru": "оставили телефон"},
    "Group_visits": {"en": "attend group classes", "ru": "ходят на групповые занятия"},
}

_UNITS = {
    "Contract_period": {"en": " months", "ru": " мес."},
    "Month_to_end_contract": {"en": " months", "ru": " мес."},
    "Lifetime": {"en": " months", "ru": " мес."},
    "Age": {"en": " years", "ru": ""},
    "Avg_class_frequency_total": {"en": " a week", "ru": " в неделю"},
    "Avg_class_frequency_current_month": {"en": " a week", "ru": " в неделю"},
}

_WORDS = {
    "en": {
        "head": "members",
        "typical": "typical members",
        "segment": "segment",
        "vs": "vs",
        "and": "and",
        "churn": "churn",
        "compared": "Compared with the average member they",
        "rest": "in everything else they are typical",
        "alike": "They look like the average member.",
        "more_often": "more often",
        "less_often": "less often",
    },
    "ru": {
        "head": "клиенты",
        "typical": "типичные клиенты",
        "segment": "сегмент",
        "vs": "против",
        "and": "и",
        "churn": "отток",
        "compared": "По сравнению со средним клиентом:",
        "rest": "в остальном — как все",
        "alike": "Они похожи на среднего клиента.",
        "more_often": "чаще",
        "less_often": "реже",
    },
}


def check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")


def phrase_for(
    feature: FeatureSpec, direction: str, lang: str, category: str | None = None
) -> Phrase:
    """The phrase for ``feature`` being ``direction`` ("high" / "low") in a segment.

    Examples
    --------
    >>> from churnlab.data.club import GYM_COLUMNS
    >>> from churnlab.data.feature import FeatureSpec
    >>> phrase_for(GYM_COLUMNS["Lifetime"], "low", "ru").noun
    'новички'
    >>> phrase_for(FeatureSpec("tenure", "numeric"), "high", "en").qualifier
    'high tenure'
    """
    words = _WORDS[lang]
    club = _CLUB.get(feature.name) if club_definition(feature) is not None else None
    if club is not None:
        phrase = club[direction][lang]
        if feature.name in _CLUB_BINARY:
            often = words["more_often" if direction == "high" else "less_often"]
            return Phrase(
                phrase.group,
                phrase.qualifier,
                f"{often} {_CLUB_BINARY[feature.name][lang]}",
                phrase.noun,
            )
        return phrase
    label = feature.title(lang)
    if category is not None:
        predicate = (
            f"more often have {label} “{category}”"
            if lang == "en"
            else f"чаще {label} «{category}»"
        )
        return Phrase(_generic_group(feature), f"{label}: {category}", predicate, generic=True)
    high = direction == "high"
    value = _named_value(feature, high)
    if value is not None:  # a binary held as text other than yes/no: "gender: mostly Male"
        if lang == "en":
            return Phrase(
                _generic_group(feature),
                f"{label}: mostly {value}",
                f"more often have {label} “{value}”",
                generic=True,
            )
        return Phrase(
            _generic_group(feature),
            f"{label}: чаще {value}",
            f"чаще {label} «{value}»",
            generic=True,
        )
    if feature.kind == "binary":
        often = words["more_often" if high else "less_often"]
        qualifier = (
            f"{'mostly' if high else 'rarely'} {label}" if lang == "en" else f"{often} {label}"
        )
        predicate = f"have {label} = 1 {often}" if lang == "en" else f"{often} {label} = 1"
        return Phrase(_generic_group(feature), qualifier, predicate, generic=True)
    if lang == "en":
        return Phrase(
            _generic_group(feature),
            f"{'high' if high else 'low'} {label}",
            f"have {'higher' if high else 'lower'} {label}",
            generic=True,
        )
    return Phrase(
        _generic_group(feature),
        f"{'высокий' if high else 'низкий'} {label}",
        f"{label} {'выше' if high else 'ниже'}",
        generic=True,
    )


def _generic_group(feature: FeatureSpec) -> str:
    """The group of a generic phrase: its column, never the name of a club phrase group (a
    column called ``tenure`` says something of its own, not what ``Lifetime`` says)."""
    return f"column {feature.name}"


def _named_value(feature: FeatureSpec, high: bool) -> str | None:
    """What a binary feature's 1 (``high``) or 0 is called, when it is not a yes/no pair (a
    yes/no feature reads as "mostly" or "rarely" its label)."""
    words = feature.value_words()
    if words is None or words[1].strip().lower() in YES_WORDS:
        return None
    return words[1 if high else 0]


# --- numbers -----------------------------------------------------------------------------------


def number(value: float, lang: str, decimals: int = 0) -> str:
    """``1,234.5`` in English, ``1 234,5`` in Russian (a no-break space between digit groups,
    as in the rest of the report, so a number never breaks across lines).

    >>> number(1234.5, "ru", 1).replace("\xa0", "_"), number(1234.5, "en", 1)
    ('1_234,5', '1,234.5')
    """
    text = f"{value:,.{decimals}f}"
    if lang == "ru":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def percent(share: float, lang: str) -> str:
    """A share as a percentage: whole percents, one decimal below 10 %.

    >>> percent(0.52, "en"), percent(0.028, "ru").replace("\xa0", "_"), percent(0.0, "en")
    ('52 %', '2,8_%', '0 %')
    """
    value = 100 * share
    decimals = 1 if 0 < value < 10 and round(value, 1) != round(value) else 0
    space = "\u00a0" if lang == "ru" else " "
    return f"{number(value, lang, decimals)}{space}%"


def _pair_text(a: float, b: float, kind: str, unit: str, lang: str) -> str:
    vs = _WORDS[lang]["vs"]
    if kind != "numeric":
        return f"{percent(a, lang)} {vs} {percent(b, lang)}"
    decimals = 0 if max(abs(a), abs(b)) >= 100 else 1
    while decimals < 3 and round(a, decimals) == round(b, decimals):
        decimals += 1
    return f"{number(a, lang, decimals)} {vs} {number(b, lang, decimals)}{unit}"


def _members(n: int, lang: str) -> str:
    if lang == "en":
        return f"{number(n, lang)} member{'' if n == 1 else 's'}"
    return f"{number(n, lang)} {_ru_plural(n, 'клиент', 'клиента', 'клиентов')}"


def _ru_plural(n: int, one: str, few: str, many: str) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def _times(ratio: float, lang: str) -> str:
    """ "twice", "2.5 times", "4 times" / "вдвое", "в 2,5 раза", "в 4 раза"."""
    if ratio < 2.25:
        return "twice" if lang == "en" else "вдвое"
    value = round(ratio * 2) / 2 if ratio < 3 else float(round(ratio))
    text = number(value, lang, 0 if value.is_integer() else 1)
    if lang == "en":
        return f"{text} times"
    word = "раза" if not value.is_integer() else _ru_plural(int(value), "раз", "раза", "раз")
    return f"в {text} {word}"


def _comparison(rate: float, overall: float, lang: str, club: bool) -> str:
    """How a segment's churn compares with everyone's: "twice the club's 27 %"."""
    base = percent(overall, lang)
    ref_en = f"the club's {base}" if club else f"the overall {base}"
    ref_ru = f"чем в среднем по клубу ({base})" if club else f"чем в среднем ({base})"
    ratio = rate / overall if overall > 0 else 1.0
    if ratio >= 1.75:
        times = _times(ratio, lang)
        return f"{times} {ref_en}" if lang == "en" else f"{times} выше, {ref_ru}"
    if 0 < ratio <= 1 / 1.75:
        times = _times(1 / ratio, lang)
        if lang == "en":
            return f"half {ref_en}" if times == "twice" else f"{times} lower than {ref_en}"
        return f"{times} ниже, {ref_ru}"
    en, ru = next(
        (en, ru)
        for bound, en, ru in (
            (1.25, "well above", "заметно выше"),
            (1.1, "above", "выше"),
            (1 / 1.1, "close to", "примерно как"),
            (1 / 1.25, "below", "ниже"),
            (-math.inf, "well below", "заметно ниже"),
        )
        if ratio >= bound
    )
    if lang == "en":
        return f"{en} {ref_en}"
    if ru == "примерно как":
        return f"{ru} в среднем {'по клубу ' if club else ''}({base})"
    return f"{ru}, {ref_ru}"


# --- names and descriptions --------------------------------------------------------------------


def _phrases(
    items: Sequence[Mapping[str, Any]], features: Mapping[str, FeatureSpec], lang: str
) -> list[Phrase]:
    """One phrase per group, for the items that differ enough, in the items' order."""
    phrases: list[Phrase] = []
    seen: set[str] = set()
    for item in items:
        if abs(item["difference_sd"]) < MIN_SD:
            continue
        direction = "high" if item["difference_sd"] > 0 else "low"
        phrase = phrase_for(features[item["feature"]], direction, lang, item.get("category"))
        if phrase.group not in seen:
            seen.add(phrase.group)
            phrases.append(phrase)
    return phrases


def _name(phrases: Sequence[Phrase], parts: int, lang: str) -> str:
    chosen = list(phrases[:parts])
    if not chosen:
        return _capital(_WORDS[lang]["typical"])
    head = next((p for p in chosen if p.noun), None)
    club = [p.qualifier for p in chosen if not p.generic and p is not head]
    generic = [p.qualifier for p in chosen if p.generic]
    text = ""
    if head is not None or club:
        text = " ".join([head.noun if head and head.noun else _WORDS[lang]["head"], *club])
    return _capital(", ".join(part for part in [text, *generic] if part))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def name_segments(
    ranked: Mapping[int, Sequence[Mapping[str, Any]]],
    features: Mapping[str, FeatureSpec],
    lang: str,
) -> dict[int, str]:
    """A short distinct name per segment id, from its features ranked by how much they differ.

    Names start from the two strongest phrases; names that collide take more phrases, and any
    still the same get the segment's number.
    """
    phrases = {sid: _phrases(items, features, lang) for sid, items in ranked.items()}
    parts = dict.fromkeys(ranked, NAME_PARTS)
    names = {sid: _name(phrases[sid], parts[sid], lang) for sid in ranked}
    while True:
        clashes = [sid for sid in ranked if list(names.values()).count(names[sid]) > 1]
        growing = [sid for sid in clashes if parts[sid] < len(phrases[sid])]
        if not growing:
            break
        for sid in growing:
            parts[sid] += 1
            names[sid] = _name(phrases[sid], parts[sid], lang)
    taken = list(names.values())
    return {
        sid: f"{name} ({_WORDS[lang]['segment']} {sid})" if taken.count(name) > 1 else name
        for sid, name in names.items()
    }


def describe(
    *,
    size: int,
    share: float,
    churn_rate: float,
    overall_rate: float,
    items: Sequence[Mapping[str, Any]],
    features: Mapping[str, FeatureSpec],
    lang: str,
    club: bool,
    top: int = 3,
) -> str:
    """One or two sentences: size, churn against everyone's, and what sets the segment apart.

    ``items`` are all the segment's features, ranked (dicts as in ``Portrait.distinguishing``);
    the first ``top`` that differ enough and say different things are told.
    """
    words = _WORDS[lang]
    text = f"{_members(size, lang)} ({percent(share, lang)})"
    if not math.isnan(churn_rate):
        text += f", {words['churn']} {percent(churn_rate, lang)}"
        if not math.isnan(overall_rate):
            text += f" — {_comparison(churn_rate, overall_rate, lang, club)}"
    text += "."
    said: list[str] = []
    groups: set[str] = set()
    for item in items:
        if abs(item["difference_sd"]) < MIN_SD or len(said) == top:
            continue
        feature = features[item["feature"]]
        direction = "high" if item["difference_sd"] > 0 else "low"
        phrase = phrase_for(feature, direction, lang, item.get("category"))
        if phrase.group in groups:
            continue
        groups.add(phrase.group)
        kind = "share" if item.get("category") is not None else feature.kind
        unit = _UNITS.get(feature.name, {}).get(lang, "")
        segment_mean, overall_mean = item["segment_mean"], item["overall_mean"]
        if _named_value(feature, high=False) is not None and direction == "low":
            # "more often have gender “Female”": the share of Female, not of Male
            segment_mean, overall_mean = 1 - segment_mean, 1 - overall_mean
        pair = _pair_text(segment_mean, overall_mean, kind, unit, lang)
        said.append(f"{phrase.predicate} ({pair})")
    if not said:
        return f"{text} {words['alike']}"
    listed = said[0] if len(said) == 1 else f"{', '.join(said[:-1])} {words['and']} {said[-1]}"
    rest = f"; {words['rest']}" if len(said) == 1 else ""
    return f"{text} {words['compared']} {listed}{rest}."
