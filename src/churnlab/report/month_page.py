"""The month page's formats: its own words first, then the analysis report's, and figures with
their 95 % intervals (``33% (8–55%)``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from churnlab.report.formats import PageFormats, finite
from churnlab.report.i18n import t
from churnlab.report.month_text import MONTH_TEXT

__all__ = ["MonthPage"]


@dataclass
class MonthPage(PageFormats):
    """The month page's formats: its own strings (:data:`~churnlab.report.month_text.MONTH_TEXT`)
    first, then the analysis report's; and figures with their intervals.

    Examples
    --------
    >>> page = MonthPage("en", currency="USD")
    >>> page.interval(0.33, 0.08, 0.55), page.interval(0.158, -0.02, 0.29, kind="points")
    ('33% (8–55%)', '15.8 pts (−2.0 – 29.0 pts)')
    >>> page.interval(0.74, 0.71, None, kind="auc"), page.interval(None, 0.1, 0.2)
    ('0.74', '—')
    >>> MonthPage("ru").interval(0.121, 0.03, 0.21)
    '12,1\xa0% (3–21\xa0%)'
    """

    def t(self, key: str, **fields: Any) -> str:
        texts = MONTH_TEXT.get(self.lang, MONTH_TEXT["en"])
        if key in texts:
            text = texts.get(f"{key}_club", texts[key]) if self.club else texts[key]
            return text.format(**fields) if fields else text
        return t(key, self.lang, club=self.club, **fields)

    def figure(self, value: Any, kind: str = "pct") -> str:
        """A figure as the page writes it: a share (``pct``), a difference of shares in points
        (``points``), a score of two decimals (``auc``), three (``brier``), a count (``count``),
        a lift (``times``) or money (``money``); "—" when missing."""
        if not finite(value):
            return "—"
        number = float(value)
        if kind == "pct":
            return self.pct(number)
        if kind == "points":
            return self.t("points", value=self.num(100 * number, 1))
        if kind == "money":
            return self.money(number)
        if kind == "times":
            return self.t("rv_times", value=self.num(number, 1))
        digits = {"auc": 2, "brier": 3}.get(kind, 0)
        return self.num(number, digits)

    def interval(self, value: Any, low: Any, high: Any, *, kind: str = "pct") -> str:
        """A figure with its 95 % interval, ``12% (3–21%)``; the figure alone when the interval
        is not known, "—" when the figure is not."""
        text = self.figure(value, kind)
        if text == "—" or not (finite(low) and finite(high)):
            return text
        unit = self._unit(kind)
        low_text, high_text = self.figure(low, kind), self.figure(high, kind)
        if unit and low_text.endswith(unit):
            low_text = low_text[: -len(unit)]
        dash = " – " if float(low) < 0 else "–"
        return f"{text} ({low_text}{dash}{high_text})"

    def _unit(self, kind: str) -> str:
        if kind == "pct":
            return "\u00a0%" if self.lang == "ru" else "%"
        if kind == "points":
            return self.t("points", value="")
        if kind == "money" and self.currency:
            return f"\u00a0{self.currency}"
        return ""
