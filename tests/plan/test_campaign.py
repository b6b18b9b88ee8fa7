"""churnlab.plan.campaign: which measure each member gets, its economics, the campaign."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest

from _wording import CYRILLIC
from churnlab.errors import DataError, UsageError
from churnlab.model.features import DERIVED_METRICS
from churnlab.plan.campaign import build_plan, recommend
from churnlab.plan.evidence import SuccessPosterior
from churnlab.plan.playbook import BUILTIN_PLAYBOOKS, Economics, Playbook, builtin_playbook


def _measure(id_: str, cost: float, success: float, **extra: Any) -> dict[str, Any]:
    return {
        "id": id_,
        "title": {"en": id_.title(), "ru": "Мера " + id_},
        "description": {"en": f"do {id_}", "ru": f"сделать {id_}"},
        "cost": cost,
        "success_rate": success,
        **extra,
    }


def _playbook(*measures: dict[str, Any]) -> Playbook:
    return Playbook.model_validate({"name": {"en": "test"}, "measures": list(measures)})


def _members(**columns: Any) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    return pd.DataFrame({"row": np.arange(n), "segment": [0] * n, **columns})


# --- which measure a member gets ---------------------------------------------------------------


def _one_gym_member(**overrides: float) -> pd.DataFrame:
    member = {
        "gender": 1,
        "Near_Location": 1,
        "Partner": 1,
        "Promo_friends": 1,
        "Phone": 1,
        "Contract_period": 12,
        "Group_visits": 1,
        "Age": 30,
        "Avg_additional_charges_total": 200.0,
        "Month_to_end_contract": 10,
        "Lifetime": 6,
        "Avg_class_frequency_total": 2.0,
        "Avg_class_frequency_current_month": 2.0,
        "churn_probability": 0.4,
    }
    return _members(**{k: [v] for k, v in {**member, **overrides}.items()})


def _contributions(members: pd.DataFrame, **values: float) -> pd.DataFrame:
    names = [c for c in members.columns if c not in {"row", "segment", "churn_probability"}]
    names += [m.name for m in DERIVED_METRICS]
    frame = pd.DataFrame(0.0, index=members.index, columns=names)
    for name, value in values.items():
        frame[name] = value
    return frame


def test_first_month_member_without_group_visits_gets_a_measure_that_fits(
    playbook: Playbook,
) -> None:
    member = _one_gym_member(Lifetime=0, Group_visits=0, churn_probability=0.8)
    for pushes, expected in [
        ({"Lifetime": 1.2, "Group_visits": 0.3}, "first_month_onboarding"),
        ({"Lifetime": 0.2, "Group_visits": 0.9}, "group_class_reminders"),
    ]:
        plan = build_plan(member, _contributions(member, **pushes), playbook)
        chosen = plan.recommendations.iloc[0]
        assert chosen == expected
        assert playbook.measure(chosen).applies(member).all()


def test_contract_ending_member_gets_the_renewal_offer(playbook: Playbook) -> None:
    member = _one_gym_member(
        Contract_period=1, Month_to_end_contract=1, Group_visits=0, Promo_friends=0
    )
    contributions = _contributions(
        member, Month_to_end_contract=1.5, Group_visits=0.4, Promo_friends=0.3, Age=0.2
    )
    plan = build_plan(member, contributions, playbook)
    assert plan.recommendations.tolist() == ["renewal_offer"]
    assert plan.campaign["measure"].tolist() == ["renewal_offer"]


def test_a_measure_whose_triggers_do_not_hold_is_not_given(playbook: Playbook) -> None:
    # Month_to_end_contract pushes hardest, but the contract does not end soon.
    member = _one_gym_member(Month_to_end_contract=10, Group_visits=0)
    contributions = _contributions(member, Month_to_end_contract=2.0, Group_visits=0.1)
    assert build_plan(member, contributions, playbook).recommendations.tolist() == [
        "group_class_reminders"
    ]


def test_no_push_towards_leaving_falls_back_to_the_generic_measure(playbook: Playbook) -> None:
    member = _one_gym_member(Lifetime=0, Group_visits=0, Month_to_end_contract=1)
    contributions = _contributions(member, Lifetime=-1.0, Group_visits=-0.5)
    assert build_plan(member, contributions, playbook).recommendations.tolist() == ["personal_call"]


def test_derived_metrics_are_computed_for_the_triggers(playbook: Playbook) -> None:
    member = _one_gym_member(Avg_class_frequency_total=2.5, Avg_class_frequency_current_month=0.5)
    assert "visits_trend" not in member.columns
    contributions = _contributions(member, visits_trend=1.0)
    assert build_plan(member, contributions, playbook).recommendations.tolist() == [
        "visit_drop_reengagement"
    ]


def test_a_table_without_club_columns_gets_only_the_generic_measure(playbook: Playbook) -> None:
    rng = np.random.default_rng(0)
    members = _members(
        tenure=rng.integers(0, 72, 50),
        MonthlyCharges=rng.uniform(18, 120, 50),
        churn_probability=rng.uniform(0.0, 0.4, 50),
    )
    contributions = pd.DataFrame(
        rng.normal(size=(50, 2)), columns=["tenure", "MonthlyCharges"], index=members.index
    )
    plan = build_plan(members, contributions, playbook)
    assert set(plan.recommendations) == {"personal_call"}
    assert set(plan.campaign["measure"]) == {"personal_call"}
    assert [g.measure for g in plan.target_groups] == ["personal_call"]


def test_a_tie_goes_to_the_cheaper_measure() -> None:
    book = _playbook(
        _measure("dear", 9, 0.2, triggers=[{"feature": "x", "max": 1}], drivers=["x"]),
        _measure("cheap", 3, 0.2, triggers=[{"feature": "x", "min": 0}], drivers=["x"]),
        _measure("call", 1, 0.1),
    )
    members = _members(x=[0.5], churn_probability=[0.9])
    contributions = pd.DataFrame({"x": [1.0]})
    assert build_plan(members, contributions, book).recommendations.tolist() == ["cheap"]


def test_missing_values_do_not_trigger_a_measure(playbook: Playbook) -> None:
    members = _members(Lifetime=[np.nan, 0.0], churn_probability=[0.9, 0.9])
    contributions = pd.DataFrame({"Lifetime": [1.0, 1.0]})
    plan = build_plan(members, contributions, playbook)
    assert plan.recommendations.tolist() == ["personal_call", "first_month_onboarding"]


def test_every_subscription_measure_is_chosen_on_some_table(subscription: Playbook) -> None:
    p = np.linspace(0, 1, 401)
    members = pd.DataFrame({"churn_probability": p, "tenure": np.arange(len(p))})
    pushed = pd.DataFrame({"tenure": np.ones(len(p))})  # a push no measure names as its driver
    chosen = [subscription.measures[i] for i in recommend(members, pushed, subscription)]
    assert {m.id for m in chosen} == {m.id for m in subscription.measures}
    # the reference: the cheapest measure whose probability band holds, else the fallback
    for value, measure in zip(p, chosen, strict=True):
        bands = [
            m
            for m in subscription.measures
            if m.triggers
            and all(
                (t.min is None or value >= t.min) and (t.max is None or value <= t.max)
                for t in m.triggers
            )
        ]
        expected = (
            min(bands, key=lambda m: m.cost) if bands else subscription.measure("personal_call")
        )
        assert measure.id == expected.id, value


def test_a_measure_with_triggers_and_no_drivers_is_chosen_on_its_triggers() -> None:
    book = _playbook(
        _measure("band", 4, 0.2, triggers=[{"feature": "churn_probability", "min": 0.5}]),
        _measure("named", 9, 0.2, triggers=[{"feature": "x", "max": 1}], drivers=["x"]),
        _measure("call", 6, 0.1),
    )
    members = _members(x=[5.0, 0.5, 0.5, 5.0], churn_probability=[0.9, 0.9, 0.9, 0.1])
    contributions = pd.DataFrame({"x": [1.0, 1.0, -1.0, 1.0]})
    plan = build_plan(members, contributions, book)
    # 0: only the band applies; 1: the named measure's driver pushes, so it wins over the band;
    # 2: the driver does not push, so the band; 3: the band does not hold, so the fallback
    assert plan.recommendations.tolist() == ["band", "named", "band", "call"]


# --- the economics -----------------------------------------------------------------------------


@pytest.fixture
def three() -> tuple[pd.DataFrame, pd.DataFrame, Playbook]:
    """Three members, one measure: cost 10, success 0.2; fee 50 × 6 months = 300 kept; risks
    up to 0.5, where a contact keeps the measure's full success rate."""
    members = _members(churn_probability=[0.1, 0.5, 0.45])
    members["member_id"] = ["a", "b", "c"]
    return members, pd.DataFrame(index=members.index), _playbook(_measure("call", 10, 0.2))


def test_saving_cost_and_net_by_hand(three: tuple[pd.DataFrame, pd.DataFrame, Playbook]) -> None:
    members, contributions, book = three
    plan = build_plan(members, contributions, book, Economics(fee=50, months_kept=6))
    campaign = plan.campaign
    # saving = p × 0.2 × 50 × 6: 0.5 → 30, 0.45 → 27, 0.1 → 6 (net -4: left out)
    assert campaign["row"].tolist() == [1, 2]
    assert campaign["rank"].tolist() == [1, 2]
    assert campaign["expected_saving"].tolist() == pytest.approx([30.0, 27.0])
    assert campaign["expected_kept"].tolist() == pytest.approx([0.1, 0.09])
    assert campaign["expected_cost"].tolist() == [10.0, 10.0]
    assert campaign["expected_net"].tolist() == pytest.approx([20.0, 17.0])
    assert plan.recommendations.tolist() == ["call", "call", "call"]
    assert plan.expected_cost == 20.0 and plan.expected_saving == pytest.approx(57.0)


def test_members_with_no_gain_are_left_out(
    three: tuple[pd.DataFrame, pd.DataFrame, Playbook],
) -> None:
    members, contributions, book = three
    # p = 0.45 → saving 27 < cost 28: left out with the 0.1; p = 0.5 → 30, net 2.
    plan = build_plan(members, contributions, book, Economics(offer_cost=28))
    assert plan.campaign["row"].tolist() == [1]
    assert (plan.campaign["expected_net"] > 0).all()


def test_the_campaign_is_ranked_by_net_not_by_probability() -> None:
    book = _playbook(
        _measure("dear", 40, 0.3, triggers=[{"feature": "x", "equals": 1}], drivers=["x"]),
        _measure("call", 2, 0.1),
    )
    members = _members(x=[1, 0, 0], churn_probability=[0.5, 0.45, 0.3])
    contributions = pd.DataFrame({"x": [1.0, 1.0, 1.0]})
    campaign = build_plan(members, contributions, book).campaign
    # row 0: 0.5 × 0.3 × 300 - 40 = 5; row 1: 0.45 × 0.1 × 300 - 2 = 11.5; row 2: 9 - 2 = 7
    assert campaign["measure"].tolist() == ["call", "call", "dear"]
    assert campaign["expected_net"].tolist() == pytest.approx([11.5, 7.0, 5.0])
    members.loc[0, "churn_probability"] = 0.48  # 43.2 - 40 = 3.2: still last
    members.loc[2, "churn_probability"] = 0.1  # 3 - 2 = 1: now below row 0
    campaign = build_plan(members, contributions, book).campaign
    assert campaign["row"].tolist() == [1, 0, 2]
    assert campaign["expected_net"].tolist() == pytest.approx([11.5, 3.2, 1.0])


@pytest.mark.parametrize(
    ("budget", "rows"), [(None, [1, 2]), (25, [1, 2]), (20, [1, 2]), (19.99, [1]), (5, [])]
)
def test_the_budget_cuts_the_list(
    three: tuple[pd.DataFrame, pd.DataFrame, Playbook], budget: float | None, rows: list[int]
) -> None:
    members, contributions, book = three
    plan = build_plan(members, contributions, book, book.economics.override(budget=budget))
    assert plan.campaign["row"].tolist() == rows
    assert plan.campaign["rank"].tolist() == list(range(1, len(rows) + 1))
    if budget is not None:
        assert plan.campaign["expected_cost"].sum() <= budget
    assert len(plan.recommendations) == 3  # everyone keeps a measure


def test_overrides_change_the_numbers(
    three: tuple[pd.DataFrame, pd.DataFrame, Playbook],
) -> None:
    members, contributions, book = three
    fee = build_plan(members, contributions, book, book.economics.override(fee=100)).campaign
    # saving = p × 0.2 × 100 × 6: 60, 54, 12 → net 50, 44, 2
    assert fee["expected_saving"].tolist() == pytest.approx([60.0, 54.0, 12.0])
    assert fee["expected_net"].tolist() == pytest.approx([50.0, 44.0, 2.0])
    cost = build_plan(members, contributions, book, book.economics.override(offer_cost=4)).campaign
    assert cost["expected_cost"].tolist() == [4.0, 4.0, 4.0]
    assert cost["expected_net"].tolist() == pytest.approx([26.0, 23.0, 2.0])
    rate = build_plan(
        members, contributions, book, book.economics.override(success_rate=0.1, months_kept=12)
    ).campaign
    assert rate["expected_saving"].tolist() == pytest.approx([30.0, 27.0])


def _posterior(mean: float, *, measured: bool) -> SuccessPosterior:
    return SuccessPosterior(mean=mean, low=mean - 0.1, high=mean + 0.1, evidence=40.0,
                            prior_rate=0.2, prior_strength=10.0, measured=measured,
                            p_pays=0.9)  # fmt: skip


def test_a_measured_success_rate_replaces_the_assumption(
    three: tuple[pd.DataFrame, pd.DataFrame, Playbook],
) -> None:
    members, contributions, book = three
    plan = build_plan(members, contributions, book, Economics(fee=50, months_kept=6),
                      measured={"call": _posterior(0.4, measured=True)})  # fmt: skip
    # saving = p × 0.4 × 300: 0.5 → 60, 0.45 → 54, 0.1 → 12 (net 2: now worth it)
    assert plan.campaign["expected_saving"].tolist() == pytest.approx([60.0, 54.0, 12.0])
    (group,) = plan.target_groups
    assert (group.success_rate, group.success_source, group.success_assumed) == (
        0.4, "measured", 0.2
    )  # fmt: skip
    assert (group.success_low, group.success_high) == pytest.approx((0.3, 0.5))
    assert group.to_dict()["success_source"] == "measured"


def test_thin_evidence_and_an_explicit_rate_keep_the_assumption(
    three: tuple[pd.DataFrame, pd.DataFrame, Playbook],
) -> None:
    members, contributions, book = three
    thin = build_plan(members, contributions, book, Economics(fee=50, months_kept=6),
                      measured={"call": _posterior(0.4, measured=False)})  # fmt: skip
    assert thin.campaign["expected_saving"].tolist() == pytest.approx([30.0, 27.0])
    assert thin.target_groups[0].success_source == "assumed"
    assert thin.target_groups[0].success_assumed == 0.2
    told = build_plan(members, contributions, book, Economics(success_rate=0.1),
                      measured={"call": _posterior(0.4, measured=True)})  # fmt: skip
    assert told.target_groups[0].success_rate == 0.1
    assert told.target_groups[0].success_source == "assumed"


def test_the_id_column_is_carried(three: tuple[pd.DataFrame, pd.DataFrame, Playbook]) -> None:
    members, contributions, book = three
    campaign = build_plan(members, contributions, book, id_col="member_id").campaign
    assert list(campaign.columns) == [
        "rank",
        "row",
        "member_id",
        "churn_probability",
        "segment",
        "measure",
        "measure_title",
        "expected_kept",
        "expected_cost",
        "expected_saving",
        "expected_net",
    ]
    assert campaign["member_id"].tolist() == ["b", "c"]


def test_bad_members_are_refused(three: tuple[pd.DataFrame, pd.DataFrame, Playbook]) -> None:
    members, contributions, book = three
    with pytest.raises(DataError, match="churn_probability"):
        build_plan(members.drop(columns="churn_probability"), contributions, book)
    with pytest.raises(DataError, match=r"row 7"):
        build_plan(
            members.assign(churn_probability=[0.1, 1.2, 0.5], row=[3, 7, 9]), contributions, book
        )
    with pytest.raises(DataError, match="no contributions"):
        build_plan(members, contributions.iloc[:1], book)
    with pytest.raises(UsageError, match="'nope'"):
        build_plan(members, contributions, book, id_col="nope")


# --- the club's table --------------------------------------------------------------------------


def test_the_club_gets_several_target_groups(
    club: tuple[pd.DataFrame, pd.DataFrame], playbook: Playbook
) -> None:
    members, contributions = club
    plan = build_plan(members, contributions, playbook)
    groups = plan.target_groups
    assert len(groups) >= 3
    for g in groups:
        assert g.members > 0 and g.expected_cost > 0 and g.expected_saving > g.expected_cost
        assert g.name.startswith(playbook.measure(g.measure).title["en"] + " — ")
        assert g.action == playbook.measure(g.measure).description["en"]
        assert g.segments and set(g.segments) <= set(members["segment"])
    assert [g.expected_saving for g in groups] == sorted(
        (g.expected_saving for g in groups), reverse=True
    )
    assert {"renewal_offer", "first_month_onboarding", "visit_drop_reengagement"} <= {
        g.measure for g in groups
    }
    assert sum(g.members for g in groups) == len(plan.campaign)
    assert plan.campaign["expected_net"].is_monotonic_decreasing
    assert (plan.campaign["expected_net"] > 0).all()
    # Every member keeps a measure, and it is one whose triggers hold for them.
    assert plan.recommendations.index.equals(members.index)
    for measure_id, who in plan.recommendations.groupby(plan.recommendations):
        assert playbook.measure(str(measure_id)).applies(members.loc[who.index]).all()


def test_the_plan_is_json_ready(
    club: tuple[pd.DataFrame, pd.DataFrame], playbook: Playbook
) -> None:
    members, contributions = club
    economics = playbook.economics.override(budget=5000)
    out = json.loads(json.dumps(build_plan(members, contributions, playbook, economics).to_dict()))
    assert out["economics"] == {
        "fee": 50.0,
        "months_kept": 6.0,
        "currency": "USD",
        "offer_cost": None,
        "success_rate": None,
        "budget": 5000.0,
        "discount": 0.0,
    }
    assert out["campaign"]["expected_cost"] <= 5000
    first = out["target_groups"][0]
    assert {"name", "members", "action", "expected_cost", "expected_saving", "segments"} <= set(
        first
    )
    assert isinstance(first["members"], int) and isinstance(first["expected_saving"], float)


def test_russian_titles(club: tuple[pd.DataFrame, pd.DataFrame], playbook: Playbook) -> None:
    members, contributions = club
    plan = build_plan(members, contributions, playbook, lang="ru")
    assert plan.campaign["measure_title"].map(lambda t: bool(CYRILLIC.search(t))).all()
    for g in plan.target_groups:
        assert CYRILLIC.search(g.name) and CYRILLIC.search(g.action)
        assert not re.search("[A-Za-z]{4,}", g.name), g.name
    with pytest.raises(UsageError, match="'de'"):
        build_plan(members, contributions, playbook, lang="de")


@pytest.mark.parametrize("name", BUILTIN_PLAYBOOKS)
def test_the_plan_names_its_playbook(name: str) -> None:
    book = builtin_playbook(name)
    members = _members(churn_probability=[0.9, 0.2])
    plan = build_plan(members, pd.DataFrame(index=members.index), book, lang="ru")
    entry = json.loads(json.dumps(plan.to_dict()))["playbook"]
    assert entry == {
        "name": book.name["ru"],
        "builtin": name,
        "file": f"churnlab/plan/playbooks/{name}.yaml",
    }
    own = book.model_copy(update={"name": {"en": "Ours", "ru": "Наш"}})
    assert build_plan(members, pd.DataFrame(index=members.index), own).to_dict()["playbook"] == {
        "name": "Ours",
        "builtin": None,
        "file": None,
    }
