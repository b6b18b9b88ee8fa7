"""Words for member portraits: numbers, phrases, names and descriptions against hand-written
strings."""

from __future__ import annotations

from typing import Any

import pytest

from churnlab.data.spec import GYM_COLUMNS, FeatureSpec
from churnlab.insight import segment_text as _segment_text
from churnlab.insight.segment_text import Phrase, describe, name_segments, number, percent


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "expected"),
    [
        (1234.5, "en", 1, "1,234.5"),
        (1234.5, "ru", 1, "1\u00a0234,5"),  # no-break spaces, as in the report
        (1234567.891, "en", 2, "1,234,567.89"),
        (1234567.891, "ru", 2, "1\u00a0234\u00a0567,89"),
        (999.4, "ru", 0, "999"),
        (-1234.4, "en", 0, "-1,234"),
        (0.25, "ru", 2, "0,25"),
    ],
)
def test_number(value: float, lang: str, decimals: int, expected: str) -> None:
    assert number(value, lang, decimals) == expected


@pytest.mark.parametrize(
    ("share", "en", "ru"),
    [
        (0.52, "52 %", "52 %"),
        (0.028, "2.8 %", "2,8 %"),
        (0.0449, "4.5 %", "4,5 %"),
        (0.05, "5 %", "5 %"),  # a whole number below 10 % keeps no decimal
        (0.0999, "10 %", "10 %"),  # 9.99 rounds to a whole 10
        (0.123456, "12 %", "12 %"),
        (0.0, "0 %", "0 %"),
        (1.0, "100 %", "100 %"),
    ],
)
def test_percent(share: float, en: str, ru: str) -> None:
    ru = ru.replace(" %", "\u00a0%")  # the sign never breaks from its number in Russian
    assert (percent(share, "en"), percent(share, "ru")) == (en, ru)


def test_russian_numbers_use_no_break_spaces_as_the_report_does() -> None:
    assert (number(1234.5, "ru", 1), percent(0.266, "ru")) == ("1\u00a0234,5", "27\u00a0%")


# --- phrases -----------------------------------------------------------------------------------


def test_club_phrases() -> None:
    from churnlab.insight.segment_text import phrase_for

    assert phrase_for(GYM_COLUMNS["Lifetime"], "low", "ru") == Phrase(
        "tenure", "недавно в клубе", "новички", "новички"
    )
    assert phrase_for(GYM_COLUMNS["Contract_period"], "low", "en") == Phrase(
        "contract", "on monthly contracts", "are on monthly contracts", None
    )
    # the club's binaries say "more / less often <what 1 means>"
    assert phrase_for(GYM_COLUMNS["Partner"], "high", "en") == Phrase(
        "partner",
        "from partner companies",
        "more often work for a partner company",
        "partner-company staff",
    )
    assert phrase_for(GYM_COLUMNS["Group_visits"], "low", "ru") == Phrase(
        "group", "без групповых занятий", "реже ходят на групповые занятия", None
    )


def test_generic_phrases() -> None:
    from churnlab.insight.segment_text import phrase_for

    tenure = FeatureSpec("tenure", "numeric")
    assert phrase_for(tenure, "high", "en") == Phrase(
        "column tenure", "high tenure", "have higher tenure", generic=True
    )
    assert phrase_for(tenure, "low", "ru") == Phrase(
        "column tenure", "низкий tenure", "tenure ниже", generic=True
    )
    card = FeatureSpec("Has_Card", "binary", 0, 1, integer=True)
    assert phrase_for(card, "high", "en") == Phrase(
        "column Has_Card", "mostly has card", "have has card = 1 more often", generic=True
    )
    assert phrase_for(card, "low", "ru") == Phrase(
        "column Has_Card", "реже has card", "реже has card = 1", generic=True
    )
    contract = FeatureSpec("Contract", "categorical")
    assert phrase_for(contract, "high", "en", category="Month-to-month") == Phrase(
        "column Contract",
        "contract: Month-to-month",
        "more often have contract “Month-to-month”",
        generic=True,
    )
    assert phrase_for(contract, "high", "ru", category="Month-to-month").predicate == (
        "чаще contract «Month-to-month»"
    )


def test_binary_words_other_than_yes_no_are_named() -> None:
    from churnlab.insight.segment_text import phrase_for

    gender = FeatureSpec("Gender", "binary", 0, 1, integer=True, values=("Female", "Male"))
    assert phrase_for(gender, "high", "en") == Phrase(
        "column Gender", "gender: mostly Male", "more often have gender “Male”", generic=True
    )
    assert phrase_for(gender, "low", "en").qualifier == "gender: mostly Female"
    assert phrase_for(gender, "low", "ru") == Phrase(
        "column Gender", "gender: чаще Female", "чаще gender «Female»", generic=True
    )
    # a yes/no pair reads as its label, "mostly" or "rarely"
    paperless = FeatureSpec("Paperless", "binary", 0, 1, integer=True, values=("No", "Yes"))
    assert phrase_for(paperless, "low", "en").qualifier == "rarely paperless"


def test_a_club_name_without_the_club_meaning_gets_a_generic_phrase() -> None:
    from churnlab.insight.segment_text import phrase_for

    in_days = FeatureSpec("Lifetime", "numeric", integer=True)
    assert phrase_for(in_days, "low", "en") == Phrase(
        "column Lifetime", "low lifetime", "have lower lifetime", generic=True
    )
    partner_words = FeatureSpec("Partner", "binary", 0, 1, integer=True, values=("No", "Yes"))
    assert phrase_for(partner_words, "high", "en").qualifier == "mostly partner"


# --- names -------------------------------------------------------------------------------------

FEATURES = {
    **GYM_COLUMNS,
    "tenure": FeatureSpec("tenure", "numeric"),
    "balance": FeatureSpec("balance", "numeric"),
    "Has_Card": FeatureSpec("Has_Card", "binary", 0, 1, integer=True),
}


def _items(*pairs: tuple[str, float]) -> list[dict[str, Any]]:
    return [{"feature": name, "difference_sd": sd} for name, sd in pairs]


def test_names_from_the_two_strongest_phrases() -> None:
    names = name_segments(
        {
            1: _items(("Lifetime", -1.0), ("Contract_period", -0.8), ("Age", 0.5)),
            # two phrases of one group ("visits"): only the first is used
            2: _items(
                ("Avg_class_frequency_total", -1.0),
                ("Avg_class_frequency_current_month", -0.9),
                ("Age", 0.5),
            ),
            3: _items(("Lifetime", -1.0), ("balance", 0.9)),  # club head, generic after a comma
            4: _items(("tenure", 1.0), ("Has_Card", 0.8)),  # generic only
            5: _items(("Age", 0.2), ("tenure", -0.1)),  # nothing differs enough (0.25 sd)
        },
        FEATURES,
        "en",
    )
    assert names == {
        1: "Newcomers on monthly contracts",
        2: "Rare visitors older than most",
        3: "Newcomers, high balance",
        4: "High tenure, mostly has card",
        5: "Typical members",
    }


def test_a_generic_column_named_as_a_club_group_is_not_dropped() -> None:
    names = name_segments({3: _items(("Lifetime", -1.0), ("tenure", 0.9))}, FEATURES, "en")
    assert names == {3: "Newcomers, high tenure"}


def test_colliding_names_take_more_phrases_then_the_segment_number() -> None:
    ranked = {
        1: _items(("Lifetime", -1.0), ("Contract_period", -0.8), ("Age", 0.5)),
        2: _items(("Lifetime", -1.2), ("Contract_period", -0.9), ("Age", -0.6)),
        3: _items(("Lifetime", -1.0)),
        4: _items(("Lifetime", -0.7)),
        5: _items(("Lifetime", 1.0), ("Age", 0.9)),
    }
    assert name_segments(ranked, FEATURES, "en") == {
        1: "Newcomers on monthly contracts older than most",
        2: "Newcomers on monthly contracts younger than most",
        3: "Newcomers (segment 3)",
        4: "Newcomers (segment 4)",
        5: "Long-time members older than most",  # no clash: two phrases only
    }
    ru = name_segments(ranked, FEATURES, "ru")
    assert (ru[3], ru[4]) == ("Новички (сегмент 3)", "Новички (сегмент 4)")
    assert len(set(ru.values())) == len(ru)


def test_colliding_names_are_told_apart() -> None:
    lifetime = {"feature": "Lifetime", "difference_sd": -1.0}
    spec = {"Lifetime": GYM_COLUMNS["Lifetime"]}
    names = _segment_text.name_segments({1: [lifetime], 2: [lifetime]}, spec, "en")
    assert names == {1: "Newcomers (segment 1)", 2: "Newcomers (segment 2)"}
    phone = {"feature": "Phone", "difference_sd": -2.0}
    age = {"feature": "Age", "difference_sd": 0.4}
    spec |= {"Phone": GYM_COLUMNS["Phone"], "Age": GYM_COLUMNS["Age"]}
    names = _segment_text.name_segments(
        {1: [lifetime, phone, age], 2: [lifetime, phone]}, spec, "ru"
    )
    assert names[1] != names[2]
    assert names[2] == "Новички без телефона"
    assert names[1] == "Новички без телефона постарше"


def test_describe_against_hand_written_sentences() -> None:
    common: dict[str, Any] = {
        "size": 1234,
        "share": 0.3085,
        "churn_rate": 0.52,
        "overall_rate": 0.26,
        "items": [
            {
                "feature": "Lifetime",
                "difference_sd": -1.1,
                "segment_mean": 1.5,
                "overall_mean": 3.7,
            },
            {"feature": "Age", "difference_sd": 0.1, "segment_mean": 29.0, "overall_mean": 29.2},
        ],
        "features": FEATURES,
        "club": True,
    }
    assert describe(**common, lang="en") == (
        "1,234 members (31 %), churn 52 % — twice the club's 26 %. Compared with the average "
        "member they are newcomers (1.5 vs 3.7 months); in everything else they are typical."
    )
    nbsp = "\u00a0"  # digit groups and the per cent sign never break from their number
    assert describe(**common, lang="ru") == (
        f"1{nbsp}234 клиента (31{nbsp}%), отток 52{nbsp}% — вдвое выше, чем в среднем по клубу "
        f"(26{nbsp}%). По сравнению со средним клиентом: новички (1,5 против 3,7 мес.); "
        "в остальном — как все."
    )
