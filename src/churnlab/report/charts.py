"""The report's charts: matplotlib figures written as inline SVG strings.

Figures are made with :class:`matplotlib.figure.Figure` directly — no pyplot, no GUI backend, no
global state — and dropped once written. Text stays text in the SVG (``svg.fonttype: none``), in
DejaVu Sans, which covers Cyrillic; every label comes from :mod:`churnlab.report.i18n`, so a
Russian report has Russian charts. Each chart gets its own id salt, so element ids never clash
between the charts of one page and the output is the same on every run.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, ScalarFormatter

from churnlab.report.formats import known_role
from churnlab.report.i18n import num, pct, t

__all__ = [
    "LEVER",
    "ROLE_COLORS",
    "SEGMENT_COLORS",
    "TRAIT",
    "UNKNOWN",
    "calibration_chart",
    "correlation_chart",
    "dendrogram_chart",
    "importance_chart",
    "k_scores_chart",
    "lift_chart",
    "pr_chart",
    "roc_chart",
    "segments_chart",
    "shape_chart",
    "without_unused_ids",
]

INK = "#1f2933"
MUTED = "#5f6b7a"
GRID = "#e6e9ef"
ACCENT = "#2b6cb0"
RISK = "#c2410c"
LEVER = "#2b6cb0"
TRAIT = "#d69e2e"
UNKNOWN = "#8492a6"
#: A driver's colour by its role: a lever, a fixed trait, or a role not given.
ROLE_COLORS = {"lever": LEVER, "trait": TRAIT, "unknown": UNKNOWN}
SEGMENT_COLORS = [
    "#c2410c",
    "#d69e2e",
    "#7c5cc4",
    "#0e8f8f",
    "#2f855a",
    "#2b6cb0",
    "#b83280",
    "#5f6b7a",
]

_STYLE: dict[str, Any] = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 10,
    "axes.edgecolor": "#c9d0d9",
    "axes.labelcolor": MUTED,
    "axes.titlesize": 11,
    "axes.titlecolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": GRID,
    "grid.linewidth": 0.8,
    "axes.axisbelow": True,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "text.color": INK,
    "legend.frameon": False,
    "legend.fontsize": 9,
    "figure.facecolor": "none",
    "axes.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.transparent": True,
    "path.simplify": True,
}


def _plain(text: object) -> str:
    """Text for matplotlib: ``$`` would start mathtext."""
    return str(text).replace("$", r"\$")


@contextmanager
def _figure(name: str, width: float, height: float) -> Iterator[Figure]:
    style: Any = {**_STYLE, "svg.hashsalt": f"churnlab-{name}"}
    with matplotlib.rc_context(style):
        yield Figure(figsize=(width, height), layout="constrained")


_HEAD = re.compile(r"^.*?(?=<svg)", re.S)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)
_SIZE = re.compile(r'<svg([^>]*?) width="[^"]*" height="[^"]*"')
_ID = re.compile(r'\sid="([^"]*)"')
_REFERENCE = re.compile(r"#([^\s\"')]+)")


def _svg(fig: Figure, label: str) -> str:
    """The figure as an inline ``<svg>`` element that scales to its container's width."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    fig.clear()
    text = _HEAD.sub("", buffer.getvalue(), count=1)
    text = _METADATA.sub("", text, count=1)
    text = _SIZE.sub(r'<svg\1 class="chart-svg" role="img"', text, count=1)
    label = label.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    return text.replace("<svg", f'<svg aria-label="{label}"', 1).strip()


def without_unused_ids(svg: str) -> str:
    """``svg`` without the ids nothing in it points to: matplotlib names every element
    (``figure_1``, ``patch_1`` ...) the same way in every chart, so a page of charts would hold
    each of those ids many times (the ids that are pointed to are salted per chart). The report
    drops them when it puts a chart on the page; the charts keep them.

    >>> without_unused_ids('<g id="patch_1"><path id="p1a"/><use href="#p1a"/></g>')
    '<g><path id="p1a"/><use href="#p1a"/></g>'
    """
    used = set(_REFERENCE.findall(svg))
    return _ID.sub(lambda m: m.group(0) if m.group(1) in used else "", svg)


class _Decimal(ScalarFormatter):
    """Axis numbers with the language's decimal mark."""

    def __init__(self, lang: str) -> None:
        super().__init__(useOffset=False)
        self.lang = lang

    def __call__(self, x: float, pos: int | None = None) -> str:
        text = super().__call__(x, pos)
        return text.replace(".", ",") if self.lang == "ru" else text


def _share_axis(ax: Axes, lang: str, which: str = "y") -> None:
    axis = ax.yaxis if which == "y" else ax.xaxis
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: pct(v, lang, 0)))


def _text_width(labels: Sequence[str]) -> int:
    return max((len(s) for s in labels), default=0)


# --- data ----------------------------------------------------------------------------------------


def correlation_chart(labels: Sequence[str], values: Sequence[Sequence[float]], lang: str) -> str:
    """Heatmap of the correlation matrix, every cell annotated."""
    matrix = np.asarray(values, dtype=float)
    n = len(labels)
    side = max(4.0, 0.42 * n + 0.075 * _text_width(labels))
    cmap = LinearSegmentedColormap.from_list("churnlab", ["#2b6cb0", "#f7f7f7", "#c2410c"])
    with _figure("correlations", side, side) as fig:
        ax = fig.subplots()
        ax.grid(False)
        # vector cells, not a raster image: crisp at any zoom, nothing embedded
        ax.pcolormesh(
            np.ma.masked_invalid(matrix), cmap=cmap, vmin=-1, vmax=1, edgecolors="white", lw=0.6
        )
        ax.set_xlim(0, n)
        ax.set_ylim(n, 0)
        ax.set_aspect("equal")
        ax.set_xticks(
            np.arange(n) + 0.5,
            [_plain(s) for s in labels],
            rotation=40,
            ha="right",
            rotation_mode="anchor",
            fontsize=9,
        )
        ax.set_yticks(np.arange(n) + 0.5, [_plain(s) for s in labels], fontsize=9)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        size = 7 if n <= 16 else 5.5
        for i in range(n):
            for j in range(n):
                value = matrix[i, j]
                if not math.isfinite(value):
                    continue
                ax.text(
                    j + 0.5,
                    i + 0.5,
                    num(value, 2, lang) if abs(value) < 1 else num(value, 0, lang),
                    ha="center",
                    va="center",
                    fontsize=size,
                    color="white" if abs(value) > 0.55 else INK,
                )
        return _svg(fig, t("correlations", lang))


# --- quality -------------------------------------------------------------------------------------


def roc_chart(fpr: Sequence[float], tpr: Sequence[float], auc: float, lang: str) -> str:
    with _figure("roc", 4.2, 3.3) as fig:
        ax = fig.subplots()
        ax.plot([0, 1], [0, 1], ls="--", color="#9aa5b1", lw=1, label=t("leg_chance", lang))
        ax.fill_between(fpr, tpr, color=ACCENT, alpha=0.08, lw=0)
        ax.plot(
            fpr,
            tpr,
            color=ACCENT,
            lw=2,
            label=f"{t('leg_model', lang)} (ROC-AUC {num(auc, 3, lang)})",
        )
        ax.set(xlim=(0, 1), ylim=(0, 1.01), xlabel=t("ax_fpr", lang), ylabel=t("ax_tpr", lang))
        _share_axis(ax, lang, "x")
        _share_axis(ax, lang, "y")
        ax.legend(loc="lower right")
        return _svg(fig, t("chart_roc", lang))


def pr_chart(
    recall: Sequence[float], precision: Sequence[float], base_rate: float, lang: str
) -> str:
    with _figure("pr", 4.2, 3.3) as fig:
        ax = fig.subplots()
        ax.axhline(base_rate, ls="--", color="#9aa5b1", lw=1, label=t("leg_base", lang))
        ax.plot(recall, precision, color=ACCENT, lw=2, label=t("leg_model", lang))
        ax.set(
            xlim=(0, 1), ylim=(0, 1.01), xlabel=t("ax_recall", lang), ylabel=t("ax_precision", lang)
        )
        _share_axis(ax, lang, "x")
        _share_axis(ax, lang, "y")
        ax.legend(loc="lower left")
        return _svg(fig, t("chart_pr", lang))


def calibration_chart(points: Sequence[dict[str, Any]], lang: str) -> str:
    predicted = [p["predicted"] for p in points]
    observed = [p["observed"] for p in points]
    members = np.asarray([p["members"] for p in points], dtype=float)
    sizes = 18 + 380 * np.sqrt(members / members.max()) if len(members) else members
    with _figure("calibration", 4.2, 3.3) as fig:
        ax = fig.subplots()
        ax.plot([0, 1], [0, 1], ls="--", color="#9aa5b1", lw=1, label=t("leg_perfect", lang))
        ax.plot(predicted, observed, color=ACCENT, lw=1.5, zorder=2)
        ax.scatter(
            predicted,
            observed,
            s=sizes,
            color=ACCENT,
            alpha=0.55,
            edgecolor="white",
            lw=1,
            zorder=3,
            label=t("leg_model", lang),
            clip_on=False,
        )
        ax.set(
            xlim=(-0.02, 1.02),
            ylim=(-0.02, 1.02),
            xlabel=t("ax_predicted", lang),
            ylabel=t("ax_observed", lang),
        )
        _share_axis(ax, lang, "x")
        _share_axis(ax, lang, "y")
        legend = ax.legend(loc="upper left", markerscale=0.4)
        for handle in legend.legend_handles:
            if handle is not None and hasattr(handle, "set_sizes"):
                handle.set_sizes([40])
        return _svg(fig, t("chart_calibration", lang))


def lift_chart(points: Sequence[dict[str, Any]], lang: str) -> str:
    deciles = [p["decile"] for p in points]
    lifts = [p["lift"] if p["lift"] is not None else 0.0 for p in points]
    with _figure("lift", 4.2, 3.3) as fig:
        ax = fig.subplots()
        colors = [RISK if v >= 1 else "#9aa5b1" for v in lifts]
        bars = ax.bar(deciles, lifts, color=colors, width=0.7)
        ax.axhline(1, ls="--", color=INK, lw=1)
        labels = [num(v, 1, lang) for v in lifts]
        ax.bar_label(bars, labels=labels, padding=2, fontsize=8, color=MUTED)
        ax.set(
            xlabel=t("ax_decile", lang),
            ylabel=t("ax_lift", lang),
            ylim=(0, max([*lifts, 1.0]) * 1.15),
        )
        ax.set_xticks(deciles)
        ax.grid(axis="x", visible=False)
        ax.yaxis.set_major_formatter(_Decimal(lang))
        return _svg(fig, t("chart_lift", lang))


# --- drivers -------------------------------------------------------------------------------------


def importance_chart(drivers: Sequence[dict[str, Any]], lang: str) -> str:
    """Horizontal bars, most important on top, coloured by role: lever, trait or role not given
    (:data:`ROLE_COLORS`); the legend names the roles shown."""
    from matplotlib.patches import Patch

    rows = list(drivers)[::-1]
    labels = [_plain(d["label"]) for d in rows]
    values = [float(d["importance"]) for d in rows]
    roles = [known_role(d.get("role")) for d in rows]
    colors = [ROLE_COLORS[role] for role in roles]
    width = 9.6
    height = 1.2 + 0.36 * len(rows)
    with _figure("importance", width, height) as fig:
        ax = fig.subplots()
        bars = ax.barh(range(len(rows)), values, color=colors, height=0.65)
        ax.set_yticks(range(len(rows)), labels)
        ax.tick_params(axis="y", length=0, labelcolor=INK)
        ax.bar_label(
            bars,
            labels=[num(v, 1 if v >= 0.1 else 2, lang) for v in values],
            padding=3,
            fontsize=8.5,
            color=MUTED,
        )
        ax.set_xlim(0, max([*values, 0.1]) * 1.12)
        ax.set_xlabel(t("ax_importance", lang))
        ax.xaxis.set_major_formatter(_Decimal(lang))
        ax.grid(axis="y", visible=False)
        ax.spines["left"].set_visible(False)
        ax.legend(
            handles=[
                Patch(color=color, label=t(f"leg_{role}", lang))
                for role, color in ROLE_COLORS.items()
                if role in roles
            ],
            loc="lower right",
        )
        return _svg(fig, t("importance_chart", lang))


def shape_chart(
    name: str,
    shape: Sequence[dict[str, Any]],
    labels: Sequence[str],
    base_rate: float,
    color: str,
    lang: str,
) -> str:
    """The model's churn probability along one driver's values: a line, or bars for few values."""
    x = np.arange(len(shape))
    y = [float(p["churn_probability"]) for p in shape]
    top = max(y, default=0.0)
    with _figure(f"shape-{name}", 3.7, 2.5) as fig:
        ax = fig.subplots()
        if len(shape) <= 3:
            bars = ax.bar(x, y, color=color, width=0.55, alpha=0.9)
            ax.bar_label(
                bars,
                labels=[pct(v, lang, 0 if v >= 0.1 else 1) for v in y],
                padding=2,
                fontsize=8.5,
                color=MUTED,
            )
            ax.set_xlim(-0.8, len(shape) - 0.2)
        else:
            ax.fill_between(x, y, color=color, alpha=0.1, lw=0)
            ax.plot(x, y, color=color, lw=2, marker="o", ms=3.5, clip_on=False)
        ax.axhline(base_rate, ls="--", color="#7b8794", lw=1)
        ax.set_ylim(0, max(1.0 if top > 0.6 else 0.0, top * 1.2, base_rate * 1.3))
        rotate = len(shape) > 4 and (len(shape) > 8 or _text_width(labels) > 5)
        ax.set_xticks(
            x,
            [_plain(s) for s in labels],
            rotation=40 if rotate else 0,
            ha="right" if rotate else "center",
            rotation_mode="anchor",
            fontsize=8 if rotate else 9,
        )
        ax.grid(axis="x", visible=False)
        ax.set_ylabel(t("ax_churn_probability", lang), fontsize=9)
        _share_axis(ax, lang)
        ax.yaxis.set_major_locator(MaxNLocator(4))
        return _svg(fig, name)


# --- segments ------------------------------------------------------------------------------------


def segments_chart(segments: Sequence[dict[str, Any]], churn_rate: float, lang: str) -> str:
    """Every portrait as a circle: members across, churn rate up, area by size."""
    sizes = np.asarray([float(s["size"]) for s in segments])
    rates = [float(s["churn_rate"]) for s in segments]
    with _figure("segments", 4.2, 3.3) as fig:
        ax = fig.subplots()
        ax.axhline(churn_rate, ls="--", color="#9aa5b1", lw=1, label=t("leg_base", lang))
        area = 120 + 1800 * sizes / max(sizes.max(), 1) if len(sizes) else sizes
        for i, segment in enumerate(segments):
            color = SEGMENT_COLORS[i % len(SEGMENT_COLORS)]
            ax.scatter(
                [sizes[i]],
                [rates[i]],
                s=area[i],
                color=color,
                alpha=0.75,
                edgecolor="white",
                lw=1.5,
                zorder=3,
            )
            ax.annotate(
                str(segment["id"]),
                (sizes[i], rates[i]),
                ha="center",
                va="center",
                fontsize=9,
                color="white",
                fontweight="bold",
                zorder=4,
            )
        top = max([*rates, churn_rate]) if rates else 1.0
        ceiling = min(1.05, top * 1.25 + 0.03)
        ax.set_ylim(-0.1 * ceiling, ceiling)  # room under 0 for a big circle with little churn
        span = sizes.max() if len(sizes) else 1.0
        ax.set_xlim(0, span * 1.2)
        ax.spines["bottom"].set_position(("data", -0.1 * ceiling))
        ax.set(xlabel=t("ax_members", lang), ylabel=t("ax_churn_rate", lang))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: num(v, 0, lang)))
        ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
        _share_axis(ax, lang)
        ax.legend(loc="upper right")
        return _svg(fig, t("segments_chart", lang))


def k_scores_chart(scores: dict[Any, float], chosen: int, lang: str) -> str:
    ks = sorted(int(k) for k in scores)
    values = [float(scores[k]) if k in scores else float(scores[str(k)]) for k in ks]
    with _figure("k-scores", 4.2, 3.3) as fig:
        ax = fig.subplots()
        ax.plot(ks, values, color=ACCENT, lw=2, marker="o", ms=5)
        if chosen in ks:
            best = values[ks.index(chosen)]
            ax.scatter([chosen], [best], s=160, facecolor="none", edgecolor=RISK, lw=2, zorder=3)
            ax.annotate(
                t("chosen_k", lang, k=chosen),
                (chosen, best),
                xytext=(0, 14),
                textcoords="offset points",
                ha="center",
                color=RISK,
                fontsize=9,
                fontweight="bold",
            )
        ax.set_xticks(ks)
        low, high = min(values, default=0.0), max(values, default=1.0)
        pad = (high - low) * 0.3 or 0.01
        ax.set_ylim(low - pad, high + pad * 1.4)
        ax.set(xlabel=t("ax_k", lang), ylabel=t("ax_silhouette", lang))
        ax.grid(axis="x", visible=False)
        ax.yaxis.set_major_formatter(_Decimal(lang))
        return _svg(fig, t("k_chart", lang))


def dendrogram_chart(linkage: Sequence[Sequence[float]], chosen: int, lang: str) -> str:
    """Ward tree of a member sample, the last 30 merges, cut into ``chosen`` groups."""
    from scipy.cluster.hierarchy import dendrogram

    Z = np.asarray(linkage, dtype=float)
    tree = dendrogram(Z, truncate_mode="lastp", p=30, no_plot=True, no_labels=True)
    heights = np.sort(Z[:, 2])
    with _figure("dendrogram", 10.0, 3.4) as fig:
        ax = fig.subplots()
        for xs, ys in zip(tree["icoord"], tree["dcoord"], strict=True):
            ax.plot(xs, ys, color="#7b8794", lw=1.1, solid_capstyle="butt")
        if 2 <= chosen <= len(heights):
            cut = (heights[-chosen] + heights[-chosen + 1]) / 2
            ax.axhline(cut, ls="--", color=RISK, lw=1.2)
            ax.annotate(
                t("cut", lang, k=chosen),
                (1, cut),
                xycoords=("axes fraction", "data"),
                xytext=(-4, 4),
                textcoords="offset points",
                ha="right",
                va="bottom",
                color=RISK,
                fontsize=9,
                fontweight="bold",
            )
        ax.set_xticks([])
        ax.set_xlim(0, 10 * len(tree["leaves"]))
        ax.set_ylim(0, heights[-1] * 1.05 if len(heights) else 1)
        ax.grid(axis="x", visible=False)
        ax.set_ylabel(t("ax_distance", lang))
        # at the left, where a phone shows it without scrolling the chart sideways
        ax.set_xlabel(t("ax_members_merged", lang), loc="left")
        ax.yaxis.set_major_formatter(_Decimal(lang))
        ax.spines["bottom"].set_visible(False)
        return _svg(fig, t("dendrogram", lang))
