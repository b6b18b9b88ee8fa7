"""churnlab.plan.playbook: the shipped playbooks, their economics, and bad playbook files."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from _wording import CYRILLIC, fitness_words
from churnlab.data.feature import FeatureSpec
from churnlab.data.infer import infer_spec
from churnlab.data.spec import DatasetSpec, gym_spec
from churnlab.errors import UsageError
from churnlab.plan.playbook import (
    BUILTIN_PLAYBOOKS,
    Economics,
    Playbook,
    builtin_playbook,
    default_playbook,
    load_playbook,
)

BUILTIN_TEXT = (
    resources.files("churnlab.plan.playbooks").joinpath("fitness.yaml").read_text(encoding="utf-8")
)


# --- the shipped playbook ----------------------------------------------------------------------


def test_shipped_playbook_has_every_measure_in_both_languages(playbook: Playbook) -> None:
    assert len(playbook.measures) >= 9
    for m in playbook.measures:
        for text in (m.title, m.description, m.audience):
            assert text is not None
            assert text["en"].strip() and CYRILLIC.search(text["ru"]), m.id
        assert 0 < m.success_rate <= 1
        assert 0 < m.cost < playbook.economics.fee
        assert set(m.drivers) or m.generic
    assert playbook.economics.fee == 50 and playbook.economics.months_kept > 0
    assert playbook.economics.currency


@pytest.mark.parametrize(
    ("measure_id", "trigger"),
    [
        ("first_month_onboarding", ("Lifetime", "max", 1)),
        ("renewal_offer", ("Month_to_end_contract", "max", 2)),
        ("group_class_reminders", ("Group_visits", "equals", 0)),
        ("bring_a_friend", ("Promo_friends", "equals", 0)),
        ("partner_programme", ("Partner", "equals", 0)),
        ("visit_drop_reengagement", ("visits_trend", "max", -0.3)),
        ("community_app", ("Avg_additional_charges_total", "max", 100)),
        ("leaver_survey", ("churn_probability", "min", 0.5)),
    ],
)
def test_shipped_playbook_measures_and_triggers(
    playbook: Playbook, measure_id: str, trigger: tuple[str, str, float]
) -> None:
    m = playbook.measure(measure_id)
    feature, key, value = trigger
    assert [(t.feature, getattr(t, key)) for t in m.triggers] == [(feature, value)]


def test_shipped_playbook_has_one_generic_fallback(playbook: Playbook) -> None:
    assert [m.id for m in playbook.measures if m.generic] == ["personal_call"]
    assert "renewal" in playbook.measure("renewal_offer").title["en"].lower()
    assert {"Month_to_end_contract", "contract_used", "Contract_period"} <= set(
        playbook.measure("renewal_offer").drivers
    )


def test_the_shipped_file_and_the_default_are_the_same(tmp_path: Path, playbook: Playbook) -> None:
    copy = tmp_path / "fitness.yaml"
    copy.write_text(BUILTIN_TEXT, encoding="utf-8")
    assert load_playbook(copy) == playbook
    assert load_playbook(str(copy)) == playbook


def test_bad_overrides_name_the_option() -> None:
    with pytest.raises(UsageError, match=r"--fee: must be above 0"):
        Economics().override(fee=0)
    with pytest.raises(UsageError, match=r"--offer-cost: must be 0 or more"):
        Economics().override(offer_cost=-1)
    with pytest.raises(UsageError, match=r"--budget"):
        Economics().override(budget=float("nan"))


# --- bad playbooks -----------------------------------------------------------------------------


def _bad(tmp_path: Path, text: str) -> str:
    path = tmp_path / "club-playbook.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        load_playbook(path)
    message = str(caught.value)
    assert "club-playbook.yaml" in message and "fix:" in message
    return message


def test_a_missing_playbook(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"nowhere\.yaml: no such playbook file"):
        load_playbook(tmp_path / "nowhere.yaml")


def test_a_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    text = BUILTIN_TEXT.replace("  fee: 50", "  fee: [50")
    line = BUILTIN_TEXT.splitlines().index("  fee: 50            # monthly membership fee") + 1
    message = _bad(tmp_path, text)
    assert "not valid YAML" in message and re.search(rf"line {line + 1}\b", message)


def test_a_success_rate_above_one(tmp_path: Path) -> None:
    message = _bad(tmp_path, BUILTIN_TEXT.replace("success_rate: 0.25", "success_rate: 1.5", 1))
    assert "measures[0].success_rate: must be between 0 and 1" in message
    assert "1.5" in message and "first_month_onboarding" in message


def test_an_unknown_trigger_key(tmp_path: Path) -> None:
    text = BUILTIN_TEXT.replace("{feature: Lifetime, max: 1}", "{feature: Lifetime, below: 1}")
    message = _bad(tmp_path, text)
    assert "measures[0].triggers[0]: unknown key 'below'" in message
    assert "feature, min, max, equals" in message


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("cost: 15", "cost: -3", "measures[0].cost: must be 0 or more"),
        ("cost: 15", "cost: lots", "measures[0].cost: must be a number"),
        ("    cost: 15\n", "", "measures[0].cost: is missing"),
        ("  fee: 50", "  fee: 0", "economics.fee: must be above 0"),
        ("id: renewal_offer", "id: first_month_onboarding", "the same id"),
        ("triggers: []", "triggers: [{feature: Age, min: 18}]", "fallback"),
        ("{feature: Lifetime, max: 1}", "{feature: Lifetime}", "give a condition"),
        ("{feature: Lifetime, max: 1}", "{feature: Lifetime, min: 3, max: 1}", "above max"),
        ("  ru: План удержания", "  ru: ''\n  de: План удержания", "name: the 'ru' text is empty"),
    ],
)
def test_other_bad_fields(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in BUILTIN_TEXT
    assert expected in _bad(tmp_path, BUILTIN_TEXT.replace(old, new, 1))


@pytest.mark.parametrize("text", ["", "- just\n- a list\n"])
def test_a_playbook_that_is_not_a_mapping(tmp_path: Path, text: str) -> None:
    _bad(tmp_path, text)


# --- the subscription playbook -----------------------------------------------------------------


def _texts(playbook: Playbook, lang: str) -> list[str]:
    """Every text of the playbook in ``lang``: its name, each measure's title, audience, action."""
    texts = [playbook.name[lang]]
    for m in playbook.measures:
        texts += [m.title[lang], m.description[lang], (m.audience or {})[lang]]
    return texts


def test_the_fitness_words_are_found_in_the_fitness_playbook(playbook: Playbook) -> None:
    # the list is worth checking against: it finds the club in the club's playbook
    assert fitness_words(" ".join(_texts(playbook, "en")))
    assert fitness_words(" ".join(_texts(playbook, "ru")))


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_subscription_playbook_speaks_of_any_business(
    subscription: Playbook, lang: str
) -> None:
    assert subscription.languages == ["en", "ru"]
    for text in _texts(subscription, lang):
        assert text.strip() and bool(CYRILLIC.search(text)) == (lang == "ru"), text
        assert not fitness_words(text), text


def test_the_subscription_playbook_reads_only_what_every_scored_table_has(
    subscription: Playbook,
) -> None:
    assert [m.id for m in subscription.measures] == [
        "win_back_offer",
        "plan_change",
        "service_check",
        "survey",
        "personal_call",
    ]
    assert [m.id for m in subscription.measures if m.generic] == ["personal_call"]
    for m in subscription.measures:
        assert {t.feature for t in m.triggers} <= {"churn_probability"}, m.id
        assert not m.drivers, m.id
        assert 0 < m.success_rate <= 1 and 0 < m.cost < subscription.economics.fee
    assert subscription.economics == load_playbook().economics  # the CLI's overrides fit both


def test_each_band_is_worth_contacting_from_its_lowest_probability(subscription: Playbook) -> None:
    # what the YAML's comment promises at the default economics: at a band's lowest probability
    # the expected saving is above the cost
    value = subscription.economics.fee * subscription.economics.months_kept
    for m in subscription.measures:
        lowest = [t.min for t in m.triggers if t.min is not None]
        if lowest:
            assert lowest[0] * m.success_rate * value > m.cost, m.id


def test_builtin_playbooks_by_name(subscription: Playbook) -> None:
    assert BUILTIN_PLAYBOOKS == ("fitness", "subscription")
    assert builtin_playbook("fitness") == load_playbook()
    for name in BUILTIN_PLAYBOOKS:
        assert builtin_playbook(name).builtin == name
    with pytest.raises(UsageError, match="no built-in playbook 'bank'") as caught:
        builtin_playbook("bank")
    assert "fitness, subscription" in str(caught.value)


def test_a_builtin_playbook_is_a_fresh_copy() -> None:
    first = builtin_playbook("subscription")
    first.measures.pop()
    assert len(builtin_playbook("subscription").measures) == 5


def test_a_copy_of_a_builtin_file_is_that_builtin_until_changed(tmp_path: Path) -> None:
    text = (
        resources.files("churnlab.plan.playbooks").joinpath("subscription.yaml").read_text("utf-8")
    )
    copy = tmp_path / "mine.yaml"
    copy.write_text(text, encoding="utf-8")
    assert load_playbook(copy).builtin == "subscription"
    copy.write_text(text.replace("cost: 25", "cost: 24"), encoding="utf-8")
    assert load_playbook(copy).builtin is None


def test_the_default_playbook_fits_the_table(telco: pd.DataFrame) -> None:
    assert default_playbook(gym_spec()).builtin == "fitness"
    assert default_playbook(infer_spec(telco)).builtin == "subscription"
    # one club column is not a club's table
    one = (FeatureSpec("Lifetime", "numeric", 0, None, integer=True), FeatureSpec("x", "numeric"))
    assert default_playbook(DatasetSpec("Churn", 1, one)).builtin == "subscription"
