"""Schemathesis against the API's own OpenAPI schema, in process: no request makes a 5xx.

Every route of ``/openapi.json`` gets generated requests (valid and invalid bodies, queries and
paths); the only check is that the server never answers with a server error. The app has no key
(the generated requests carry none) and a store with one recorded run, so the member routes read
real rows instead of answering 404.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, example, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from churnlab.analysis.analyze import Analysis
from churnlab.api import create_app
from churnlab.report.export import write_outputs
from churnlab.scoring.bundle import load_bundle
from churnlab.store import Store


@pytest.fixture(scope="module")
def api_schema(
    club_analysis: Analysis, gym: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    folder: Path = tmp_path_factory.mktemp("schema-run")
    write_outputs(club_analysis, folder)
    bundle = load_bundle(run=folder)
    store = Store(f"sqlite:///{folder}/s.db")
    scores, rejects, _ = bundle.score(gym.drop(columns="Churn").head(200), source="schema test")
    assert rejects.empty
    store.record_run(
        kind="score",
        source="schema test",
        rows=len(scores),
        scored=len(scores),
        rejected=0,
        model_id=store.record_model(bundle.model),
        month="2026-01",
        scores=scores.assign(reasons=scores["reasons"].map("; ".join)),
        id_col=bundle.model.spec_.id_col,
    )
    app = create_app(bundle, store=store, api_key=None)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


# Every operation of the schema (checked below, so a new route cannot be left out). One test per
# operation rather than ``schemathesis.pytest.from_fixture(...).parametrize()``: that loader reads
# ``request.node._nodeid``, which pytest 9 no longer has (AttributeError in schemathesis 4.32).
OPERATIONS = [
    "GET /health",
    "POST /v1/score",
    "GET /v1/summary",
    "GET /v1/members",
    "GET /v1/members/{member}",
    "POST /v1/members/{member}/contacts",
    "GET /v1/contacts",
    "GET /v1/measures",
]
EXAMPLES = 50  # per operation and generation mode (valid and invalid requests)


def test_every_operation_is_exercised(api_schema: Any) -> None:
    labels = {result.ok().label for result in api_schema.get_all_operations()}
    assert labels == set(OPERATIONS)


# Requests that once made a 5xx, tried first on every run whatever the generator draws:
# GET /v1/members?offset=9223372036854775808 (or segment=) -> 500, SQLite's OverflowError
# "Python int too large to convert to SQLite INTEGER" in Store.latest_scores, when offset and
# segment had no upper bound.
REGRESSIONS: dict[str, list[dict[str, Any]]] = {
    "GET /v1/members": [{"offset": 2**63}, {"segment": 2**63}],
}


def _cases() -> list[Any]:
    return [
        pytest.param(label, mode, id=f"{mode.value}-{label}")
        for label in OPERATIONS
        for mode in GenerationMode
        # /health has no parameters, so there is no invalid request to make
        if not (mode is GenerationMode.NEGATIVE and label == "GET /health")
    ]


@pytest.mark.parametrize(("label", "mode"), _cases())
def test_no_request_makes_a_server_error(api_schema: Any, label: str, mode: GenerationMode) -> None:
    operation = api_schema.find_operation_by_label(label)
    calls = 0

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,  # the same requests every run
        database=None,
        phases=[Phase.explicit, Phase.generate],  # report the first failure; no shrinking
    )
    def check(case: Any) -> None:
        nonlocal calls
        calls += 1
        case.call_and_validate(checks=[not_a_server_error])

    for query in REGRESSIONS.get(label, []):
        check = example(case=operation.Case(query=query))(check)
    check()
    assert calls > 0
