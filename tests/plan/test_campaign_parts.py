"""A table priced part by part (a Dask partition each): the campaign chosen from the parts'
shortlists is the one :func:`build_plan` chooses from every member at once."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from churnlab.plan.campaign import PricedMembers, build_plan, plan_campaign, price_members
from churnlab.plan.playbook import builtin_playbook


def _club_members(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    members = pd.DataFrame(
        {
            "row": np.arange(n),
            "member_id": [f"M{i}" for i in range(n)],
            "segment": rng.integers(0, 4, n),
            "Lifetime": rng.integers(0, 24, n),
            "Month_to_end_contract": rng.integers(1, 13, n),
            "Contract_period": rng.choice([1, 6, 12], n),
            "Group_visits": rng.integers(0, 2, n),
            "Avg_class_frequency_total": rng.uniform(0, 4, n),
            "Avg_class_frequency_current_month": rng.uniform(0, 4, n),
            # few distinct probabilities: many ties, which the order must settle as one does
            "churn_probability": rng.choice(np.linspace(0.02, 0.98, 25), n),
        }
    )
    features = [c for c in members.columns if c[0].isupper()]
    contributions = pd.DataFrame(rng.normal(0, 1, (n, len(features))), columns=features)
    return members, contributions


@pytest.mark.parametrize("objective", ["saving", "members"])
@pytest.mark.parametrize("budget", [None, 2_000.0, 40.0])
def test_the_campaign_of_the_parts_shortlists_is_the_campaign_of_everyone(
    objective: str, budget: float | None
) -> None:
    members, contributions = _club_members(3_000, seed=4)
    playbook = builtin_playbook("fitness")
    economics = playbook.economics.override(budget=budget)
    whole = build_plan(members, contributions, playbook, economics, id_col="member_id",
                       objective=objective)  # fmt: skip
    cuts = [0, 1, 700, 701, 1_900, 3_000]  # uneven parts, one of a single member
    shortlists = [
        price_members(
            members.iloc[a:b],
            contributions.iloc[a:b],
            playbook,
            economics,
            id_col="member_id",
            objective=objective,
        ).shortlist(economics.budget, objective)
        for a, b in itertools.pairwise(cuts)
    ]
    joined = PricedMembers.joined(shortlists)
    assert len(joined.everyone) < len(members)  # the shortlists do leave members out
    parts = plan_campaign(joined, playbook, economics, objective=objective)
    pd.testing.assert_frame_equal(parts.campaign, whole.campaign)
    assert parts.ranking == whole.ranking
    assert [g.to_dict() for g in parts.target_groups] == [g.to_dict() for g in whole.target_groups]
    assert len(whole.campaign) > 0
    if budget is not None:
        assert whole.expected_cost <= budget + 1e-9
