"""The month's report.html with its review of last month in a real browser: headless Chromium
loads it offline, in English and in Russian, and draws it.

Needs Debian's ``chromium`` (``make browser`` installs it). Without it the tests are skipped —
or fail, when ``CHURNLAB_REQUIRE_BROWSER=1`` (``make test`` sets it). The browser is started by
``tests/_browser.py``, as for the analysis report.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from _browser import chromium, png_size, run_chromium
from churnlab.analysis.month import MonthRun, run_month
from churnlab.report.month_html import render_month

CLUB = "0123456789abcdef0123456789abcdef"
NBSP = "&nbsp;"  # as the browser writes a no-break space back out

#: What each language's review must show: its headings, and its headline figures as written.
SHOWN = {
    "en": [
        "Last month, reviewed",
        "Who left",
        "The predictions, back-tested",
        "What the measures did",
        "Have the members changed?",
        "The recommendation",
        "Of the 4,000 members scored in 2024-05, 1,012 left (25.3%).",
        "The model expected 1,003 (95% band 972–1,035).",
        "0.81 (0.80–0.83)",
        "15.8 pts (2.0–29.0 pts)",
        "Not yet clear",
        "Per-protocol, not randomised",
        "Retrain the model",
    ],
    "ru": [
        "Итоги прошлого месяца",
        "Кто ушёл",
        "Проверка прогнозов",
        "Что дали меры",
        "Изменились ли клиенты?",
        "Рекомендация",
        f"Из 4{NBSP}000 клиентов, оценённых в 2024-05, ушли 1{NBSP}012 (25,3{NBSP}%).",
        f"Модель ожидала 1{NBSP}003 (95-процентный интервал 972–1{NBSP}035).",
        "0,81 (0,80–0,83)",
        "15,8 п.п. (2,0–29,0 п.п.)",
        "Пока неясно",
        "По протоколу, не случайная выборка",
        "Переобучите модель",
    ],
}


def review() -> dict[str, Any]:
    """A review of 2024-05 after month.json's schema: two measures, one drifted feature."""
    measure = {
        "contact": 240, "control": 60, "contact_left": 70, "control_left": 27,
        "contact_churn": 0.2917, "control_churn": 0.45, "uplift": 0.158, "uplift_low": 0.02,
        "uplift_high": 0.29, "success_rate": 0.33, "success_low": 0.08, "success_high": 0.55,
        "prior_rate": 0.25, "evidence": 108.0, "measured": True, "p_pays": 0.97, "saves": 38.0,
        "saves_low": 4.8, "saves_high": 69.6, "value": 9120.0, "value_low": 1152.0,
        "value_high": 16704.0, "cost": 4800.0, "net": 4320.0,
    }  # fmt: skip
    view = {
        "members": 4000, "left": 1012, "churn_rate": 0.253, "mean_probability": 0.2509,
        "roc_auc": 0.8123, "roc_auc_low": 0.7961, "roc_auc_high": 0.8285, "brier": 0.1234,
        "ece": 0.0213, "top_decile_lift": 2.46,
        "by_tier": [{"tier": "high", "members": 800, "predicted": 0.62, "observed": 0.655}],
        "by_decile": [],
    }  # fmt: skip
    return {
        "month": "2024-05",
        "outcomes": {
            "scored": 4000,
            "left": 1012,
            "stayed": 2988,
            "churn_rate": 0.253,
            "joined": 200,
            "expected_leavers": 1003.41,
            "expected_low": 972,
            "expected_high": 1035,
            "within_band": True,
            "from_file": 0,
            "outcomes_file": None,
            "unmatched": 0,
        },
        "backtest": {"all": view, "untreated": {**view, "members": 3700}},
        "history": [
            {"month": "2024-04", "roc_auc": 0.84},
            {"month": "2024-05", "roc_auc": 0.8123},
        ],
        "measures": [
            {
                **measure,
                "measure": "renewal_offer",
                "title": "Renewal offer",
                "per_protocol": {
                    "label": "per-protocol",
                    "recorded": 180,
                    "reached": 150,
                    "reached_left": 38,
                    "reached_churn": 0.253,
                    "uplift": 0.197,
                    "uplift_low": 0.05,
                    "uplift_high": 0.33,
                },
            },
            {
                **measure,
                "measure": "coach_call",
                "title": "Coach call",
                "uplift": 0.03,
                "uplift_low": -0.16,
                "uplift_high": 0.21,
                "measured": False,
                "per_protocol": None,
            },
        ],
        "drift": {
            "reference_members": 4000,
            "members": 3150,
            "features": [
                {
                    "feature": "Age",
                    "label": "age",
                    "kind": "number",
                    "drifted": True,
                    "statistic": "wasserstein_scaled",
                    "value": 2.45,
                    "threshold": 0.1,
                    "churn_shift": -0.031,
                    "reference_mean": 29.2,
                    "mean": 37.2,
                },
            ],
            "drifted": ["Age"],
        },
        "recommendation": {"retrain": True, "reasons": ["drift", "auc_drop"]},
    }


@pytest.fixture(scope="module")
def reports(
    club_bundle, gym: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    """The month's page with the review, one per language."""
    snapshot = gym.drop(columns="Churn").assign(member_id=[f"M{i:05d}" for i in range(len(gym))])
    folder = tmp_path_factory.mktemp("month")
    paths = {}
    for lang in ("en", "ru"):
        run: MonthRun = run_month(club_bundle, snapshot, month="2024-06", club=CLUB, lang=lang)
        run = dataclasses.replace(run, summary={**run.summary, "review": review()})
        path = folder / f"report-{lang}.html"
        path.write_text(render_month(run, folder="club", files=[], club=True), encoding="utf-8")
        paths[lang] = path
    return paths


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_browser_shows_the_review_in_the_pages_language(
    reports: dict[str, Path], tmp_path: Path, lang: str
) -> None:
    browser = chromium()
    dom = run_chromium(browser, tmp_path, "--dump-dom", reports[lang].as_uri()).stdout
    assert f'<html lang="{lang}">' in dom
    start = dom.index('<section id="review">')
    section = dom[start : dom.index("</section>", start)]
    assert dom.index('<section id="month">') < start < dom.index('<section id="changes">')
    for shown in SHOWN[lang]:
        assert shown in section, shown
    other = SHOWN["ru" if lang == "en" else "en"]
    assert [shown for shown in other if shown in section and not shown[0].isdigit()] == []
    assert section.count("<svg") == 1 and "<script" not in dom


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_browser_draws_the_review(reports: dict[str, Path], tmp_path: Path, lang: str) -> None:
    browser = chromium()
    shot = tmp_path / "shot.png"
    width, height = 1280, 3600
    args = [f"--screenshot={shot}", f"--window-size={width},{height}", reports[lang].as_uri()]
    run_chromium(browser, tmp_path, *args)
    assert png_size(shot) == (width, height)
    assert shot.stat().st_size > 50_000
    from PIL import Image

    with Image.open(shot) as image:
        colours = image.convert("RGB").resize((64, 64)).getcolors(64 * 64)
    assert colours is not None and len(colours) > 50  # text, cards and tables, not a blank page
