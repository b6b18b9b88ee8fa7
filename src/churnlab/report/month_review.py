"""The month page's review of last month, laid out as the texts the page shows.

``month.json``'s ``review`` (who left, the predictions back-tested, what each measure did against
its control group, drift, whether to retrain; :func:`churnlab.analysis.review.review_month`)
becomes, in :func:`review_view`, ready-formatted sentences, rows and cards; every figure there
may be missing, and shows as "—". :func:`success_texts` says of each measure of the plan whether
its success rate was measured or is still the playbook's assumption.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from churnlab.report.formats import finite
from churnlab.report.month_page import MonthPage
from churnlab.report.month_text import MONTH_TEXT

__all__ = ["REASON_CODES", "any_measured", "measure_title", "review_view", "success_texts"]

#: The reasons to retrain the review gives, each written as a sentence (``rv_reason_<code>``).
REASON_CODES = ("drift", "auc_drop", "miscalibrated")

_TIERS = ("high", "medium", "low")


def any_measured(groups: list[dict[str, Any]]) -> bool:
    """Whether the plan uses any measured success rate."""
    return any(_measured(g) for g in groups)


def _measured(group: dict[str, Any]) -> bool:
    return group.get("success_source") == "measured"


def success_texts(groups: list[dict[str, Any]], page: MonthPage) -> dict[str, str]:
    """Each measure's success rate as the plan used it: measured (with its interval) or the
    playbook's assumption (also when a ``month.json`` from before measuring does not say).

    Examples
    --------
    >>> groups = [
    ...     {"measure": "call", "success_rate": 0.33, "success_source": "measured",
    ...      "success_low": 0.08, "success_high": 0.55},
    ...     {"measure": "offer", "success_rate": 0.25},
    ... ]
    >>> success_texts(groups, MonthPage("en"))
    {'call': '33% (8–55%), measured', 'offer': '25%, assumed (playbook)'}
    """
    texts = {}
    for group in groups:
        rate = group.get("success_rate")
        if _measured(group):
            shown = page.interval(rate, group.get("success_low"), group.get("success_high"))
            texts[str(group.get("measure"))] = page.t("rv_success_measured", rate=shown)
        else:
            texts[str(group.get("measure"))] = page.t("rv_success_assumed", rate=page.figure(rate))
    return texts


# --- the review of last month -------------------------------------------------------------------


def review_view(review: dict[str, Any] | None, page: MonthPage) -> dict[str, Any] | None:
    """``month.json``'s review of last month as the texts the page shows, or None when there is
    none (a club's first month).

    Parameters
    ----------
    review : dict or None
        ``summary["review"]``: ``month``, ``outcomes``, ``backtest``, ``history``, ``measures``,
        ``drift``, ``recommendation``; any part or figure may be missing or None.
    page : MonthPage
        The page's language, wording and currency.

    Returns
    -------
    dict or None
        ``month``, ``outcomes`` (sentences and figures), ``backtest`` (rows of a metric and its
        two views), ``tiers``, ``history``, ``sparkline`` (an SVG polyline of ROC-AUC, or None),
        ``measures``, ``drift`` and ``recommendation``.

    Examples
    --------
    >>> view = review_view({"month": "2024-05", "outcomes": {"left": 9, "within_band": True},
    ...                     "recommendation": {"retrain": False, "reasons": []}}, MonthPage("en"))
    >>> view["outcomes"]["left"], view["outcomes"]["verdict"]
    ('9', 'That is inside the band: the model foresaw the total well.')
    >>> view["recommendation"]["headline"]
    'No need to retrain: the model still holds.'
    >>> review_view(None, MonthPage("en")) is None
    True
    """
    if not review:
        return None
    month = _text(review.get("month"))
    backtest = _part(review.get("backtest"))
    history = [_part(row) for row in review.get("history") or []]
    return {
        "month": month,
        "outcomes": _outcomes(_part(review.get("outcomes")), month, page),
        "backtest": _backtest(_part(backtest.get("all")), _part(backtest.get("untreated")), page),
        "tiers": _tiers(_part(backtest.get("all")), _part(backtest.get("untreated")), page),
        "history": [_history_row(row, page) for row in history],
        "sparkline": _sparkline([row.get("roc_auc") for row in history], page),
        "measures": [_measure(_part(m), page) for m in review.get("measures") or []],
        "drift": _drift(review.get("drift"), page),
        "recommendation": _recommendation(review.get("recommendation"), page),
    }


def _part(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _number(value: Any) -> float | None:
    return float(value) if finite(value) else None


def measure_title(measure: dict[str, Any], lang: str) -> str:
    """A reviewed measure's title in ``lang``: the playbook's, else as last month's campaign
    named it (a ``month.json`` from before the titles were kept).

    Examples
    --------
    >>> measure = {"measure": "call", "title": "Call", "titles": {"en": "Call", "ru": "Звонок"}}
    >>> measure_title(measure, "ru"), measure_title({"measure": "call", "title": "Call"}, "ru")
    ('Звонок', 'Call')
    """
    titles = measure.get("titles")
    if isinstance(titles, dict) and isinstance(titles.get(lang), str) and titles[lang]:
        return str(titles[lang])
    return _text(measure.get("title") or measure.get("measure"))


def _text(value: Any) -> str:
    return "—" if value is None or (isinstance(value, float) and not finite(value)) else str(value)


def _outcomes(outcomes: dict[str, Any], month: str, page: MonthPage) -> dict[str, Any]:
    left, low, high = (
        outcomes.get("left"),
        outcomes.get("expected_low"),
        outcomes.get("expected_high"),
    )
    within = outcomes.get("within_band")
    sentences = [
        page.t(
            "rv_left",
            scored=page.figure(outcomes.get("scored"), "count"),
            month=month,
            left=page.figure(left, "count"),
            rate=page.figure(outcomes.get("churn_rate")),
        )
    ]
    band = finite(low) and finite(high)
    if finite(outcomes.get("expected_leavers")):
        sentences.append(
            page.t(
                "rv_expected" if band else "rv_expected_no_band",
                expected=page.figure(outcomes.get("expected_leavers"), "count"),
                low=page.figure(low, "count"),
                high=page.figure(high, "count"),
            )
        )
    verdict, tone = None, ""
    if within is True:
        verdict, tone = page.t("rv_within"), "good"
    elif within is False:
        n, top, bottom = _number(left), _number(high), _number(low)
        above = n is not None and top is not None and n > top
        below = n is not None and bottom is not None and n < bottom
        key = "rv_above" if above else "rv_below" if below else "rv_outside"
        verdict, tone = page.t(key), "risk"
    notes = []
    if finite(outcomes.get("from_file")) and float(outcomes["from_file"]) > 0:
        notes.append(
            page.t(
                "rv_from_file",
                n=page.figure(outcomes["from_file"], "count"),
                file=_text(outcomes.get("outcomes_file")),
            )
        )
    if finite(outcomes.get("unmatched")) and float(outcomes["unmatched"]) > 0:
        notes.append(
            page.t("rv_unmatched", n=page.figure(outcomes["unmatched"], "count"), month=month)
        )
    return {
        "sentences": sentences,
        "verdict": verdict,
        "tone": tone,
        "notes": notes,
        "left": page.figure(left, "count"),
        "rate": page.figure(outcomes.get("churn_rate")),
        "expected": page.figure(outcomes.get("expected_leavers"), "count"),
        "band": (f"{page.figure(low, 'count')}–{page.figure(high, 'count')}" if band else "—"),
        "joined": page.figure(outcomes.get("joined"), "count"),
    }


#: The back-test's rows: the metric's text key and how its figure is written.
_METRICS = (
    ("rv_m_members", "members", "count", False),
    ("rv_m_left", "left", "count", False),
    ("rv_m_churn", "churn_rate", "pct", False),
    ("rv_m_predicted", "mean_probability", "pct", True),
    ("rv_m_auc", "roc_auc", "auc", True),
    ("rv_m_brier", "brier", "brier", True),
    ("rv_m_ece", "ece", "pct", True),
    ("rv_m_lift", "top_decile_lift", "times", True),
)


def _backtest_figure(view: dict[str, Any], key: str, kind: str, page: MonthPage) -> str:
    if key == "roc_auc":
        return page.interval(
            view.get(key), view.get("roc_auc_low"), view.get("roc_auc_high"), kind=kind
        )
    return page.figure(view.get(key), kind)


def _backtest(
    every: dict[str, Any], untreated: dict[str, Any], page: MonthPage
) -> list[dict[str, str]]:
    return [
        {
            "label": page.t(label),
            "note": page.t(f"{label}_note") if noted else "",
            "all": _backtest_figure(every, key, kind, page),
            "untreated": _backtest_figure(untreated, key, kind, page),
        }
        for label, key, kind, noted in _METRICS
    ]


def _tier_rows(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {_text(row.get("tier")): row for row in map(_part, view.get("by_tier") or [])}


def _tiers(
    every: dict[str, Any], untreated: dict[str, Any], page: MonthPage
) -> list[dict[str, str]]:
    first, second = _tier_rows(every), _tier_rows(untreated)
    known = [tier for tier in _TIERS if tier in first or tier in second]
    names = known + [tier for tier in _unique([*first, *second]) if tier not in _TIERS]
    rows = []
    for tier in names:
        a, b = first.get(tier, {}), second.get(tier, {})
        rows.append(
            {
                "tier": tier if tier in _TIERS else "",
                "name": page.t(f"tier_{tier}") if tier in _TIERS else tier,
                "members": page.figure(a.get("members"), "count"),
                "predicted": page.figure(a.get("predicted")),
                "observed": page.figure(a.get("observed")),
                "u_members": page.figure(b.get("members"), "count"),
                "u_predicted": page.figure(b.get("predicted")),
                "u_observed": page.figure(b.get("observed")),
            }
        )
    return rows


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _history_row(row: dict[str, Any], page: MonthPage) -> dict[str, str]:
    return {
        "month": _text(row.get("month")),
        "members": page.figure(row.get("members"), "count"),
        "left": page.figure(row.get("left"), "count"),
        "churn": page.figure(row.get("churn_rate")),
        "expected": page.figure(row.get("expected_leavers"), "count"),
        "auc": page.interval(
            row.get("roc_auc"), row.get("roc_auc_low"), row.get("roc_auc_high"), kind="auc"
        ),
        "brier": page.figure(row.get("brier"), "brier"),
        "ece": page.figure(row.get("ece")),
    }


#: The sparkline's box, in SVG units.
_SPARK_WIDTH, _SPARK_HEIGHT, _SPARK_PAD = 160.0, 40.0, 4.0


def _sparkline(values: list[Any], page: MonthPage) -> dict[str, Any] | None:
    """ROC-AUC month over month as an SVG polyline's points, with its first and last value
    (None with fewer than two)."""
    known = [(i, float(v)) for i, v in enumerate(values) if finite(v)]
    if len(known) < 2:
        return None
    low = min(min(v for _, v in known), 0.5)
    high = max(max(v for _, v in known), low + 0.05)
    step = (_SPARK_WIDTH - 2 * _SPARK_PAD) / max(len(values) - 1, 1)

    def y(value: float) -> float:
        share = (value - low) / (high - low)
        return round(_SPARK_HEIGHT - _SPARK_PAD - share * (_SPARK_HEIGHT - 2 * _SPARK_PAD), 1)

    dots = [(round(_SPARK_PAD + i * step, 1), y(v)) for i, v in known]
    return {
        "width": _SPARK_WIDTH,
        "height": _SPARK_HEIGHT,
        "points": " ".join(f"{x},{yy}" for x, yy in dots),
        "dots": dots,
        "chance": y(0.5),
        "first": page.figure(known[0][1], "auc"),
        "last": page.figure(known[-1][1], "auc"),
    }


def _measure(m: dict[str, Any], page: MonthPage) -> dict[str, Any]:
    low, high = _number(m.get("uplift_low")), _number(m.get("uplift_high"))
    if _number(m.get("uplift")) is None or low is None or high is None:
        status = "none"
    elif low > 0:
        status = "works"
    elif high < 0:
        status = "worse"
    else:
        status = "unclear"
    per_protocol = m.get("per_protocol")
    pp = None
    if isinstance(per_protocol, dict):
        pp = page.t(
            "rv_pp_text",
            recorded=page.figure(per_protocol.get("recorded"), "count"),
            reached=page.figure(per_protocol.get("reached"), "count"),
            left=page.figure(per_protocol.get("reached_left"), "count"),
            churn=page.figure(per_protocol.get("reached_churn")),
            uplift=page.interval(
                per_protocol.get("uplift"),
                per_protocol.get("uplift_low"),
                per_protocol.get("uplift_high"),
                kind="points",
            ),
        )
    return {
        "title": measure_title(m, page.lang),
        "status": status,
        "status_text": page.t(f"rv_status_{status}"),
        "thin": None
        if m.get("measured")
        else page.t("rv_thin", evidence=page.figure(m.get("evidence"), "count")),
        "contact": page.figure(m.get("contact"), "count"),
        "control": page.figure(m.get("control"), "count"),
        "contact_left": page.figure(m.get("contact_left"), "count"),
        "control_left": page.figure(m.get("control_left"), "count"),
        "contact_churn": page.figure(m.get("contact_churn")),
        "control_churn": page.figure(m.get("control_churn")),
        "uplift": page.interval(m.get("uplift"), low, high, kind="points"),
        "success": page.interval(
            m.get("success_rate"), m.get("success_low"), m.get("success_high")
        ),
        "prior": page.figure(m.get("prior_rate")),
        "p_pays": page.figure(m.get("p_pays")),
        "saves": page.interval(
            m.get("saves"), m.get("saves_low"), m.get("saves_high"), kind="count"
        ),
        "value": page.interval(
            m.get("value"), m.get("value_low"), m.get("value_high"), kind="money"
        ),
        "cost": page.figure(m.get("cost"), "money"),
        "net": page.figure(m.get("net"), "money"),
        "net_tone": "good" if finite(m.get("net")) and float(m["net"]) > 0 else "",
        "per_protocol": pp,
    }


def _drift(drift: Any, page: MonthPage) -> dict[str, Any]:
    if not isinstance(drift, dict):
        return {"missing": True, "lead": page.t("rv_drift_missing"), "drifted": [], "rest": []}
    named = {str(name) for name in drift.get("drifted") or []}
    features = []
    for feature in map(_part, drift.get("features") or []):
        name = _text(feature.get("feature"))
        features.append(
            {
                "label": _text(feature.get("label") or feature.get("feature")),
                "change": _change(feature, page),
                "statistic": _statistic(feature, page),
                "shift": page.figure(feature.get("churn_shift"), "points"),
                "drifted": bool(feature.get("drifted")) or name in named,
            }
        )
    drifted = [f for f in features if f["drifted"]]
    return {
        "missing": False,
        "lead": page.t(
            "rv_drift_lead",
            members=page.figure(drift.get("members"), "count"),
            reference=page.figure(drift.get("reference_members"), "count"),
        ),
        "drifted": drifted,
        "rest": [f for f in features if not f["drifted"]],
    }


def _change(feature: dict[str, Any], page: MonthPage) -> str:
    if feature.get("kind") == "category":
        top = _part(feature.get("top_change"))
        if not top:
            return "—"
        return page.t(
            "rv_share_change",
            value=_text(top.get("value")),
            before=page.figure(top.get("reference_share")),
            after=page.figure(top.get("share")),
        )
    before, after = _number(feature.get("reference_mean")), _number(feature.get("mean"))
    if before is None and after is None:
        return "—"
    return page.t(
        "rv_mean_change",
        before="—" if before is None else page.short(before),
        after="—" if after is None else page.short(after),
    )


def _statistic(feature: dict[str, Any], page: MonthPage) -> str:
    statistic = _text(feature.get("statistic"))
    key = f"rv_stat_{statistic}"
    texts = MONTH_TEXT.get(page.lang, MONTH_TEXT["en"])
    name = page.t(key) if key in texts else statistic
    value, threshold = (
        _distance(feature.get("value"), page),
        _distance(feature.get("threshold"), page),
    )
    return page.t("rv_statistic", name=name, value=value, threshold=threshold)


def _distance(value: Any, page: MonthPage) -> str:
    """A drift statistic: three decimals at most, trailing zeros dropped (``0.1``, ``2.45``)."""
    text = page.num(value, 3)
    if text == "—" or not re.search(r"[.,]\d+$", text):
        return text
    return text.rstrip("0").rstrip(".,")


def _recommendation(recommendation: Any, page: MonthPage) -> dict[str, Any] | None:
    if not isinstance(recommendation, dict):
        return None
    retrain = bool(recommendation.get("retrain"))
    reasons = [
        page.t(f"rv_reason_{code}") if code in REASON_CODES else _text(code)
        for code in recommendation.get("reasons") or []
    ]
    return {
        "retrain": retrain,
        "headline": page.t("rv_retrain" if retrain else "rv_keep"),
        "reasons": reasons,
    }
