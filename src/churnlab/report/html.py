"""``report.html``: the analysis as one self-contained page a manager can read.

:func:`render_html` turns a :class:`~churnlab.analysis.summary.Summary` (and, when given, the
per-member table and the campaign list) into one HTML file that opens offline: inline CSS, charts
as inline SVG, one small inline script for the table filter, nothing loaded from anywhere. The
template (``templates/report.html.j2``) escapes every value; the UI strings and number formats
come from :mod:`churnlab.report.i18n` in the summary's language, worded for a fitness club when
the summary says the table is a club's (``meta["club_table"]``) and for any business otherwise.
What the members are worth (with each portrait's value at risk) and whom to call first, and
why, come from :mod:`churnlab.report.value_view`; a summary from before churnlab valued its
members shows neither.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from markupsafe import Markup

from churnlab.analysis.summary import FeatureProfile, Summary
from churnlab.data.names import shorten
from churnlab.report import charts
from churnlab.report.formats import (
    PageFormats,
    date_text,
    finite,
    known_role,
    param_text,
    sort_key,
    whole_number,
    width,
)
from churnlab.report.i18n import TEXT
from churnlab.report.pages import environment
from churnlab.report.value_view import portrait_at_risk, ranking_view, value_view

__all__ = ["render_html"]

#: Top drivers whose shape is drawn.
SHAPES = 6
#: Members in the at-risk table and in the call list.
AT_RISK = 100
#: Rows of each long list, the features' cards, the drivers' shapes (and the portraits'
#: charts) and the model's charts a phone shows until "show all" is tapped (the heatmap too is
#: a tap away): the report then fits some 25 screens of a phone; a laptop and paper show
#: everything.
PHONE_ROWS, PHONE_CARDS, PHONE_SHAPES, PHONE_CHARTS = 5, 3, 1, 2
CALL_LIST = 50


def render_html(
    summary: Summary,
    *,
    members: pd.DataFrame | None = None,
    campaign: pd.DataFrame | None = None,
    scores: str = "scores.csv",
) -> str:
    """The report as one self-contained HTML page, in the summary's language.

    Parameters
    ----------
    summary : Summary
        What :func:`churnlab.analysis.analyze.analyze` found; ``summary.meta["lang"]`` picks the
        language.
    members : pandas.DataFrame, optional
        The per-member table (``Analysis.members``): adds the table of members most at risk.
    campaign : pandas.DataFrame, optional
        The ranked call list (``Analysis.plan.campaign``): adds its first members to the plan.
    scores : str
        Where every member's scores are, for the note under the members most at risk.

    Returns
    -------
    str
        The HTML document.
    """
    lang = str(summary.meta.get("lang", "en"))
    lang = lang if lang in TEXT else "en"
    page = _Page(**_Page.of_summary(summary, lang), summary=summary, scores=scores)
    context = page.context(members, campaign)
    return environment().get_template("report.html.j2").render(**context)


@dataclass
class _Page(PageFormats):
    """The report's sections, each as the template's context."""

    summary: Summary = field(kw_only=True)
    scores: str = field(kw_only=True, default="scores.csv")

    # --- context ---------------------------------------------------------------------------------

    def context(
        self, members: pd.DataFrame | None, campaign: pd.DataFrame | None
    ) -> dict[str, Any]:
        s = self.summary
        sections = ["conclusions", "data", "quality", "drivers", "segments", "plan"]
        if members is not None and len(members):
            sections.append("members")
        created = date_text(str(s.meta.get("created", "")))
        return {
            "lang": self.lang,
            "t": self.t,
            "num": self.num,
            "pct": self.pct,
            "money": self.money,
            "source": str(s.meta.get("source") or s.data.source),
            "created": created,
            "version": str(s.meta.get("churnlab_version", "")),
            "data_hash": str(s.meta.get("data_hash") or "—"),
            "fitted_on": self.fitted_on(),
            "phone_rows": PHONE_ROWS,
            "phone_cards": PHONE_CARDS,
            "phone_shapes": PHONE_SHAPES,
            "phone_charts": PHONE_CHARTS,
            "sections": [{"id": name, "title": self.t(f"toc_{name}")} for name in sections],
            "conclusions": list(s.conclusions),
            "kpis": self.kpis(),
            "data": self.data(),
            "quality": self.quality(),
            "drivers": self.drivers(),
            "value": self.value(),
            "segments": self.segments(),
            "plan": self.plan(campaign),
            "members": self.members(members) if "members" in sections else None,
        }

    def fitted_on(self) -> str | None:
        """Which findings come from a sample of the members (``analyze --engine dask``)."""
        sample, members = self.summary.meta.get("fitted_on"), self.summary.data.members
        if sample is None or int(sample) >= members:
            return None
        return self.t("fitted_on", sample=self.num(sample), members=self.num(members))

    def kpis(self) -> list[dict[str, str]]:
        s = self.summary
        campaign = s.plan.get("campaign", {})
        metrics, spread = s.quality.metrics, s.quality.spread

        def kpi(
            label: str, value: str, note: str, tone: str = "", extra: str = ""
        ) -> dict[str, str]:
            return {"label": label, "value": value, "note": note, "tone": tone, "extra": extra}

        return [
            kpi(
                self.t("kpi_members"),
                self.num(s.data.members),
                f"{self.t('rows_rejected')}: {self.num(s.data.rejected)}",
            ),
            kpi(
                self.t("kpi_churn"),
                self.pct(s.data.churn_rate),
                self.t("kpi_churn_note", leavers=self.num(s.data.leavers)),
                "risk",
            ),
            kpi(
                "ROC-AUC",
                self.num(metrics.get("roc_auc"), 3),
                self.t("kpi_auc_note"),
                extra=f"± {self.num(spread.get('roc_auc'), 3)}",
            ),
            kpi(
                self.t("kpi_call"),
                self.num(campaign.get("members", 0)),
                self.t("kpi_call_note", cost=self.money(campaign.get("expected_cost", 0))),
            ),
            kpi(
                self.t("kpi_saving"),
                self.money(campaign.get("expected_saving", 0)),
                self.t("kpi_saving_note", net=self.money(campaign.get("expected_net", 0))),
                "good",
            ),
        ]

    def kinds(self) -> dict[str, str]:
        return {f.feature: f.kind for f in self.summary.data.features}

    def words(self) -> dict[str, list[str] | None]:
        """Each binary feature held as text: its words for 0 and 1."""
        return {f.feature: f.values for f in self.summary.data.features}

    def labels(self) -> dict[str, str]:
        return {f.feature: f.label for f in self.summary.data.features}

    def data(self) -> dict[str, Any]:
        d = self.summary.data
        features = [self.feature_card(f, d.churn_rate) for f in d.features]
        means = [
            {
                "label": f.label,
                "feature": f.feature,
                "stayers": self.mean_text(f.stayers_mean, f.kind),
                "leavers": self.mean_text(f.leavers_mean, f.kind),
                "difference": self.difference(f),
            }
            for f in d.features
            if f.stayers_mean is not None or f.leavers_mean is not None
        ]
        labels = self.labels()
        target = str(self.summary.meta.get("target", ""))
        columns = list(d.correlations.get("columns", []))
        names = [self.t("outcome") if c == target else labels.get(c, c) for c in columns]
        heatmap = (
            charts.correlation_chart(names, d.correlations["values"], self.lang)
            if len(columns) >= 2
            else None
        )
        pairs = [
            {
                "a": labels.get(p["a"], p["a"]),
                "b": labels.get(p["b"], p["b"]),
                "r": self.num(p["r"], 2),
            }
            for p in d.correlated_pairs
        ]
        return {
            "stats": [
                (self.t("rows_read"), self.num(d.rows)),
                (self.t("rows_rejected"), self.num(d.rejected)),
                (self.t("members_used"), self.num(d.members)),
                (self.t("leavers"), self.num(d.leavers)),
                (self.t("churn_rate"), self.pct(d.churn_rate)),
            ],
            "set_aside": d.set_aside,
            "features": features,
            "average": self.pct(d.churn_rate),
            "average_width": width(d.churn_rate),
            "means": means,
            "heatmap": _markup(heatmap),
            "pairs": pairs,
        }

    def feature_card(self, f: FeatureProfile, average: float) -> dict[str, Any]:
        rows = []
        for item in f.churn_by_value:
            rate = float(item.get("churn_rate", math.nan))
            level = "high" if rate > average * 1.25 else "low" if rate < average * 0.75 else "mid"
            rows.append(
                {
                    "value": self.value_label(item.get("value"), f.kind, f.values),
                    "rate": self.pct(rate, 0 if rate >= 0.1 else 1),
                    "width": width(rate),
                    "members": self.num(item.get("members")),
                    "level": level,
                }
            )
        return {
            "label": f.label,
            "feature": f.feature,
            "role": known_role(f.role),
            "role_text": self.role_text(f.role),
            "rows": rows,
        }

    def difference(self, f: FeatureProfile) -> str:
        if f.stayers_mean is None or f.leavers_mean is None:
            return "—"
        diff = f.leavers_mean - f.stayers_mean
        if not finite(diff):
            return "—"
        sign = "+" if diff > 0 else ""
        if f.kind == "binary":
            return self.t("points", value=sign + self.num(100 * diff, 1))
        return sign + self.short(diff, strip=False)

    def quality(self) -> dict[str, Any]:
        q = self.summary.quality
        warnings = []
        for warning in q.warnings:
            if warning.code == "too_good":
                warnings.append(self.t("warn_too_good"))
            elif warning.code == "leakage":  # a name may hold a comma, or be 130 long
                columns = ", ".join(shorten(str(c)) for c in warning.columns)
                warnings.append(self.t("warn_leakage", cols=columns))
        digits = {"lift_top_decile": 2}
        metrics = [
            {
                "name": self.t(f"m_{m}"),
                "value": self.num(v, digits.get(m, 3)),
                "spread": self.num(q.spread.get(m), digits.get(m, 3)),
                "meaning": self.t(f"d_{m}") if f"d_{m}" in TEXT[self.lang] else "",
            }
            for m, v in q.metrics.items()
            if f"m_{m}" in TEXT[self.lang]
        ]
        params = ", ".join(f"{k} = {param_text(v)}" for k, v in q.params.items())
        chosen = self.t(
            "learner_chosen",
            learner=self.learner_name(q.learner),
            params=f" ({params})" if params else "",
            threshold=self.num(q.threshold, 2),
            folds=q.folds,
        )
        candidates = [
            {
                "name": self.learner_name(name),
                "log_loss": self.num(loss, 4),
                "chosen": name == q.learner,
            }
            for name, loss in sorted(q.candidates.items(), key=lambda kv: sort_key(kv[1]))
        ]
        curves = q.curves
        base = self.summary.data.churn_rate
        chart_list = []
        if curves.get("roc"):
            chart_list.append(
                (
                    "chart_roc",
                    charts.roc_chart(
                        curves["roc"]["fpr"],
                        curves["roc"]["tpr"],
                        q.metrics.get("roc_auc", math.nan),
                        self.lang,
                    ),
                )
            )
        if curves.get("pr"):
            chart_list.append(
                (
                    "chart_pr",
                    charts.pr_chart(
                        curves["pr"]["recall"], curves["pr"]["precision"], base, self.lang
                    ),
                )
            )
        if curves.get("calibration"):
            chart_list.append(
                ("chart_calibration", charts.calibration_chart(curves["calibration"], self.lang))
            )
        if curves.get("lift"):
            chart_list.append(("chart_lift", charts.lift_chart(curves["lift"], self.lang)))
        return {
            "warnings": warnings,
            "metrics": metrics,
            "chosen": chosen,
            "candidates": candidates,
            "charts": [
                {"title": self.t(key), "note": self.t(f"{key}_note"), "svg": _markup(svg)}
                for key, svg in chart_list
            ],
        }

    def learner_name(self, name: str) -> str:
        key = f"learner_{name}"
        return self.t(key) if key in TEXT[self.lang] else name

    def drivers(self) -> dict[str, Any]:
        drivers = self.summary.drivers
        kinds = self.kinds()
        base = self.summary.data.churn_rate

        def item(d: dict[str, Any]) -> dict[str, str]:
            return {
                "label": str(d["label"]),
                "role": known_role(d["role"]),
                "role_text": self.role_text(str(d["role"])),
                "importance": self.points(d["importance"]),
                "direction": self.t(f"dir_{d.get('direction', 'mixed')}")
                if f"dir_{d.get('direction')}" in TEXT[self.lang]
                else "",
            }

        shapes = []
        for d in [d for d in drivers if d.get("shape")][:SHAPES]:
            kind = kinds.get(str(d["feature"]))
            words = self.words().get(str(d["feature"]))
            labels = [self.value_label(p.get("value"), kind, words) for p in d["shape"]]
            color = charts.ROLE_COLORS[known_role(d["role"])]
            shapes.append(
                {
                    **item(d),
                    "color": color,
                    "effect": self.t(
                        "driver_effect", value=self.points(d["importance"]).split()[0]
                    ),
                    "svg": _markup(
                        charts.shape_chart(
                            str(d["label"]), d["shape"], labels, base, color, self.lang
                        )
                    ),
                }
            )
        return {
            "chart": _markup(charts.importance_chart(drivers, self.lang)) if drivers else None,
            "levers": [item(d) for d in drivers if known_role(d["role"]) == "lever"],
            "traits": [item(d) for d in drivers if known_role(d["role"]) == "trait"],
            "unknown": [item(d) for d in drivers if known_role(d["role"]) == "unknown"],
            "known": any(known_role(d["role"]) != "unknown" for d in drivers),
            "colors": charts.ROLE_COLORS,
            "shapes": shapes,
        }

    def value(self) -> dict[str, Any] | None:
        """The members' value and the portraits by value at risk; None for a summary from
        before churnlab valued its members."""
        return value_view(getattr(self.summary, "value", None), self.summary.segments, self)

    def segments(self) -> dict[str, Any]:
        s = self.summary
        valued = self.value() is not None
        kinds = self.kinds()
        average = s.data.churn_rate
        cards = []
        for i, seg in enumerate(s.segments):
            rate = float(seg.get("churn_rate", math.nan))
            level = "high" if rate > average * 1.25 else "low" if rate < average * 0.75 else "mid"
            marks = []
            for mark in seg.get("distinguishing", []):
                share = mark.get("category") is not None or kinds.get(mark["feature"]) == "binary"

                def fmt(value: Any, share: bool = share) -> str:
                    return self.pct(value, strip=False) if share else self.short(value, strip=False)

                marks.append(
                    {
                        "label": str(mark["label"]),
                        "value": fmt(mark["segment_mean"]),
                        "overall": self.t("vs", value=fmt(mark["overall_mean"])),
                        "up": float(mark.get("difference_sd", 0)) > 0,
                    }
                )
            cards.append(
                {
                    "id": seg["id"],
                    "name": str(seg["name"]),
                    "color": charts.SEGMENT_COLORS[i % len(charts.SEGMENT_COLORS)],
                    "members": self.t(
                        "portrait_members",
                        members=self.num(seg["size"]),
                        share=self.pct(seg["share"], 0),
                    ),
                    "churn": self.t("portrait_churn", rate=self.pct(rate)),
                    "level": level,
                    "description": str(seg.get("description", "")),
                    "at_risk": portrait_at_risk(seg, self) if valued else None,
                    "marks": marks,
                }
            )
        seg_info = s.segmentation
        chosen = int(seg_info.get("chosen_k") or len(s.segments))
        stability = seg_info.get("stability")
        linkage = seg_info.get("dendrogram") or []
        k_scores = seg_info.get("k_scores") or {}
        chart_list = []
        if s.segments:
            chart_list.append(
                ("segments_chart", charts.segments_chart(s.segments, average, self.lang))
            )
        if k_scores:
            chart_list.append(("k_chart", charts.k_scores_chart(k_scores, chosen, self.lang)))
        return {
            "cards": cards,
            "charts": [
                {"title": self.t(key), "note": self.t(f"{key}_note"), "svg": _markup(svg)}
                for key, svg in chart_list
            ],
            "stability": self.t("stability", value=self.num(stability, 2))
            if finite(stability)
            else self.t("stability_unknown"),
            "method": self.method(str(seg_info.get("method") or "")),
            "dendrogram": _markup(charts.dendrogram_chart(linkage, chosen, self.lang))
            if len(linkage) >= 2
            else None,
            "dendrogram_note": self.t("dendrogram_note", k=chosen),
        }

    def method(self, method: str) -> str:
        """How the segments were found, in the report's language when it is a known method."""
        if not method:
            return ""
        if method.startswith("k-means"):
            method = self.t("method_kmeans")
        return self.t("method", method=method)

    def plan(self, campaign: pd.DataFrame | None) -> dict[str, Any]:
        plan = self.summary.plan
        economics = plan.get("economics", {})
        totals = plan.get("campaign", {})
        groups = []
        for g in plan.get("target_groups", []):
            title, _, who = str(g.get("name", "")).partition(" — ")
            groups.append(
                {
                    "title": title,
                    "who": who,
                    "action": str(g.get("action", "")),
                    "members": self.num(g.get("members")),
                    "probability": self.pct(g.get("churn_probability"), 0),
                    "terms": self.t(
                        "group_terms",
                        cost=self.money(g.get("cost_per_member"), exact=True),
                        success=self.pct(g.get("success_rate"), 0),
                    ),
                    "cost": self.num(g.get("expected_cost")),
                    "saving": self.num(g.get("expected_saving")),
                    "net": self.num(g.get("expected_net")),
                }
            )
        offer = economics.get("offer_cost")
        success = economics.get("success_rate")
        budget = economics.get("budget")
        assumptions = [
            (self.t("a_fee"), self.money(economics.get("fee"), exact=True)),
            (
                self.t("a_months"),
                self.t("a_months_value", months=self.short(float(economics.get("months_kept", 0)))),
            ),
            (
                self.t("a_offer_cost"),
                self.money(offer, exact=True) if offer is not None else self.t("a_offer_cost_own"),
            ),
            (
                self.t("a_success"),
                self.pct(success, 0) if success is not None else self.t("a_success_own"),
            ),
            (
                self.t("a_budget"),
                self.money(budget) if budget is not None else self.t("a_budget_none"),
            ),
            (self.t("a_currency"), str(economics.get("currency") or "—")),
        ]
        return {
            "totals": [
                (self.t("campaign_members"), self.num(totals.get("members", 0))),
                (self.t("expected_cost"), self.money(totals.get("expected_cost", 0))),
                (self.t("expected_saving"), self.money(totals.get("expected_saving", 0))),
                (self.t("expected_net"), self.money(totals.get("expected_net", 0))),
            ],
            "assumptions": assumptions,
            "currency": self.currency,
            "groups": groups,
            "calls": self.call_list(campaign),
            "playbook": self.playbook(),
            "ranking": ranking_view(plan, self),
        }

    def playbook(self) -> str:
        """Which playbook the measures came from, and how to give one's own."""
        playbook = self.summary.plan.get("playbook") or {}
        name = str(playbook.get("name") or "—")
        if playbook.get("file"):
            return self.t("playbook_builtin", name=name, file=str(playbook["file"]))
        return self.t("playbook_own", name=name)

    def segment_names(self) -> dict[int, str]:
        return {int(s["id"]): str(s["name"]) for s in self.summary.segments}

    def call_list(self, campaign: pd.DataFrame | None) -> dict[str, Any] | None:
        if campaign is None or not len(campaign):
            return None
        id_col = self.summary.data.id_col
        has_id = id_col is not None and id_col in campaign.columns
        names = self.segment_names()
        rows = []
        for _, r in campaign.head(CALL_LIST).iterrows():
            rows.append(
                {
                    "rank": self.num(r.get("rank")),
                    "who": str(r[id_col]) if has_id else self.row(r.get("row")),
                    "probability": self.pct(r.get("churn_probability")),
                    "width": width(r.get("churn_probability")),
                    "segment": names.get(whole_number(r.get("segment")), str(r.get("segment", ""))),
                    "measure": str(r.get("measure_title", r.get("measure", ""))),
                    "net": self.money(r.get("expected_net"), exact=True),
                }
            )
        return {
            "title": self.t("call_list", n=self.num(len(rows))),
            "who": str(id_col) if has_id else self.t("row"),
            "rows": rows,
        }

    def members(self, members: pd.DataFrame) -> dict[str, Any]:
        id_col = self.summary.data.id_col
        has_id = id_col is not None and id_col in members.columns
        top = members.sort_values("churn_probability", ascending=False, kind="stable").head(AT_RISK)
        reason_cols = sorted(c for c in top.columns if re.fullmatch(r"reason_\d+", c))
        rows = []
        for _, r in top.iterrows():
            tier = str(r.get("risk_tier", ""))
            reasons = [str(r[c]) for c in reason_cols if isinstance(r[c], str) and r[c].strip()]
            rows.append(
                {
                    "who": str(r[id_col]) if has_id else self.row(r.get("row")),
                    "probability": self.pct(r.get("churn_probability")),
                    "width": width(r.get("churn_probability")),
                    "tier": tier,
                    "tier_text": self.t(f"tier_{tier}")
                    if f"tier_{tier}" in TEXT[self.lang]
                    else tier,
                    "segment": str(r.get("segment_name", r.get("segment", ""))),
                    "reasons": reasons,
                    "measure": str(r.get("recommended_measure") or ""),
                }
            )
        by, filters = _filters(rows)
        return {
            "note": self.t("members_note", n=self.num(len(rows)), scores=self.scores),
            "who": str(id_col) if has_id else self.t("row"),
            "rows": rows,
            "filter_label": self.t(f"filter_label_{by}") if by else "",
            "filters": filters,
        }


def _filters(rows: list[dict[str, Any]]) -> tuple[str | None, list[dict[str, Any]]]:
    """What the list of members can be filtered by, and its buttons: the risk tier when the
    rows hold more than one, else the measure when they hold more than one (the members most
    at risk are often all of the high tier), else nothing. Each row gets its ``group``.

    The rows come riskiest first and the tiers are bands of the probability, so the tiers
    appear high, medium, low: their buttons keep that order; the measures' go most members
    first."""
    for by, key in (("tier", "tier_text"), ("measure", "measure")):
        values = [str(r[key]) for r in rows]
        counts = Counter(v for v in values if v)
        if len(counts) < 2:
            continue
        groups = list(counts) if by == "tier" else sorted(counts, key=lambda v: (-counts[v], v))
        number = {g: str(i) for i, g in enumerate(groups)}
        for r, value in zip(rows, values, strict=True):
            r["group"] = number.get(value, "")
        return by, [{"group": number[g], "text": g, "count": counts[g]} for g in groups]
    return None, []


def _markup(svg: str | None) -> Markup | None:
    """A chart made here (matplotlib escapes its text) as trusted markup."""
    return None if svg is None else Markup(charts.without_unused_ids(svg))
