"""The staff dashboard at ``/``: served in process, then driven in headless Chromium.

The browser test starts the app with uvicorn on a free local port and drives Debian's
``chromium`` through Playwright's Python package (``executable_path``; no downloaded browser).
Without chromium or playwright it is skipped — or fails, when ``CHURNLAB_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from _needs import CHROMIUM_FLAGS
from _serving import playwright_chromium, serving
from churnlab.analysis.analyze import Analysis
from churnlab.api import create_app
from churnlab.scoring.bundle import Bundle
from churnlab.store.contacts import CONTACT_FRAME

KEY = "k"
MONTHS = ["2024-04", "2024-05", "2024-06"]
SCREENSHOT = Path("/tmp/dashboard.png")


class FakeStore:
    """The two reads of :class:`churnlab.store.Store` the API uses, over an analysis' members."""

    def __init__(self, members: pd.DataFrame) -> None:
        reasons = members[["reason_1", "reason_2", "reason_3"]].astype(object)
        self.latest = pd.DataFrame(
            {
                "member": members["row"].astype(str),
                "row": members["row"],
                "churn_probability": members["churn_probability"],
                "risk_tier": members["risk_tier"],
                "segment": members["segment"],
                "reasons": [
                    "; ".join(r for r in row if isinstance(r, str) and r) or None
                    for row in reasons.itertuples(index=False)
                ],
                "action": members["recommended_measure"],
                "month": MONTHS[-1],
            }
        ).sort_values(["churn_probability", "member"], ascending=[False, True])

    def latest_scores(
        self,
        *,
        tier: str | None = None,
        segment: int | None = None,
        search: str | None = None,
        measure: str | None = None,
        group: str | None = None,
        order: str = "risk",
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[pd.DataFrame, int]:
        chosen = self.latest
        if measure is not None or group is not None:  # an analysis' members: no campaign groups
            chosen = chosen.head(0)
        if tier is not None:
            chosen = chosen[chosen["risk_tier"] == tier]
        if segment is not None:
            chosen = chosen[chosen["segment"] == int(segment)]
        if search:
            chosen = chosen[chosen["member"].str.lower().str.contains(search.lower(), regex=False)]
        return chosen.iloc[offset : offset + limit], len(chosen)

    def contacts(self, *, member: str | None = None, month: str | None = None) -> pd.DataFrame:
        return pd.DataFrame(columns=CONTACT_FRAME)

    def member_history(self, member: str) -> pd.DataFrame:
        now = self.latest[self.latest["member"] == str(member)]
        if now.empty:
            return pd.DataFrame(columns=["month", "churn_probability", "risk_tier"])
        p = float(now["churn_probability"].iloc[0])
        return pd.DataFrame(
            {
                "month": MONTHS,
                "churn_probability": [p * 0.4, p * 0.7, p],
                "risk_tier": ["low", "medium", str(now["risk_tier"].iloc[0])],
                "reasons": [None, None, now["reasons"].iloc[0]],
                "action": [None, None, now["action"].iloc[0]],
            }
        )


@pytest.fixture(scope="module")
def bundle(club_bundle: Bundle) -> Bundle:
    return club_bundle


@pytest.fixture(scope="module")
def store(club_analysis: Analysis) -> FakeStore:
    return FakeStore(club_analysis.members)


@pytest.fixture(scope="module")
def client(bundle: Bundle, store: FakeStore) -> TestClient:
    return TestClient(create_app(bundle, store=store, api_key=KEY))


# ----------------------------------------------------------------------------- in process


def test_page_links_only_its_own_script_and_style(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="en">' in html and "Members at risk" in html
    assert re.search(r'<script src="static/dashboard\.js[^"]*"', html)
    assert re.search(r'<link rel="stylesheet" href="static/dashboard\.css[^"]*"', html)
    assert not re.search(r"https?://", html)
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_page_needs_no_key_but_holds_no_member_data(client: TestClient, store: FakeStore) -> None:
    html = client.get("/").text
    first = store.latest.iloc[0]
    assert str(first["reasons"]).split("; ")[0] not in html
    assert client.get("/v1/members").status_code == 401


def test_static_files_are_served_with_their_types(client: TestClient) -> None:
    js = client.get("/static/dashboard.js")
    css = client.get("/static/dashboard.css")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert js.headers["x-content-type-options"] == "nosniff"
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", js.text + css.text)
    assert "innerHTML" not in js.text and "insertAdjacentHTML" not in js.text
    assert client.get("/static/nothing.js").status_code == 404
    assert client.get("/static/../dashboard.py").status_code == 404


def test_dashboard_is_russian_for_a_russian_bundle(bundle: Bundle) -> None:
    client = TestClient(create_app(dataclasses.replace(bundle, lang="ru"), api_key=KEY))
    html = client.get("/").text
    assert '<html lang="ru">' in html
    assert "Клиенты в зоне риска" in html and "Введите ключ доступа" in html
    assert "Members at risk" not in html


def test_the_key_prompt_speaks_to_staff_not_to_the_administrator(bundle: Bundle) -> None:
    for lang, words in (("en", "the access key your manager gave you"),
                        ("ru", "ключ доступа, который вам выдал руководитель")):  # fmt: skip
        client = TestClient(create_app(dataclasses.replace(bundle, lang=lang), api_key=KEY))
        html = " ".join(client.get("/").text.split())
        assert words in html and "CHURNLAB_API_KEY" not in html


def test_a_role_not_given_is_shown_as_such_not_as_a_trait() -> None:
    from churnlab.api.dashboard import DASHBOARD, STATIC_DIR

    assert DASHBOARD["en"]["unknown"] == "role not given"
    assert DASHBOARD["ru"]["unknown"] == "роль не задана"
    script = (STATIC_DIR / "dashboard.js").read_text(encoding="utf-8")
    style = (STATIC_DIR / "dashboard.css").read_text(encoding="utf-8")
    assert '? d.role : "unknown"' in script
    assert ".badge.unknown" in style and "li.unknown" in style


def test_dashboard_is_not_in_the_api_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/" not in paths and not any(p.startswith("/static") for p in paths)


def test_the_pages_data_routes_answer(client: TestClient, store: FakeStore) -> None:
    auth = {"Authorization": f"Bearer {KEY}"}
    page = client.get("/v1/members?tier=high&limit=5", headers=auth).json()
    assert page["total"] == int((store.latest["risk_tier"] == "high").sum())
    assert len(page["members"]) == 5 and all(m["risk_tier"] == "high" for m in page["members"])
    member = page["members"][0]["member"]
    history = client.get(f"/v1/members/{member}", headers=auth).json()["history"]
    assert [h["month"] for h in history] == MONTHS


# ----------------------------------------------------------------------------- in a browser


@pytest.fixture(scope="module")
def server(bundle: Bundle, store: FakeStore) -> Iterator[str]:
    with serving(create_app(bundle, store=store, api_key=KEY)) as base:
        yield base


def test_dashboard_in_chromium(server: str, store: FakeStore, bundle: Bundle) -> None:
    assert bundle.summary is not None
    summary = bundle.summary
    chromium, sync_playwright = playwright_chromium()
    outside: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on(
                "request",
                lambda r: None if r.url.startswith((server, "data:")) else outside.append(r.url),
            )
            page.set_default_timeout(15_000)
            page.goto(server)

            # no key yet: the prompt, and no data
            page.wait_for_selector("#key-prompt:not([hidden])")
            assert page.locator("#content").is_hidden()
            page.fill("#key-input", KEY)
            page.click("#key-prompt button[type=submit]")

            # the at-risk list
            rows = page.locator("#members-body tr.member")
            rows.first.wait_for()
            assert rows.count() > 0
            first_count = page.inner_text("#members-count")
            assert f"{len(store.latest):,}" in first_count
            page.screenshot(path=str(SCREENSHOT.with_name("dashboard-list.png")))

            # a tier filter narrows it
            page.select_option("#f-tier", "high")
            page.wait_for_function(
                "c => document.querySelector('#members-count').textContent !== c", arg=first_count
            )
            tiers = rows.evaluate_all("rs => rs.map(r => r.dataset.tier)")
            assert tiers and set(tiers) == {"high"}
            high = int((store.latest["risk_tier"] == "high").sum())
            assert f"{high:,}" in page.inner_text("#members-count")

            # a search finds one member (a four-digit id is in no other id)
            ids = rows.evaluate_all("rs => rs.map(r => r.dataset.member)")
            member = next(m for m in ids if len(m) == 4)
            page.fill("#f-search", member)
            page.wait_for_function(
                "m => { const r = document.querySelectorAll('#members-body tr.member');"
                " return r.length === 1 && r[0].dataset.member === m; }",
                arg=member,
            )

            # its reasons and history open
            rows.first.click()
            details = page.locator("#members-body tr.details")
            details.wait_for()
            expected = store.latest.set_index("member").loc[member, "reasons"]
            reasons = details.locator("ul.reasons li").all_inner_texts()
            assert reasons == str(expected).split("; ")
            details.locator("table.history tbody tr").nth(len(MONTHS) - 1).wait_for()
            assert details.locator("svg.spark").count() == 1
            assert page.get_attribute("button.member-id", "aria-expanded") == "true"

            # the portraits, the quality figures and the plan
            segments = page.inner_text("#segments")
            for seg in summary["segments"]:
                assert seg["name"] in segments
            bars = page.locator("#segments-chart .sbar .fill").count()
            assert bars == 2 * len(summary["segments"])
            quality = page.inner_text("#quality")
            assert "ROC-AUC" in quality and "0.991" in quality
            groups = page.locator("#groups tr").count()
            assert groups == len(summary["plan"]["target_groups"])

            page.screenshot(path=str(SCREENSHOT), full_page=True)

            # on a phone the page fits the screen
            page.set_viewport_size({"width": 390, "height": 844})
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 1
            page.screenshot(path=str(SCREENSHOT.with_name("dashboard-phone.png")), full_page=True)
        finally:
            browser.close()
    assert not errors, errors
    assert not outside, outside
