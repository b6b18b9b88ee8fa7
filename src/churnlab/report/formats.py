"""How the report writes numbers, money, shares, values and roles, in the summary's language.

:class:`PageFormats` is what every section of ``report.html`` (:mod:`churnlab.report.html`)
formats with: it knows the language, the currency and whether to speak of a club.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from churnlab.analysis.summary import Summary
from churnlab.report.i18n import num, pct, t

__all__ = ["PageFormats", "date_text", "finite", "param_text", "sort_key", "whole_number", "width"]


def finite(value: Any) -> bool:
    """Whether ``value`` is a finite number (or text of one).

    >>> finite("2.5"), finite(float("nan")), finite(None), finite("n/a")
    (True, False, False, False)
    """
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def width(share: Any) -> str:
    """A share as a CSS width, 0–100 %."""
    value = float(share) if finite(share) else 0.0
    return f"{min(max(value, 0.0), 1.0) * 100:.1f}%"


def whole_number(value: Any, otherwise: int = -1) -> int:
    """``value`` as a whole number, or ``otherwise`` when it is none (a segment id missing).

    >>> whole_number("3"), whole_number(None)
    (3, -1)
    """
    try:
        return int(value)
    except (TypeError, ValueError):
        return otherwise


def sort_key(value: Any) -> float:
    return float(value) if finite(value) else math.inf


def param_text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def date_text(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    zone = " UTC" if moment.utcoffset() is not None and not moment.utcoffset() else ""
    return moment.strftime("%Y-%m-%d %H:%M") + zone


#: The roles the report shows: a feature the business can move, one it cannot, or neither known.
ROLES = ("lever", "trait", "unknown")


def known_role(role: object) -> str:
    """A feature's role as the report shows it: ``lever``, ``trait``, or ``unknown`` (a role not
    given) for anything else.

    >>> known_role("lever"), known_role("unknown"), known_role(None)
    ('lever', 'unknown', 'unknown')
    """
    return role if isinstance(role, str) and role in ROLES else "unknown"


@dataclass
class PageFormats:
    """A page's formats in one language (``en`` or ``ru``).

    Attributes
    ----------
    lang : str
    club : bool
        Whether the table is a fitness club's: the club's wording, else any business's.
    currency : str
        The currency of every sum.

    Examples
    --------
    >>> page = PageFormats("en", currency="USD")
    >>> page.pct(0.265), page.short(1234.6), page.value_label(1.0, "binary"), page.money(1500)
    ('26.5%', '1,235', 'yes', '1,500\xa0USD')
    """

    lang: str
    club: bool = False
    currency: str = ""

    @classmethod
    def of_summary(cls, summary: Summary, lang: str) -> dict[str, Any]:
        """The formats' fields for an analysis' summary (its wording and currency)."""
        return {
            "lang": lang,
            "club": bool(summary.meta.get("club_table", False)),
            "currency": str(summary.plan.get("economics", {}).get("currency") or ""),
        }

    def t(self, key: str, **fields: Any) -> str:
        return t(key, self.lang, club=self.club, **fields)

    def role_text(self, role: str) -> str:
        """A feature's role in words: lever, trait, or role not given."""
        known = known_role(role)
        return self.t("role_unknown" if known == "unknown" else known)

    def num(self, value: Any, digits: int = 0) -> str:
        return num(value, digits, self.lang)

    def pct(self, value: Any, digits: int = 1, *, strip: bool = True) -> str:
        if strip or not finite(value):
            return pct(value, self.lang, digits)
        text = self.num(100 * float(value), digits)
        return f"{text}\u00a0%" if self.lang == "ru" else f"{text}%"

    def money(self, value: Any, *, exact: bool = False) -> str:
        """An amount in whole units, or (``exact``) with its cents when it has any."""
        fractional = finite(value) and float(value) != round(float(value))
        text = self.num(value, 2 if exact and fractional else 0)
        return f"{text}\u00a0{self.currency}" if self.currency and text != "—" else text

    def row(self, value: Any) -> str:
        """A row number as written in the files: no digit groups."""
        return str(int(value)) if finite(value) else str(value)

    def points(self, value: Any) -> str:
        digits = 1 if not finite(value) or abs(float(value)) >= 0.1 else 2
        return self.t("points", value=self.num(value, digits))

    def short(self, value: float, *, strip: bool = True) -> str:
        """A bin edge or a mean: three significant figures at most (no trailing zeros)."""
        if not finite(value):
            return "—"
        size = abs(value)
        digits = 0 if size >= 100 else 1 if size >= 10 else 2
        text = self.num(value, digits)
        if digits and strip:
            mark = "," if self.lang == "ru" else "."
            text = text.rstrip("0").rstrip(mark)
        return text

    def value_label(self, value: Any, kind: str | None, words: Sequence[str] | None = None) -> str:
        """A value or range of a feature as people write it: yes/no (or a binary's own
        ``words`` for 0 and 1, such as Female/Male), 1–2, 0.35–0.79."""
        if words is not None and finite(value) and float(value) in (0.0, 1.0):
            return str(words[int(value)])
        if isinstance(value, bool) or (
            kind == "binary" and finite(value) and float(value) in (0.0, 1.0)
        ):
            return self.t("yes") if float(value) else self.t("no")
        if isinstance(value, (int, float)):
            return self.short(float(value))
        text = str(value)
        parts = re.fullmatch(r"\s*(-?[\d.,eE+]+)\s*[–-]\s*(-?[\d.,eE+]+)\s*", text)
        if parts:  # a bin's edges, thousands grouped by commas ("1,130–1,380")
            low, high = (float(part.replace(",", "")) for part in parts.groups())
            if -0.01 < low < 0:
                low = 0.0
            return f"{self.short(low)}–{self.short(high)}"
        return text

    def mean_text(self, value: float | None, kind: str) -> str:
        if value is None or not finite(value):
            return "—"
        return self.pct(value, strip=False) if kind == "binary" else self.short(value, strip=False)
