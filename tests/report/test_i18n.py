"""The report's words in both languages, and its number formats against hand-written strings."""

from __future__ import annotations

import math
import re
import string

import pytest

from churnlab.report.i18n import LANGS, TEXT, num, pct, t


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_both_languages_have_the_same_keys_with_the_same_fields() -> None:
    assert set(LANGS) == {"en", "ru"}
    assert set(TEXT["en"]) == set(TEXT["ru"])
    differing = {
        key: (_fields(TEXT["en"][key]), _fields(TEXT["ru"][key]))
        for key in TEXT["en"]
        if _fields(TEXT["en"][key]) != _fields(TEXT["ru"][key])
    }
    assert differing == {}
    assert all(TEXT[lang][key].strip() for lang in LANGS for key in TEXT[lang])


def test_both_languages_have_the_same_strings() -> None:
    assert set(TEXT) == {"en", "ru"}
    assert TEXT["en"].keys() == TEXT["ru"].keys()
    for key, english in TEXT["en"].items():
        fields = set(re.findall(r"\{(\w+)\}", english))
        assert fields == set(re.findall(r"\{(\w+)\}", TEXT["ru"][key])), key
        assert TEXT["ru"][key].strip(), key


def test_every_club_twin_has_its_plain_key() -> None:
    for lang in LANGS:
        twins = [key for key in TEXT[lang] if key.endswith("_club")]
        assert twins  # levers_club at least
        assert [key for key in twins if key.removesuffix("_club") not in TEXT[lang]] == []


def test_club_picks_the_twin_and_falls_back_to_the_plain_key() -> None:
    assert t("levers", "en") == "Levers the business can move"
    assert t("levers", "en", club=True) == "Levers the club can move"
    assert t("levers", "ru", club=True) == "Рычаги, на которые клуб может влиять"
    assert t("levers", "ru", club=True) == TEXT["ru"]["levers_club"]
    assert t("levers", "ru") == TEXT["ru"]["levers"] != TEXT["ru"]["levers_club"]
    # no twin: the plain wording whatever `club` says
    assert "sec_plan_club" not in TEXT["ru"]
    assert t("sec_plan", "ru", club=True) == "План удержания"


def test_fields_are_filled_and_unknown_languages_are_english() -> None:
    assert t("portrait_members_club", "en", club=True, members="1,234", share="31%") == (
        "1,234 members · 31% of the club"
    )
    assert t("portrait_members", "ru", club=True, members="5", share="2 %") == (
        "5 клиентов · 2 % клуба"
    )
    assert t("sec_plan", "de") == "Retention plan"
    with pytest.raises(KeyError):
        t("no_such_key", "en")


@pytest.mark.parametrize(
    ("value", "digits", "en", "ru"),
    [
        (1234.5, 1, "1,234.5", "1\u00a0234,5"),
        (1234567.891, 2, "1,234,567.89", "1\u00a0234\u00a0567,89"),
        (0.5, 0, "0", "0"),  # half to even
        (2.5, 0, "2", "2"),
        (-1234.4, 0, "\u22121,234", "\u22121\u00a0234"),  # a true minus sign
        (-0.04, 1, "0.0", "0,0"),  # no "minus zero"
        (12, 0, "12", "12"),
        (None, 0, "—", "—"),
        (math.nan, 2, "—", "—"),
        (math.inf, 2, "—", "—"),
    ],
)
def test_num(value: object, digits: int, en: str, ru: str) -> None:
    assert (num(value, digits, "en"), num(value, digits, "ru")) == (en, ru)


@pytest.mark.parametrize(
    ("share", "digits", "en", "ru"),
    [
        (0.26525, 1, "26.5%", "26,5\u00a0%"),
        (0.26, 1, "26%", "26\u00a0%"),  # trailing zero dropped
        (0.1, 1, "10%", "10\u00a0%"),  # ... but not the zero of 10
        (1.0, 1, "100%", "100\u00a0%"),
        (0.0, 1, "0%", "0\u00a0%"),
        (0.123456, 2, "12.35%", "12,35\u00a0%"),
        (0.705, 0, "70%", "70\u00a0%"),  # 70.49999... in binary
        (12.345, 1, "1,234.5%", "1\u00a0234,5\u00a0%"),
        (None, 1, "—", "—"),
        (math.nan, 1, "—", "—"),
    ],
)
def test_pct(share: object, digits: int, en: str, ru: str) -> None:
    assert (pct(share, "en", digits), pct(share, "ru", digits)) == (en, ru)


def test_numbers_follow_the_language() -> None:
    assert num(1234567.891, 2, "en") == "1,234,567.89"
    assert num(1234567.891, 2, "ru") == "1\u00a0234\u00a0567,89"
    assert num(-0.5, 1, "en") == "\u22120.5"
    assert num(-0.001, 2, "en") == "0.00"
    assert num(float("nan"), 2, "en") == num(None, 2, "ru") == "—"
    assert pct(0.26525, "en") == "26.5%" and pct(0.26525, "ru") == "26,5\u00a0%"
    assert pct(0.5, "en") == "50%" and pct(1.0, "ru", 1) == "100\u00a0%"
    assert t("call_list", "ru", n=50) == "Первые 50 клиентов для обзвона"
    assert t("sec_plan", "xx") == t("sec_plan", "en")
