"""A member's reasons as sentences: the club's own for its columns, "label: value" for the rest;
every expected sentence is written out by hand."""

from __future__ import annotations

import math

import pytest

from churnlab.data.spec import DatasetSpec, FeatureSpec, gym_spec
from churnlab.insight.reason_text import reason_sentence

CLUB = gym_spec()
NAN = math.nan

# (feature, member, points, English, Russian)
CLUB_CASES = [
    (
        "Month_to_end_contract",
        {"Month_to_end_contract": 1.0, "Contract_period": 12.0},
        21.4,
        "contract ends in 1 month (+21 pts)",
        "абонемент заканчивается через 1 мес. (+21 п.п.)",
    ),
    (
        "Month_to_end_contract",
        {"Month_to_end_contract": 2.0, "Contract_period": 6.0},
        8.0,
        "contract ends in 2 months (+8 pts)",
        "абонемент заканчивается через 2 мес. (+8 п.п.)",
    ),
    (
        "Month_to_end_contract",
        {"Month_to_end_contract": 5.0, "Contract_period": 12.0},
        3.0,
        "on a 12-month contract, 5 months left (+3 pts)",
        "абонемент на 12 мес., осталось 5 мес. (+3 п.п.)",
    ),
    (
        "Contract_period",
        {"Contract_period": 1.0},
        6.6,
        "on a 1-month contract (+7 pts)",
        "абонемент на 1 мес. (+7 п.п.)",
    ),
    (
        "Lifetime",
        {"Lifetime": 0.0},
        9.6,
        "joined less than a month ago (+10 pts)",
        "клиент меньше месяца (+10 п.п.)",
    ),
    (
        "Lifetime",
        {"Lifetime": 1.0},
        4.0,
        "a member for only 1 month (+4 pts)",
        "клиент всего 1 мес. (+4 п.п.)",
    ),
    (
        "Lifetime",
        {"Lifetime": 3.0},
        4.0,
        "a member for only 3 months (+4 pts)",
        "клиент всего 3 мес. (+4 п.п.)",
    ),
    (
        "Group_visits",
        {"Group_visits": 0.0},
        2.0,
        "no group classes (+2 pts)",
        "не ходит на групповые занятия (+2 п.п.)",
    ),
    (
        "Group_visits",
        {"Group_visits": 1.0},
        2.0,
        "attends group classes (+2 pts)",
        "ходит на групповые занятия (+2 п.п.)",
    ),
    (
        "Partner",
        {"Partner": 0.0},
        1.0,
        "not from a partner company (+1 pts)",
        "не сотрудник компании-партнёра (+1 п.п.)",
    ),
    (
        "Promo_friends",
        {"Promo_friends": 0.0},
        1.0,
        "did not come with a friend (+1 pts)",
        "пришёл не по акции «приведи друга» (+1 п.п.)",
    ),
    (
        "Near_Location",
        {"Near_Location": 0.0},
        1.0,
        "lives and works far from the club (+1 pts)",
        "живёт и работает далеко от клуба (+1 п.п.)",
    ),
    (
        "Phone",
        {"Phone": 0.0},
        1.0,
        "no phone number on file (+1 pts)",
        "не оставил телефон (+1 п.п.)",
    ),
    ("Age", {"Age": 27.0}, 3.0, "27 years old (+3 pts)", "возраст 27 (+3 п.п.)"),
    (
        "Avg_additional_charges_total",
        {"Avg_additional_charges_total": 35.6},
        2.0,
        "spent only 36 on extra services (+2 pts)",
        "потратил на доп. услуги всего 36 (+2 п.п.)",
    ),
    (
        "charges_per_month",  # a derived metric, not a column of the table
        {"charges_per_month": 12.3},
        2.0,
        "spends 12 a month on extras (+2 pts)",
        "тратит на доп. услуги 12 в месяц (+2 п.п.)",
    ),
]


@pytest.mark.parametrize(("feature", "member", "points", "en", "ru"), CLUB_CASES)
def test_club_sentences(
    feature: str, member: dict[str, float], points: float, en: str, ru: str
) -> None:
    assert reason_sentence(feature, member, points, CLUB, "en") == en
    assert reason_sentence(feature, member, points, CLUB, "ru") == ru


VISITS = "Avg_class_frequency_current_month"
AVERAGE = "Avg_class_frequency_total"


def test_visits_fell_or_were_few_in_english() -> None:
    fell = {VISITS: 0.4, AVERAGE: 2.1}
    assert (
        reason_sentence(VISITS, fell, 12.0, CLUB) == "visits fell from 2.1 to 0.4 a week (+12 pts)"
    )
    # 1.9 against 2.0: less than a fifth down, so not a fall
    few = {VISITS: 1.9, AVERAGE: 2.0}
    assert reason_sentence(VISITS, few, 3.0, CLUB) == "only 1.9 visits a week last month (+3 pts)"
    # a fifth down but by less than a quarter of a visit: not a fall either
    small = {VISITS: 0.5, AVERAGE: 0.7}
    assert reason_sentence(VISITS, small, 3.0, CLUB) == "only 0.5 visits a week last month (+3 pts)"
    # no average to compare with
    assert reason_sentence(VISITS, {VISITS: 0.4}, 3.0, CLUB) == (
        "only 0.4 visits a week last month (+3 pts)"
    )
    assert reason_sentence(AVERAGE, {AVERAGE: 1.25}, 3.0, CLUB) == (
        "visits 1.2 times a week on average (+3 pts)"  # one decimal, half to even
    )


def test_visits_in_russian_words() -> None:
    # the words, whatever the decimal mark (see the next test)
    fell = reason_sentence(VISITS, {VISITS: 0.4, AVERAGE: 2.1}, 12.0, CLUB, "ru")
    assert fell.replace(",", ".") == "посещения упали с 2.1 до 0.4 в неделю (+12 п.п.)"
    few = reason_sentence(VISITS, {VISITS: 1.9, AVERAGE: 2.0}, 3.0, CLUB, "ru")
    assert few.replace(",", ".") == "всего 1.9 посещения в неделю за прошлый месяц (+3 п.п.)"


@pytest.mark.parametrize(
    ("feature", "member", "spec", "expected"),
    [
        (VISITS, {VISITS: 0.4, AVERAGE: 2.1}, CLUB, "посещения упали с 2,1 до 0,4 в неделю"),
        ("Total_Trans_Amt", {"Total_Trans_Amt": 8526.0}, "bank", "total trans amt: 8\u00a0526"),
    ],
)
def test_russian_numbers_use_the_decimal_comma_and_digit_groups(
    feature: str, member: dict[str, float], spec: object, expected: str
) -> None:
    spec = BANK if spec == "bank" else spec
    assert reason_sentence(feature, member, 12.0, spec, "ru") == f"{expected} (+12 п.п.)"


BANK = DatasetSpec(
    "Exited",
    1,
    (
        FeatureSpec("Total_Trans_Amt", "numeric"),
        FeatureSpec("Card_Category", "categorical", label={"en": "card", "ru": "карта"}),
        FeatureSpec("Has_Card", "binary", 0, 1, integer=True),
        FeatureSpec("Partner", "binary", 0, 1, integer=True, values=("No", "Yes")),
        FeatureSpec("Lifetime", "numeric", integer=True),  # in days: not the club's months
        FeatureSpec("gender", "binary", 0, 1, integer=True, values=("Female", "Male")),
    ),
)


@pytest.mark.parametrize(
    ("feature", "value", "expected"),
    [
        ("Total_Trans_Amt", 8526.0, "total trans amt: 8,526 (+4 pts)"),
        ("Total_Trans_Amt", 1039.054, "total trans amt: 1,039.05 (+4 pts)"),
        ("Total_Trans_Amt", 1234567, "total trans amt: 1,234,567 (+4 pts)"),
        ("Total_Trans_Amt", 12.5, "total trans amt: 12.50 (+4 pts)"),
        ("Total_Trans_Amt", NAN, "total trans amt: — (+4 pts)"),
        ("Card_Category", "Blue", "card: Blue (+4 pts)"),
        ("Has_Card", 1.0, "has card: 1 (+4 pts)"),
        # binaries held as words show the table's word, not 0 or 1
        ("Partner", 1.0, "partner: Yes (+4 pts)"),
        ("Partner", 0.0, "partner: No (+4 pts)"),
        ("gender", 0.0, "gender: Female (+4 pts)"),
        # named as the club's columns, without the club's meaning: no club sentence
        ("Lifetime", 400.0, "lifetime: 400 (+4 pts)"),
    ],
)
def test_generic_sentences(feature: str, value: object, expected: str) -> None:
    assert reason_sentence(feature, {feature: value}, 4.2, BANK) == expected


def test_generic_sentence_uses_the_label_of_the_language() -> None:
    assert reason_sentence("Card_Category", {"Card_Category": "Blue"}, 4.2, BANK, "ru") == (
        "карта: Blue (+4 п.п.)"
    )


def test_club_column_with_the_club_meaning_keeps_its_sentence_in_any_spec() -> None:
    club_partner = DatasetSpec("Churn", 1, (CLUB.feature("Partner"),))
    assert reason_sentence("Partner", {"Partner": 0.0}, 1.0, club_partner) == (
        "not from a partner company (+1 pts)"
    )


def test_club_wording_and_derived_metrics_only_where_the_club_meaning_holds() -> None:
    from churnlab.data.club import GYM_COLUMNS
    from churnlab.data.feature import FeatureSpec
    from churnlab.insight.reason_text import reason_sentence
    from churnlab.model.derived import derived_metrics_for

    days = FeatureSpec("Lifetime", "numeric", integer=True)  # read from its data
    charges = GYM_COLUMNS["Avg_additional_charges_total"]
    club = DatasetSpec("Churn", 1, (GYM_COLUMNS["Lifetime"], charges))
    other = DatasetSpec("Churn", 1, (days, charges))
    assert [m.name for m in derived_metrics_for(club)] == ["charges_per_month"]
    assert derived_metrics_for(other) == ()
    member = {"Lifetime": 1860.0}
    assert (
        reason_sentence("Lifetime", member, 2.0, club) == "a member for only 1860 months (+2 pts)"
    )
    assert reason_sentence("Lifetime", member, 2.0, other) == "lifetime: 1,860 (+2 pts)"


def test_derived_metric_without_a_sentence_gets_its_label() -> None:
    assert reason_sentence("contract_used", {"contract_used": 0.25}, 3.0, CLUB) == (
        "share of the contract used: 0.25 (+3 pts)"
    )
    ru = reason_sentence("contract_used", {"contract_used": 0.25}, 3.0, CLUB, "ru")
    assert ru.replace(",", ".") == "доля использованного абонемента: 0.25 (+3 п.п.)"


def test_a_missing_value_falls_back_to_the_generic_sentence() -> None:
    # no number of months to speak of: "label: —", not an error
    assert reason_sentence("Month_to_end_contract", {"Month_to_end_contract": NAN}, 5.0, CLUB) == (
        "months to contract end: — (+5 pts)"
    )


def test_an_absent_value_reads_as_a_dash() -> None:
    assert reason_sentence("Age", {}, 5.0, CLUB) == "age: — (+5 pts)"


@pytest.mark.parametrize(
    ("points", "shown"), [(21.4, "+21"), (21.6, "+22"), (0.4, "+0"), (9.96, "+10"), (3.0, "+3")]
)
def test_points_are_rounded_to_whole_points(points: float, shown: str) -> None:
    sentence = reason_sentence("Age", {"Age": 40.0}, points, CLUB)
    assert sentence == f"40 years old ({shown} pts)"


def test_an_unknown_language_is_english() -> None:
    assert reason_sentence("Age", {"Age": 40.0}, 2.0, CLUB, "de") == "40 years old (+2 pts)"
