"""The dashboard's member record shows the member's months ahead and value: the expected months
of the next 12, the value, and the chances of staying 1, 3 and 12 months as bars.

The browser test serves a real run history (a SQLite store with one month run whose scores hold
the values) with uvicorn on a free local port and drives Debian's ``chromium`` through
Playwright's Python package, as ``tests/api/test_dashboard_calls.py`` does. Without chromium or
playwright it is skipped — or fails, when ``CHURNLAB_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import dataclasses
import json
import re
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
from churnlab.scoring.bundle import Bundle
from churnlab.scoring.value import member_values
from churnlab.store import Store

KEY = "k"
MONTH = "2024-07"
N = 30
#: The one member whose latest score was recorded without a value (an older run's).
NO_VALUE = "V0029"
SCREENSHOT = Path("/tmp/dash-value.png")
#: The strings the member's value added to DASHBOARD.
NEW_KEYS = ["value", "value_none", "expected_months", "member_value", "survival_chart",
            "stay_after", "survival_note"]  # fmt: skip


@pytest.fixture(scope="module")
def frame(club_bundle: Bundle, gym: pd.DataFrame) -> pd.DataFrame:
    """The month's scores with each member's value, as `churnlab month` records them."""
    rows = gym.drop(columns="Churn").head(N)
    scores, rejects, _ = club_bundle.score(rows)
    assert rejects.empty
    values = member_values(club_bundle.model, rows, club_bundle.economics)
    scores = scores.assign(
        member_id=[f"V{i:04d}" for i in scores["row"]],
        reasons=scores["reasons"].map("; ".join),
        **{name: values[name].to_numpy() for name in values.columns},
    )
    for name in values.columns:
        scores[name] = scores[name].where(scores["member_id"] != NO_VALUE)
    return scores


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, frame: pd.DataFrame) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("value")
    with Store(f"sqlite:///{folder}/h.db") as store:
        store.record_run(kind="month", source="july.csv", rows=N, scored=N, rejected=0,
                         model_id=None, month=MONTH, id_col="member_id", scores=frame)  # fmt: skip
        yield store


def test_the_new_strings_are_in_english_and_russian(club_bundle: Bundle, store: Store) -> None:
    ru, en = DASHBOARD["ru"], DASHBOARD["en"]
    assert set(NEW_KEYS) <= set(ru) and set(ru) == set(en)
    for key in NEW_KEYS:
        assert ru[key] != en[key], key
        assert not re.search("[A-Za-z]", re.sub(r"\{\w+\}", "", ru[key])), (key, ru[key])
        assert set(re.findall(r"\{\w+\}", ru[key])) == set(re.findall(r"\{\w+\}", en[key])), key
    client = TestClient(create_app(dataclasses.replace(club_bundle, lang="ru"), store=store,
                                   api_key=KEY))  # fmt: skip
    text = re.search(
        r'<script type="application/json" id="dashboard-text">(.*?)</script>', client.get("/").text
    )
    assert text is not None and json.loads(text.group(1))["text"] == ru


def test_the_script_draws_only_with_svg_and_text(club_bundle: Bundle, store: Store) -> None:
    js = TestClient(create_app(club_bundle, store=store)).get("/static/dashboard.js").text
    assert "function survivalBars" in js
    for unsafe in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("]:
        assert unsafe not in js
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", js)


# ----------------------------------------------------------------------------- in a browser


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


def _open(page: Any, member: str) -> Any:
    """The member's record opened from the at-risk list: its details row."""
    page.locator("#members-body tr.member").first.wait_for()
    page.fill("#f-search", member)
    page.wait_for_function(
        "m => { const r = document.querySelectorAll('#members-body tr.member');"
        " return r.length === 1 && r[0].dataset.member === m; }",
        arg=member,
    )
    page.locator("#members-body tr.member button.member-id").click()
    details = page.locator("#members-body tr.details")
    details.wait_for()
    details.locator(".value-box p").first.wait_for()
    page.wait_for_function(
        "() => !document.querySelector('#members-body tr.details .value-box')"
        ".textContent.includes('…')"
    )
    return details


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_members_record_shows_the_value_and_the_curve_in_chromium(
    club_bundle: Bundle, store: Store, frame: pd.DataFrame, lang: str
) -> None:
    bundle = dataclasses.replace(club_bundle, lang=lang)
    text = DASHBOARD[lang]
    assert bundle.summary is not None
    currency = bundle.summary["plan"]["economics"]["currency"]
    # a member whose curve falls well within the chart, so the bars differ
    member = frame.loc[(frame["stay_12m"] - 0.4).abs().idxmin()]
    assert 0.15 < float(member["stay_12m"]) < 0.85
    member_id = str(member["member_id"])
    with serving(create_app(bundle, store=store, api_key=KEY)) as base, _page(base) as page:
        details = _open(page, member_id)
        box = details.locator(".value-box")
        assert text["value"] in details.locator("h4").all_text_contents()
        # the expected months and the value, as the page's locale writes them
        months = page.evaluate(
            "([v, l]) => new Intl.NumberFormat(l, {minimumFractionDigits: 1,"
            " maximumFractionDigits: 1}).format(v)",
            [float(member["expected_months_12"]), "ru-RU" if lang == "ru" else "en-US"],
        )
        value = page.evaluate(
            "([v, l]) => new Intl.NumberFormat(l, {minimumFractionDigits: 0,"
            " maximumFractionDigits: 0}).format(v)",
            [float(member["member_value"]), "ru-RU" if lang == "ru" else "en-US"],
        )
        assert box.locator("p.expected-months").inner_text() == text["expected_months"].replace(
            "{months}", months
        )
        assert box.locator("p.member-value").inner_text() == text["member_value"].replace(
            "{value}", f"{value} {currency}"
        )
        if lang == "en":  # the numbers themselves, in plain English digits
            assert f"{float(member['expected_months_12']):.1f}" in months
            assert f"{float(member['member_value']):,.0f}" == value
        # the curve: the chances of staying 1, 3 and 12 months, as bars that fall
        chart = box.locator("svg.survival")
        assert chart.get_attribute("aria-label") == text["survival_chart"]
        bars = chart.locator("rect.stay")
        assert bars.count() == 3
        stays = bars.evaluate_all(
            "rs => rs.map(r => [Number(r.dataset.months), Number(r.dataset.stay),"
            " r.getBBox().height])"
        )
        assert [m for m, _, _ in stays] == [1, 3, 12]
        assert stays[0][1] == pytest.approx(1 - float(member["churn_probability"]), abs=1e-12)
        assert stays[1][1] == pytest.approx(float(member["stay_3m"]), abs=1e-12)
        assert stays[2][1] == pytest.approx(float(member["stay_12m"]), abs=1e-12)
        heights = [h for _, _, h in stays]
        assert heights[0] >= heights[1] > heights[2] > 0
        # each bar's height is its chance of the full height (100 % at the top tick)
        full = heights[0] / stays[0][1]
        for _, stay, height in stays:
            assert height == pytest.approx(full * stay, abs=0.11)  # drawn to 0.1 of a unit
        labels = chart.locator("text").all_text_contents()
        for months_ahead in (1, 3, 12):
            assert text["stay_after"].replace("{months}", str(months_ahead)) in labels
        if lang == "en":
            page.screenshot(path=str(SCREENSHOT), full_page=True)

        # a member whose latest score holds no value says so, and draws nothing
        page.locator("#members-body tr.member button.member-id").click()  # close the record
        details = _open(page, NO_VALUE)
        assert details.locator(".value-box").inner_text() == text["value_none"]
        assert details.locator("svg.survival").count() == 0
