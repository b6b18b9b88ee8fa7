"""The API's months ahead and value: each scored member's staying chances, expected months,
value and survival curve, and the values the run history keeps, in the members' list and record.

References: :func:`churnlab.scoring.value.member_values` run directly on the fitted model and
the raw rows, and a brute-force chain of the fitted scikit-learn pipeline's own probabilities
over the members stepped a month at a time by hand (tenure + 1, months left - 1, the contract
renewed at its end), with the expected months and value summed by hand.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from _reference import pipeline_probability
from churnlab.api import create_app
from churnlab.scoring.bundle import Bundle
from churnlab.scoring.value import member_values
from churnlab.store import Store

KEY = "value-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
VALUE_FIELDS = ["stay_3m", "stay_6m", "stay_12m", "expected_months_12", "member_value"]
STORED_FIELDS = ["stay_3m", "stay_12m", "expected_months_12", "member_value"]
N = 40


@pytest.fixture(scope="module")
def bundle(club_bundle: Bundle) -> Bundle:
    """The club's folder with a fee and a discount of its own, so both count."""
    economics = club_bundle.economics.override(fee=80.0, discount=0.02)
    return dataclasses.replace(club_bundle, economics=economics)


@pytest.fixture(scope="module")
def client(bundle: Bundle) -> TestClient:
    return TestClient(create_app(bundle, api_key=KEY))


@pytest.fixture(scope="module")
def rows(gym: pd.DataFrame) -> pd.DataFrame:
    """Members of every kind of contract: the first N of the table, and the last of them in
    their contract's last month (the month that renews)."""
    features = gym.drop(columns="Churn").head(N).reset_index(drop=True)
    features.loc[N - 5 :, "Month_to_end_contract"] = 1.0
    return features


@pytest.fixture(scope="module")
def results(client: TestClient, rows: pd.DataFrame) -> list[dict[str, Any]]:
    response = client.post("/v1/score", json={"members": rows.to_dict("records")}, headers=AUTH)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["results"]
    assert len(found) == len(rows)
    return found


def _by_hand_curves(model: Any, rows: pd.DataFrame, months: int = 12) -> np.ndarray:
    """S_1..S_months from the pipeline's own probabilities of members stepped by hand."""
    frame = rows.copy()
    staying = []
    for month in range(months):
        if month:
            frame["Lifetime"] = frame["Lifetime"] + 1
            left = frame["Month_to_end_contract"] - 1
            frame["Month_to_end_contract"] = np.where(left <= 0, frame["Contract_period"], left)
        staying.append(1 - pipeline_probability(model, frame))
    return np.cumprod(np.column_stack(staying), axis=1)


def test_the_values_are_member_values_of_the_fitted_model(
    results: list[dict[str, Any]], rows: pd.DataFrame, club_analysis: Any, bundle: Bundle
) -> None:
    expected = member_values(club_analysis.model, rows, bundle.economics)
    for name in VALUE_FIELDS:
        np.testing.assert_allclose(
            [r[name] for r in results], expected[name].to_numpy(), rtol=1e-9, atol=1e-12,
            err_msg=name,
        )  # fmt: skip


def test_the_survival_curve_is_the_pipelines_chain_by_hand(
    results: list[dict[str, Any]], rows: pd.DataFrame, club_analysis: Any, bundle: Bundle
) -> None:
    curves = _by_hand_curves(club_analysis.model, rows)
    survival = np.array([r["survival"] for r in results])
    assert survival.shape == (N, 12)
    # rounded to 4 decimals: within half a unit of the 4th decimal (and a hair for the chain)
    np.testing.assert_allclose(survival, curves, rtol=0, atol=5e-5 + 1e-9)
    assert (np.round(survival, 4) == survival).all()
    assert (np.diff(survival, axis=1) <= 0).all()
    # the stored figures are the curve's months
    for r in results:
        assert abs(r["survival"][0] - (1 - r["churn_probability"])) <= 5e-5 + 1e-12
        assert abs(r["survival"][2] - r["stay_3m"]) <= 5e-5 + 1e-12
        assert abs(r["survival"][5] - r["stay_6m"]) <= 5e-5 + 1e-12
        assert abs(r["survival"][11] - r["stay_12m"]) <= 5e-5 + 1e-12
    np.testing.assert_allclose([r["stay_12m"] for r in results], curves[:, 11], atol=1e-9)
    # expected months and value summed by hand: the fee and the spending, discounted
    discount = bundle.economics.discount
    weights = (1 + discount) ** -np.arange(12.0)
    months = curves @ weights
    spending = rows["Avg_additional_charges_total"] / (rows["Lifetime"] + 1)
    np.testing.assert_allclose(
        [r["expected_months_12"] for r in results], months, rtol=1e-8
    )  # fmt: skip
    np.testing.assert_allclose(
        [r["member_value"] for r in results], (80.0 + spending) * months, rtol=1e-8
    )


def test_a_value_past_any_float_is_none_not_a_server_error(
    client: TestClient, rows: pd.DataFrame
) -> None:
    member = rows.iloc[0].to_dict() | {"Avg_additional_charges_total": 1e308}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the product overflows, as it should
        response = client.post("/v1/score", json={"members": [member]}, headers=AUTH)
    assert response.status_code == 200
    found = response.json()["results"][0]
    assert found["member_value"] is None
    assert 0 <= found["stay_12m"] <= found["stay_3m"] <= 1 and len(found["survival"]) == 12


@pytest.mark.parametrize(
    ("change", "field"),
    [({"Lifetime": -1}, "Lifetime"), ({"Contract_period": "twelve"}, "Contract_period"),
     ({"Month_to_end_contract": [1, 2]}, "Month_to_end_contract")],
)  # fmt: skip
def test_bad_members_are_still_a_clear_422(
    client: TestClient, rows: pd.DataFrame, change: dict[str, Any], field: str
) -> None:
    member = rows.iloc[0].to_dict() | change
    response = client.post("/v1/score", json={"members": [member]}, headers=AUTH)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["loc"] == ["body", "members", 0, field]
    assert "Traceback" not in response.text


def test_the_schema_describes_the_new_fields(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    parts = schema["components"]["schemas"]
    result = parts["MemberResult"]
    assert {*VALUE_FIELDS, "survival"} <= set(result["properties"])
    assert {*VALUE_FIELDS, "survival"} <= set(result["required"])
    survival = result["properties"]["survival"]
    assert survival["type"] == "array" and "1 − churn_probability" in survival["description"]
    for model in ("ListedMember", "MemberMonth"):
        assert set(STORED_FIELDS) <= set(parts[model]["properties"]), model
    listed = parts["MembersPage"]["properties"]["members"]["items"]
    assert listed == {"$ref": "#/components/schemas/ListedMember"}
    record = schema["paths"]["/v1/members/{member}"]["get"]["responses"]["200"]
    assert record["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/MemberRecord"
    }


# --- the run history's values -------------------------------------------------------------


@pytest.fixture(params=["duckdb", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = (f"duckdb:///{tmp_path}/h.duckdb" if request.param == "duckdb"
           else f"sqlite:///{tmp_path}/h.db")  # fmt: skip
    with Store(url) as opened:
        yield opened


def _record_month(
    store: Store, bundle: Bundle, rows: pd.DataFrame, values: pd.DataFrame | None, month: str
) -> None:
    scores, rejects, _ = bundle.score(rows.assign(member_id=[f"M{i}" for i in range(len(rows))]))
    assert rejects.empty
    scores = scores.assign(member_id=[f"M{i}" for i in scores["row"]],
                           reasons=scores["reasons"].map("; ".join))  # fmt: skip
    if values is not None:
        scores = scores.join(values.reset_index(drop=True))
    n = len(scores)
    store.record_run(kind="month", source=f"{month}.csv", rows=n, scored=n, rejected=0,
                     model_id=None, month=month, scores=scores, id_col="member_id")  # fmt: skip


def test_the_members_list_and_record_give_the_stored_values(
    store: Store, bundle: Bundle, rows: pd.DataFrame, club_analysis: Any
) -> None:
    expected = member_values(club_analysis.model, rows, bundle.economics)
    _record_month(store, bundle, rows, None, "2024-05")  # a month recorded before values were
    _record_month(store, bundle, rows, expected, "2024-06")
    client = TestClient(create_app(bundle, store=store, api_key=KEY))

    page = client.get("/v1/members", params={"limit": 500}, headers=AUTH).json()
    assert page["total"] == N
    listed = {m["member"]: m for m in page["members"]}
    for i in range(N):
        for name in STORED_FIELDS:
            assert listed[f"M{i}"][name] == pytest.approx(expected[name].iloc[i], rel=1e-12)
        assert listed[f"M{i}"]["month"] == "2024-06" and listed[f"M{i}"]["run_id"]

    record = client.get("/v1/members/M7", headers=AUTH).json()
    assert [h["month"] for h in record["history"]] == ["2024-05", "2024-06"]
    assert all(record["history"][0][name] is None for name in STORED_FIELDS)
    for name in STORED_FIELDS:
        assert record["history"][1][name] == pytest.approx(expected[name].iloc[7], rel=1e-12)
    assert record["history"][1]["created"]  # the record's other columns are as they were

    # and the scoring route says the same of the same member
    scored = client.post(
        "/v1/score", json={"members": [rows.iloc[7].to_dict()]}, headers=AUTH
    ).json()["results"][0]
    for name in STORED_FIELDS:
        assert scored[name] == pytest.approx(record["history"][1][name], rel=1e-9)
