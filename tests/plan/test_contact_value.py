"""A contact priced by the difference it makes: the futility rule, success measured by tier,
the member's own value, and the first calls that change with them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from churnlab.plan.campaign import build_plan
from churnlab.plan.contact_value import (
    CERTAIN_SHARE,
    NEAR_CERTAIN,
    SWAYED_UP_TO,
    futility,
    kept_values,
    member_success,
)
from churnlab.plan.evidence import SuccessPosterior
from churnlab.plan.playbook import Playbook


def test_the_futility_rule_by_hand() -> None:
    p = np.array([0.0, 0.3, SWAYED_UP_TO, 0.6, 0.8, 0.95, 1.0])
    # full up to 0.5; then down in a straight line to a fifth at 1: 1 - 0.8 × (p - 0.5) / 0.5
    expected = [1.0, 1.0, 1.0, 1 - 0.8 * 0.2, 1 - 0.8 * 0.6, 1 - 0.8 * 0.9, CERTAIN_SHARE]
    assert futility(p).tolist() == pytest.approx(expected)
    assert np.all(np.diff(futility(np.linspace(0, 1, 101))) <= 0)  # never rises with risk


def _posterior(mean: float, measured: bool = True) -> SuccessPosterior:
    return SuccessPosterior(mean, mean - 0.05, mean + 0.05, 50.0, 0.25, 10.0, measured, None)


def test_success_measured_in_a_tier_replaces_the_rule_there() -> None:
    measures = np.array(["call", "call", "renew", "call"])
    p = np.array([0.95, 0.95, 0.95, 0.3])
    tiers = np.array(["high", "high", "high", "low"])
    success, source = member_success(
        np.array([0.2, 0.2, 0.3, 0.2]), measures, p, tiers=tiers,
        by_tier={("call", "high"): _posterior(0.4), ("renew", "high"): _posterior(0.5, False)},
    )  # fmt: skip
    assert success.tolist() == pytest.approx([0.4, 0.4, 0.3 * futility(0.95), 0.2])
    assert source.tolist() == ["tier", "tier", "rule", "rule"]


def test_a_members_own_value_wins_where_it_is_known() -> None:
    members = pd.DataFrame({"kept_value": [500.0, np.nan, -1.0]})
    assert kept_values(members, 300.0).tolist() == [500.0, 300.0, 300.0]
    assert kept_values(pd.DataFrame(index=range(2)), 300.0).tolist() == [300.0, 300.0]


def test_near_certain_leavers_no_longer_fill_the_first_calls(
    club: tuple[pd.DataFrame, pd.DataFrame], playbook: Playbook
) -> None:
    members, contributions = club
    plan = build_plan(members, contributions, playbook)
    ranking = plan.ranking
    # by risk, the first 50 calls were near-certain leavers; by the difference a call makes
    # (the futility rule), few of them are
    first = members.set_index("row").loc[plan.campaign["row"].head(50), "churn_probability"]
    assert ranking["now"]["near_certain"] == int((first >= NEAR_CERTAIN).sum())
    assert ranking["before"]["near_certain"] >= 45
    assert ranking["now"]["near_certain"] <= 10
    assert ranking["reason"] == "futility"
    # and the new first calls keep more members, priced the same way, than the old ones
    assert ranking["now"]["expected_kept"] > ranking["before"]["expected_kept"]
    assert plan.to_dict()["ranking"] == ranking


def test_a_high_success_measured_among_near_certain_leavers_brings_them_back(
    club: tuple[pd.DataFrame, pd.DataFrame], playbook: Playbook
) -> None:
    members, contributions = club
    measured = {(m.id, "high"): _posterior(0.6) for m in playbook.measures}
    plan = build_plan(members, contributions, playbook, by_tier=measured)
    assert plan.ranking["now"]["near_certain"] >= 40 and plan.ranking["reason"] is None


def test_members_objective_ranks_by_members_kept(
    club: tuple[pd.DataFrame, pd.DataFrame], playbook: Playbook
) -> None:
    members, contributions = club
    saving = build_plan(members, contributions, playbook)
    heads = build_plan(members, contributions, playbook, objective="members")
    assert heads.objective == "members" and heads.to_dict()["objective"] == "members"
    assert np.all(np.diff(heads.campaign["expected_kept"].to_numpy()) <= 1e-12)
    # the same members pay for themselves either way; only the order differs
    assert set(heads.campaign["row"]) == set(saving.campaign["row"])
    assert heads.campaign["row"].head(20).tolist() != saving.campaign["row"].head(20).tolist()
