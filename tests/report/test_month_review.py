"""The month's report.html shows the review of last month: who left against the forecast, the
predictions back-tested, what each measure did against its control group, drift, whether to
retrain; and in the plan whether each success rate is measured or the playbook's assumption.

The month is the real one (the club's folder scoring the bundled table); its ``review`` is a
dict written here after month.json's schema, and every figure the page shows is checked against
the number written out by hand in each language.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import string
from html.parser import HTMLParser
from typing import Any

import pandas as pd
import pytest

from churnlab.analysis.month import MonthRun, run_month
from churnlab.report.month_html import render_month
from churnlab.report.month_text import MONTH_TEXT

CLUB = "0123456789abcdef0123456789abcdef"
ID = "member_id"
NBSP = "\u00a0"
EVIL_TITLE = "<script>alert(1)</script>"
EVIL_LABEL = '"><img src=x onerror=alert(1)>'
EVIL_CODE = "<b>new_code</b>"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


def review(lang: str = "en") -> dict[str, Any]:
    """month.json's review of 2024-05, as /tmp/review_schema.md lays it out."""
    ru = lang == "ru"
    tiers = [
        {"tier": "high", "members": 800, "predicted": 0.62, "observed": 0.655},
        {"tier": "medium", "members": 1200, "predicted": 0.3, "observed": 0.281},
        {"tier": "low", "members": 2000, "predicted": 0.08, "observed": 0.074},
    ]
    return {
        "month": "2024-05",
        "model": {"learner": "logistic", "data_hash": "abc"},
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
            "from_file": 120,
            "outcomes_file": "exits.csv",
            "unmatched": 3,
        },
        "backtest": {
            "all": {
                "members": 4000,
                "left": 1012,
                "churn_rate": 0.253,
                "mean_probability": 0.2509,
                "roc_auc": 0.8123,
                "roc_auc_low": 0.7961,
                "roc_auc_high": 0.8285,
                "brier": 0.1234,
                "ece": 0.0213,
                "top_decile_lift": 2.46,
                "by_tier": tiers,
                "by_decile": [],
            },
            "untreated": {
                "members": 3700,
                "left": 915,
                "churn_rate": 0.2473,
                "mean_probability": 0.2391,
                "roc_auc": None,  # e.g. one class only
                "roc_auc_low": None,
                "roc_auc_high": None,
                "brier": None,
                "ece": 0.0347,
                "top_decile_lift": 2.71,
                "by_tier": [{"tier": "high", "members": 560, "predicted": 0.61, "observed": 0.702}],
                "by_decile": [],
            },
        },
        "history": [
            {
                "month": "2024-03",
                "members": 3900,
                "left": 990,
                "churn_rate": 0.2538,
                "expected_leavers": 980.2,
                "roc_auc": 0.8412,
                "roc_auc_low": 0.8261,
                "roc_auc_high": 0.8563,
                "brier": 0.1187,
                "ece": 0.0158,
            },
            {
                "month": "2024-04",
                "members": 3950,
                "left": 1001,
                "churn_rate": 0.2534,
                "expected_leavers": 995.0,
                "roc_auc": None,
                "roc_auc_low": None,
                "roc_auc_high": None,
                "brier": 0.1201,
                "ece": None,
            },
            {
                "month": "2024-05",
                "members": 4000,
                "left": 1012,
                "churn_rate": 0.253,
                "expected_leavers": 1003.41,
                "roc_auc": 0.8123,
                "roc_auc_low": 0.7961,
                "roc_auc_high": 0.8285,
                "brier": 0.1234,
                "ece": 0.0213,
            },
        ],
        "measures": [
            {
                "measure": "renewal_offer",
                "title": "Предложение продления" if ru else "Renewal offer",
                "contact": 240,
                "control": 60,
                "contact_left": 70,
                "control_left": 27,
                "contact_churn": 0.2917,
                "control_churn": 0.45,
                "uplift": 0.158,
                "uplift_low": 0.02,
                "uplift_high": 0.29,
                "success_rate": 0.33,
                "success_low": 0.08,
                "success_high": 0.55,
                "prior_rate": 0.25,
                "evidence": 108.0,
                "measured": True,
                "p_pays": 0.97,
                "saves": 38.0,
                "saves_low": 4.8,
                "saves_high": 69.6,
                "value": 9120.0,
                "value_low": 1152.0,
                "value_high": 16704.0,
                "cost": 4800.0,
                "net": 4320.0,
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
                "measure": "coach_call",
                "title": "Звонок тренера" if ru else EVIL_TITLE,
                "contact": 90,
                "control": 22,
                "contact_left": 30,
                "control_left": 8,
                "contact_churn": 0.3333,
                "control_churn": 0.3636,
                "uplift": 0.03,
                "uplift_low": -0.16,
                "uplift_high": 0.21,
                "success_rate": 0.2,
                "success_low": 0.02,
                "success_high": 0.47,
                "prior_rate": 0.2,
                "evidence": 12.0,
                "measured": False,
                "p_pays": None,
                "saves": 2.7,
                "saves_low": None,
                "saves_high": None,
                "value": None,
                "value_low": None,
                "value_high": None,
                "cost": 450.0,
                "net": None,
                "per_protocol": None,
            },
        ],
        "drift": {
            "reference_members": 4000,
            "members": 3150,
            "features": [
                {
                    "feature": "Lifetime",
                    "label": "срок в клубе" if ru else "months in the club",
                    "kind": "number",
                    "statistic": "wasserstein_scaled",
                    "value": 0.041,
                    "threshold": 0.1,
                    "drifted": False,
                    "churn_shift": 0.002,
                    "reference_mean": 3.72,
                    "mean": 3.81,
                },
                {
                    "feature": "Age",
                    "label": "возраст" if ru else "age",
                    "kind": "number",
                    "statistic": "wasserstein_scaled",
                    "value": 2.45,
                    "threshold": 0.1,
                    "drifted": True,
                    "churn_shift": -0.031,
                    "reference_mean": 29.2,
                    "mean": 37.2,
                },
                {
                    "feature": "Contract_period",
                    "label": "срок договора" if ru else "contract",
                    "kind": "category",
                    "statistic": "jensen_shannon",
                    "value": 0.213,
                    "threshold": 0.1,
                    "drifted": True,
                    "churn_shift": 0.012,
                    "top_change": {"value": "1", "reference_share": 0.3, "share": 0.6},
                },
                {
                    "feature": "Partner",
                    "label": "партнёр" if ru else EVIL_LABEL,
                    "kind": "category",
                    "statistic": "jensen_shannon",
                    "value": 0.004,
                    "threshold": 0.1,
                    "drifted": False,
                    "churn_shift": None,
                    "top_change": {"value": "0", "reference_share": 0.51, "share": 0.5},
                },
            ],
            "drifted": ["Age", "Contract_period"],
        },
        "recommendation": {
            "retrain": True,
            "reasons": ["drift", "auc_drop", "miscalibrated", *([] if ru else [EVIL_CODE])],
        },
    }


# --- the month, and its page ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def snapshot(gym: pd.DataFrame) -> pd.DataFrame:
    return gym.drop(columns="Churn").assign(**{ID: [f"M{i:05d}" for i in range(len(gym))]})


@pytest.fixture(scope="module")
def runs(club_bundle, snapshot: pd.DataFrame) -> dict[str, MonthRun]:  # type: ignore[no-untyped-def]
    return {
        lang: run_month(club_bundle, snapshot, month="2024-06", club=CLUB, lang=lang)
        for lang in ("en", "ru")
    }


def with_review(run: MonthRun, reviewed: dict[str, Any] | None) -> MonthRun:
    """The month with a review, and a plan that learned: its first measure's success rate
    measured, its second assumed, the rest as a month.json from before measuring (no source)."""
    plan = copy.deepcopy(run.summary["plan"])
    plan["economics"]["currency"] = "EUR"
    groups = plan["target_groups"]
    assert len(groups) >= 3, "the plan has too few measures to test all three sources"
    groups[0].update(
        success_source="measured",
        success_rate=0.33,
        success_assumed=0.25,
        success_low=0.08,
        success_high=0.55,
        evidence=108.0,
    )
    groups[1].update(success_source="assumed", success_rate=0.2, success_assumed=0.2)
    for group in groups[2:]:
        group.pop("success_source", None)
        group["success_rate"] = 0.15
    return dataclasses.replace(run, summary={**run.summary, "review": reviewed, "plan": plan})


def page(run: MonthRun, reviewed: dict[str, Any] | None) -> str:
    return render_month(with_review(run, reviewed), folder="club", files=["month.json"], club=True)


class Section(HTMLParser):
    """The text of one section of a page (one string, whitespace collapsed but no-break spaces
    kept), its tables' rows (each a list of cell texts), the tags of the whole page (balanced),
    and the text inside <details>."""

    def __init__(self, html: str, section: str) -> None:
        super().__init__(convert_charrefs=True)
        self.section = section
        self.tags: list[str] = []
        self.stack: list[str] = []
        self.parts: list[str] = []
        self.details: list[str] = []
        self.rows: list[list[str]] = []
        self._cell = False
        self._depth = 0  # inside the section: its open elements
        self._details = 0
        self.feed(html)
        self.close()
        assert self.stack == [], self.stack
        self.text = " ".join(self.parts)
        self.details_text = " ".join(self.details)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in VOID:
            return
        self.stack.append(tag)
        if self._depth or dict(attrs).get("id") == self.section:
            self._depth += 1
        self._details += tag == "details"
        if self._depth and tag == "tr":
            self.rows.append([])
        if self._depth and tag in ("td", "th") and self.rows:
            self.rows[-1].append("")
            self._cell = True

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-3:])
        self.stack.pop()
        self._depth = max(self._depth - 1, 0)
        self._details -= tag == "details"
        self._cell = self._cell and tag not in ("td", "th")

    def handle_data(self, data: str) -> None:
        text = re.sub(r"[ \t\r\n]+", " ", data).strip(" ")
        if self._depth and text and self.stack[-1] not in ("style", "script", "title"):
            self.parts.append(text)
            if self._details:
                self.details.append(text)
            if self._cell:
                self.rows[-1][-1] = f"{self.rows[-1][-1]} {text}".strip()

    def row(self, first: str) -> list[str]:
        """The first table row whose first cell starts with ``first``."""
        found = [row for row in self.rows if row and row[0].startswith(first)]
        assert found, (first, self.rows)
        return found[0]


@pytest.fixture(scope="module")
def english(runs: dict[str, MonthRun]) -> str:
    return page(runs["en"], review("en"))


@pytest.fixture(scope="module")
def russian(runs: dict[str, MonthRun]) -> str:
    return page(runs["ru"], review("ru"))


def eur(text: str) -> str:
    return f"{text}{NBSP}EUR"


# --- in English -------------------------------------------------------------------------------


def test_the_review_comes_right_after_the_kpis(english: str) -> None:
    assert english.index('<section id="month">') < english.index('<section id="review">')
    assert english.index('<section id="review">') < english.index('<section id="changes">')
    assert "Last month, reviewed" in Section(english, "review").text


def test_who_left_against_the_forecast(english: str) -> None:
    text = Section(english, "review").text
    assert "Of the 4,000 members scored in 2024-05, 1,012 left (25.3%)." in text
    assert "The model expected 1,003 (95% band 972–1,035)." in text
    assert "That is inside the band" in text
    assert "Joined 200" in text
    assert "120 of the outcomes were given in exits.csv." in text
    assert "3 rows of that file named members not scored in 2024-05" in text


@pytest.mark.parametrize(("left", "verdict"), [(1100, "above the band"), (900, "below the band")])
def test_a_total_outside_the_band_says_which_way(
    runs: dict[str, MonthRun], left: int, verdict: str
) -> None:
    reviewed = review()
    reviewed["outcomes"].update(left=left, within_band=False)
    text = Section(page(runs["en"], reviewed), "review").text
    assert f"That is {verdict}" in text and "inside the band" not in text


def test_the_predictions_back_tested_for_all_and_the_untreated(english: str) -> None:
    section = Section(english, "review")
    # metric, all members, untreated: as written by hand from the dict
    rows = [
        ("Members", "4,000", "3,700"),
        ("Left", "1,012", "915"),
        ("Churn", "25.3%", "24.7%"),
        ("Mean predicted probability", "25.1%", "23.9%"),
        ("ROC-AUC (95% interval)", "0.81 (0.80–0.83)", "—"),
        ("Brier score", "0.123", "—"),
        ("Calibration error", "2.1%", "3.5%"),
        ("Top-decile lift", "2.5×", "2.7×"),
    ]
    for label, every, untreated in rows:
        assert section.row(label)[1:] == [every, untreated], label
    assert "calls change outcomes" in section.text
    # calibration by tier: members, predicted, observed; then the untreated's (high only)
    assert section.row("high") == ["high", "800", "62%", "65.5%", "560", "61%", "70.2%"]
    assert section.row("medium") == ["medium", "1,200", "30%", "28.1%", "—", "—", "—"]
    assert section.row("low") == ["low", "2,000", "8%", "7.4%", "—", "—", "—"]
    # month over month, oldest first
    assert section.row("2024-03")[1:] == [
        "3,900", "990", "25.4%", "980", "0.84 (0.83–0.86)", "0.119", "1.6%"
    ]  # fmt: skip
    assert section.row("2024-04")[1:] == ["3,950", "1,001", "25.3%", "995", "—", "0.120", "—"]
    months = [row[0] for row in section.rows if re.fullmatch(r"\d{4}-\d\d", row[0])]
    assert months == ["2024-03", "2024-04", "2024-05"]


def test_the_sparkline_is_inline_svg_with_a_dot_per_known_month(english: str) -> None:
    start = english.index('<svg class="rv-spark"')
    svg = english[start : english.index("</svg>", start)]
    assert svg.count("<circle") == 2  # 2024-04 has no ROC-AUC
    points = re.search(r'points="([^"]+)"', svg)
    assert points is not None
    (x1, y1), (x2, y2) = (map(float, p.split(",")) for p in points.group(1).split())
    assert x1 < x2 and y1 < y2  # ROC-AUC fell: the line goes down (SVG's y grows downwards)
    assert "ROC-AUC 0.84 → 0.81" in Section(english, "review").text
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_what_each_measure_did(english: str) -> None:
    text = Section(english, "review").text
    assert (
        "Renewal offer Working Contacted Control group Members 240 60 Left 70 27 Churn 29.2% 45%"
    ) in text
    assert "Fewer left (95% interval) 15.8 pts (2.0–29.0 pts)" in text
    assert "Success rate, measured 33% (8–55%) Playbook's assumption 25%" in text
    assert "Chance it pays for itself 97%" in text
    assert "Members kept 38 (5–70)" in text
    assert f"Their value {eur('9,120')} (1,152–{eur('16,704')})" in text
    assert f"Cost {eur('4,800')} Net {eur('4,320')}" in text
    # an interval that holds 0 is not yet clear, never "failed"; thin evidence says so
    second = text[text.index(EVIL_TITLE) :]
    assert second.startswith(f"{EVIL_TITLE} Not yet clear")
    assert "3.0 pts (−16.0 – 21.0 pts)" in second
    assert (
        "The evidence is still thin (worth 12 observations, the playbook's assumption 10)" in second
    )
    assert "Chance it pays for itself — Members kept 3 Their value — Cost 450" in second
    assert "fail" not in text.lower()


def test_the_per_protocol_view_is_shown_only_when_recorded_and_always_labelled(
    english: str,
) -> None:
    text = Section(english, "review").text
    assert text.count("Per-protocol, not randomised") == 1
    label = text.index("Per-protocol, not randomised")
    assert text.index("Renewal offer") < label < text.index(EVIL_TITLE)
    assert (
        "Staff recorded 180 calls and reached 150 members, of whom 38 left (25.3%); against "
        "the control group that is 19.7 pts (5.0–33.0 pts) fewer."
    ) in text


def test_drifted_features_first_the_rest_folded_away(english: str) -> None:
    section = Section(english, "review")
    text = section.text
    assert "3,150 members this month against the 4,000 the model learned from." in text
    assert "age : mean 29.2 → 37.2" in text
    assert "contract : share of “1” 30% → 60%" in text
    assert "Wasserstein distance 2.45 (threshold 0.1)" in text
    assert text.index("age :") < text.index("contract :") < text.index("The other 2 features")
    details = section.details_text
    assert "months in the club mean 3.72 → 3.81" in details
    assert EVIL_LABEL in details and "age" not in details.split("features: no drift")[1]


def test_no_drift_and_no_reference_are_said_plainly(runs: dict[str, MonthRun]) -> None:
    calm = review()
    for feature in calm["drift"]["features"]:
        feature["drifted"] = False
    calm["drift"]["drifted"] = []
    calm["recommendation"] = {"retrain": False, "reasons": []}
    text = Section(page(runs["en"], calm), "review").text
    assert "No drift: the members look like those the model learned from." in text
    assert "The other 4 features: no drift" in text
    assert "No need to retrain: the model still holds." in text
    unknown = review()
    unknown["drift"] = None
    text = Section(page(runs["en"], unknown), "review").text
    assert "No drift check: the folder keeps no reference" in text


def test_the_recommendation_gives_a_sentence_per_reason(english: str) -> None:
    text = Section(english, "review").text
    after = text[text.index("The recommendation") :]
    assert after.startswith("The recommendation Retrain the model")
    assert "The members have changed since the model learned" in after
    assert "The ranking has weakened" in after
    assert "The probabilities are off" in after
    assert after.rstrip().endswith(EVIL_CODE)  # an unknown code as it is, escaped


def test_hostile_strings_are_escaped(english: str) -> None:
    tags = Section(english, "review").tags
    assert "script" not in tags and "img" not in tags and "b" not in tags
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in english
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in english
    assert "&lt;b&gt;new_code&lt;/b&gt;" in english


def _nulled(value: Any) -> Any:
    """Every number of the review None (text and flags kept)."""
    if isinstance(value, dict):
        return {key: _nulled(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_nulled(item) for item in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return None
    return value


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_missing_figures_show_as_a_dash(runs: dict[str, MonthRun], lang: str) -> None:
    nulled = _nulled(review(lang))
    nulled["outcomes"]["within_band"] = None
    text = Section(page(runs[lang], nulled), "review").text
    for word in ("None", "nan", "NaN", "inf", "null"):
        assert not re.search(rf"\b{word}\b", text), word
    assert text.count("—") > 60
    bare = {"month": "2024-05", "measures": [{"measure": "x"}], "drift": {"features": [{}]}}
    text = Section(page(runs[lang], bare), "review").text  # parts missing altogether
    assert "None" not in text and "2024-05" in text


@pytest.mark.parametrize("control", [True, False])
def test_a_first_month_has_nothing_to_review(runs: dict[str, MonthRun], control: bool) -> None:
    run = runs["en"]
    if not control:
        campaign = {**run.summary["campaign"], "control": 0}
        run = dataclasses.replace(run, summary={**run.summary, "campaign": campaign})
    text = Section(page(run, None), "review").text
    assert text.startswith(
        "Last month, reviewed Nothing to review yet: this is the club's first month"
    )
    if control:
        assert "measure this month's calls against the control group" in text
    else:
        assert "cannot measure what the calls achieved" in text
    assert "Who left" not in text


def test_the_plan_says_which_success_rates_are_measured(
    english: str, runs: dict[str, MonthRun]
) -> None:
    groups = with_review(runs["en"], None).summary["plan"]["target_groups"]
    titles = {m["measure"]: m["title"] for m in runs["en"].summary["campaign"]["by_measure"]}
    calls = Section(english, "calls")
    shown = [calls.row(titles[g["measure"]])[-1] for g in groups]
    expected = ["33% (8–55%), measured", "20%, assumed (playbook)"]
    assert shown == expected + ["15%, assumed (playbook)"] * (len(groups) - 2)  # no source
    control = Section(english, "control").text
    assert "success rate marked measured comes from the control groups" in control


def test_a_plan_from_before_measuring_is_all_assumed(runs: dict[str, MonthRun]) -> None:
    html = render_month(runs["en"], folder="club", files=["month.json"], club=True)
    text = Section(html, "calls").text
    assert "measured" not in text
    assert text.count("assumed (playbook)") == len(runs["en"].summary["plan"]["target_groups"])
    assert "Nothing to review yet" in Section(html, "review").text  # no "review" key at all


# --- in Russian ------------------------------------------------------------------------------


def test_the_russian_page_speaks_russian_with_russian_numbers(russian: str) -> None:
    text = Section(russian, "review").text
    assert text.startswith("Итоги прошлого месяца")
    for heading in ("Кто ушёл", "Проверка прогнозов", "Что дали меры", "Изменились ли клиенты?",
                    "Рекомендация"):  # fmt: skip
        assert heading in text
    assert f"Из 4{NBSP}000 клиентов, оценённых в 2024-05, ушли 1{NBSP}012 (25,3{NBSP}%)." in text
    assert f"Модель ожидала 1{NBSP}003 (95-процентный интервал 972–1{NBSP}035)." in text
    assert "0,81 (0,80–0,83)" in text
    assert "15,8 п.п. (2,0–29,0 п.п.)" in text
    assert f"33{NBSP}% (8–55{NBSP}%)" in text
    assert f"9{NBSP}120{NBSP}EUR (1{NBSP}152–16{NBSP}704{NBSP}EUR)" in text
    assert "Пока неясно" in text and "По протоколу, не случайная выборка" in text
    assert "возраст : среднее 29,2 → 37,2" in text
    calls = Section(russian, "calls").text
    assert f"33{NBSP}% (8–55{NBSP}%), измерена" in calls and "допущение плана" in calls


def test_the_russian_review_has_no_english_left(russian: str, runs: dict[str, MonthRun]) -> None:
    text = Section(russian, "review").text
    allowed = {"EUR", "ROC", "AUC", "outcomes_rejects", "csv", "exits", "churnlab", "analyze"}
    english = [w for w in re.findall(r"[A-Za-z_]{3,}", text) if w not in allowed]
    assert english == []
    first = Section(page(runs["ru"], None), "review").text
    assert re.findall(r"[A-Za-z]{3,}", first) == []


# --- the words ---------------------------------------------------------------------------------


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_month_string_is_in_both_languages_with_the_same_fields() -> None:
    assert set(MONTH_TEXT) == {"en", "ru"}
    assert MONTH_TEXT["en"].keys() == MONTH_TEXT["ru"].keys()
    for key, english in MONTH_TEXT["en"].items():
        assert _fields(english) == _fields(MONTH_TEXT["ru"][key]), key
        assert english.strip() and MONTH_TEXT["ru"][key].strip(), key
        if key.endswith("_club"):
            assert key.removesuffix("_club") in MONTH_TEXT["en"], key
    assert len([key for key in MONTH_TEXT["en"] if key.startswith("rv_")]) > 80
