"""churnlab.plan.control: the control group, held back at random within each measure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from churnlab.errors import UsageError
from churnlab.plan.control import CONTACT, CONTROL, assign_groups, check_share


def _campaign(sizes: dict[str, int], seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    parts = [
        pd.DataFrame({"measure": measure, "churn_probability": rng.beta(2, 3, n)})
        for measure, n in sizes.items()
    ]
    return pd.concat(parts, ignore_index=True)


@pytest.mark.parametrize("seed", range(20))
def test_each_measure_holds_back_its_share_of_like_members(seed: int) -> None:
    campaign = _campaign({"call": 400, "offer": 150, "app": 120}, seed=seed)
    groups = assign_groups(campaign, share=0.2, seed=seed)
    assert set(groups) == {CONTACT, CONTROL}
    for _, part in campaign.groupby("measure"):
        held = groups[part.index] == CONTROL
        assert 0.15 <= held.mean() <= 0.25
        p = part["churn_probability"].to_numpy()
        assert abs(p[held].mean() - p[~held].mean()) < 0.03


def test_one_in_each_block_of_five_of_like_risk() -> None:
    """A share of 1/5 holds back exactly one of every five members in order of risk (the
    blocks), so no stretch of risk is left without a control member."""
    campaign = _campaign({"call": 100})
    groups = assign_groups(campaign, share=0.2, seed=3)
    order = np.argsort(-campaign["churn_probability"].to_numpy(), kind="stable")
    per_block = (groups[order] == CONTROL).reshape(20, 5).sum(axis=1)
    assert per_block.tolist() == [1] * 20


def test_the_same_seed_gives_the_same_groups_and_another_seed_others() -> None:
    campaign = _campaign({"call": 200, "offer": 60})
    first = assign_groups(campaign, share=0.2, seed=[7, 2024, 6])
    assert (assign_groups(campaign, share=0.2, seed=[7, 2024, 6]) == first).all()
    assert (assign_groups(campaign, share=0.2, seed=[7, 2024, 7]) != first).any()
    # the groups follow the members, not their order in the frame
    shuffled = campaign.sample(frac=1, random_state=1)
    again = pd.Series(assign_groups(shuffled, share=0.2, seed=[7, 2024, 6]), shuffled.index)
    assert (again.sort_index().to_numpy() == first).all()


def test_no_share_holds_no_one_back_and_an_empty_campaign_is_fine() -> None:
    campaign = _campaign({"call": 50})
    assert (assign_groups(campaign, share=0.0) == CONTACT).all()
    assert len(assign_groups(campaign.head(0), share=0.2)) == 0


def test_a_share_of_a_third_holds_back_a_third_on_average() -> None:
    campaign = _campaign({"call": 3000})
    held = assign_groups(campaign, share=1 / 3, seed=0) == CONTROL
    assert held.mean() == pytest.approx(1 / 3, abs=0.01)


@pytest.mark.parametrize("share", [-0.1, 1.0, 1.5, float("nan")])
def test_a_share_outside_0_to_1_is_refused(share: float) -> None:
    with pytest.raises(UsageError, match="control share must be from 0 to below 1"):
        check_share(share)
