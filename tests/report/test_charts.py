"""The report's charts: each is an SVG that parses, holds the labels it was given, one bar per
data point, and no script, in English and Russian."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from churnlab.report import charts
from churnlab.report.i18n import t

SVG = "{http://www.w3.org/2000/svg}"
LANGS = ["en", "ru"]


def _parse(svg: str) -> ET.Element:
    assert svg.startswith("<svg") and "<script" not in svg.lower()
    root = ET.fromstring(svg)  # well-formed XML, one root element
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    return root


def _texts(root: ET.Element) -> list[str]:
    return ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]


def _legend(root: ET.Element) -> list[str]:
    return [
        text for g in root.iter(f"{SVG}g") if g.get("id", "").startswith("legend") for text in
        _texts(g)
    ]  # fmt: skip


def _bars(root: ET.Element, colors: set[str]) -> int:
    """Patches filled with one of ``colors`` outside the legend: the bars."""
    legend = {
        id(node)
        for g in root.iter(f"{SVG}g")
        if g.get("id", "").startswith("legend")
        for node in g.iter()
    }
    count = 0
    for g in root.iter(f"{SVG}g"):
        if not g.get("id", "").startswith("patch_") or id(g) in legend:
            continue
        styles = [p.get("style", "") for p in g.iter(f"{SVG}path")]
        if any(f"fill: {c}" in style for style in styles for c in colors):
            count += 1
    return count


@pytest.mark.parametrize("lang", LANGS)
def test_importance_bars_labels_and_legend_of_the_roles_shown(lang: str) -> None:
    drivers = [
        {"label": "visits", "importance": 5.2, "role": "lever"},
        {"label": "age", "importance": 1.0, "role": "trait"},
        {"label": "cost $", "importance": 0.05, "role": None},  # "$" is not mathtext
    ]
    root = _parse(charts.importance_chart(drivers, lang))
    assert root.get("aria-label") == t("importance_chart", lang)
    texts = _texts(root)
    assert {"visits", "age", "cost $"} <= set(texts)
    assert _legend(root) == [t("leg_lever", lang), t("leg_trait", lang), t("leg_unknown", lang)]
    assert _bars(root, set(charts.ROLE_COLORS.values())) == 3
    assert ("5,2" if lang == "ru" else "5.2") in texts and (
        "0,05" if lang == "ru" else "0.05"
    ) in texts
    # roles not given are not in the legend
    two = _parse(charts.importance_chart(drivers[:2], lang))
    assert _legend(two) == [t("leg_lever", lang), t("leg_trait", lang)]
    assert _bars(two, set(charts.ROLE_COLORS.values())) == 2


@pytest.mark.parametrize("lang", LANGS)
def test_lift_has_one_bar_per_decile(lang: str) -> None:
    points = [{"decile": d, "lift": 3.5 - 0.35 * d} for d in range(1, 11)]
    points[-1]["lift"] = None
    root = _parse(charts.lift_chart(points, lang))
    assert _bars(root, {charts.RISK, "#9aa5b1"}) == 10
    texts = _texts(root)
    assert t("ax_decile", lang) in texts and t("ax_lift", lang) in texts
    assert ("3,1" if lang == "ru" else "3.1") in texts  # decile 1's lift, 3.15 -> 3.1 or 3.2
    assert root.get("aria-label") == t("chart_lift", lang)


@pytest.mark.parametrize("lang", LANGS)
def test_shape_bars_for_few_values_and_a_line_for_many(lang: str) -> None:
    few = [{"churn_probability": p} for p in (0.42, 0.08)]
    root = _parse(charts.shape_chart("Partner", few, ["No", "Yes"], 0.26, "#2b6cb0", lang))
    assert _bars(root, {"#2b6cb0"}) == 2
    texts = _texts(root)
    assert {"No", "Yes"} <= set(texts)
    assert ("42\u00a0%" if lang == "ru" else "42%") in texts
    assert ("8\u00a0%" if lang == "ru" else "8%") in texts
    many = [{"churn_probability": p} for p in (0.5, 0.4, 0.3, 0.2, 0.1)]
    labels = ["0–1", "1–2", "2–3", "3–5", "5+"]
    line = _parse(charts.shape_chart("visits", many, labels, 0.26, "#2b6cb0", lang))
    assert _bars(line, {"#2b6cb0"}) == 0
    assert set(labels) <= set(_texts(line)) and line.get("aria-label") == "visits"


@pytest.mark.parametrize("lang", LANGS)
def test_quality_curves(lang: str) -> None:
    roc = _parse(charts.roc_chart([0, 0.1, 0.3, 1], [0, 0.6, 0.9, 1], 0.9123, lang))
    auc = "0,912" if lang == "ru" else "0.912"
    assert _legend(roc) == [t("leg_chance", lang), f"{t('leg_model', lang)} (ROC-AUC {auc})"]
    pr = _parse(charts.pr_chart([0, 0.5, 1], [1, 0.8, 0.3], 0.27, lang))
    assert _legend(pr) == [t("leg_base", lang), t("leg_model", lang)]
    points = [
        {"predicted": 0.1, "observed": 0.12, "members": 300},
        {"predicted": 0.5, "observed": 0.45, "members": 50},
    ]
    calibration = _parse(charts.calibration_chart(points, lang))
    assert _legend(calibration) == [t("leg_perfect", lang), t("leg_model", lang)]
    assert {t("ax_predicted", lang), t("ax_observed", lang)} <= set(_texts(calibration))


@pytest.mark.parametrize("lang", LANGS)
def test_segments_k_scores_and_dendrogram(lang: str) -> None:
    segments = [
        {"id": 1, "size": 400, "churn_rate": 0.6},
        {"id": 2, "size": 1200, "churn_rate": 0.1},
        {"id": 3, "size": 700, "churn_rate": 0.3},
    ]
    root = _parse(charts.segments_chart(segments, 0.27, lang))
    assert {"1", "2", "3"} <= set(_texts(root))
    assert _legend(root) == [t("leg_base", lang)]
    scores = _parse(charts.k_scores_chart({2: 0.31, 3: 0.35, 4: 0.29}, 3, lang))
    assert t("chosen_k", lang, k=3) in _texts(scores)
    linkage = [[0, 1, 0.5, 2], [2, 3, 0.7, 2], [4, 5, 2.0, 4]]
    tree = _parse(charts.dendrogram_chart(linkage, 2, lang))
    assert t("cut", lang, k=2) in _texts(tree)
    assert tree.get("aria-label") == t("dendrogram", lang)
    # the axis' label starts at the left: a phone shows it whole before the chart scrolls
    label = next(e for e in tree.iter() if (e.text or "") == t("ax_members_merged", lang))
    width = float(tree.get("viewBox", "0 0 0 0").split()[2])
    assert "text-anchor: start" in label.get("style", "")
    assert float(label.get("x", "nan")) < 0.1 * width


@pytest.mark.parametrize("lang", LANGS)
def test_correlations_label_every_row_and_annotate_every_cell(lang: str) -> None:
    labels = ["age", "visits", "spend"]
    values = [[1.0, -0.25, 0.6], [-0.25, 1.0, float("nan")], [0.6, float("nan"), 1.0]]
    texts = _texts(_parse(charts.correlation_chart(labels, values, lang)))
    assert all(texts.count(label) == 2 for label in labels)  # across and down
    minus = "\u22120,25" if lang == "ru" else "\u22120.25"
    assert texts.count(minus) == 2 and texts.count("1") == 3  # NaN cells stay blank
    assert texts.count("0,60" if lang == "ru" else "0.60") == 2


def test_referenced_ids_differ_between_charts_and_are_the_same_on_every_run() -> None:
    a = charts.lift_chart([{"decile": 1, "lift": 2.0}], "en")
    b = charts.pr_chart([0, 1], [1, 0.3], 0.3, "en")
    assert a == charts.lift_chart([{"decile": 1, "lift": 2.0}], "en")

    def referenced(svg: str) -> set[str]:
        """The ids one element points to (clip paths, glyphs): a clash would mix charts."""
        return set(re.findall(r'(?:url\(#|href="#)([^)"]+)', svg))

    assert referenced(a) and referenced(b) and not referenced(a) & referenced(b)
