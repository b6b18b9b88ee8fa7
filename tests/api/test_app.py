"""The scoring API through FastAPI's test client, in process."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import numpy as np
import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings, strategies as st

from _reference import pipeline_probability
from churnlab.analysis.analyze import Analysis
from churnlab.api import create_app
from churnlab.scoring.bundle import Bundle
from churnlab.store import Store

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
    client: TestClient, club_analysis: Any, gym: pd.DataFrame
) -> None:
    response = client.post("/v1/score", json={"members": _members(gym, 50)}, headers=AUTH)
    assert response.status_code == 200
    results = response.json()["results"]
    expected = pipeline_probability(club_analysis.model, gym.head(50))  # the fitted pipeline
    np.testing.assert_allclose(
        [r["churn_probability"] for r in results], expected, rtol=0, atol=1e-12
    )
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


# --- chunked bodies ---------------------------------------------------------------------------


async def _chunks(body: Iterable[bytes], sent: list[int]) -> AsyncIterator[bytes]:
    for chunk in body:
        sent.append(len(chunk))
        yield chunk


def _post_chunked(app: FastAPI, body: Iterable[bytes]) -> tuple[httpx.Response, int]:
    """POST /v1/score with `body` sent chunked (no Content-Length), as it is produced.

    Returns the response and the number of bytes the app took before answering.
    """
    sent: list[int] = []

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://churnlab") as client:
            request = client.build_request(
                "POST", "/v1/score", content=_chunks(body, sent),
                headers={"Content-Type": "application/json"},
            )  # fmt: skip
            assert "content-length" not in request.headers
            assert request.headers["transfer-encoding"] == "chunked"
            return await client.send(request)

    return asyncio.run(post()), sum(sent)


def _padding(total: int, size: int = 64_000) -> Iterator[bytes]:
    """A JSON body of `total` bytes (no members, one long field), in pieces of `size`."""
    head, tail = b'{"members": [], "pad": "', b'"}'
    yield head
    left = total - len(head) - len(tail)
    while left > 0:
        yield b"x" * min(size, left)
        left -= size
    yield tail


def test_a_chunked_body_over_the_limit_is_refused_as_it_arrives(bundle: Bundle) -> None:
    response, taken = _post_chunked(create_app(bundle), _padding(50_000_000))  # limit: 2 MB
    assert response.status_code == 413
    assert response.json()["detail"] == (
        "request body passed the limit of 2000000 bytes: send fewer members per request"
    )
    assert taken < 2_000_000 + 2 * 64_000, f"{taken} bytes were read before refusing"


def test_a_chunked_body_under_the_limit_is_scored(bundle: Bundle, gym: pd.DataFrame) -> None:
    members = [{**m, "note": "x" * 1_600} for m in _members(gym, 1000)]
    body = json.dumps({"members": members}).encode()
    assert 1_850_000 < len(body) < 2_000_000
    pieces = (body[i : i + 50_000] for i in range(0, len(body), 50_000))
    response, taken = _post_chunked(create_app(bundle), pieces)
    assert response.status_code == 200, response.text
    assert taken == len(body)
    assert len(response.json()["results"]) == 1000 and response.json()["ignored_fields"] == ["note"]


# --- values JSON carries that no number column can hold ---------------------------------------

HUGE = "1" + "0" * 399  # a 400-digit integer: beyond float64 and int64


@pytest.mark.parametrize(
    ("literal", "reason"),
    [
        (HUGE, "not a finite number"),
        ("-" + HUGE, "not a finite number"),
        ("1e400", "not a finite number"),
        ("Infinity", "not a finite number"),
        ("-Infinity", "not a finite number"),
        ('{"years": 30}', "not a number"),
        ("[30, [31]]", "not a number"),
        ('"thirty"', "not a number"),
        ('"' + "9" * 400 + '"', "not a finite number"),
    ],
)
@pytest.mark.parametrize("field", ["Age", "Partner"])
def test_an_unusable_value_is_a_422_naming_member_and_field(
    client: TestClient, gym: pd.DataFrame, literal: str, reason: str, field: str
) -> None:
    members = _members(gym, 3)
    members[2][field] = "@VALUE@"
    body = json.dumps({"members": members}).replace('"@VALUE@"', literal)
    response = client.post(
        "/v1/score", content=body, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == [
        {"loc": ["body", "members", 2, field], "msg": f"{field}: {reason}", "type": "value_error"}
    ]


def test_unusable_values_are_named_with_the_others_in_member_order(
    client: TestClient, gym: pd.DataFrame
) -> None:
    members = _members(gym, 3)
    members[0]["Age"] = 10**400
    members[0]["Partner"] = 7
    members[1]["Lifetime"] = {"months": 3}
    detail = client.post("/v1/score", json={"members": members}, headers=AUTH).json()["detail"]
    assert [(d["loc"][2], d["loc"][3], d["msg"]) for d in detail] == [
        (0, "Partner", "Partner: must be 0 or 1"),
        (0, "Age", "Age: not a finite number"),
        (1, "Lifetime", "Lifetime: not a number"),
    ]


_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**500), max_value=10**500)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([10**400, -(10**400), 2**63, -(2**63) - 1, 2**64, 1e308])
    | st.text(max_size=50)
    | st.sampled_from(["1e400", "9" * 400, "x" * 100_000, " ", "", "NaN", "inf", "0x10"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=_JSON_VALUES, field=st.sampled_from(["Age", "Partner", "Lifetime", "Phone"]))
def test_no_json_value_makes_the_api_fail(
    client: TestClient, gym: pd.DataFrame, value: Any, field: str
) -> None:
    members = _members(gym, 2)
    members[1][field] = value
    body = json.dumps({"members": members}, allow_nan=True)  # Infinity and NaN as literals
    response = client.post(
        "/v1/score", content=body, headers={**AUTH, "Content-Type": "application/json"}
    )
    expected = (200, 422) if len(body) <= 200_000 else (413,)  # the client's limit
    assert response.status_code in expected, (value, response.status_code, response.text[:300])
    if response.status_code == 422:
        assert all(d["loc"][2:] == [1, field] for d in response.json()["detail"]), response.text


def test_a_number_json_cannot_read_is_a_client_error(client: TestClient) -> None:
    # Python refuses to read integers of more than 4300 digits
    body = '{"members": [{"Age": ' + "7" * 5000 + "}]}"
    response = client.post(
        "/v1/score", content=body, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500


# --- a run history that cannot be read now ----------------------------------------------------


def test_a_busy_store_is_a_503_with_retry_after(bundle: Bundle, tmp_path: Path) -> None:
    path = tmp_path / "history.duckdb"
    store = Store(f"duckdb:///{path}", wait=0.3)  # reads wait at most this long
    client = TestClient(create_app(bundle, store=store))
    assert client.get("/v1/members").status_code == 200
    writer = duckdb.connect(str(path))  # a writer holds the file: nobody else may read it
    try:
        for route in ("/v1/members?limit=5", "/v1/members/row:7"):
            response = client.get(route)
            assert response.status_code == 503, response.text
            assert response.headers["Retry-After"] == "2"
            assert "busy" in response.json()["detail"] and "another process" in response.text
    finally:
        writer.close()
    assert client.get("/v1/members/row:7").status_code == 404  # readable again: nobody scored
    store.close()


def test_a_telecom_model_takes_its_yes_no_words(tmp_path: Path) -> None:
    """A model trained on two-valued text is served the same words; a third is named (422)."""
    from churnlab.analysis.analyze import analyze
    from churnlab.data.infer import infer_spec
    from churnlab.report.export import write_outputs
    from churnlab.scoring.bundle import load_bundle
    from tables import make_telecom

    frame = make_telecom(800, random_state=3)
    spec = infer_spec(frame, target_col="Churn")
    words = {f.name: f.values for f in spec.features if f.values is not None}
    assert {"gender", "Partner", "PaperlessBilling"} <= set(words)
    analysis = analyze(frame, spec, source="telecom.csv")
    write_outputs(analysis, tmp_path / "run")
    bundle = load_bundle(run=tmp_path / "run")
    app = TestClient(create_app(bundle, api_key=KEY))
    head = frame.head(30)
    members = json.loads(head.drop(columns="Churn").to_json(orient="records"))
    results = app.post("/v1/score", json={"members": members}, headers=AUTH).json()["results"]
    # the reference: the model's own probabilities on 0/1 codes made here from the words
    codes = head.assign(
        **{name: (head[name].str.strip() == pair[1]).astype(float) for name, pair in words.items()}
    )
    expected = analysis.model.predict_proba(codes)[:, 1]  # the fitted model, not the bundle's
    np.testing.assert_allclose([r["churn_probability"] for r in results], expected, rtol=1e-12)
    members[2]["Partner"] = "Maybe"
    refused = app.post("/v1/score", json={"members": members}, headers=AUTH)
    assert refused.status_code == 422
    assert [(d["loc"][2], d["msg"]) for d in refused.json()["detail"]] == [
        (2, f"Partner: must be {words['Partner'][0]} or {words['Partner'][1]}")
    ]
