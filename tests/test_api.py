"""The scoring API through FastAPI's test client, in process."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from churnlab.analysis import Analysis
from churnlab.api import create_app
from churnlab.bundle import Bundle
from churnlab.scoring import score_members

KEY = "test-key-123"


@pytest.fixture(scope="module")
def bundle(club_bundle: Bundle) -> Bundle:
    return club_bundle


@pytest.fixture(scope="module")
def client(bundle: Bundle) -> TestClient:
    return TestClient(create_app(bundle, api_key=KEY, max_batch=200, max_body_bytes=200_000))


AUTH = {"Authorization": f"Bearer {KEY}"}


def _members(gym: pd.DataFrame, n: int) -> list[dict]:
    return gym.drop(columns="Churn").head(n).to_dict("records")


def test_health_needs_no_key(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and len(body["data_hash"]) == 64


def test_scores_equal_the_score_command(
    client: TestClient, bundle: Bundle, gym: pd.DataFrame
) -> None:
    response = client.post("/v1/score", json={"members": _members(gym, 50)}, headers=AUTH)
    assert response.status_code == 200
    results = response.json()["results"]
    expected = score_members(bundle.model, gym.head(50)).scores["churn_probability"].to_numpy()
    np.testing.assert_array_equal([r["churn_probability"] for r in results], expected)
    assert all(r["risk_tier"] in {"high", "medium", "low"} for r in results)
    assert all(1 <= r["segment"] <= 8 and r["action"] for r in results)
    risky = max(results, key=lambda r: r["churn_probability"])
    assert risky["reasons"] and "pts" in risky["reasons"][0]


def test_request_order_is_kept(client: TestClient, gym: pd.DataFrame) -> None:
    members = _members(gym, 20)
    forward = client.post("/v1/score", json={"members": members}, headers=AUTH).json()["results"]
    backward = client.post("/v1/score", json={"members": members[::-1]}, headers=AUTH).json()[
        "results"
    ]
    assert [r["churn_probability"] for r in forward] == [
        r["churn_probability"] for r in backward[::-1]
    ]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": KEY}])
def test_every_v1_route_needs_the_key(client: TestClient, headers: dict) -> None:
    assert client.post("/v1/score", json={"members": []}, headers=headers).status_code == 401
    assert client.get("/v1/summary", headers=headers).status_code == 401
    assert client.get("/v1/members", headers=headers).status_code == 401


def test_bad_member_names_index_and_field(client: TestClient, gym: pd.DataFrame) -> None:
    members = _members(gym, 5)
    members[3]["Age"] = "old"
    response = client.post("/v1/score", json={"members": members}, headers=AUTH)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail == [
        {"loc": ["body", "members", 3, "Age"], "msg": "Age: not a number", "type": "value_error"}
    ]


def test_every_bad_field_of_a_member_is_named(client: TestClient, gym: pd.DataFrame) -> None:
    members = _members(gym, 3)
    members[1]["Age"] = -4
    members[1]["Partner"] = 7
    detail = client.post("/v1/score", json={"members": members}, headers=AUTH).json()["detail"]
    assert sorted((d["loc"][2], d["loc"][3], d["msg"]) for d in detail) == [
        (1, "Age", "Age: below the minimum 10"),
        (1, "Partner", "Partner: must be 0 or 1"),
    ]


def test_missing_field_and_malformed_body(client: TestClient, gym: pd.DataFrame) -> None:
    members = _members(gym, 2)
    del members[0]["Lifetime"], members[1]["Lifetime"]
    response = client.post("/v1/score", json={"members": members}, headers=AUTH)
    assert response.status_code == 422 and "Lifetime" in response.text
    assert client.post("/v1/score", json={"people": []}, headers=AUTH).status_code == 422
    assert (
        client.post(
            "/v1/score", content=b"{not json", headers={**AUTH, "Content-Type": "application/json"}
        ).status_code
        == 422
    )


def test_a_field_one_member_lacks_is_missing_and_a_list_is_refused(
    client: TestClient, bundle: Bundle, gym: pd.DataFrame
) -> None:
    members = _members(gym, 3)
    del members[1]["Avg_additional_charges_total"]  # only this member lacks it: imputed
    members[2]["Age"] = [30, 31]
    response = client.post("/v1/score", json={"members": members}, headers=AUTH)
    assert response.status_code == 422
    assert [(e["loc"][2:], e["msg"]) for e in response.json()["detail"]] == [
        ([2, "Age"], "Age: not a number")
    ]
    response = client.post("/v1/score", json={"members": members[:2]}, headers=AUTH)
    frame = gym.drop(columns="Churn").head(2).astype({"Avg_additional_charges_total": float})
    frame.loc[1, "Avg_additional_charges_total"] = np.nan
    expected = bundle.score(frame).scores["churn_probability"].tolist()
    assert [r["churn_probability"] for r in response.json()["results"]] == expected


def test_unknown_fields_are_ignored_and_reported(client: TestClient, gym: pd.DataFrame) -> None:
    members = [{**m, "favourite_colour": "blue"} for m in _members(gym, 2)]
    body = client.post("/v1/score", json={"members": members}, headers=AUTH).json()
    assert body["ignored_fields"] == ["favourite_colour"] and len(body["results"]) == 2


def test_limits(client: TestClient, gym: pd.DataFrame) -> None:
    too_many = client.post("/v1/score", json={"members": _members(gym, 201)}, headers=AUTH)
    assert too_many.status_code == 413 and "limit is 200" in too_many.text
    padding = {"members": [], "pad": "x" * 300_000}
    assert client.post("/v1/score", json=padding, headers=AUTH).status_code == 413


def test_summary_is_the_analysis(client: TestClient, club_analysis: Analysis) -> None:
    body = client.get("/v1/summary", headers=AUTH).json()
    assert body["conclusions"] == club_analysis.summary.conclusions
    assert body["metrics"]["roc_auc"] == pytest.approx(
        club_analysis.summary.quality.metrics["roc_auc"]
    )


def test_member_routes_without_a_store_say_how(client: TestClient) -> None:
    response = client.get("/v1/members", headers=AUTH)
    assert response.status_code == 404 and "--store" in response.json()["detail"]


def test_openapi_schema_lists_the_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/health", "/v1/score", "/v1/summary", "/v1/members", "/v1/members/{member}"} <= set(
        paths
    )
