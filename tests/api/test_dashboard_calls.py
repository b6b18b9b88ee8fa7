"""The dashboard's call tool: this month's contact group in the campaign's order, the script of
each call, the outcome recorded with one button and shown again after a reload.

The browser tests serve a real run history (a SQLite store with one month run) with uvicorn on a
free local port and drive Debian's ``chromium`` through Playwright's Python package, as
``tests/test_dashboard.py`` does. Without chromium or playwright they are skipped — or fail,
when ``CHURNLAB_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import dataclasses
import json
import re
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from _needs import CHROMIUM_FLAGS
from _serving import playwright_chromium, serving
from churnlab.api import create_app
from churnlab.api.dashboard import DASHBOARD
from churnlab.plan.fields import in_language
from churnlab.scoring.bundle import Bundle
from churnlab.store import Store

KEY = "k"
CLUB = "a" * 32
MONTH = "2024-07"
MEASURES = ["first_month_onboarding", "renewal_offer", "personal_call"]
#: 60 members: the first 45 in the campaign (a third of them held back as control), 15 outside.
MEMBERS, IN_CAMPAIGN = 60, 45
SCREENSHOT = Path("/tmp/dash-calls.png")
#: The strings the call tool added to DASHBOARD.
NEW_KEYS = [
    "sec_calls", "nav_calls", "calls_note", "calls_none", "calls_none_measure", "calls_count",
    "calls_page_nav", "col_rank", "col_measure", "col_outcome", "outcome_none", "call_details",
    "script", "script_none", "note_label", "note_placeholder", "outcomes_label",
    "outcome_reached", "outcome_no_answer", "outcome_declined", "outcome_accepted",
    "outcome_not_contacted", "done_reached", "done_no_answer", "done_declined", "done_accepted",
    "done_not_contacted", "recording", "recorded", "record_refused", "record_unknown",
    "record_failed", "filter_measure", "filter_group", "group_contact", "group_control",
    "badge_contact", "badge_control",
]  # fmt: skip


def month_frame(bundle: Bundle) -> pd.DataFrame:
    """The month's scores as `churnlab month` records them, built by hand.

    The riskiest come first by id (A1000 is the riskiest), but the campaign's order is another
    one (rank ``7 i mod 45 + 1``), so a list in risk order cannot pass for the campaign's. Every
    measure has members in both groups.
    """
    assert bundle.summary is not None
    segments = [int(s["id"]) for s in bundle.summary["segments"]]
    rows = []
    for i in range(MEMBERS):
        p = round(0.95 - i * 0.013, 3)
        in_campaign = i < IN_CAMPAIGN
        rank = (7 * i) % IN_CAMPAIGN + 1 if in_campaign else None
        measure = MEASURES[(i // 3) % len(MEASURES)] if in_campaign else None
        title = None if measure is None else bundle.playbook.measure(measure).title
        group = None if rank is None else "control" if rank % 3 == 0 else "contact"
        rows.append(
            {
                "row": i,
                "member_id": f"A{1000 + i}",
                "churn_probability": p,
                "risk_tier": "high" if p >= 0.6 else "medium" if p >= 0.35 else "low",
                "segment": segments[i % len(segments)],
                "reasons": f"Visits fell by {i + 3} per cent; Contract ends soon; Age {20 + i}",
                "action": None if title is None else in_language(title, "en"),
                "measure": measure,
                "campaign_rank": rank,
                "campaign_group": group,
            }
        )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def frame(club_bundle: Bundle) -> pd.DataFrame:
    return month_frame(club_bundle)


def _record(store: Store, frame: pd.DataFrame, kind: str) -> None:
    n = len(frame)
    store.record_run(kind=kind, source="july.csv", rows=n, scored=n, rejected=0, model_id=None,
                     month=MONTH, id_col="member_id", scores=frame)  # fmt: skip


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, frame: pd.DataFrame) -> Iterator[Store]:
    """A club's run history with one month run: the campaign of July."""
    folder = tmp_path_factory.mktemp("calls")
    with Store(f"sqlite:///{folder}/h.db", club=CLUB) as store:
        _record(store, frame, "month")
        yield store


def _contact_order(frame: pd.DataFrame) -> list[str]:
    contact = frame[frame["campaign_group"] == "contact"].sort_values("campaign_rank")
    return contact["member_id"].tolist()


# ----------------------------------------------------------------------------- in process


def test_the_fixture_is_a_campaign_in_its_own_order(frame: pd.DataFrame, store: Store) -> None:
    """What the browser test leans on: the campaign's order is not the risk order."""
    order = _contact_order(frame)
    assert len(order) == 30 and order[:4] == ["A1000", "A1013", "A1039", "A1007"]
    assert (frame["campaign_group"] == "control").sum() == 15
    both = frame.groupby("measure")["campaign_group"].nunique()
    assert both.to_dict() == dict.fromkeys(MEASURES, 2)
    page, total = store.latest_scores(group="contact", order="campaign", limit=500)
    assert total == 30 and page["member"].tolist() == order


def test_the_russian_page_has_every_new_string_in_russian(
    club_bundle: Bundle, store: Store, frame: pd.DataFrame
) -> None:
    client = TestClient(create_app(dataclasses.replace(club_bundle, lang="ru"), store=store,
                                   api_key=KEY))  # fmt: skip
    html = client.get("/").text
    ru, en = DASHBOARD["ru"], DASHBOARD["en"]
    assert set(NEW_KEYS) <= set(ru) and set(ru) == set(en)
    for key in NEW_KEYS:
        # no English word is left: only the {fields} the script fills are Latin
        assert ru[key] != en[key], key
        assert not re.search("[A-Za-z]", re.sub(r"\{\w+\}", "", ru[key])), (key, ru[key])
    # the script's text is the Russian one (its keys are names, not words shown)...
    text = re.search(r'<script type="application/json" id="dashboard-text">(.*?)</script>', html)
    assert text is not None
    assert json.loads(text.group(1)) == {"lang": "ru", "text": ru}
    # ...and the page around it has the section and its filters in Russian, and no English
    page = html.replace(text.group(0), "")
    for key in ["sec_calls", "nav_calls", "calls_note", "filter_measure", "filter_group",
                "group_contact", "group_control", "col_rank", "col_measure", "col_outcome",
                "calls_page_nav"]:  # fmt: skip
        assert ru[key] in page, key
    for key in NEW_KEYS:
        assert en[key] not in page, key
    # and it holds no member data: no id, reason or measure of the month
    for member in frame["member_id"]:
        assert member not in html
    assert "Visits fell by" not in html and "per cent" not in html
    assert in_language(club_bundle.playbook.measure("renewal_offer").title, "ru") not in html


def test_the_call_tool_is_the_apps_own_script(club_bundle: Bundle, store: Store) -> None:
    client = TestClient(create_app(club_bundle, store=store, api_key=KEY))
    response = client.get("/")
    html = response.text
    # calls.js first: dashboard.js hands it its helpers when it starts
    calls = html.index('<script src="static/calls.js')
    assert calls < html.index('<script src="static/dashboard.js')
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert html.index('href="#calls"') < html.index('href="#members"')
    js = client.get("/static/calls.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert js.headers["x-content-type-options"] == "nosniff"
    for unsafe in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("]:
        assert unsafe not in js.text
    assert not re.search(r"https?://", js.text)
    # one fetch wrapper: calls.js posts through dashboard.js's api()
    assert "fetch(" not in js.text


# ----------------------------------------------------------------------------- in a browser


def _get(base: str, path: str) -> Any:
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {KEY}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


@contextmanager
def _page(base: str) -> Iterator[Any]:
    """A Chromium page on `base` with the key entered; fails on a script error or on a request
    that leaves the app."""
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
                lambda r: None if r.url.startswith((base, "data:")) else outside.append(r.url),
            )
            page.set_default_timeout(15_000)
            page.goto(base)
            page.wait_for_selector("#key-prompt:not([hidden])")
            page.fill("#key-input", KEY)
            page.click("#key-prompt button[type=submit]")
            yield page
        finally:
            browser.close()
    assert not errors, errors
    assert not outside, outside


def _ids(page: Any, body: str) -> list[str]:
    return list(
        page.locator(f"#{body} tr.member").evaluate_all("rs => rs.map(r => r.dataset.member)")
    )


def test_calls_are_listed_opened_and_recorded_in_chromium(
    club_bundle: Bundle, store: Store, frame: pd.DataFrame
) -> None:
    order = _contact_order(frame)
    control = set(frame.loc[frame["campaign_group"] == "control", "member_id"])
    with serving(create_app(club_bundle, store=store, api_key=KEY)) as base, _page(base) as page:
        scripts = {m["id"]: m["script"] for m in _get(base, "v1/measures")["measures"]}

        # the contact group, in the campaign's order, 25 to a page; no control member
        calls = page.locator("#calls-body tr.call")
        calls.first.wait_for()
        listed = _ids(page, "calls-body")
        assert listed == order[:25]
        assert not control & set(listed)
        ranks = calls.evaluate_all("rs => rs.map(r => Number(r.dataset.rank))")
        assert ranks == sorted(ranks)
        assert "1–25 of 30 members to call · 2024-07" in page.inner_text("#calls-count")
        assert page.inner_text("#calls-body tr.call >> nth=0 >> td.outcome") == "not yet"
        # the calls come first in the page and in the menu
        assert page.locator("nav.toc a").first.inner_text() == "Calls"

        # the first call opens from the keyboard: the measure's script, every reason
        first = order[0]
        member = frame.set_index("member_id").loc[first]
        calls.first.locator("button.call-id").press("Enter")
        details = page.locator("#calls-body tr.details")
        details.wait_for()
        assert (
            details.locator("p.script").inner_text().split() == scripts[member["measure"]].split()
        )
        reasons = details.locator("ul.reasons li").all_inner_texts()
        assert reasons == str(member["reasons"]).split("; ")
        assert details.locator("button.outcome-button").all_inner_texts() == [
            "Reached", "No answer", "Declined", "Accepted", "Not contacted",
        ]  # fmt: skip

        # "Accepted" records the call, and the row says so at once
        details.locator("textarea").fill("books a session on Friday")
        details.locator("button[data-outcome=accepted]").click()
        page.wait_for_function(
            "m => document.querySelector(`#calls-body tr.call[data-member='${m}']`)"
            ".dataset.outcome === 'accepted'",
            arg=first,
        )
        assert details.locator("[role=status]").inner_text() == "Recorded: accepted"
        assert page.inner_text("#calls-body tr.call >> nth=0 >> td.outcome") == "accepted"

        # the server has it
        contacts = _get(base, f"v1/members/{first}")["contacts"]
        assert [(c["month"], c["outcome"], c["note"], c["source"]) for c in contacts] == [
            (MONTH, "accepted", "books a session on Friday", "api")
        ]

        # after a reload (the tab keeps the key) the outcome comes back from /v1/contacts
        page.reload()
        row = page.locator(f"#calls-body tr.call[data-member='{first}']")
        row.wait_for()
        assert page.locator("#key-prompt").is_hidden()
        assert row.get_attribute("data-outcome") == "accepted"
        assert row.locator("td.outcome").inner_text() == "accepted"
        assert page.inner_text("#calls-body tr.call >> nth=1 >> td.outcome") == "not yet"

        # a measure filter keeps the campaign's order within the measure
        measure = MEASURES[1]
        page.select_option("#c-measure", measure)
        wanted = [m for m in order if frame.set_index("member_id").loc[m, "measure"] == measure]
        page.wait_for_function(
            "n => document.querySelectorAll('#calls-body tr.call').length === n", arg=len(wanted)
        )
        assert _ids(page, "calls-body") == wanted
        page.select_option("#c-measure", "")
        page.wait_for_function(
            "() => document.querySelectorAll('#calls-body tr.call').length === 25"
        )

        # the member list: the control group only, clearly marked not to be called
        members = page.locator("#members-body tr.member")
        members.first.wait_for()
        everyone = page.inner_text("#members-count")
        page.select_option("#f-group", "control")
        page.wait_for_function(
            "c => document.querySelector('#members-count').textContent !== c", arg=everyone
        )
        shown = _ids(page, "members-body")
        assert set(shown) == control and len(shown) == len(control)
        groups = members.evaluate_all("rs => rs.map(r => r.dataset.group)")
        assert set(groups) == {"control"}
        badges = page.locator("#members-body td.measure .badge").all_inner_texts()
        assert badges and set(badges) == {"control — do not call"}

        # members outside the campaign show no measure
        page.select_option("#f-group", "")
        page.fill("#f-search", "A1059")
        page.wait_for_function(
            "() => { const r = document.querySelectorAll('#members-body tr.member');"
            " return r.length === 1 && r[0].dataset.member === 'A1059'; }"
        )
        assert page.inner_text("#members-body td.measure") == "—"
        page.fill("#f-search", "")
        page.select_option("#f-group", "control")
        page.wait_for_function(
            "() => [...document.querySelectorAll('#members-body tr.member')]"
            ".every(r => r.dataset.group === 'control')"
        )

        # the picture: the second call opened, the member list on the control group
        calls.nth(1).click()
        details.wait_for()
        page.screenshot(path=str(SCREENSHOT), full_page=True)

        # on a phone the page still fits the screen
        page.set_viewport_size({"width": 390, "height": 844})
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1


def test_a_month_without_a_campaign_says_so_in_chromium(
    club_bundle: Bundle, frame: pd.DataFrame, tmp_path: Path
) -> None:
    """Only scores, no campaign (as after `churnlab score`): one sentence, no empty table."""
    scores = frame.drop(columns=["measure", "campaign_rank", "campaign_group", "action"])
    with Store(f"sqlite:///{tmp_path}/h.db", club=CLUB) as store:
        _record(store, scores, "score")
        app = create_app(club_bundle, store=store, api_key=KEY)
        with serving(app) as base, _page(base) as page:
            message = page.locator("#calls-message")
            message.wait_for()
            assert message.inner_text() == (
                "No calls this month: run churnlab month with this month's members to plan them."
            )
            assert message.locator("code").inner_text() == "churnlab month"
            assert page.locator("#calls-table-wrap").is_hidden()
            assert page.locator("#calls-pager").is_hidden()
            # the member list still works, without measures
            page.locator("#members-body tr.member").first.wait_for()
            measures = page.locator("#members-body td.measure").all_inner_texts()
            assert measures and set(measures) == {"—"}
