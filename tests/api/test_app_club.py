"""churnlab.api.app for a club's folder: its members only, their record, the calls staff log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from _months import ID, club_history, next_snapshot
from churnlab.analysis.month import run_month
from churnlab.api import create_app
from churnlab.store import Store

KEY = "staff-key-1"
NORTH, SOUTH = "a" * 32, "b" * 32
HEADERS = {"Authorization": f"Bearer {KEY}"}


def _record_month(store: Store, bundle, snapshot: pd.DataFrame, month: str) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    done = run_month(bundle, snapshot, month=month, club=store.club or "")
    members = done.members
    store.record_run(
        kind="month", source=f"{month}.csv", rows=len(snapshot), scored=len(members), rejected=0,
        model_id=None, month=month, id_col=ID,
        scores=members.assign(action=members["measure_title"], campaign_group=members["group"]),
    )  # fmt: skip
    return done.campaign


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, club_bundle):  # type: ignore[no-untyped-def]
    """One database, two clubs: the north has the July snapshot, the south 40 other members."""
    url = f"sqlite:///{tmp_path_factory.mktemp('chain')}/chain.db"
    snapshot = next_snapshot(club_history())
    with Store(url, club=NORTH) as north, Store(url, club=SOUTH) as south:
        campaign = _record_month(north, club_bundle, snapshot, "2024-07")
        other = snapshot.head(40).assign(**{ID: [f"S{i:03d}" for i in range(40)]})
        _record_month(south, club_bundle, other, "2024-07")
    return url, snapshot, campaign


@pytest.fixture
def client(shared, club_bundle) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    url, _, _ = shared
    with (
        Store(url, club=NORTH) as store,
        TestClient(create_app(club_bundle, store=store, api_key=KEY)) as test_client,
    ):
        yield test_client


def test_a_clubs_server_lists_its_own_members_only(client: TestClient, shared) -> None:  # type: ignore[no-untyped-def]
    _, snapshot, _ = shared
    page = client.get("/v1/members", params={"limit": 500}, headers=HEADERS).json()
    assert page["total"] == len(snapshot)
    assert not any(m["member"].startswith("S") for m in page["members"])
    assert client.get("/v1/members/S001", headers=HEADERS).status_code == 404


def test_the_calls_are_listed_by_group_and_measure_in_the_campaigns_order(
    client: TestClient, shared
) -> None:  # type: ignore[no-untyped-def]
    _, _, campaign = shared
    contact = campaign[campaign["group"] == "contact"]
    page = client.get("/v1/members", params={"group": "contact", "order": "campaign",
                                             "limit": 500}, headers=HEADERS).json()  # fmt: skip
    assert [m["member"] for m in page["members"]] == contact[ID].tolist()
    assert [m["campaign_rank"] for m in page["members"]] == contact["rank"].tolist()
    measure = contact["measure"].iloc[0]
    one = client.get("/v1/members", params={"measure": measure, "group": "control"},
                     headers=HEADERS).json()  # fmt: skip
    expected = campaign[(campaign["measure"] == measure) & (campaign["group"] == "control")]
    assert one["total"] == len(expected)
    # members outside the campaign show no measure
    everyone = client.get("/v1/members", params={"limit": 500, "offset": 2000},
                          headers=HEADERS).json()["members"]  # fmt: skip
    outside = [m for m in everyone if m["campaign_group"] is None]
    assert outside and all(m["action"] is None and m["measure"] is None for m in outside)


def test_a_contact_recorded_appears_in_the_members_record(client: TestClient, shared) -> None:  # type: ignore[no-untyped-def]
    _, _, campaign = shared
    member = str(campaign[ID].iloc[0])
    body = {"month": "2024-07", "outcome": "accepted", "note": "<b>booked</b> a session"}
    answer = client.post(f"/v1/members/{member}/contacts", json=body, headers=HEADERS)
    assert answer.status_code == 201, answer.text
    assert answer.json()["outcome"] == "accepted" and answer.json()["source"] == "api"
    record = client.get(f"/v1/members/{member}", headers=HEADERS).json()
    assert record["history"][-1]["month"] == "2024-07"
    assert record["history"][-1]["campaign_group"] == campaign["group"].iloc[0]
    assert record["history"][-1]["measure"] == campaign["measure"].iloc[0]
    assert [c["outcome"] for c in record["contacts"]][-1] == "accepted"
    assert record["contacts"][-1]["note"] == "<b>booked</b> a session"
    month = client.get("/v1/contacts", params={"month": "2024-07"}, headers=HEADERS).json()
    assert member in [c["member"] for c in month["contacts"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"month": "2024-07", "outcome": "maybe"}, "outcome"),
        ({"month": "July", "outcome": "reached"}, "month"),
        ({"month": "2024-07", "outcome": "reached", "note": "x" * 2001}, "note"),
        ({"outcome": "reached"}, "month"),
    ],
)
def test_a_bad_contact_is_422_and_names_the_field(
    client: TestClient, shared, body: dict, field: str
) -> None:  # type: ignore[no-untyped-def]
    _, _, campaign = shared
    member = str(campaign[ID].iloc[1])
    answer = client.post(f"/v1/members/{member}/contacts", json=body, headers=HEADERS)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"][-1] == field


def test_contacts_need_the_key_and_a_known_member(client: TestClient, shared) -> None:  # type: ignore[no-untyped-def]
    _, _, campaign = shared
    member = str(campaign[ID].iloc[2])
    body = {"month": "2024-07", "outcome": "reached"}
    assert client.post(f"/v1/members/{member}/contacts", json=body).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert (
        client.post(f"/v1/members/{member}/contacts", json=body, headers=wrong).status_code == 401
    )
    assert client.post("/v1/members/S001/contacts", json=body, headers=HEADERS).status_code == 404
    assert client.get(f"/v1/members/{member}", headers=HEADERS).json()["contacts"] == []


def test_the_measures_are_served_with_their_scripts(client: TestClient, club_bundle) -> None:  # type: ignore[no-untyped-def]
    served = client.get("/v1/measures", headers=HEADERS).json()["measures"]
    assert [m["id"] for m in served] == [m.id for m in club_bundle.playbook.measures]
    assert all(m["script"] for m in served)


def test_the_folder_store_file_is_its_own(tmp_path: Path) -> None:
    """The scores of a club's store in a DuckDB file are read back by another Store of the club."""
    url = f"duckdb:///{tmp_path}/h.duckdb"
    scores = pd.DataFrame({"row": [0], ID: ["A"], "churn_probability": [0.5], "risk_tier": ["high"],
                           "campaign_group": ["control"], "measure": ["call"],
                           "campaign_rank": [1]})  # fmt: skip
    with Store(url, club=NORTH) as store:
        store.record_run(kind="month", source="m.csv", rows=1, scored=1, rejected=0,
                         model_id=None, month="2024-07", scores=scores, id_col=ID)  # fmt: skip
    with Store(url, club=NORTH) as again:
        row = again.month_scores("2024-07").iloc[0]
    assert (row["campaign_group"], row["measure"], row["campaign_rank"]) == ("control", "call", 1)


def test_the_api_takes_exactly_the_outcomes_the_history_records() -> None:
    """The request's outcomes are written out for the schema; they must stay the store's list."""
    from typing import get_args

    from churnlab.api.app import ContactIn
    from churnlab.store import CONTACT_OUTCOMES

    assert get_args(ContactIn.model_fields["outcome"].annotation) == CONTACT_OUTCOMES
