"""churnlab.analysis.month: a month's snapshot treated as the analysis treats its members,
with a randomised control group held back within each measure."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from _months import ID, club_history, next_snapshot
from churnlab.analysis.month import run_month
from churnlab.data.jsonable import strict
from churnlab.errors import SchemaError, UsageError, ValidationError

CLUB = "0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def snapshot(gym: pd.DataFrame) -> pd.DataFrame:
    """The analysed members themselves, with ids: the month must treat them as analyze did."""
    return gym.drop(columns="Churn").assign(**{ID: [f"M{i:05d}" for i in range(len(gym))]})


@pytest.fixture(scope="module")
def july(club_bundle, snapshot: pd.DataFrame):  # type: ignore[no-untyped-def]
    return run_month(club_bundle, snapshot, month="2024-07", club=CLUB, source="july.csv")


def test_each_member_is_treated_exactly_as_the_analysis_treated_them(july, club_analysis) -> None:  # type: ignore[no-untyped-def]
    analysed, month = club_analysis.members, july.members
    assert month["row"].tolist() == analysed["row"].tolist()
    np.testing.assert_allclose(month["churn_probability"], analysed["churn_probability"],
                               rtol=0, atol=1e-12)  # fmt: skip
    for column in ["risk_tier", "segment", "segment_name", "reason_1", "reason_2", "reason_3"]:
        expected = analysed[column].replace("", None).astype(object).where(analysed[column].notna())
        got = month[column].astype(object).where(month[column].notna())
        assert got.fillna("—").tolist() == expected.fillna("—").tolist(), column
    # every member has a portrait and reasons
    assert month["segment_name"].notna().all() and month["reason_1"].notna().all()
    # the same campaign: the same members, measures and money, in the same order
    campaign, planned = july.campaign, club_analysis.plan.campaign
    assert campaign["row"].tolist() == planned["row"].tolist()
    assert campaign["measure"].tolist() == planned["measure"].tolist()
    contact = campaign["group"] == "contact"
    np.testing.assert_allclose(campaign.loc[contact, "expected_net"],
                               planned.loc[contact, "expected_net"])  # fmt: skip


def test_only_the_campaigns_members_have_a_measure(july) -> None:  # type: ignore[no-untyped-def]
    members = july.members
    in_campaign = members["row"].isin(july.campaign["row"])
    assert members.loc[in_campaign, "measure"].notna().all()
    assert members.loc[~in_campaign, ["measure", "measure_title", "group"]].isna().all().all()
    by_row = july.campaign.set_index("row")
    placed = members[in_campaign].set_index("row")
    assert (placed["group"] == by_row.loc[placed.index, "group"]).all()
    assert (placed["campaign_rank"] == by_row.loc[placed.index, "rank"]).all()


def test_the_control_group_is_a_fair_fifth_of_each_large_measure(july) -> None:  # type: ignore[no-untyped-def]
    large = 0
    for _, part in july.campaign.groupby("measure"):
        held = part["group"] == "control"
        if len(part) >= 100:
            large += 1
            assert 0.15 <= held.mean() <= 0.25
            p = part["churn_probability"]
            assert abs(p[held].mean() - p[~held].mean()) < 0.03
    assert large >= 1, "no measure has 100 members: the bar is not tested"


def test_control_members_cost_nothing_and_the_totals_add_up(july) -> None:  # type: ignore[no-untyped-def]
    campaign, summary = july.campaign, july.summary["campaign"]
    held = campaign["group"] == "control"
    assert (campaign.loc[held, ["expected_cost", "expected_saving"]] == 0).all().all()
    assert summary["contact"] == int((~held).sum()) and summary["control"] == int(held.sum())
    assert summary["expected_cost"] == pytest.approx(campaign["expected_cost"].sum(), abs=0.01)
    by_measure = {m["measure"]: m for m in summary["by_measure"]}
    for measure, part in campaign.groupby("measure"):
        assert by_measure[measure]["contact"] + by_measure[measure]["control"] == len(part)
    # month.json is strict JSON
    json.dumps(strict(july.summary), allow_nan=False)


def test_the_same_month_and_seed_give_the_same_groups(club_bundle, snapshot, july) -> None:  # type: ignore[no-untyped-def]
    again = run_month(club_bundle, snapshot, month="2024-07", club=CLUB)
    assert again.campaign["group"].tolist() == july.campaign["group"].tolist()
    other = run_month(club_bundle, snapshot, month="2024-08", club=CLUB)
    assert other.campaign["group"].tolist() != july.campaign["group"].tolist()


def test_what_changed_since_the_previous_month(club_bundle) -> None:  # type: ignore[no-untyped-def]
    history = club_history()
    snapshot = next_snapshot(history, joiners=50)
    previous = pd.DataFrame(
        {
            "member": history[ID].head(100),
            "month": "2024-06",
            "churn_probability": 0.01,
            "risk_tier": "low",
        }
    )
    done = run_month(club_bundle, snapshot, month="2024-07", club=CLUB, previous=previous)
    changes = done.summary["changes"]
    stayed = set(previous["member"]) & set(snapshot[ID])
    assert changes["month"] == "2024-06" and changes["members_before"] == 100
    assert changes["stayed"] == len(stayed) and changes["gone"] == 100 - len(stayed)
    assert changes["new"] == len(snapshot) - len(stayed)
    now = done.members.set_index(ID).loc[sorted(stayed)]
    assert changes["newly_high"] == int((now["risk_tier"] == "high").sum())
    assert changes["risk_rose"] == int((now["churn_probability"] - 0.01 > 0.05).sum())


def test_a_snapshot_without_ids_is_refused_with_why(club_bundle, gym) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError) as caught:
        run_month(club_bundle, gym.drop(columns="Churn"), month="2024-07", club=CLUB,
                  source="july.csv")  # fmt: skip
    message = caught.value.message
    assert message.startswith("july.csv: the snapshot has no member id column")
    assert "--id" in message and "tracked" in message
    with pytest.raises(SchemaError, match="no member id column 'card'"):
        run_month(club_bundle, gym, month="2024-07", club=CLUB, id_col="card")


def test_missing_and_repeated_ids_are_named_by_row(club_bundle, snapshot) -> None:  # type: ignore[no-untyped-def]
    frame = snapshot.head(30).copy()
    frame.loc[4, ID] = frame.loc[2, ID]
    frame.loc[7, ID] = " "
    with pytest.raises(ValidationError) as caught:
        run_month(club_bundle, frame, month="2024-07", club=CLUB, source="july.csv")
    failures = caught.value.failures
    assert failures[["row", "column"]].values.tolist() == [[2, ID], [4, ID], [7, ID]]
    assert "repeated (also in row 4)" in failures.loc[0, "reason"]
    assert "missing" in failures.loc[2, "reason"]


def test_rows_that_cannot_be_scored_are_rejected_with_their_id(club_bundle, snapshot) -> None:  # type: ignore[no-untyped-def]
    frame = snapshot.head(50).astype({"Age": object})
    frame.loc[3, "Age"] = "-4"
    done = run_month(club_bundle, frame, month="2024-07", club=CLUB)
    assert done.rejects[["row", ID]].values.tolist() == [[3, frame.loc[3, ID]]]
    assert len(done.members) == 49 and 3 not in done.members["row"].tolist()
    assert done.summary["members"] == 50 and done.summary["rejected"] == 1
